"""The posts behind the profiles: a compact index (post id -> code, account code, month) and the
per-account temporal split.

Post ids are Instagram media ids (digits): they are held as int64 when every id round-trips,
which keeps the index small at 10M posts; other ids fall back to a string index."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from fashion.profiles.config import ProfilesError


def _keys(post_ids: pa.Array) -> tuple[np.ndarray, bool]:
    """(lookup keys, numeric?): int64 when every id is its own decimal spelling, else strings."""
    post_ids = post_ids.cast(pa.string())
    try:
        numbers = pc.cast(post_ids, pa.int64())
        if pc.all(pc.equal(pc.cast(numbers, pa.string()), post_ids)).as_py() is not False:
            return numbers.to_numpy(zero_copy_only=False), True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return np.asarray(post_ids.to_pylist(), dtype=object), False


@dataclass
class PostIndex:
    """Every post of the ingest, in `posts.parquet` order; arrays are indexed by post code."""
    post_ids: np.ndarray        # lookup keys (int64 or str)
    numeric: bool
    account: np.ndarray         # int32 account code per post
    accounts: np.ndarray        # account names (str), by code, sorted
    taken_at: np.ndarray        # int64 microseconds since the epoch, UTC
    month: np.ndarray           # int32 months since 1970-01

    def __post_init__(self) -> None:
        self._lookup = pd.Index(self.post_ids)
        if not self._lookup.is_unique:
            duplicated = self._lookup[self._lookup.duplicated()][0]
            raise ProfilesError(f"posts: post_id {duplicated} appears twice (the ingest merges copies; rerun it)")

    def __len__(self) -> int:
        return len(self.post_ids)

    def codes(self, post_ids: pa.Array, where: str) -> np.ndarray:
        """Post codes of `post_ids`; an id that is not an ingested post is an error naming it."""
        keys, numeric = _keys(post_ids)
        if numeric != self.numeric:  # digits against a string index, or the reverse: compare spellings
            keys = np.asarray(post_ids.cast(pa.string()).to_pylist(), dtype=object)
            lookup = pd.Index(np.asarray([str(k) for k in self.post_ids], dtype=object))
        else:
            lookup = self._lookup
        codes = lookup.get_indexer(keys)
        if (codes < 0).any():
            missing = post_ids[int(np.flatnonzero(codes < 0)[0])]
            raise ProfilesError(f"{where}: post_id {missing} is not in posts.parquet (ingest and predict out of step; "
                                "rerun the pipeline)")
        return codes.astype(np.int64)

    @classmethod
    def from_table(cls, table: pa.Table, where: str = "posts.parquet") -> "PostIndex":
        for name in ("post_id", "account", "taken_at"):
            if name not in table.column_names:
                raise ProfilesError(f"{where}: column {name} missing (see docs/contracts.md, Ingest)")
        account = table.column("account").combine_chunks().cast(pa.string())
        if account.null_count:
            row = int(np.flatnonzero(account.is_null().to_numpy(zero_copy_only=False))[0])
            raise ProfilesError(f"{where}: post {table.column('post_id')[row]} has no account")
        taken = table.column("taken_at").combine_chunks()
        if taken.null_count:
            row = int(np.flatnonzero(taken.is_null().to_numpy(zero_copy_only=False))[0])
            raise ProfilesError(f"{where}: post {table.column('post_id')[row]} has no taken_at")
        micros = pc.cast(pc.cast(taken, pa.timestamp("us", tz="UTC")), pa.int64()).to_numpy()
        names = account.to_numpy(zero_copy_only=False).astype(object)
        accounts, codes = np.unique(names, return_inverse=True)
        month = micros.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64).astype(np.int32)
        keys, numeric = _keys(table.column("post_id").combine_chunks())
        return cls(keys, numeric, codes.astype(np.int32), accounts, micros, month)


def read_post_index(ingest: Path) -> PostIndex:
    path = Path(ingest) / "posts.parquet"
    if not path.exists():
        raise ProfilesError(f"{path}: not found (run the ingest stage first)")
    try:
        table = ds.dataset(path, format="parquet").to_table(columns=["post_id", "account", "taken_at"])
    except (pa.ArrowInvalid, OSError) as error:
        raise ProfilesError(f"{path}: not a readable Parquet table with post_id, account, taken_at ({error})") from None
    return PostIndex.from_table(table, str(path))


def temporal_split(account: np.ndarray, taken_at: np.ndarray, tiebreak: np.ndarray, share: float) -> np.ndarray:
    """Hidden flag per post: each account's last `share` of posts by taken_at (ties by `tiebreak`).

    An account with n >= 2 posts hides max(1, round(share * n)) of them, at most n - 1 (so some
    past is left to learn from); an account with one post hides none (it cannot be evaluated)."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"holdout share must be in (0, 1), got {share!r}")
    n = len(account)
    hidden = np.zeros(n, dtype=bool)
    if n == 0:
        return hidden
    order = np.lexsort((tiebreak, taken_at, account))
    sorted_account = account[order]
    starts = np.flatnonzero(np.r_[True, sorted_account[1:] != sorted_account[:-1]])
    counts = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, counts)                    # 0-based position in its account
    n_hidden = np.minimum(np.maximum(1, np.floor(share * counts + 0.5)), counts - 1).astype(np.int64)
    from_rank = np.repeat(counts - n_hidden, counts)
    hidden[order] = rank >= from_rank
    return hidden
