"""ingest(): scrape dumps -> posts / comments / rejects / truth Parquet + metrics, streaming."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from tqdm import tqdm

from fashion.ingest.annotations import AnnotatedPost, read_annotations
from fashion.ingest.media import check_media, pixel_cap
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


class _Run:
    """State of one ingest run: writers, counters and the seen post ids (the only per-post memory)."""

    def __init__(self, writers: dict[str, BatchedParquetWriter], config: IngestConfig, bar: tqdm):
        self.writers = writers
        self.config = config
        self.bar = bar
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()
        self.seen: dict[str, str] = {}   # post id -> file it came from (for duplicate details)

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
        post_id, source = post["post_id"], post["source"]
        first = self.seen.get(post_id)
        if first is not None:
            # the duplicate's own field problems are moot: the whole record is dropped
            self.counts["duplicates"] += 1
            self.counts["rejected_posts"] += 1
            self.reject(Reject(source, post_id, "duplicate_post",
                               f"post {post_id} in {source} was already ingested from {first}"))
            return
        self.seen[post_id] = source
        media = []
        for ref in record.media:
            problem = check_media(root, ref, self.config.max_image_pixels)
            if problem:
                self.reject(Reject(ref.rel, post_id, *problem))
            else:
                media.append({"path": ref.rel, "type": ref.type})
        self.writers["posts"].add({**post, "media": media, "dump_root": dump_root})
        self.counts["posts"] += 1
        self.counts["media"] += len(media)
        self.formats[post["source_format"]] += 1
        for comment in record.comments:
            self.writers["comments"].add(comment)
        self.counts["comments"] += len(record.comments)
        for reject in record.rejects:
            self.reject(reject)


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
    top-down, files by name, records in file order), so the same input gives the same bytes.
    Invariant: records_in == posts + rejected_posts."""
    out = Path(out_dir)
    schemas = {"posts": POSTS_SCHEMA, "comments": COMMENTS_SCHEMA, "rejects": REJECTS_SCHEMA, "truth": TRUTH_SCHEMA,
               "annotated": ANNOTATED_SCHEMA}
    writers = {name: BatchedParquetWriter(out / f"{name}.parquet", schema, config.batch_rows)
               for name, schema in schemas.items()}
    exports: list[AnnotationExport] = []
    with writers["posts"], writers["comments"], writers["rejects"], writers["truth"], writers["annotated"], \
            tqdm(desc="ingest", unit=" posts", disable=not config.progress, mininterval=1.0) as bar, \
            pixel_cap(config.max_image_pixels):
        run = _Run(writers, config, bar)
        for path in paths:
            root_path = dump_root_of(path)
            root = DumpRoot(root_path)
            for event in scan_path(path):
                if isinstance(event, AnnotationExport):
                    exports.append(event)  # after all posts, so truth can be matched to them
                else:
                    run.take(event, root, root_path)
        truth_posts = _truth(run, exports, config, ontology)
    metrics = {
        "records_in": run.counts["records_in"],
        "posts": run.counts["posts"],
        "rejected_posts": run.counts["rejected_posts"],
        "comments": run.counts["comments"],
        "media": run.counts["media"],
        "duplicates": run.counts["duplicates"],
        "rejects": sum(run.reasons.values()),
        "rejects_by_reason": dict(sorted(run.reasons.items())),
        "skipped_files": run.counts["skipped_files"],
        "formats": dict(sorted(run.formats.items())),
        "truth_items": writers["truth"].count,
        "truth_posts": len(truth_posts),
        "truth_posts_not_in_dump": sum(1 for post_id in truth_posts if post_id not in run.seen),
    }
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"], metrics
    return metrics


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
