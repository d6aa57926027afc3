"""ingest(): scrape dumps -> posts / comments / rejects / truth Parquet + metrics, streaming."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import pyarrow.parquet as pq
from tqdm import tqdm

from fashion.ingest.annotations import AnnotatedPost, read_annotations
from fashion.ingest.duplicates import Copy, Merged, merge
from fashion.ingest.media import check_media, pixel_cap
from fashion.ingest.partition import partition_tables
from fashion.ingest.paths import DumpRoot
from fashion.ingest.records import PostRecord
from fashion.ingest.rejects import Reject, RejectedRecord
from fashion.ingest.scan import AnnotationExport, Skipped, scan_path
from fashion.ingest.writer import (ANNOTATED_SCHEMA, COMMENTS_SCHEMA, POSTS_SCHEMA, REJECTS_SCHEMA, TRUTH_SCHEMA,
                                   BatchedParquetWriter)

if TYPE_CHECKING:
    from fashion.ontology import Ontology

OUTPUT_FILES = ("posts.parquet", "comments.parquet", "rejects.parquet", "truth.parquet", "annotated.parquet")


@dataclass(frozen=True)
class IngestConfig:
    max_image_pixels: int = 40_000_000   # larger images are rejected as decompression bombs
    ontology_root: str = "ontology"      # loaded only when an annotation export is found
    batch_rows: int = 2000               # rows per Parquet row group (memory bound)
    progress: bool = True
    partitions: int = 1                  # >1: posts/comments become dataset folders of this many parts (by account)

    def __post_init__(self):
        if int(self.partitions) < 1:
            raise ValueError(f"ingest.partitions: must be >= 1, got {self.partitions!r}")


class _Run:
    """State of one ingest run: writers, counters, the seen post ids (their position in posts
    order) and the extra copies of duplicated ids, the only per-post memory."""

    def __init__(self, writers: dict[str, BatchedParquetWriter], config: IngestConfig, bar: tqdm):
        self.writers = writers
        self.config = config
        self.bar = bar
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()
        self.seen: dict[str, int] = {}           # post id -> its row in posts.parquet
        self.copies: dict[str, list[Copy]] = {}  # post id -> copies read after the first one

    def reject(self, reject: Reject) -> None:
        self.writers["rejects"].add(reject.row())
        self.reasons[reject.code] += 1

    def take(self, event: Any, root: DumpRoot, dump_root: str) -> None:
        if isinstance(event, PostRecord):
            self.counts["records_in"] += 1
            self.bar.update(1)
            self._post(event, root, dump_root)
        elif isinstance(event, RejectedRecord):
            self.counts["records_in"] += 1
            self.counts["rejected_posts"] += 1
            self.bar.update(1)
            self.reject(event.reject)
        elif isinstance(event, Reject):
            self.reject(event)
        elif isinstance(event, Skipped):
            self.counts["skipped_files"] += 1
        else:
            raise TypeError(f"unexpected scan event {event!r}")

    def _post(self, record: PostRecord, root: DumpRoot, dump_root: str) -> None:
        post = record.post
        post_id = post["post_id"]
        media = []
        for ref in record.media:
            problem = check_media(root, ref, self.config.max_image_pixels)
            if problem:
                self.reject(Reject(ref.rel, post_id, *problem))
            else:
                media.append({"path": ref.rel, "type": ref.type})
        for reject in record.rejects:
            self.reject(reject)
        row = {**post, "media": media, "dump_root": dump_root}
        if post_id in self.seen:
            # merged with the first copy (already written) once every PATH has been read
            self.counts["duplicates"] += 1
            self.copies.setdefault(post_id, []).append(Copy(row, list(record.comments)))
            return
        self.seen[post_id] = len(self.seen)
        self.writers["posts"].add(row)
        self.counts["posts"] += 1
        self.counts["media"] += len(media)
        self.formats[post["source_format"]] += 1
        for comment in record.comments:
            self.writers["comments"].add(comment)
        self.counts["comments"] += len(record.comments)

    def publish(self, staging: Path, out: Path) -> None:
        """Staged posts/comments -> `out`: moved as they are when no post id repeated (the bytes
        streaming wrote), else rewritten with each duplicated post's first copy merged with the
        others, at the first copy's place."""
        if not self.copies:
            for name in ("posts", "comments"):
                os.replace(staging / f"{name}.parquet", out / f"{name}.parquet")
            return
        firsts = {post_id: Copy(row) for post_id, row in _rows(staging / "posts.parquet", self.config)
                  if post_id in self.copies}
        for post_id, row in _rows(staging / "comments.parquet", self.config):
            if post_id in self.copies:
                firsts[post_id].comments.append(row)
        merged = {post_id: merge([firsts[post_id], *copies]) for post_id, copies in sorted(self.copies.items())}
        for post_id, result in merged.items():
            first = firsts[post_id]
            self.counts["media"] += len(result.post["media"]) - len(first.post["media"])
            self.counts["comments"] += len(result.comments) - len(first.comments)
            self.formats[first.post["source_format"]] -= 1
            self.formats[result.post["source_format"]] += 1
            for conflict in result.conflicts:
                self.reject(conflict)
        self.counts["duplicates_merged"] = len(merged)
        self.counts["duplicate_conflicts"] = sum(len(m.conflicts) for m in merged.values())
        with BatchedParquetWriter(out / "posts.parquet", POSTS_SCHEMA, self.config.batch_rows) as posts:
            for post_id, row in _rows(staging / "posts.parquet", self.config):
                posts.add(merged[post_id].post if post_id in merged else row)
        with BatchedParquetWriter(out / "comments.parquet", COMMENTS_SCHEMA, self.config.batch_rows) as comments:
            for row in self._merged_comments(staging / "comments.parquet", merged):
                comments.add(row)

    def _merged_comments(self, staged: Path, merged: dict[str, Merged]) -> Iterator[dict]:
        """Comment rows in posts order, a merged post's (which its first copy may not have had)
        where its post is."""
        pending = sorted((self.seen[post_id], post_id) for post_id in merged)
        pending.reverse()  # popped from the end: lowest position first
        for post_id, row in _rows(staged, self.config):
            position = self.seen[post_id]
            while pending and pending[-1][0] <= position:
                yield from merged[pending.pop()[1]].comments
            if post_id not in merged:
                yield row
        while pending:
            yield from merged[pending.pop()[1]].comments


