"""posts.parquet + comments.parquet -> tokens.parquet, streamed, deduplicated and parallel.

Row order is deterministic and grouped by post (posts.parquet order): the caption, the post-level
hashtags missing from the caption, the user tags, then the post's comments in file order.
Comments whose post is not in posts.parquet are kept (never lost) after all posts, grouped by
post id. Downstream stages rely on this grouping to stream one post at a time.

Work is split into chunks of texts sent to a fork()ed Pool; at most ``2 * workers`` chunks are in
flight and results are consumed in submission order, so the output never depends on timing.
Identical texts are normalised once: within a chunk always, across chunks through a bounded cache
of short texts (the "love it 😍" comments that repeat thousands of times).
"""
from __future__ import annotations

import multiprocessing as mp
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from fashion.io import atomic_path
from fashion.text.lexicon import preload
from fashion.text.normalize import NormalizeConfig, NormalizedText, TextNormalizer

TOKENS_SCHEMA = pa.schema([
    ("post_id", pa.string()),
    ("field", pa.string()),
    ("text_id", pa.string()),
    ("lang", pa.string()),
    ("tokens", pa.list_(pa.string())),
    ("hashtags", pa.list_(pa.string())),
    ("segmented", pa.list_(pa.string())),
    ("emojis", pa.list_(pa.string())),
    ("handles", pa.list_(pa.string())),
])

FIELDS = ("caption", "hashtags", "usertags", "comment")


class CorpusError(ValueError):
    """An input file lacks a column or is unreadable: message names the file and the reason."""


@dataclass(frozen=True)
class RowSpec:
    """One output row before normalisation: its text (caption/comment) or tag list."""

    post_id: str
    field: str
    text_id: str
    text: str | None = None
    tags: tuple[str, ...] = ()


def _require(path: Path, needed: tuple[str, ...]) -> pq.ParquetFile:
    if not path.exists():
        raise CorpusError(f"{path}: not found")
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise CorpusError(f"{path}: unreadable Parquet ({exc})") from None
    missing = [c for c in needed if c not in pf.schema_arrow.names]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    return pf


# -- corpus word counts (teach the hashtag segmenter) -------------------------------------------
_NON_WORDS = r"(?:https?://|www\.)\S+|[#@][\w_'-]+"


def count_words(texts: pa.Array | pa.ChunkedArray) -> Counter:
    """Lower-case letter-only words of plain text (hashtags, handles and URLs excluded), via Arrow."""
    counts: Counter = Counter()
    if len(texts) == 0:
        return counts
    lower = pc.utf8_lower(pc.fill_null(texts, ""))
    plain = pc.replace_substring_regex(lower, _NON_WORDS, " ")
    words = pc.list_flatten(pc.split_pattern_regex(plain, r"[^\p{L}]+"))
    words = pc.filter(words, pc.greater(pc.utf8_length(words), 1))
    if len(words) == 0:
        return counts
    vc = pc.value_counts(words)
    counts.update(dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist())))
    return counts


# -- reading in post order -------------------------------------------------------------------
def _post_table(posts_path: Path) -> pa.Table:
    pf = _require(posts_path, ("post_id", "caption", "hashtags"))
    cols = ["post_id", "caption", "hashtags"] + (["usertags"] if "usertags" in pf.schema_arrow.names else [])
    table = pf.read(columns=cols)
    if table.column("post_id").null_count:
        raise CorpusError(f"{posts_path}: {table.column('post_id').null_count} post(s) without post_id")
    return table


def _comment_batches(comments_path: Path, post_ids: pa.ChunkedArray, batch_rows: int
                     ) -> tuple[int, Iterator[tuple[np.ndarray, list, list, list]]]:
    """Comments in posts.parquet order: yields (post index, post ids, comment ids, texts) batches.

    Post index -1 marks orphans (post not in posts.parquet); they come last, grouped by post id.
    Files already grouped in post order stream batch by batch; others are sorted in memory.
    """
    pf = _require(comments_path, ("post_id", "comment_id", "text"))
    cols = ["post_id", "comment_id", "text"]
    ids = pf.read(columns=["post_id"]).column("post_id")
    index = pc.index_in(ids, value_set=post_ids).to_numpy(zero_copy_only=False)
    index = np.where(np.isnan(index), -1, index).astype(np.int64) if index.dtype.kind == "f" else index
    n = len(index)
    orphans = int((index < 0).sum())
    ordered = orphans == 0 and (n < 2 or bool(np.all(np.diff(index) >= 0)))

    def streamed():
        offset = 0
        for batch in pf.iter_batches(batch_size=batch_rows, columns=cols):
            rows = batch.num_rows
            yield (index[offset:offset + rows], batch.column(0).to_pylist(), batch.column(1).to_pylist(),
                   batch.column(2).to_pylist())
            offset += rows

    def sorted_in_memory():
        table = pf.read(columns=cols)
        key = np.where(index < 0, len(post_ids), index)
        orphan_rank = np.zeros(n, dtype=np.int64)
        if orphans:
            orphan_ids = pc.take(table.column("post_id"), pa.array(np.flatnonzero(index < 0)))
            order_ids = np.argsort(np.asarray(orphan_ids.to_pylist(), dtype=object), kind="stable")
            ranks = np.empty(len(order_ids), dtype=np.int64)
            ranks[order_ids] = np.arange(len(order_ids))
            orphan_rank[index < 0] = ranks
        order = np.lexsort((np.arange(n), orphan_rank, key))
        for start in range(0, n, batch_rows):
            take = pa.array(order[start:start + batch_rows])
            part = table.take(take)
            yield (index[order[start:start + batch_rows]], part.column(0).to_pylist(),
                   part.column(1).to_pylist(), part.column(2).to_pylist())

    return orphans, (streamed() if ordered else sorted_in_memory())


