"""JSON exports: instagram-scraper (`<user>.json` = {"GraphImages": [posts], "GraphStories": [...]},
or a bare array from old versions; media downloaded beside it) and Apify's Instagram scraper (an
array; media usually only as CDN URLs). Remote URLs are never fetched: a media entry is kept only
when a file of the URL's file name lies beside the export."""
from __future__ import annotations

from typing import Any, Iterator

from fashion.ingest.fields import Fields, RecordError, clean_string, type_name
from fashion.ingest.folder import Folder
from fashion.ingest.load import Loaded
from fashion.ingest.paths import PathEscape, is_url, media_name
from fashion.ingest.records import (MediaRef, PostRecord, Skipped, build_post, first_present, media_type_of,
                                    parse_comments, tagged_usernames, unique_media)
from fashion.ingest.rejects import Reject, RejectedRecord, not_ingested

APIFY_KEYS = frozenset({"shortCode", "ownerUsername", "latestComments", "displayUrl", "childPosts",
                        "likesCount", "commentsCount"})
SCRAPER_KEYS = frozenset({"code", "created_time", "urls", "taken_at_timestamp"})
ANNOTATION_KEYS = frozenset({"imageinfo", "annotatorusername"})

# instagram-scraper's top-level keys (_persist_metadata; --profile-metadata and --latest merge them
# into one file): posts, stories, profile info.
SCRAPER_FILE_KEYS = ("GraphImages", "GraphStories", "GraphProfileInfo")

Event = PostRecord | RejectedRecord | Reject | Skipped


def is_scraper_file(data: Any) -> bool:
    return isinstance(data, dict) and any(key in data for key in SCRAPER_FILE_KEYS)


def read_scraper_file(folder: Folder, name: str, loaded: Loaded) -> Iterator[Event]:
    """instagram-scraper's `<user>.json` object: each GraphImages element is a post record;
    GraphStories elements are stories (`not_a_post`, as Instaloader StoryItems); profile info alone
    is skipped."""
    source = folder.rel(name)
    data = loaded.data
    images, stories = data.get("GraphImages"), data.get("GraphStories")
    if images is not None and not isinstance(images, list):  # the file's posts are unreadable: one record
        yield RejectedRecord(Reject(source, "", "unrecognised_format",
                                    f"GraphImages: expected array of posts, got {type_name(images)}"))
    if stories is not None and not isinstance(stories, list):
        yield Reject(source, "GraphStories", "not_a_post",
                     f"GraphStories: expected array of stories, got {type_name(stories)}; not read")
    invalid = not isinstance(images, (list, type(None))) or not isinstance(stories, (list, type(None)))
    images = images if isinstance(images, list) else []
    stories = stories if isinstance(stories, list) else []
    if not images and not stories:
        if not invalid:
            yield Skipped(source, "instagram-scraper file without posts or stories (profile info only)")
        return
    utf8_reported = yield from _scraper_posts(folder, name, loaded, images)
    for position, story in enumerate(stories):
        yield _story(folder, source, position, story)
    yield from unattributed_utf8(source, loaded, utf8_reported)


def _story(folder: Folder, source: str, position: int, story: Any) -> Reject:
    """A story is not a post: one not_a_post row, its downloaded media claimed by it."""
    if not isinstance(story, dict):
        return Reject(source, f"GraphStories#{position}", "not_a_post",
                      f"GraphStories element {position} ({type_name(story)}), not a post")
    story_id = story.get("id")
    record = str(story_id) if isinstance(story_id, (str, int)) and not isinstance(story_id, bool) else \
        f"GraphStories#{position}"
    urls = story.get("urls")
    aside = set_aside(folder, urls if isinstance(urls, list) else [])
    kind = story.get("__typename") if isinstance(story.get("__typename"), str) else "story"
    return Reject(source, record, "not_a_post", f"instagram-scraper {kind} in GraphStories, not a post{aside}")


def set_aside(folder: Folder, references: list) -> str:
    """Claim the local files of a record that is not ingested (a story, a post without a usable id
    or time): its reject accounts for them, so they are not orphans. Returns that reject's aside."""
    names = []
    for reference in references:
        name = media_name(reference) if isinstance(reference, str) else ""
        try:
            path = folder.local_file(name) if name else None
        except PathEscape:
            path = None  # never read: only looked up so it is not reported as an orphan
        if path is not None and (path.exists() or path.is_symlink()):
            folder.claim(path)
            names.append(name)
    return not_ingested(names)


def array_format(data: Any) -> str | None:
    """'apify', 'instagram_scraper' or 'annotations' for a JSON array export, judged by its first
    object's keys; None when unrecognised."""
    if not isinstance(data, list):
        return None
    first = next((item for item in data if isinstance(item, dict)), None)
    if first is None:
        return None
    keys = first.keys()
    if ANNOTATION_KEYS & keys:
        return "annotations"
    if APIFY_KEYS & keys:
        return "apify"
    if SCRAPER_KEYS & keys:
        return "instagram_scraper"
    return None


