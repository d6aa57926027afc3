"""One folder of a dump: its file names, which of them readers have used, and media lookup."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from fashion.ingest.paths import DumpRoot
from fashion.ingest.records import MediaRef, media_type_of

_NUMBERED = re.compile(r"^(?P<base>.+)_(?P<index>\d+)$")


@dataclass
class Folder:
    root: DumpRoot
    path: Path
    names: set[str]                                  # files here (links included)
    escaping: set[str] = field(default_factory=set)  # links resolving outside the dump: never read
    claimed: set[str] = field(default_factory=set)   # names a reader used
    post_bases: set[str] = field(default_factory=set)  # Instaloader metadata base names here
    claimed_below: set[str] = field(default_factory=set)  # rel paths used from subfolders (shared)

    def rel(self, name: str) -> str:
        return self.root.relative(self.path / name)

    def escape_detail(self, name: str) -> str:
        return f"links to {os.path.realpath(self.path / name)}, outside the dump folder"

    @cached_property
    def _media_by_base(self) -> dict[str, list[tuple[int, str]]]:
        # "X.jpg" -> base X, index 0; "X_3.jpg" -> base X, index 3 (Instaloader carousel naming)
        index: dict[str, list[tuple[int, str]]] = {}
        for name in self.names:
            if media_type_of(name) is None:
                continue
            stem = name.rsplit(".", 1)[0]
            index.setdefault(stem, []).append((0, name))
            numbered = _NUMBERED.match(stem)
            if numbered:
                index.setdefault(numbered["base"], []).append((int(numbered["index"]), name))
        return index

    def media_of(self, base: str) -> list[tuple[int, MediaRef]]:
        """Media files of post `base`: (slot index, ref), ordered by slot, image before video."""
        found = []
        for slot, name in self._media_by_base.get(base, []):
            if slot and name.rsplit(".", 1)[0] in self.post_bases:
                continue  # "X_2.jpg" belongs to post "X_2" when that post exists
            kind = media_type_of(name)
            found.append((slot, kind == "video", name, MediaRef(self.path / name, self.rel(name), kind)))
        found.sort(key=lambda item: item[:3])
        return [(slot, ref) for slot, _, _, ref in found]

    def local_file(self, reference: str) -> Path:
        """A file named by an export (URL file name or relative path), checked to stay inside the dump."""
        return self.root.resolve_name(self.path, reference)

    def claim(self, path: Path) -> None:
        """Mark a file as used, so it is not reported as an orphan when its folder is walked."""
        if path.parent == self.path:
            self.claimed.add(path.name)
        else:
            self.claimed_below.add(self.root.relative(path))