def iter_row_specs(posts: pa.Table, comment_batches: Iterator[tuple[np.ndarray, list, list, list]]
                   ) -> Iterator[RowSpec]:
    """Output rows in their final order (see module docstring)."""
    post_ids = posts.column("post_id").to_pylist()
    captions = posts.column("caption").to_pylist()
    tags = posts.column("hashtags").to_pylist()
    usertags = posts.column("usertags").to_pylist() if "usertags" in posts.column_names else [None] * len(post_ids)
    pending: list[tuple[int, str, str, str | None]] = []
    it = iter(comment_batches)

    def next_batch() -> bool:
        for idx, pids, cids, texts in it:
            pending.extend(zip(idx.tolist(), pids, cids, texts))
            if pending:
                pending.reverse()  # pop() from the end keeps file order
                return True
        return False

    for i, pid in enumerate(post_ids):
        if captions[i] is not None:
            yield RowSpec(pid, "caption", f"{pid}/caption", text=captions[i])
        if tags[i]:
            yield RowSpec(pid, "hashtags", f"{pid}/hashtags", tags=tuple(t for t in tags[i] if t))
        if usertags[i]:
            yield RowSpec(pid, "usertags", f"{pid}/usertags", tags=tuple(t for t in usertags[i] if t))
        while pending or next_batch():
            idx, cpid, cid, text = pending[-1]
            if idx != i:
                break
            pending.pop()
            yield RowSpec(cpid, "comment", str(cid), text=text if text is not None else "")
    while pending or next_batch():
        idx, cpid, cid, text = pending.pop()
        yield RowSpec(cpid, "comment", str(cid), text=text if text is not None else "")


# -- workers ---------------------------------------------------------------------------------
_WORKER: TextNormalizer | None = None


def _normalize_chunk(texts: list[str]) -> list[NormalizedText]:
    return _WORKER.normalize_many(texts)


class _Writer:
    """Accumulates rows and writes them as Parquet row groups."""

    def __init__(self, path: Path, row_group_rows: int):
        self.writer = pq.ParquetWriter(path, TOKENS_SCHEMA, compression="zstd")
        self.row_group_rows = row_group_rows
        self.columns: dict[str, list] = {name: [] for name in TOKENS_SCHEMA.names}
        self.rows = 0

    def add(self, spec: RowSpec, result: NormalizedText) -> None:
        c = self.columns
        c["post_id"].append(spec.post_id)
        c["field"].append(spec.field)
        c["text_id"].append(spec.text_id)
        c["lang"].append(result.lang)
        c["tokens"].append(result.tokens)
        c["hashtags"].append(result.hashtags)
        c["segmented"].append(result.segmented)
        c["emojis"].append(result.emojis)
        c["handles"].append(result.handles)
        if len(c["post_id"]) >= self.row_group_rows:
            self.flush()

    def flush(self) -> None:
        n = len(self.columns["post_id"])
        if n:
            self.writer.write_table(pa.table(self.columns, schema=TOKENS_SCHEMA), row_group_size=n)
            self.rows += n
            self.columns = {name: [] for name in TOKENS_SCHEMA.names}

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _tag_row(normalizer: TextNormalizer, spec: RowSpec, caption: NormalizedText | None) -> NormalizedText | None:
    """Rows built from tag lists: post hashtags missing from the caption, or user tags."""
    if spec.field == "hashtags":
        seen = set(caption.hashtags) if caption is not None else set()
        extra = [t.lower().lstrip("#") for t in spec.tags]
        extra = [t for t in dict.fromkeys(extra) if t and t not in seen]
        if not extra:
            return None
        lang = caption.lang if caption is not None else "en"
        words = normalizer.normalize_hashtags(extra, lang)
        return NormalizedText(lang, [], extra, words, [], [])
    names = [t.lower().lstrip("@") for t in spec.tags]
    names = [t for t in names if t]
    return NormalizedText("und", names, [], [], [], names)


