"""Copies of one post id (a re-download, a tagged copy, the same PATH given twice) -> one post
holding the union of their data. Everything here depends on the copies' content only, never on the
order they were read in, so the merged post is the same whatever the order of the PATHs."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Hashable, Iterable, Sequence

from fashion.ingest.rejects import Reject

# Post fields whose presence makes a copy "more complete" (identity and location fields are
# always there, so they do not count).
FILLED_FIELDS = ("shortcode", "account", "caption", "hashtags", "mentions", "usertags", "media",
                 "like_count", "comment_count")
# Scalars taken from the most complete copy, or from the next copy that has them when it has not.
SCALAR_FIELDS = ("shortcode", "account")
# Counts are a snapshot that grows between scrapes: the newest copy's (the next one's when null).
SNAPSHOT_FIELDS = ("like_count", "comment_count")


@dataclass(frozen=True)
class Copy:
    post: dict[str, Any]          # a posts.parquet row; media paths and source relative to its dump_root
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Merged:
    post: dict[str, Any]
    comments: list[dict[str, Any]]
    conflicts: list[Reject]       # duplicate_conflict rows


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != []


def completeness(post: dict[str, Any]) -> int:
    return sum(_filled(post.get(name)) for name in FILLED_FIELDS)


def _utc(moment: datetime) -> datetime:
    # rows read back from Parquet and rows built by the readers carry different tzinfo objects
    return moment.astimezone(timezone.utc)


def newest(copy: Copy) -> tuple:
    """How recent a copy is, from its content (no scrape dates exist in these formats): the latest
    time it shows (post time or its newest comment's; it cannot be older than that), then the
    higher like and comment counts (they grow between scrapes)."""
    times = [_utc(copy.post["taken_at"])] + [_utc(c["created_at"]) for c in copy.comments if c["created_at"]]
    return (max(times), _count(copy.post.get("like_count")), _count(copy.post.get("comment_count")))


def _count(value: int | None) -> int:
    return -1 if value is None else value


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def digest(copy: Copy) -> str:
    """Content hash of a copy (location included): the last, order-free tie-break."""
    text = json.dumps({"post": copy.post, "comments": copy.comments}, sort_keys=True, default=_canonical,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def ranked(copies: Iterable[Copy]) -> list[Copy]:
    """Most complete first, then newest, then by content hash (stable sorts: a total order)."""
    by_hash = sorted(copies, key=digest)
    return sorted(by_hash, key=lambda c: (completeness(c.post), newest(c)), reverse=True)


def common_root(roots: Iterable[str]) -> str:
    """The dump_root of a post whose copies lie under several: their deepest common folder, as
    written when all are relative and it does not climb out with '..', else absolute."""
    unique = sorted(set(roots))
    if len(unique) == 1:
        return unique[0]
    normal = sorted({os.path.normpath(root) for root in unique})
    if len(normal) == 1:
        return normal[0]
    if not any(os.path.isabs(root) for root in normal):
        common = os.path.commonpath(normal) or os.curdir
        if not any(_climbs(os.path.relpath(root, common)) for root in normal):
            return common
    return os.path.commonpath([os.path.abspath(root) for root in normal])


def _climbs(relative: str) -> bool:
    return relative.split(os.sep, 1)[0] == os.pardir


def rebase(relative: str, root: str, new_root: str) -> str:
    """A path relative to `root` made relative to `new_root` (an ancestor of it), posix."""
    if root == new_root:
        return relative
    return Path(os.path.relpath(os.path.join(root, relative), new_root)).as_posix()


def comment_key(comment: dict[str, Any]) -> Hashable:
    """Comments are the same comment by id; one without an id by (author, time, text)."""
    if comment.get("comment_id"):
        return ("id", comment["comment_id"])
    created = comment.get("created_at")
    return ("content", comment.get("author"), _utc(created) if created else None, comment.get("text"))


def _union(lists: Iterable[Sequence[Any]], key=lambda item: item) -> list[Any]:
    seen: set = set()
    out = []
    for items in lists:
        for item in items:
            if key(item) not in seen:
                seen.add(key(item))
                out.append(item)
    return out


def merge(copies: Sequence[Copy]) -> Merged:
    """One post from its copies: the most complete copy's fields (its empty ones filled from the
    next copies), the newest copy's like/comment counts, the union of comments, media and usertags
    (in rank order), and the caption every copy agrees on or, when two non-empty captions differ,
    the newest copy's, with a duplicate_conflict row for each copy whose caption is dropped."""
    order = ranked(copies)
    winner = order[0]
    root = common_root(c.post["dump_root"] for c in order)

    def where(copy: Copy) -> str:
        return rebase(copy.post["source"], copy.post["dump_root"], root)

    post = dict(winner.post)
    for name in SCALAR_FIELDS:
        post[name] = next((c.post[name] for c in order if c.post[name] is not None), None)
    by_age = sorted(order, key=newest, reverse=True)  # stable: rank order among equals
    for name in SNAPSHOT_FIELDS:
        post[name] = next((c.post[name] for c in by_age if c.post[name] is not None), None)
    captioned = [c for c in order if c.post["caption"]]
    conflicts: list[Reject] = []
    if len({c.post["caption"] for c in captioned}) > 1:
        kept = next(c for c in by_age if c.post["caption"])
        for copy in captioned:
            if copy.post["caption"] != kept.post["caption"]:
                conflicts.append(Reject(
                    where(copy), post["post_id"], "duplicate_conflict",
                    f"caption: copies of post {post['post_id']} differ; kept {kept.post['caption']!r} of "
                    f"{where(kept)} (the newest copy), dropped {copy.post['caption']!r} of {where(copy)}"))
    else:
        kept = captioned[0] if captioned else winner
    post["caption"] = kept.post["caption"]
    # hashtags and mentions come with the caption they were read from
    for name in ("hashtags", "mentions"):
        post[name] = next((c.post[name] for c in [kept, *order] if c.post[name]), [])
    post["usertags"] = _union(c.post["usertags"] for c in order)
    post["media"] = _union(([{"path": rebase(m["path"], c.post["dump_root"], root), "type": m["type"]}
                             for m in c.post["media"]] for c in order), key=lambda m: m["path"])
    post["source"], post["dump_root"] = where(winner), root
    comments = _union((c.comments for c in order), key=comment_key)
    return Merged(post, comments, conflicts)
