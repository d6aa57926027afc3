"""Reading tokens.parquet back one post at a time (rows of a post are consecutive by contract)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fashion.scale.dataset import DatasetError, part_files

ROW_COLUMNS = ("post_id", "field", "tokens", "segmented", "handles", "cues")


class TokensError(ValueError):
    """tokens.parquet is missing or malformed; the message names the file and the reason."""


@dataclass
class PostText:
    """One post's normalised rows: (field, tokens, segmented hashtag words, handles)."""

    post_id: str
    rows: list[tuple[str, Sequence[str], Sequence[str], Sequence[str]]]


def open_parquet(path: str | Path, columns: Sequence[str], error: type[ValueError], hint: str = "") -> pq.ParquetFile:
    """A Parquet file with ``columns``; missing, a folder, empty, not Parquet or cut short is one
    ``error`` naming the file and the reason (``hint`` says who writes it)."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: not found{f' ({hint})' if hint else ''}")
    if path.is_dir():
        raise error(f"{path}: is a folder, not a Parquet file")
    try:
        if path.stat().st_size == 0:
            raise error(f"{path}: empty file (0 bytes), not a Parquet file")
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:  # no "PAR1" footer: random bytes or cut short
        raise error(f"{path}: not a Parquet file, or cut short ({_reason(exc)})") from None
    missing = set(columns) - set(pf.schema_arrow.names)
    if missing:
        raise error(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return pf


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "strerror", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def open_tokens(path: str | Path, columns: Sequence[str] = ROW_COLUMNS) -> pq.ParquetFile:
    return open_parquet(path, columns, TokensError, "the normalize stage writes it")


def check_tokens(path: str | Path) -> None:
    """Every file of a tokens table (one file, or each part of a dataset folder) opens with its
    columns; else one TokensError naming the file and the reason."""
    try:
        parts = part_files(path)
    except DatasetError as exc:
        raise TokensError(str(exc)) from None
    for part in parts:
        open_tokens(part)


def iter_post_tables(path: str | Path, batch_posts: int, batch_rows: int = 100_000) -> Iterator[pa.Table]:
    """Arrow tables of whole posts (``ROW_COLUMNS``), about ``batch_posts`` posts each; a dataset
    folder part after part (a post never spans parts), so memory stays bounded by the batch."""
    if Path(path).is_dir():
        try:
            parts = part_files(path)
        except DatasetError as exc:
            raise TokensError(str(exc)) from None
        for part in parts:
            yield from iter_post_tables(part, batch_posts, batch_rows)
        return
    pf = open_tokens(path)
    pending: list[pa.Table] = []
    pending_posts = 0
    for batch in _checked_batches(path, pf, batch_rows):
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


def _checked_batches(path, pf: pq.ParquetFile, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Row batches; a damaged page is a TokensError naming the file, not an Arrow traceback."""
    batches = pf.iter_batches(batch_size=batch_rows, columns=list(ROW_COLUMNS))
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise TokensError(f"{path}: damaged ({_reason(exc)})") from None
        yield batch


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
