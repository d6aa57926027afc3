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

import dataclasses
import multiprocessing as mp
import shutil
import sys
import time
import uuid
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
from fashion.scale.dataset import DatasetError, DatasetWriter, part_files
from fashion.scale.engine import Engine, worker_cache
from fashion.text.inputs import CorpusError, _comment_batches, _post_table, _require, count_words  # noqa: F401
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
                     config: NormalizeConfig = NormalizeConfig(), progress: bool = True,
                     engine: Engine | None = None) -> dict:
    """Write tokens.parquet (docs/contracts.md) and return run statistics.

    Single posts/comments files give one tokens file. Dataset folders (ingest.partitions > 1)
    give a tokens folder, part i from posts and comments part i, each written by
    ``normalize_task`` on the engine (local: here, one part after the other, with the
    ``normalize.workers`` pool inside each; dask: one task per part)."""
    global _POOL, _WORKER
    started = time.perf_counter()
    posts_path, comments_path, out_path = Path(posts_path), Path(comments_path), Path(out_path)
    tasks = part_tasks(posts_path, comments_path, out_path)
    engine = engine or Engine()
    with engine:
        # the corpus' word counts (they teach the hashtag segmenter) are summed over all parts first
        total: Counter = Counter()
        for counts in engine.map(count_task, tasks, desc="count words", progress=progress and posts_path.is_dir()):
            total.update(counts)
        spec = NormalizerSpec(uuid.uuid4().hex, ontology, total, config)
        normalizer = None
        if not engine.distributed:
            normalizer = spec.build()
            preload()  # before fork(): the workers share the lemma tables instead of loading their own
            if int(config.workers) > 1:
                _WORKER = normalizer  # inherited by the fork()ed workers
                _POOL = mp.get_context("fork").Pool(int(config.workers))
        setup = time.perf_counter() - started
        writer = DatasetWriter(out_path) if posts_path.is_dir() else None
        try:
            if writer is not None:
                tasks = [dataclasses.replace(t, out=str(writer.part(t.index))) for t in tasks]
            else:
                tasks = [dataclasses.replace(tasks[0], progress=progress)]
                if out_path.is_dir():  # a dataset folder of an earlier partitioned run
                    shutil.rmtree(out_path)
            shared = engine.share(spec)
            parts = engine.map(normalize_task, tasks, shared, desc="normalize",
                               progress=progress and writer is not None)
            if writer is not None:
                writer.publish(len(tasks))
        finally:
            if writer is not None:
                writer.discard()
            if _POOL is not None:
                _POOL.terminate()
                _POOL.join()
                _POOL = _WORKER = None
    stats = {key: sum(p[key] for p in parts) for key in ("posts", "texts", "normalized_texts", "rows",
                                                          "orphan_comments")}
    stats["partitions"] = len(tasks)
    stats["setup_seconds"] = round(setup + sum(p["setup_seconds"] for p in parts), 3)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


@dataclass(frozen=True)
class PartTask:
    """One partition: its posts and comments files and the tokens file it writes."""

    index: int
    posts: str
    comments: str
    out: str
    progress: bool = False   # a text progress bar (the local engine's single file)


def part_tasks(posts_path: Path, comments_path: Path, out_path: Path) -> list[PartTask]:
    """Part i of posts with part i of comments; single files are one task writing ``out_path``."""
    if posts_path.is_dir() != comments_path.is_dir():
        raise CorpusError(f"{posts_path} and {comments_path}: one is a dataset folder, the other is not")
    try:
        posts, comments = part_files(posts_path), part_files(comments_path)
    except DatasetError as exc:
        raise CorpusError(str(exc)) from None
    if posts_path.is_dir() and [p.name for p in posts] != [c.name for c in comments]:
        raise CorpusError(f"{posts_path} and {comments_path}: different part files "
                          f"({len(posts)} and {len(comments)}); rerun ingest")
    if not posts_path.is_dir():
        return [PartTask(0, str(posts_path), str(comments_path), str(out_path))]
    return [PartTask(i, str(p), str(c), "") for i, (p, c) in enumerate(zip(posts, comments))]


def count_task(task: PartTask) -> Counter:
    """Corpus word counts of one part (captions, then comments in 200K-row batches)."""
    posts = _post_table(Path(task.posts), warn=False)
    counts = count_words(posts.column("caption"))
    for batch in _require(Path(task.comments), ("text",)).iter_batches(batch_size=200_000, columns=["text"]):
        counts.update(count_words(batch.column(0)))
    return counts


@dataclass(frozen=True)
class NormalizerSpec:
    """What a worker builds its TextNormalizer from (once per process: fashion.scale.engine.worker_cache)."""

    token: str               # one per run: a worker never reuses another run's normaliser
    ontology: object
    counts: Counter
    config: NormalizeConfig

    def build(self) -> TextNormalizer:
        config = self.config
        return worker_cache(("normalizer", self.token), lambda: TextNormalizer.from_ontology(
            self.ontology, corpus_counts=self.counts, min_hashtag_len=config.min_hashtag_len_to_segment,
            max_hashtag_len=config.max_hashtag_len_to_segment, min_corpus_count=config.min_corpus_count,
            batch_tokenize=config.batch_tokenize, language_detector=config.language_detector))


_POOL = None  # the local engine's fork()ed pool over chunks of texts (never set in a Dask worker)


def normalize_task(task: PartTask, spec: NormalizerSpec) -> dict:
    """The per-partition work of both engines: one part's posts + comments -> its tokens file."""
    started = time.perf_counter()
    normalizer = spec.build()
    setup = time.perf_counter() - started
    stats = normalize_part(Path(task.posts), Path(task.comments), Path(task.out), normalizer, spec.config, _POOL,
                           progress=task.progress)
    stats["setup_seconds"] = round(setup, 3)
    return stats


def normalize_part(posts_path: Path, comments_path: Path, out_path: Path, normalizer: TextNormalizer,
                   config: NormalizeConfig, pool=None, progress: bool = False) -> dict:
    """One posts file + its comments file -> one tokens file (atomically); -> row counts."""
    posts = _post_table(posts_path)
    orphans, comment_iter = _comment_batches(comments_path, posts.column("post_id"), batch_rows=50_000)
    if orphans:
        print(f"{comments_path}: {orphans} comment(s) of posts missing from {posts_path} kept after all posts",
              file=sys.stderr)
    stats = {"posts": posts.num_rows, "texts": 0, "normalized_texts": 0, "rows": 0, "orphan_comments": orphans}
    cache: dict[str, NormalizedText] = {}

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
            job = pool.apply_async(_normalize_chunk, (texts,)) if pool is not None else normalizer.normalize_many(texts)
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
                while len(inflight) > (1 if pool is not None else 0):  # the parent prepares one block ahead
                    drain_one()
            while inflight:
                drain_one()
        finally:
            bar.close()
            writer.close()
    return stats
