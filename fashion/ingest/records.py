"""What a reader hands the pipeline: one post (row + media candidates + comments + rejects)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from fashion.ingest.fields import Fields, identifier, type_name
from fashion.ingest.rejects import Reject
from fashion.ingest.tags import HASH_SIGILS, MENTION_SIGILS, extract_hashtags, extract_mentions, nfkc, normalise_tags

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".webm")


def media_type_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(IMAGE_EXTENSIONS):
        return "image"
    if lower.endswith(VIDEO_EXTENSIONS):
        return "video"
    return None


@dataclass(frozen=True)
class MediaRef:
    path: Path   # file on disk (inside the dump root; checked again before use)
    rel: str     # the same, relative to the dump root (posix)
    type: str    # image | video


@dataclass(frozen=True)
class Skipped:
    """A file read and deliberately not ingested (profile metadata/picture, empty export)."""

    source: str
    why: str


@dataclass
class PostRecord:
    post: dict[str, Any]          # a posts.parquet row without "media"
    media: list[MediaRef]
    comments: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def build_post(fields: Fields, *, post_id: str, shortcode: Any, account: Any, taken_at: datetime,
               caption: Any, hashtags: Any, mentions: Any, like_count: Any, comment_count: Any,
               source_format: str, keys: dict[str, str], usertags: list[str] = ()) -> dict[str, Any]:
    """The posts.parquet row (without `media` and `dump_root`, added by the pipeline). Hashtags/
    mentions come from the export's own lists when it has them, otherwise from the caption;
    `usertags` are the tagged accounts' handles as read. `keys` names the export keys used (for
    reject details)."""
    caption_text = nfkc(fields.text(caption, keys["caption"]) or "")
    given_tags = fields.string_list(hashtags, keys.get("hashtags", "hashtags"))
    given_mentions = fields.string_list(mentions, keys.get("mentions", "mentions"))
    if isinstance(shortcode, int) and not isinstance(shortcode, bool):
        shortcode = str(shortcode)
    return {
        "post_id": post_id,
        "shortcode": fields.text(shortcode, keys["shortcode"]),
        "account": fields.text(account, keys["account"]),
        "taken_at": taken_at,
        "caption": caption_text,
        "hashtags": (normalise_tags(given_tags, HASH_SIGILS) if given_tags is not None
                     else extract_hashtags(caption_text)),
        "mentions": (normalise_tags(given_mentions, MENTION_SIGILS) if given_mentions is not None
                     else extract_mentions(caption_text)),
        "usertags": normalise_tags(usertags, MENTION_SIGILS),
        "like_count": fields.count(like_count, keys["like_count"]),
        "comment_count": fields.count(comment_count, keys["comment_count"]),
        "source_format": source_format,
        "source": fields.source,
    }


def tagged_usernames(fields: Fields, entries: Any, key: str, *path: str) -> list[str]:
    """Handles of a list of tagged-user entries, each holding the handle at `path` (GraphQL
    `edges[].node.user.username`, mobile API `in[].user.username`, Apify `[].username`). An entry
    without a string handle gets a bad_type reject and is skipped."""
    out: list[str] = []
    if entries is None:
        return out
    if not isinstance(entries, list):
        fields.reject("bad_type", f"{key}: expected array, got {type_name(entries)}")
        return out
    for position, entry in enumerate(entries):
        where, handle, walked = f"{key}[{position}]", entry, 0
        while walked < len(path) and isinstance(handle, dict):  # one reject, naming the first wrong step
            where, handle, walked = f"{where}.{path[walked]}", handle.get(path[walked]), walked + 1
        if walked < len(path) or not isinstance(handle, str):
            wanted = "string handle" if walked == len(path) else "object"
            fields.reject("bad_type", f"{where}: expected {wanted}, got {type_name(handle)}")
            continue
        text = fields.text(handle, where)
        if text:
            out.append(text)
    return out


def flag(fields: Fields, value: Any, key: str) -> bool:
    """An optional boolean: only JSON true is True; another type (e.g. the string "false", which
    Python would take as truthy) is a bad_type reject and counts as False."""
    if value is None or isinstance(value, bool):
        return value is True
    fields.reject("bad_type", f"{key}: expected boolean, got {type_name(value)} {value!r}")
    return False


def first_present(*values: Any) -> Any:
    """The first value that is not None (exports spell the same field several ways)."""
    return next((v for v in values if v is not None), None)


def comment_author(fields: Fields, item: dict) -> Any:
    """Author handle across formats: owner.username (Instaloader, scraper), ownerUsername (Apify),
    from.username / user.username (older APIs)."""
    return first_present(fields.dig(item, "owner", "username"), item.get("ownerUsername"),
                  fields.dig(item, "from", "username"), fields.dig(item, "user", "username"))


def parse_comments(fields: Fields, post_id: str, items: Any, key: str,
                   replies_key: str | None, known: set[str] | None = None) -> list[dict[str, Any]]:
    """comments.parquet rows for a post's comment list (replies nested under `replies_key`).

    A comment without a usable id or text is dropped with a `bad_comment` reject (its replies with
    it, since they would point at no parent); repeated ids give `duplicate_comment`. Ids in
    `known` (taken from another, overlapping list of the same post) are skipped as the same
    comment; ids read here are added to it.
    """
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    known = set() if known is None else known
    if items is None:
        return rows
    if not isinstance(items, list):
        fields.reject("bad_comment", f"{key}: expected array, got {type(items).__name__}", record=post_id)
        return rows

    def walk(entries: list, parent: str | None, where: str) -> None:
        for position, item in enumerate(entries):
            label = f"{where}[{position}]"
            if not isinstance(item, dict):
                fields.reject("bad_comment", f"{label}: expected object", record=post_id)
                continue
            replies = item.get(replies_key) if replies_key else None
            dropped = f" (and its {len(replies)} replies)" if isinstance(replies, list) and replies else ""
            try:
                comment_id = identifier(item.get("id"))
            except (TypeError, ValueError) as exc:
                fields.reject("bad_comment", f"{label}: id: {exc}{dropped}", record=post_id)
                continue
            record = f"{post_id}/{comment_id}"
            if not isinstance(item.get("text"), str):
                fields.reject("bad_comment", f"{label}: text missing or not a string{dropped}", record=record)
                continue
            if comment_id in seen:
                fields.reject("duplicate_comment", f"{label}: comment id {comment_id} repeated", record=record)
                continue
            seen.add(comment_id)
            if comment_id not in known:  # else the same comment, read from the post's other list
                known.add(comment_id)
                sub = Fields(fields.source, record, fields.bad_utf8)
                rows.append({
                    "post_id": post_id,
                    "comment_id": comment_id,
                    "parent_id": parent,
                    "author": sub.text(comment_author(sub, item), f"{label}.author"),
                    "created_at": sub.optional_time(first_present(item.get("created_at"), item.get("timestamp"),
                                                                  item.get("created_time")), f"{label}.created_at"),
                    "text": nfkc(sub.text(item["text"], f"{label}.text")),
                })
                fields.rejects.extend(sub.rejects)
                fields.utf8_reported |= sub.utf8_reported
            if replies_key and replies is not None:
                if isinstance(replies, list):
                    walk(replies, comment_id, f"{label}.{replies_key}")
                else:
                    fields.reject("bad_comment", f"{label}.{replies_key}: expected array", record=record)

    walk(items, None, key)
    return rows


def unique_media(refs: Iterable[MediaRef]) -> list[MediaRef]:
    """Media in order, each file once (exports often list the cover image twice)."""
    seen: set[str] = set()
    out = []
    for ref in refs:
        if ref.rel not in seen:
            seen.add(ref.rel)
            out.append(ref)
    return out
