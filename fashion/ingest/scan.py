"""Walking a dump PATH (a file, a profile folder, or a folder of them) and turning every file into
events: posts, rejected records, reject rows, and annotation exports for later."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from fashion.ingest import exports, instaloader
from fashion.ingest.folder import Folder
from fashion.ingest.load import LoadError, Loaded, load_json
from fashion.ingest.paths import DumpRoot
from fashion.ingest.records import PostRecord, Skipped, media_type_of
from fashion.ingest.rejects import Reject, RejectedRecord

# Instaloader profile artefacts that are not posts: skipped (counted), not rejected.
PROFILE_FILE_SUFFIXES = ("_profile_pic.jpg",)
PROFILE_FILE_NAMES = ("id",)


@dataclass(frozen=True)
class AnnotationExport:
    source: str       # relative to its dump root
    loaded: Loaded


Event = PostRecord | RejectedRecord | Reject | AnnotationExport | Skipped


def scan_path(path: str | os.PathLike) -> Iterator[Event]:
    """Events for one PATH, in a fixed order: folders top-down and files by name."""
    path = Path(path)
    if not path.exists():
        yield Reject(str(path), "", "path_not_found", "no such file or folder")
        return
    if path.is_file():
        # Only this file is ingested; its neighbours are there to be found as its media.
        root = DumpRoot(path.parent)
        folder = _folder(root, path.parent, sorted(os.listdir(path.parent)), reject_sink=[])
        yield from _metadata(folder, path.name)
        return
    root = DumpRoot(path)
    unreadable: list[OSError] = []
    claimed_below: set[str] = set()  # files an export in a parent folder referred to (rel paths)
    for current, dirnames, filenames in os.walk(path, onerror=unreadable.append):
        for error in unreadable:
            yield Reject(root.relative(error.filename), "", "unreadable_file", f"folder: {error.strerror}")
        unreadable.clear()
        current_path = Path(current)
        for name in sorted(dirnames):
            full = current_path / name
            if not _utf8_name(name):
                dirnames.remove(name)
                yield Reject(root.relative(full), "", "non_utf8", "folder name is not valid UTF-8: not read")
            elif full.is_symlink():
                dirnames.remove(name)
                if root.contains(full):
                    yield Reject(root.relative(full), "", "symlinked_folder",
                                 f"links to {os.path.realpath(full)} inside the dump: not followed")
                else:
                    yield Reject(root.relative(full), "", "path_escape",
                                 f"folder link to {os.path.realpath(full)}, outside the dump folder")
        dirnames.sort()
        early: list[Reject] = []
        folder = _folder(root, current_path, sorted(filenames), early)
        folder.claimed_below = claimed_below
        yield from early
        for name in sorted(folder.names):
            if instaloader.metadata_base(name) is not None and name not in folder.claimed:
                yield from _metadata(folder, name)
        yield from _leftovers(folder)


def _metadata(folder: Folder, name: str) -> Iterator[Event]:
    folder.claimed.add(name)
    if name in folder.escaping:
        yield Reject(folder.rel(name), "", "path_escape", folder.escape_detail(name))
    else:
        yield from _file(folder, name)


def _folder(root: DumpRoot, path: Path, names: list[str], reject_sink: list[Reject]) -> Folder:
    """The folder's files; special files (fifos, sockets) are rejected, links leading out of the
    dump are kept as names (so whoever refers to them is told) but never read."""
    plain, escaping = set(), set()
    for name in names:
        full = path / name
        if not _utf8_name(name):
            reject_sink.append(Reject(root.relative(full), "", "non_utf8", "file name is not valid UTF-8: not read"))
            continue
        if full.is_symlink() and not root.contains(full):
            plain.add(name)
            escaping.add(name)
            continue
        try:
            mode = os.stat(full).st_mode
        except OSError:
            mode = 0  # broken link inside the dump: kept, so the post using it reports media_missing
        if mode and not stat.S_ISREG(mode):
            reject_sink.append(Reject(root.relative(full), "", "unrecognised_file", "not a regular file"))
            continue
        plain.add(name)
    folder = Folder(root, path, plain, escaping=escaping)
    folder.post_bases = {base for base in map(instaloader.metadata_base, plain) if base is not None}
    return folder


def _utf8_name(name: str) -> bool:
    # os functions decode undecodable bytes as lone surrogates; such names cannot be written out
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _file(folder: Folder, name: str) -> Iterator[Event]:
    """Events of one JSON file, whatever scrape format it turns out to be."""
    source = folder.rel(name)
    if instaloader.metadata_base(name) is None:  # only for a file given directly as PATH
        yield Reject(source, "", "unrecognised_file",
                     "not a .json or .json.xz metadata/export file (comments files need their post's metadata)")
        return
    try:
        loaded = load_json(folder.path / name)
    except LoadError as exc:
        # an unreadable file named like Instaloader metadata takes its post's files with it
        aside = instaloader.set_aside(folder, instaloader.metadata_base(name))
        yield RejectedRecord(Reject(source, "", exc.code, exc.detail + aside))
        return
    data = loaded.data
    if instaloader.looks_like_instaloader(data):
        if instaloader.node_type(data) == "Profile":
            yield Skipped(source, "Instaloader profile metadata")
        else:
            yield instaloader.read_post(folder, name, loaded)
        return
    if exports.is_scraper_file(data):  # instagram-scraper's {"GraphImages": [...], ...}
        yield from exports.read_scraper_file(folder, name, loaded)
        return
    kind = exports.array_format(data)
    if kind == "annotations":
        yield AnnotationExport(source, loaded)
    elif kind == "apify":
        yield from exports.read_apify(folder, name, loaded)
    elif kind == "instagram_scraper":
        yield from exports.read_scraper(folder, name, loaded)
    elif data == []:
        yield Skipped(source, "empty JSON array")
    else:
        shape = f"object with keys {sorted(data)[:8]}" if isinstance(data, dict) else (
            "array without recognised post keys" if isinstance(data, list) else type(data).__name__)
        yield RejectedRecord(Reject(source, "", "unrecognised_format", f"JSON {shape}"))


def _leftovers(folder: Folder) -> Iterator[Event]:
    """Files of the folder no reader used: never silently dropped."""
    for name in sorted(folder.names - folder.claimed):
        source = folder.rel(name)
        if source in folder.claimed_below:
            folder.claimed_below.discard(source)
        elif name in folder.escaping:
            yield Reject(source, "", "path_escape", folder.escape_detail(name))
        elif name in PROFILE_FILE_NAMES or name.endswith(PROFILE_FILE_SUFFIXES):
            yield Skipped(source, "Instaloader profile file")
        elif instaloader.is_comments_file(name):
            yield Reject(source, "", "orphan_comments", "comments file without its post metadata")
        elif media_type_of(name) is not None:
            yield Reject(source, "", "orphan_media", "no post metadata refers to this file")
        else:
            yield Reject(source, "", "unrecognised_file", "not a file of any supported scrape format")
