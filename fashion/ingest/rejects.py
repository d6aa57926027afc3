"""Reject rows: every input that is not ingested (or only partly) leaves one, naming file and reason."""
from __future__ import annotations

from dataclasses import dataclass

# Reason codes, grouped by what happens to the record. Documented in docs/contracts.md (Ingest).
# Record-level: the post is not ingested (counted in rejected_posts).
RECORD_CODES = (
    "corrupt_xz",          # .xz stream corrupt or truncated, or junk after it
    "invalid_json",        # not parseable JSON
    "unreadable_file",     # OS error reading the file
    "unrecognised_format", # JSON that matches none of the supported scrape formats
    "bad_record",          # array element that is not a JSON object
    "missing_key",         # a required key (post id, timestamp) is absent
    "bad_type",            # a required value has the wrong JSON type
    "bad_value",           # a required value has the right type but cannot be parsed
)
# Post kept, part of it dropped or repaired.
FIELD_CODES = (
    "non_utf8",            # invalid UTF-8 bytes / lone surrogates, text kept with U+FFFD
    "bad_comment",         # comment dropped (not an object, no id, no text)
    "duplicate_comment",   # comment id repeated within a post
    "duplicate_conflict",  # copies of one post id disagree on a field: the newest copy's value kept
    "media_missing",       # expected media file is not there
    "media_not_local",     # Apify media only known by URL (never fetched)
    "media_empty",         # zero-byte media file
    "media_not_image",     # PIL cannot identify the image
    "media_truncated",     # image fails to decode fully
    "media_too_large",     # pixel count above max_image_pixels (decompression bomb)
    "path_escape",         # name/link resolving outside the dump folder
)
# Files that hold no post (not counted as records).
FILE_CODES = (
    "path_not_found",      # a PATH given on the command line does not exist
    "unrecognised_file",   # file of no supported kind
    "orphan_media",        # media file no post refers to
    "orphan_comments",     # _comments.json without post metadata
    "not_a_post",          # Instaloader metadata of another node type (Profile, ...)
    "symlinked_folder",    # symlinked folder inside the dump: not followed
)
# Annotation export (truth.parquet).
TRUTH_CODES = (
    "bad_annotation",       # annotation record of the wrong shape
    "duplicate_annotation", # imageid annotated twice (first kept)
    "unknown_category",     # item dropped
    "unknown_group",        # attribute key unknown: its values dropped, item kept
    "unknown_value",        # value (subcategory/attribute/style/brand) dropped, item kept
    "extra_brand",          # more than one brand on an item: first kept
)
REASON_CODES = RECORD_CODES + FIELD_CODES + FILE_CODES + TRUTH_CODES


def printable(text: str) -> str:
    """`text` with lone surrogates (undecodable file names, bad JSON escapes) as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


@dataclass(frozen=True)
class Reject:
    source: str   # file, relative to the dump root (posix separators)
    record: str   # post id, comment id, "imageid/item" or position in the file; "" for whole files
    code: str     # one of REASON_CODES
    detail: str   # human-readable specifics

    def __post_init__(self) -> None:
        if self.code not in REASON_CODES:
            raise ValueError(f"unknown reject code {self.code!r}")
        # names and details may quote undecodable input: keep them writable as UTF-8
        for name in ("source", "record", "detail"):
            object.__setattr__(self, name, printable(getattr(self, name)))

    @property
    def reason(self) -> str:
        """`code: file: detail`, the message written to rejects.parquet."""
        return f"{self.code}: {self.source}: {self.detail}"

    def row(self) -> dict[str, str]:
        return {"source": self.source, "record": self.record, "reason": self.reason, "code": self.code}


@dataclass(frozen=True)
class RejectedRecord:
    """A post record that produced no post row (counts toward rejected_posts)."""

    reject: Reject


def not_ingested(names: list[str]) -> str:
    """The aside a rejected record's reason ends with when it accounts for files beside it, so
    they are not reported again as orphans."""
    return f" ({len(names)} file(s) not ingested: {', '.join(names)})" if names else ""
