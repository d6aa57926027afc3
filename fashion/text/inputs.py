"""Reading posts.parquet and comments.parquet (one file each, or one part of each dataset folder)
for the normalize stage: contract columns checked, comments brought into posts order, and the
corpus word counts that teach the hashtag segmenter."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


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
def _post_table(posts_path: Path, warn: bool = True) -> pa.Table:
    pf = _require(posts_path, ("post_id", "caption", "hashtags"))
    has_usertags = "usertags" in pf.schema_arrow.names
    if not has_usertags and warn:  # older ingest output: still usable, but user tags are lost
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
