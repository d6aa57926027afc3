"""Reading tokens.parquet back one post at a time (rows of a post are consecutive by contract)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pyarrow.parquet as pq

ROW_COLUMNS = ("post_id", "field", "tokens", "segmented", "handles")


class TokensError(ValueError):
    """tokens.parquet is missing or malformed; the message names the file and the reason."""


@dataclass
class PostText:
    """One post's normalised rows: (field, tokens, segmented hashtag words, handles)."""

    post_id: str
    rows: list[tuple[str, Sequence[str], Sequence[str], Sequence[str]]]

    def words(self) -> list[str]:
        """Tokens and segmented hashtag words of every row, in row order (the embedding corpus)."""
        out: list[str] = []
        for _, tokens, segmented, _ in self.rows:
            out.extend(tokens or ())
            out.extend(segmented or ())
        return out


def open_tokens(path: str | Path, columns: Sequence[str] = ROW_COLUMNS) -> pq.ParquetFile:
    path = Path(path)
    if not path.exists():
        raise TokensError(f"{path}: not found (the normalize stage writes it)")
    pf = pq.ParquetFile(path)
    missing = set(columns) - set(pf.schema_arrow.names)
    if missing:
        raise TokensError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return pf


def iter_post_texts(path: str | Path, batch_rows: int = 100_000) -> Iterator[PostText]:
    """Posts in file order; rows of one post are consecutive (the normalize stage writes them so)."""
    pf = open_tokens(path)
    current: PostText | None = None
    for batch in pf.iter_batches(batch_size=batch_rows, columns=list(ROW_COLUMNS)):
        cols = [batch.column(i).to_pylist() for i in range(len(ROW_COLUMNS))]
        for pid, field, tokens, segmented, handles in zip(*cols):
            if current is None or pid != current.post_id:
                if current is not None:
                    yield current
                current = PostText(pid, [])
            current.rows.append((field, tokens or [], segmented or [], handles or []))
    if current is not None:
        yield current