def _media(fields: Fields, folder: Folder, references: list[tuple[str, str | None]],
           missing_code: str) -> list[MediaRef]:
    """Local files for (reference, declared type) pairs; absent ones rejected with `missing_code`
    for URLs (one reject per post listing them) and `media_missing` for local paths."""
    refs, absent = [], []
    for reference, declared in references:
        if clean_string(reference)[1]:
            fields.reject("non_utf8", f"media reference {reference!r} is not valid Unicode text: dropped")
            continue
        name = media_name(reference)
        if not name:
            fields.reject("media_missing", f"{reference}: no file name in the reference")
            continue
        try:
            path = folder.local_file(name)
        except PathEscape as exc:
            fields.reject("path_escape", f"media {reference!r}: {exc}")
            continue
        if not path.exists() and not path.is_symlink():
            if is_url(reference):
                absent.append(name)
            else:
                fields.reject("media_missing", f"{name}: not found")
            continue
        folder.claim(path)
        refs.append(MediaRef(path, folder.root.relative(path), media_type_of(name) or declared or "image"))
    if absent:
        fields.reject(missing_code, f"{len(absent)} media file(s) not beside the export "
                                    f"({', '.join(absent)}); URLs are never fetched")
    return unique_media(refs)


def _url_list(fields: Fields, value: Any, key: str) -> list[str]:
    return [u for u in (fields.string_list(value, key) or []) if u]


def read_scraper(folder: Folder, name: str, loaded: Loaded) -> Iterator[Event]:
    """An old instagram-scraper export: a bare array of posts."""
    utf8_reported = yield from _scraper_posts(folder, name, loaded, loaded.data)
    yield from unattributed_utf8(folder.rel(name), loaded, utf8_reported)


def _scraper_posts(folder: Folder, name: str, loaded: Loaded, items: list) -> Iterator[Event]:
    """instagram-scraper posts, one record each: id, code, created_time, caption{text, from},
    comments{count, data}, tags, likes{count}, urls, type, user{username}, users_in_photo (old
    API). Newer versions save the GraphQL node (shortcode, taken_at_timestamp,
    edge_media_to_caption, edge_media_to_tagged_user, username), read as fallbacks. Returns
    whether a non_utf8 problem was reported on a field."""
    source = folder.rel(name)
    utf8_reported = False
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            yield RejectedRecord(Reject(source, f"#{position}", "bad_record", f"element {position} is not an object"))
            continue
        fields = Fields(source, f"#{position}", loaded.bad_utf8)
        try:
            post_id = fields.required_id(item.get("id"), "id")
            fields.record = post_id
            taken_at = fields.required_time(
                item["created_time"] if item.get("created_time") is not None else item.get("taken_at_timestamp"),
                "created_time")
        except RecordError as exc:
            aside = set_aside(folder, _scraper_urls(fields, item))
            yield RejectedRecord(Reject(source, fields.record, exc.code, exc.detail + aside))
            continue
        caption = item.get("caption")
        caption_key = "caption"
        if isinstance(caption, dict):
            caption, caption_key = caption.get("text"), "caption.text"
        elif caption is None and "edge_media_to_caption" in item:
            caption = fields.dig(item, "edge_media_to_caption", "edges", 0, "node", "text")
            caption_key = "edge_media_to_caption"
        account = (fields.dig(item, "user", "username") or fields.dig(item, "owner", "username")
                   or (fields.dig(item, "caption", "from", "username") if isinstance(item.get("caption"), dict)
                       else None) or item.get("username") or name.rsplit(".", 1)[0])
        post = build_post(
            fields, post_id=post_id, shortcode=item.get("code", item.get("shortcode")), account=account,
            taken_at=taken_at, caption=caption, hashtags=item.get("tags"), mentions=None,
            like_count=(fields.dig(item, "likes", "count") if "likes" in item
                        else fields.dig(item, "edge_media_preview_like", "count")),
            # --comments saves comments{data} without a count: the node's own count then
            comment_count=first_present(fields.dig(item, "comments", "count") if "comments" in item else None,
                                        fields.dig(item, "edge_media_to_comment", "count")),
            source_format="instagram_scraper", usertags=_scraper_usertags(fields, item),
            keys={"caption": caption_key, "shortcode": "code", "account": "user.username", "hashtags": "tags",
                  "like_count": "likes.count", "comment_count": "comments.count"})
        urls = _scraper_urls(fields, item)
        declared = "video" if str(item.get("type", "")).lower() in ("video", "graphvideo") else None
        media = _media(fields, folder, [(u, declared) for u in urls], "media_missing")
        # user scrapes save comments{data}; hashtag/location scrapes edge_media_to_comment.data
        comments_key = "comments" if "comments" in item else "edge_media_to_comment"
        comments = parse_comments(fields, post_id, fields.dig(item, comments_key, "data"), f"{comments_key}.data", None)
        utf8_reported |= fields.utf8_reported
        yield PostRecord(post, media, comments, fields.rejects)
    return utf8_reported