def _rows(path: Path, config: IngestConfig) -> Iterator[tuple[str, dict]]:
    """(post_id, row) of a staged table, streamed in row batches."""
    with pq.ParquetFile(path) as table:
        for batch in table.iter_batches(batch_size=config.batch_rows):
            for row in batch.to_pylist():
                yield row["post_id"], row


def dump_root_of(path: str | os.PathLike) -> str:
    """The folder a PATH's `media[].path` and `source` are relative to, spelled as given: the PATH
    itself for a folder, its parent for a file (an export, whose media lie beside it)."""
    text = os.fspath(path)
    if Path(text).is_dir() or not Path(text).exists():
        return text
    return os.path.dirname(text) or "."


def ingest(paths: Sequence[str | os.PathLike], out_dir: str | os.PathLike,
           config: IngestConfig = IngestConfig(), ontology: "Ontology | None" = None) -> dict[str, Any]:
    """Read every PATH (Instaloader profile folder or folder of them, instagram-scraper or Apify
    JSON, annotation export; auto-detected per file), write posts/comments/rejects/truth.parquet
    into `out_dir` and return the metrics dict. Rows keep input order (PATH order, folders
    top-down, files by name, records in file order), so the same input gives the same bytes;
    copies of one post id become one post whatever their order. Invariant:
    records_in == posts + rejected_posts + duplicates."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # posts and comments are staged: a post id seen again later may change rows already written
    staging = Path(tempfile.mkdtemp(prefix=".ingest-staging.", dir=out))
    try:
        return _ingest(paths, out, staging, config, ontology)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _ingest(paths: Sequence[str | os.PathLike], out: Path, staging: Path, config: IngestConfig,
            ontology: "Ontology | None") -> dict[str, Any]:
    writers = {"posts": BatchedParquetWriter(staging / "posts.parquet", POSTS_SCHEMA, config.batch_rows),
               "comments": BatchedParquetWriter(staging / "comments.parquet", COMMENTS_SCHEMA, config.batch_rows),
               "rejects": BatchedParquetWriter(out / "rejects.parquet", REJECTS_SCHEMA, config.batch_rows),
               "truth": BatchedParquetWriter(out / "truth.parquet", TRUTH_SCHEMA, config.batch_rows),
               "annotated": BatchedParquetWriter(out / "annotated.parquet", ANNOTATED_SCHEMA, config.batch_rows)}
    exports: list[AnnotationExport] = []
    inputs: list[dict[str, Any]] = []
    with writers["rejects"], writers["truth"], writers["annotated"], \
            tqdm(desc="ingest", unit=" posts", disable=not config.progress, mininterval=1.0) as bar, \
            pixel_cap(config.max_image_pixels):
        run = _Run(writers, config, bar)
        with writers["posts"], writers["comments"]:
            for path in paths:
                root_path = dump_root_of(path)
                root = DumpRoot(root_path)
                events: Counter[str] = Counter()
                for event in scan_path(path):
                    events[type(event).__name__] += 1
                    if isinstance(event, (Reject, RejectedRecord)):
                        events["code:" + (event if isinstance(event, Reject) else event.reject).code] += 1
                    if isinstance(event, AnnotationExport):
                        exports.append(event)  # after all posts, so truth can be matched to them
                    else:
                        run.take(event, root, root_path)
                inputs.append(_input(path, events))
        for name in ("posts", "comments"):  # a dataset folder of an earlier run with other partitions
            if (out / f"{name}.parquet").is_dir():
                shutil.rmtree(out / f"{name}.parquet")
        run.publish(staging, out)
        if config.partitions > 1:
            partition_tables(out, POSTS_SCHEMA, COMMENTS_SCHEMA, int(config.partitions), config.batch_rows)
        truth_posts = _truth(run, exports, config, ontology)
    metrics = {
        "records_in": run.counts["records_in"],
        "posts": run.counts["posts"],
        "rejected_posts": run.counts["rejected_posts"],
        "comments": run.counts["comments"],
        "media": run.counts["media"],
        "duplicates": run.counts["duplicates"],
        "duplicates_merged": run.counts["duplicates_merged"],
        "duplicate_conflicts": run.counts["duplicate_conflicts"],
        "rejects": sum(run.reasons.values()),
        "rejects_by_reason": dict(sorted(run.reasons.items())),
        "skipped_files": run.counts["skipped_files"],
        "formats": dict(sorted((k, n) for k, n in run.formats.items() if n)),
        "inputs": inputs,
        "truth_items": writers["truth"].count,
        "truth_posts": len(truth_posts),
        "truth_posts_not_in_dump": sum(1 for post_id in truth_posts if post_id not in run.seen),
    }
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"] + metrics["duplicates"], metrics
    return metrics


def _input(path: str | os.PathLike, events: Counter[str]) -> dict[str, Any]:
    """metrics `inputs` entry of one PATH: its post records (copies merged elsewhere included)
    and, when it gave none, `no_post` saying what it held instead. A PATH holding an annotation
    export gives truth, not posts: not a `no_post`."""
    entry: dict[str, Any] = {"path": os.fspath(path), "posts": events["PostRecord"]}
    if entry["posts"] or events["AnnotationExport"]:
        return entry
    codes = sorted(key[5:] for key in events if key.startswith("code:"))
    rows = sum(events[f"code:{code}"] for code in codes)
    if codes == ["path_not_found"]:
        entry["no_post"] = "no such file or folder"
    elif not rows and not events["Skipped"]:
        entry["no_post"] = "no files in it"
    else:
        held = [f"{rows} reject row(s): {', '.join(codes)}"] if rows else []
        held += [f"{events['Skipped']} file(s) skipped"] if events["Skipped"] else []
        entry["no_post"] = "; ".join(held + (["see rejects.parquet"] if rows else []))
    return entry


def no_post_warnings(metrics: dict[str, Any]) -> list[str]:
    """"PATH: no post found (why)" for every PATH that gave no post (metrics `inputs`)."""
    return [f"{entry['path']}: no post found ({entry['no_post']})"
            for entry in metrics.get("inputs", []) if "no_post" in entry]


def _truth(run: _Run, exports: list[AnnotationExport], config: IngestConfig,
           ontology: "Ontology | None") -> set[str]:
    """Write truth rows of every annotation export; returns the annotated post ids."""
    if not exports:
        return set()
    if ontology is None:
        from fashion.ontology import load_ontology

        ontology = load_ontology(config.ontology_root)
    annotated: set[str] = set()
    for export in exports:
        for item in read_annotations(export.source, export.loaded, ontology, annotated):
            if isinstance(item, Reject):
                run.reject(item)
            elif isinstance(item, AnnotatedPost):
                run.writers["annotated"].add({"post_id": str(item)})
            else:
                run.writers["truth"].add(item)
    return annotated
