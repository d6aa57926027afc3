"""Atomic output helpers: every stage writes to a temp file beside the target, then renames."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success rename it over the target."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            # mkstemp creates 0600; give outputs the usual umask-based mode
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def replace_tree(tmp: Path, target: Path) -> None:
    """Replace the folder `target` by the finished temp tree `tmp` (same parent): the old tree
    is moved aside first, then deleted, so `target` is always either the old or the new tree."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.rename(old / target.name)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old)


def write_json(target: str | os.PathLike, obj: Any, indent: int = 2) -> None:
    """Write JSON atomically (sorted keys for stable diffs)."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=indent, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_parquet(target: str | os.PathLike, table) -> None:
    """Write a pyarrow Table or pandas DataFrame to Parquet atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    with atomic_path(target, suffix=".parquet") as tmp:
        pq.write_table(table, tmp)


class JsonFileError(ValueError):
    """A project JSON file that is missing or damaged; ``reason`` says why (the message adds the path)."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


def read_json_object(path: str | os.PathLike, made_by: str) -> dict[str, Any]:
    """A JSON file holding an object, read as the stages write them (UTF-8). Missing, a folder,
    not UTF-8, not JSON or not an object: JsonFileError; `made_by` says what writes the file
    ("run the ranges stage first")."""
    path = Path(path)
    if path.is_dir():
        raise JsonFileError(path, f"is a folder, expected a JSON file ({made_by})")
    if not path.is_file():
        raise JsonFileError(path, f"not found ({made_by})")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise JsonFileError(path, f"not a JSON file ({error}); {made_by}") from None
    if not isinstance(data, dict):
        raise JsonFileError(path, f"expected a JSON object, got {type(data).__name__}; {made_by}")
    return data
