"""Partitioned tables: a table path is one Parquet file, or a dataset folder of part files.

A dataset folder holds ``part-00000.parquet`` ... one file per bucket (posts and comments: bucket =
a stable hash of the post's account mod ``ingest.partitions``). Reading the folder whole
(``pd.read_parquet``, ``pyarrow.dataset``, ``read_table`` here) gives the parts in name order,
which is bucket order. Hidden files (``.x``, ``_x``: temp files of an unfinished write) are never
parts; pyarrow skips them too.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

PART_PREFIX = "part-"


class DatasetError(ValueError):
    """A table path that is neither a Parquet file nor a dataset folder of part files."""


def bucket(key: str, partitions: int) -> int:
    """Stable bucket of an account (or post id) string: blake2b, never Python's salted hash()."""
    if partitions <= 1:
        return 0
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def part_name(index: int) -> str:
    return f"{PART_PREFIX}{index:05d}.parquet"


def is_dataset(path: str | os.PathLike) -> bool:
    return Path(path).is_dir()


def part_files(path: str | os.PathLike) -> list[Path]:
    """The files of a table: [path] for a file; a folder's part files in bucket order."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    parts = sorted(p for p in path.iterdir() if p.name.startswith(PART_PREFIX) and p.name.endswith(".parquet"))
    if not parts:
        raise DatasetError(f"{path}: is a folder without part files ({PART_PREFIX}NNNNN.parquet), not a table")
    return parts


def read_table(path: str | os.PathLike, columns: Sequence[str] | None = None) -> pa.Table:
    """A file or a whole dataset folder as one Arrow table (parts in bucket order)."""
    tables = [pq.read_table(p, columns=list(columns) if columns is not None else None) for p in part_files(path)]
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def read_schema(path: str | os.PathLike) -> pa.Schema:
    return pq.read_schema(part_files(path)[0])


class DatasetWriter:
    """Writes a dataset folder: each part lands atomically in a staging folder beside ``target``
    (a retried task rewrites its own part: never a lost or doubled row), and ``publish`` swaps the
    finished folder in place of whatever ``target`` was (a file or an older folder)."""

    def __init__(self, target: str | os.PathLike):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".parts", dir=self.target.parent))

    def part(self, index: int) -> Path:
        return self.staging / part_name(index)

    def publish(self, partitions: int) -> None:
        missing = [part_name(i) for i in range(partitions) if not self.part(i).is_file()]
        if missing:
            raise DatasetError(f"{self.target}: part(s) {', '.join(missing[:5])} were never written")
        for stray in self.staging.iterdir():  # temp files of killed attempts
            if stray.name.startswith("."):
                stray.unlink()
        os.chmod(self.staging, 0o777 & ~_umask())
        old = None
        if self.target.exists():
            old = self.target.parent / f".{self.target.name}.old-{os.getpid()}"
            os.replace(self.target, old)
        os.replace(self.staging, self.target)
        if old is not None:
            shutil.rmtree(old) if old.is_dir() else old.unlink()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

