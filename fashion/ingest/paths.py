"""Keeping every path a dump names inside the dump folder ("../", absolute paths, symlinks)."""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit


class PathEscape(ValueError):
    """A name or link resolves outside the dump root."""


class DumpRoot:
    """A dump folder given on the command line; every output path is relative to it."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.real = Path(os.path.realpath(self.path))

    def relative(self, path: str | os.PathLike) -> str:
        """`path` (inside the root, not resolved) as a posix path relative to the root."""
        return Path(os.path.relpath(path, self.path)).as_posix()

    def contains(self, path: str | os.PathLike) -> bool:
        """True when `path`, with every symlink resolved, lies inside the root."""
        real = os.path.realpath(path)
        return real == str(self.real) or real.startswith(str(self.real) + os.sep)

    def check_inside(self, path: str | os.PathLike) -> None:
        if not self.contains(path):
            raise PathEscape(f"{self.relative(path)} resolves to {os.path.realpath(path)}, outside the dump folder")

    def resolve_name(self, folder: Path, name: str) -> Path:
        """The file a dump refers to by `name` (relative to `folder`), checked to stay inside."""
        if not name or "\x00" in name:
            raise PathEscape(f"invalid file name {name!r}")
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
            raise PathEscape(f"absolute path {name!r}")
        if ".." in pure.parts:
            raise PathEscape(f"{name!r} climbs out with '..'")
        candidate = folder.joinpath(*pure.parts)
        self.check_inside(candidate)
        return candidate


def media_name(reference: str) -> str:
    """The local file name a media reference points at.

    URLs (any scheme) give the last segment of their path, query dropped, exactly as the scrapers
    name downloaded files; anything else is a path relative to the export's folder.
    """
    parts = urlsplit(reference)
    if parts.scheme and parts.netloc:
        return parts.path.rsplit("/", 1)[-1]
    return reference


def is_url(reference: str) -> bool:
    parts = urlsplit(reference)
    return bool(parts.scheme and parts.netloc)