def _scraper_urls(fields: Fields, item: dict) -> list[str]:
    """Media URLs of a post: `urls` (user scrapes), else the node's display_url and the old API's
    standard_resolution image and video."""
    urls = _url_list(fields, item.get("urls"), "urls")
    if urls:
        return urls
    return [u for u in (item.get("display_url"), fields.dig(item, "images", "standard_resolution", "url"),
                        fields.dig(item, "videos", "standard_resolution", "url")) if isinstance(u, str) and u]


def _scraper_usertags(fields: Fields, item: dict) -> list[str]:
    """The GraphQL node's edge_media_to_tagged_user, or the old API's users_in_photo[].user."""
    handles = tagged_usernames(fields, fields.dig(item, "edge_media_to_tagged_user", "edges"),
                               "edge_media_to_tagged_user.edges", "node", "user", "username")
    return handles + tagged_usernames(fields, item.get("users_in_photo"), "users_in_photo", "user", "username")


def read_apify(folder: Folder, name: str, loaded: Loaded) -> Iterator[Event]:
    """Apify Instagram scraper: id, shortCode, type, caption, hashtags, mentions, timestamp (ISO),
    ownerUsername, likesCount (-1 when hidden), commentsCount, latestComments[replies],
    displayUrl, images[], childPosts[], videoUrl."""
    source = folder.rel(name)
    utf8_reported = False
    for position, item in enumerate(loaded.data):
        if not isinstance(item, dict):
            yield RejectedRecord(Reject(source, f"#{position}", "bad_record", f"element {position} is not an object"))
            continue
        fields = Fields(source, f"#{position}", loaded.bad_utf8)
        try:
            post_id = fields.required_id(item.get("id"), "id")
            fields.record = post_id
            taken_at = fields.required_time(item.get("timestamp"), "timestamp")
        except RecordError as exc:
            references = _apify_references(fields, item)
            aside = set_aside(folder, [reference for reference, _ in references])
            yield RejectedRecord(Reject(source, fields.record, exc.code, exc.detail + aside))
            continue
        account = item.get("ownerUsername") or fields.dig(item, "owner", "username")
        if account is None:
            fields.reject("missing_key", "ownerUsername: absent, account left empty")
        post = build_post(
            fields, post_id=post_id, shortcode=item.get("shortCode"), account=account, taken_at=taken_at,
            caption=item.get("caption"), hashtags=item.get("hashtags"), mentions=item.get("mentions"),
            like_count=item.get("likesCount"), comment_count=item.get("commentsCount"), source_format="apify",
            usertags=_apify_usertags(fields, item),
            keys={"caption": "caption", "shortcode": "shortCode", "account": "ownerUsername",
                  "like_count": "likesCount", "comment_count": "commentsCount"})
        media = _media(fields, folder, _apify_references(fields, item), "media_not_local")
        comments = parse_comments(fields, post_id, item.get("latestComments"), "latestComments", "replies")
        utf8_reported |= fields.utf8_reported
        yield PostRecord(post, media, comments, fields.rejects)
    yield from unattributed_utf8(source, loaded, utf8_reported)


def _apify_usertags(fields: Fields, item: dict) -> list[str]:
    """taggedUsers[].username of the post, then of each carousel child."""
    handles = tagged_usernames(fields, item.get("taggedUsers"), "taggedUsers", "username")
    children = item.get("childPosts")
    for i, child in enumerate(children if isinstance(children, list) else []):  # shape checked with media
        if isinstance(child, dict):
            handles += tagged_usernames(fields, child.get("taggedUsers"), f"childPosts[{i}].taggedUsers", "username")
    return handles


def _apify_references(fields: Fields, item: dict) -> list[tuple[str, str | None]]:
    """Media references in carousel order: childPosts (each image and, for videos, the video),
    else images[], else displayUrl (+ videoUrl)."""
    def of(entry: dict) -> list[tuple[str, str | None]]:
        refs = [(entry["displayUrl"], "image")] if isinstance(entry.get("displayUrl"), str) and entry["displayUrl"] else []
        if isinstance(entry.get("videoUrl"), str) and entry["videoUrl"]:
            refs.append((entry["videoUrl"], "video"))
        return refs

    children = fields.objects(item.get("childPosts"), "childPosts")
    if children:
        return [ref for child in children for ref in of(child)]
    images = _url_list(fields, item.get("images"), "images")
    if images:
        refs = [(url, "image") for url in images]
        if isinstance(item.get("videoUrl"), str) and item["videoUrl"]:
            refs.append((item["videoUrl"], "video"))
        return refs
    return of(item)


def unattributed_utf8(source: str, loaded: Loaded, reported: bool) -> Iterator[Reject]:
    """The file had invalid UTF-8 but no ingested field carried it: say so once for the file."""
    if loaded.bad_utf8 and not reported:
        yield Reject(source, "", "non_utf8", f"{loaded.bad_utf8} in a field not ingested")
