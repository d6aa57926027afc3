"""Reading tokens.parquet back one post at a time (rows of a post are consecutive by contract)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_COLUMNS = ("post_id", "field", "tokens", "segmented", "handles", "cues")


class TokensError(ValueError):
    """tokens.parquet is missing or malformed; the message names the file and the reason."""


@dataclass
class PostText:
    """One post's normalised rows: (field, tokens, segmented hashtag words, handles)."""

    post_id: str
    rows: list[tuple[str, Sequence[str], Sequence[str], Sequence[str]]]


def open_tokens(path: str | Path, columns: Sequence[str] = ROW_COLUMNS) -> pq.ParquetFile:
    path = Path(path)
    if not path.exists():
        raise TokensError(f"{path}: not found (the normalize stage writes it)")
    pf = pq.ParquetFile(path)
    missing = set(columns) - set(pf.schema_arrow.names)
    if missing:
        raise TokensError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return pf


def iter_post_tables(path: str | Path, batch_posts: int, batch_rows: int = 100_000) -> Iterator[pa.Table]:
    """Arrow tables of whole posts (``ROW_COLUMNS``), about ``batch_posts`` posts each."""
    pf = open_tokens(path)
    pending: list[pa.Table] = []
    pending_posts = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=list(ROW_COLUMNS)):
        table = pa.Table.from_batches([batch])
        pending.append(table)
        pending_posts += _count_posts(table)
        if pending_posts > batch_posts:
            merged = pa.concat_tables(pending).combine_chunks()
            cut = _last_post_start(merged)  # the last post may continue in the next batch
            if cut:
                yield merged.slice(0, cut)
            pending = [merged.slice(cut)]
            pending_posts = 1
    if pending:
        merged = pa.concat_tables(pending)
        if merged.num_rows:
            yield merged.combine_chunks()


def post_changes(table: pa.Table) -> np.ndarray:
    """[rows] bool: True where a row starts a new post."""
    ids = table.column("post_id").combine_chunks()
    n = len(ids)
    change = np.ones(n, dtype=bool)
    if n > 1:
        change[1:] = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    return change


def _count_posts(table: pa.Table) -> int:
    return int(post_changes(table).sum()) if table.num_rows else 0


def _last_post_start(table: pa.Table) -> int:
    return int(np.flatnonzero(post_changes(table))[-1])