def normalize_corpus(posts_path: str | Path, comments_path: str | Path, out_path: str | Path, ontology,
                     config: NormalizeConfig = NormalizeConfig(), progress: bool = True) -> dict:
    """Write tokens.parquet (docs/contracts.md) and return run statistics."""
    global _WORKER
    started = time.perf_counter()
    posts_path, comments_path, out_path = Path(posts_path), Path(comments_path), Path(out_path)
    posts = _post_table(posts_path)
    orphans, comment_iter = _comment_batches(comments_path, posts.column("post_id"), batch_rows=50_000)
    if orphans:
        print(f"{comments_path}: {orphans} comment(s) of posts missing from {posts_path} kept after all posts",
              file=sys.stderr)

    counts = count_words(posts.column("caption"))
    for batch in _require(comments_path, ("text",)).iter_batches(batch_size=200_000, columns=["text"]):
        counts.update(count_words(batch.column(0)))
    normalizer = TextNormalizer.from_ontology(
        ontology, corpus_counts=counts, min_hashtag_len=config.min_hashtag_len_to_segment,
        max_hashtag_len=config.max_hashtag_len_to_segment, min_corpus_count=config.min_corpus_count,
        batch_tokenize=config.batch_tokenize)
    del counts
    preload()  # before fork(): the workers share the lemma tables instead of loading their own

    stats = {"posts": posts.num_rows, "texts": 0, "normalized_texts": 0, "rows": 0, "orphan_comments": orphans,
             "setup_seconds": round(time.perf_counter() - started, 3)}
    cache: dict[str, NormalizedText] = {}
    workers = max(1, int(config.workers))
    pool = None
    if workers > 1:
        _WORKER = normalizer  # inherited by the fork()ed workers
        pool = mp.get_context("fork").Pool(workers)

    def chunks() -> Iterator[tuple[list[RowSpec], list[str], list[int]]]:
        """Row specs with, per text row, the position of its text among the chunk's unique texts."""
        specs: list[RowSpec] = []
        for spec in iter_row_specs(posts, comment_iter):
            specs.append(spec)
            if len(specs) >= config.chunk_texts:
                yield _plan(specs)
                specs = []
        if specs:
            yield _plan(specs)

    def _plan(specs: list[RowSpec]):
        unique: dict[str, int] = {}
        slots: list[int] = []
        for spec in specs:
            if spec.text is None or spec.text in cache:
                slots.append(-1)
            else:
                slots.append(unique.setdefault(spec.text, len(unique)))
        return specs, list(unique), slots

    with atomic_path(out_path, suffix=".parquet") as tmp:
        writer = _Writer(tmp, config.row_group_rows)
        bar = tqdm(desc="normalize", unit="text", disable=not progress, mininterval=1.0)
        inflight: deque = deque()
        try:
            last_caption: dict = {"post": None, "result": None}  # tag rows need their caption

            def consume(specs, texts, slots, results) -> None:
                for spec, slot in zip(specs, slots):
                    if spec.text is None:
                        caption = last_caption["result"] if last_caption["post"] == spec.post_id else None
                        result = _tag_row(normalizer, spec, caption)
                        if result is None:
                            continue
                    elif slot >= 0:
                        result = results[slot]
                    else:
                        result = cache[spec.text]
                    if spec.field == "caption":
                        last_caption["post"], last_caption["result"] = spec.post_id, result
                    writer.add(spec, result)
                stats["texts"] += sum(1 for s in specs if s.text is not None)
                stats["normalized_texts"] += len(texts)
                for text, result in zip(texts, results):
                    if len(cache) < config.dedupe_cache and len(text) <= config.dedupe_max_chars:
                        cache[text] = result
                bar.update(len(specs))

            for specs, texts, slots in chunks():
                if pool is None:
                    consume(specs, texts, slots, normalizer.normalize_many(texts))
                    continue
                inflight.append((specs, texts, slots, pool.apply_async(_normalize_chunk, (texts,))))
                while len(inflight) >= 2 * workers:
                    s, t, sl, res = inflight.popleft()
                    consume(s, t, sl, res.get())
            while inflight:
                s, t, sl, res = inflight.popleft()
                consume(s, t, sl, res.get())
        finally:
            bar.close()
            if pool is not None:
                pool.terminate()
                pool.join()
                _WORKER = None
        writer.close()
    stats["rows"] = writer.rows
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats
