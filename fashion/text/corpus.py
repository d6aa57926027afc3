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
from fashion.text.lexicon import fold, preload
from fashion.text.mentions import thread_cues
from fashion.text.normalize import NormalizeConfig, NormalizedText, TextNormalizer, extra_hashtags

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
    ("cues", pa.list_(pa.string())),
])

FIELDS = ("caption", "hashtags", "usertags", "comment")


class CorpusError(ValueError):
    """An input file lacks a column or is unreadable: message names the file and the reason."""


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
    lower = pc.utf8_lower(pc.utf8_normalize(pc.fill_null(texts, ""), "NFKC"))  # as TextNormalizer.prepare
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
    has_usertags = "usertags" in pf.schema_arrow.names
    if not has_usertags:  # older ingest output: still usable, but user tags are lost
        print(f"{posts_path}: no usertags column, so no usertags rows; rerun ingest to get them",
              file=sys.stderr)
    cols = ["post_id", "caption", "hashtags"] + (["usertags"] if has_usertags else [])
    table = pf.read(columns=cols)
    if table.column("post_id").null_count:
        raise CorpusError(f"{posts_path}: {table.column('post_id').null_count} post(s) without post_id")
    return table


def _comment_batches(comments_path: Path, post_ids: pa.ChunkedArray, batch_rows: int
                     ) -> tuple[int, Iterator[tuple[np.ndarray, pa.Array, pa.Array, pa.Array]]]:
    """Comments in posts.parquet order: yields (post key, post ids, comment ids, texts) batches.

    The post key is the post's index in posts.parquet; orphans (post not in posts.parquet) get
    keys from len(posts) up, one per orphan post id in id order, and come last.
    Files already grouped in post order stream batch by batch; others are sorted in memory.
    """
    pf = _require(comments_path, ("post_id", "comment_id", "text"))
    # parent_id (ingest) tells which comment a reply answers; older or foreign files may lack it
    cols = ["post_id", "comment_id", "text"] + (["parent_id"] if "parent_id" in pf.schema_arrow.names else [])

    def parents(batch) -> pa.Array:
        """A record batch's or table's parent ids as one string array (nulls without the column)."""
        if len(cols) < 4:
            return pa.nulls(batch.num_rows, pa.string())
        column = batch.column(3)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        return column.cast(pa.string())
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
            yield (index[offset:offset + rows], batch.column(0), batch.column(1), batch.column(2), parents(batch))
            offset += rows

    def sorted_in_memory():
        table = pf.read(columns=cols)
        key = index.copy()
        if orphans:
            orphan_rows = np.flatnonzero(index < 0)
            orphan_ids = pc.take(table.column("post_id"), pa.array(orphan_rows)).to_pylist()
            ranks = {pid: r for r, pid in enumerate(sorted(set(orphan_ids)))}
            key[orphan_rows] = len(post_ids) + np.array([ranks[pid] for pid in orphan_ids], dtype=np.int64)
        order = np.argsort(key, kind="stable")
        for start in range(0, n, batch_rows):
            part = table.take(pa.array(order[start:start + batch_rows])).combine_chunks()
            yield (key[order[start:start + batch_rows]], part.column(0).chunk(0), part.column(1).chunk(0),
                   part.column(2).chunk(0), parents(part))

    return orphans, (streamed() if ordered else sorted_in_memory())


# -- workers ---------------------------------------------------------------------------------
_WORKER: TextNormalizer | None = None


def _normalize_chunk(texts: list[str]) -> list[NormalizedText]:
    return _WORKER.normalize_many(texts)


def _tag_row(normalizer: TextNormalizer, field: str, tags: tuple[str, ...], caption: NormalizedText | None
             ) -> NormalizedText | None:
    """Rows built from tag lists: post hashtags missing from the caption, or user tags.

    A post hashtag is in the caption when its ``tag_key`` is that of a caption hashtag: the
    post's list may come from another extractor ("#red-shoes" -> "red", tokens keep
    "red-shoes"), and its words are then already in the caption's ``segmented``.
    User tags keep the names as ``handles`` and put the words of split names in ``segmented``
    (normalised in the caption's language)."""
    lang = caption.lang if caption is not None else "en"
    if field == "hashtags":
        extra = extra_hashtags(tags, caption.hashtags if caption is not None else ())
        if not extra:
            return None
        words = normalizer.normalize_hashtags(extra, lang)
        cues = normalizer.name_cues(extra, hashtags=True)  # "#mango" beside a caption is brand evidence
        return NormalizedText(lang, [], extra, words, [], [], cues, cues)
    names = [fold(t).lstrip("@") for t in tags]
    names = [t for t in dict.fromkeys(names) if t]
    if not names:
        return None
    words = [w for name in names for w in normalizer.username_words(name, lang)]
    cues = normalizer.name_cues(names)  # a tagged account that spells a brand
    return NormalizedText(lang, [], [], words, [], names, cues, cues)


@dataclass
class _Block:
    """Rows of consecutive posts: captions and comments (text rows), plus the posts' tag lists."""

    lo: int                   # posts [lo, hi) of posts.parquet (orphan keys come after len(posts))
    hi: int
    post_key: np.ndarray      # [R] post key of each text row
    kind: np.ndarray          # [R] 0 caption, 3 comment (tag rows get 1 hashtags, 2 usertags)
    post_id: pa.Array         # [R]
    text_id: pa.Array         # [R]
    text: pa.Array            # [R] (no nulls)
    parent_id: pa.Array       # [R] comment a reply answers (null: caption, top level or unknown)


FIELD_OF_KIND = ("caption", "hashtags", "usertags", "comment")


def _blocks(posts: pa.Table, comment_batches, block_rows: int) -> Iterator[_Block]:
    """Text rows in post order, cut into blocks of about ``block_rows`` rows at post boundaries."""
    n_posts = posts.num_rows
    pid = posts.column("post_id").combine_chunks()
    captions = posts.column("caption").combine_chunks()
    pending: list[tuple[np.ndarray, pa.Array, pa.Array, pa.Array]] = []
    pending_rows = 0
    next_post = 0

    def caption_rows(lo: int, hi: int):
        cap = captions.slice(lo, hi - lo)
        has = pc.is_valid(cap)
        rows = np.flatnonzero(has.to_numpy(zero_copy_only=False)) + lo
        ids = pc.filter(pid.slice(lo, hi - lo), has)
        return (rows.astype(np.int64), ids, pc.binary_join_element_wise(ids, pa.scalar("/caption"), ""),
                pc.filter(cap, has))

    def make(lo: int, hi: int, comments) -> _Block:
        c_rows, c_ids, c_tids, c_text = caption_rows(min(lo, n_posts), min(hi, n_posts))
        keys = [c_rows] + [c[0] for c in comments]
        return _Block(lo, hi, np.concatenate(keys).astype(np.int64),
                      np.concatenate([np.zeros(len(c_rows), np.int8)] + [np.full(len(c[0]), 3, np.int8) for c in comments]),
                      pa.concat_arrays([c_ids.cast(pa.string())] + [c[1].cast(pa.string()) for c in comments]),
                      pa.concat_arrays([c_tids.cast(pa.string())] + [c[2].cast(pa.string()) for c in comments]),
                      pa.concat_arrays([c_text.cast(pa.string())] + [pc.fill_null(c[3].cast(pa.string()), "")
                                                                     for c in comments]),
                      pa.concat_arrays([pa.nulls(len(c_rows), pa.string())] + [c[4].cast(pa.string()) for c in comments]))

    for keys, c_pid, c_cid, c_text, c_parent in comment_batches:
        start = 0
        while start < len(keys):
            # comments up to the end of the posts reached so far belong to the pending block
            cut_post = int(keys[start]) + 1
            stop = int(np.searchsorted(keys, cut_post - 1, side="right"))
            part = (keys[start:stop], c_pid.slice(start, stop - start), c_cid.slice(start, stop - start),
                    c_text.slice(start, stop - start), c_parent.slice(start, stop - start))
            pending.append(part)
            pending_rows += stop - start
            start = stop
            if pending_rows >= block_rows:
                hi = max(next_post, cut_post)
                yield make(next_post, hi, pending)
                next_post, pending, pending_rows = hi, [], 0
    yield make(next_post, max(next_post, n_posts,
                              int(pending[-1][0][-1]) + 1 if pending and len(pending[-1][0]) else 0), pending)


# -- normalisation ---------------------------------------------------------------------------
_LIST = pa.list_(pa.string())


def _result_columns(results: list[NormalizedText]) -> dict[str, pa.Array]:
    return {"lang": pa.array([r.lang for r in results], pa.string()),
            "tokens": pa.array([r.tokens for r in results], _LIST),
            "hashtags": pa.array([r.hashtags for r in results], _LIST),
            "segmented": pa.array([r.segmented for r in results], _LIST),
            "emojis": pa.array([r.emojis for r in results], _LIST),
            "handles": pa.array([r.handles for r in results], _LIST),
            "cues": pa.array([list(r.cues) for r in results], _LIST)}


class _Normalized:
    """Unique texts of a block with their results (some pending in the pool)."""

    def __init__(self, block: _Block, unique: list[str], indices: np.ndarray, known: dict[int, NormalizedText],
                 jobs: list):
        self.block, self.unique, self.indices, self.known, self.jobs = block, unique, indices, known, jobs

    def results(self) -> list[NormalizedText]:
        out = dict(self.known)
        for positions, job in self.jobs:
            out.update(zip(positions, job.get() if hasattr(job, "get") else job))
        return [out[i] for i in range(len(self.unique))]


def _row_cues(block: _Block, rows: list[NormalizedText]) -> list[list[str]]:
    """Brand cues per text row: its own, and for a reply to a "where is it from?" comment of the
    same post every brand it mentions (fashion.text.mentions.thread_cues)."""
    out = [list(r.cues) for r in rows]
    comments = np.flatnonzero(block.kind == 3)
    if not len(comments) or not any(rows[i].asks_source for i in comments.tolist()):
        return out
    ids, parents, texts = block.text_id.to_pylist(), block.parent_id.to_pylist(), block.text.to_pylist()
    keys = block.post_key[comments]
    for group in np.split(comments, np.flatnonzero(np.diff(keys)) + 1):
        members = group.tolist()
        if not any(rows[i].asks_source for i in members):
            continue
        position = {ids[i]: k for k, i in enumerate(members)}
        cues = thread_cues([rows[i] for i in members], [position.get(parents[i]) for i in members],
                           [texts[i].lstrip().startswith("@") for i in members])
        for i, c in zip(members, cues):
            out[i] = c
    return out


def _block_table(normalizer: TextNormalizer, posts: pa.Table, done: _Normalized) -> pa.Table:
    """Output rows of a block: text rows + tag rows, ordered by post, field, file order."""
    block = done.block
    results = done.results()
    cols = {name: arr.take(pa.array(done.indices)) for name, arr in _result_columns(results).items()}
    cols["cues"] = pa.array(_row_cues(block, [results[i] for i in done.indices.tolist()]), _LIST)
    text_table = pa.table({"post_id": block.post_id, "field": pa.array([FIELD_OF_KIND[k] for k in block.kind.tolist()],
                                                                          pa.string()),
                           "text_id": block.text_id, **cols}, schema=TOKENS_SCHEMA)
    keys, kinds = [block.post_key], [block.kind.astype(np.int64)]
    # tag rows of the block's posts (need the caption's result: its language and hashtags)
    lo, hi = min(block.lo, posts.num_rows), min(block.hi, posts.num_rows)
    caption_of = {int(k): results[int(i)] for k, kind, i in zip(block.post_key.tolist(), block.kind.tolist(),
                                                                 done.indices.tolist()) if kind == 0}
    extra = {name: [] for name in TOKENS_SCHEMA.names}
    extra_keys, extra_kinds = [], []
    tag_columns = [("hashtags", 1)] + ([("usertags", 2)] if "usertags" in posts.column_names else [])
    for column, kind in tag_columns:
        values = posts.column(column).slice(lo, max(hi - lo, 0)).to_pylist()
        ids = posts.column("post_id").slice(lo, max(hi - lo, 0)).to_pylist()
        for offset, (pid, tags) in enumerate(zip(ids, values)):
            if not tags:
                continue
            field = FIELD_OF_KIND[kind]
            row = _tag_row(normalizer, field, tuple(t for t in tags if t), caption_of.get(lo + offset))
            if row is None:
                continue
            extra_keys.append(lo + offset)
            extra_kinds.append(kind)
            for name, value in (("post_id", pid), ("field", field), ("text_id", f"{pid}/{field}"), ("lang", row.lang),
                                ("tokens", row.tokens), ("hashtags", row.hashtags), ("segmented", row.segmented),
                                ("emojis", row.emojis), ("handles", row.handles), ("cues", list(row.cues))):
                extra[name].append(value)
    tables = [text_table]
    if extra_keys:
        tables.append(pa.table(extra, schema=TOKENS_SCHEMA))
        keys.append(np.array(extra_keys, dtype=np.int64))
        kinds.append(np.array(extra_kinds, dtype=np.int64))
    table = pa.concat_tables(tables).combine_chunks()
    key, kind = np.concatenate(keys), np.concatenate(kinds)
    order = np.lexsort((np.arange(len(key)), kind, key))
    return table.take(pa.array(order))


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
        batch_tokenize=config.batch_tokenize, language_detector=config.language_detector)
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

    def submit(block: _Block) -> _Normalized:
        encoded = block.text.dictionary_encode()
        unique = encoded.dictionary.to_pylist()
        known: dict[int, NormalizedText] = {}
        missing: list[int] = []
        for i, text in enumerate(unique):
            hit = cache.get(text)
            if hit is None:
                missing.append(i)
            else:
                known[i] = hit
        jobs = []
        for start in range(0, len(missing), config.chunk_texts):
            positions = missing[start:start + config.chunk_texts]
            texts = [unique[i] for i in positions]
            job = pool.apply_async(_normalize_chunk, (texts,)) if pool else normalizer.normalize_many(texts)
            jobs.append((positions, job))
        stats["texts"] += len(block.text)
        stats["normalized_texts"] += len(missing)
        return _Normalized(block, unique, encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                           known, jobs)

    def finish(done: _Normalized) -> pa.Table:
        table = _block_table(normalizer, posts, done)
        results = done.results()
        for i, text in enumerate(done.unique):
            if len(cache) >= config.dedupe_cache:
                break
            if len(text) <= config.dedupe_max_chars and text not in cache:
                cache[text] = results[i]
        return table

    with atomic_path(out_path, suffix=".parquet") as tmp:
        writer = pq.ParquetWriter(tmp, TOKENS_SCHEMA, compression="zstd")
        bar = tqdm(desc="normalize", unit="text", disable=not progress, mininterval=1.0)
        inflight: deque = deque()
        try:
            def drain_one() -> None:
                table = finish(inflight.popleft())
                if table.num_rows:
                    writer.write_table(table, row_group_size=max(table.num_rows, 1))
                    stats["rows"] += table.num_rows
                bar.update(table.num_rows)

            for block in _blocks(posts, comment_iter, config.row_group_rows):
                inflight.append(submit(block))
                while len(inflight) > (1 if pool else 0):  # the parent prepares one block ahead
                    drain_one()
            while inflight:
                drain_one()
        finally:
            bar.close()
            writer.close()
            if pool is not None:
                pool.terminate()
                pool.join()
                _WORKER = None
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats
