"""Instaloader profile folders: `<base>.json[.xz]` metadata, `<base>[_N].jpg|.mp4`, `<base>.txt`,
`<base>_comments.json`. Handles the GraphQL node and the mobile-API node (`iphone_struct`, plain
string `caption`, `date`). Instaloader does not guarantee its JSON layout, so every key is optional
except the post id and time."""
from __future__ import annotations

from typing import Any

from fashion.ingest.fields import Fields, RecordError, type_name
from fashion.ingest.folder import Folder
from fashion.ingest.load import LoadError, Loaded, load_json, load_text
from fashion.ingest.records import PostRecord, build_post, first_present, flag, parse_comments, tagged_usernames
from fashion.ingest.rejects import Reject, RejectedRecord, not_ingested

METADATA_SUFFIXES = (".json.xz", ".json")
COMMENTS_SUFFIXES = ("_comments.json", "_comments.json.xz")


def is_comments_file(name: str) -> bool:
    return name.endswith(COMMENTS_SUFFIXES)


def metadata_base(name: str) -> str | None:
    """`2018-01-02_10-00-00_UTC` for `2018-01-02_10-00-00_UTC.json.xz`; None for other files."""
    if is_comments_file(name):
        return None
    for suffix in METADATA_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def set_aside(folder: Folder, base: str) -> str:
    """Claim the files beside metadata `base` whose post is not ingested (media, caption and
    location .txt, comments): the post's reject accounts for them, so they are not orphans.
    Returns the aside for that reject's reason."""
    names = [ref.path.name for _, ref in folder.media_of(base)]
    names += [base + suffix for suffix in (".txt", "_location.txt", *COMMENTS_SUFFIXES) if base + suffix in folder.names]
    folder.claimed.update(names)
    return not_ingested(names)


def looks_like_instaloader(data: Any) -> bool:
    """`{"node": {...}, "instaloader": {...}}`, or a bare node as very old versions saved it."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("node"), dict):
        return True
    return "shortcode" in data and ("taken_at_timestamp" in data or "date" in data)


def node_type(data: dict) -> str:
    meta = data.get("instaloader")
    if isinstance(meta, dict) and isinstance(meta.get("node_type"), str):
        return meta["node_type"]
    return "Post"


def _slots(fields: Fields, node: dict, iphone: Any) -> list[bool]:
    """One entry per expected media slot: True when that slot is a video."""
    children = fields.dig(node, "edge_sidecar_to_children", "edges")
    if isinstance(children, list) and children:
        return [flag(fields, fields.dig(edge, "node", "is_video"),
                     f"edge_sidecar_to_children.edges[{i}].node.is_video") for i, edge in enumerate(children)]
    carousel = fields.dig(iphone, "carousel_media")
    if isinstance(carousel, list) and carousel:
        return [isinstance(item, dict) and item.get("media_type") == 2 for item in carousel]
    return [flag(fields, node.get("is_video"), "is_video") or node.get("__typename") == "GraphVideo"
            or fields.dig(iphone, "media_type") == 2]


def _usertags(fields: Fields, node: dict, iphone: Any) -> list[str]:
    """Tagged accounts: the post's own tags, then each carousel child's (Instagram tags sidecar
    images one by one); the mobile-API node keeps them under usertags.in."""
    handles = tagged_usernames(fields, fields.dig(node, "edge_media_to_tagged_user", "edges"),
                               "edge_media_to_tagged_user.edges", "node", "user", "username")
    sidecar = node.get("edge_sidecar_to_children")  # its shape is checked (once) by _slots
    children = sidecar.get("edges") if isinstance(sidecar, dict) else None
    for i, edge in enumerate(children if isinstance(children, list) else []):
        child = edge.get("node") if isinstance(edge, dict) else None
        if isinstance(child, dict) and "edge_media_to_tagged_user" in child:
            key = f"edge_sidecar_to_children.edges[{i}].node.edge_media_to_tagged_user"
            handles += tagged_usernames(fields, fields.dig(child, "edge_media_to_tagged_user", "edges"),
                                        f"{key}.edges", "node", "user", "username")
    if iphone is not None:
        handles += tagged_usernames(fields, fields.dig(iphone, "usertags", "in"), "iphone_struct.usertags.in",
                                    "user", "username")
        carousel = fields.dig(iphone, "carousel_media")
        for i, item in enumerate(carousel if isinstance(carousel, list) else []):
            handles += tagged_usernames(fields, fields.dig(item, "usertags", "in"),
                                        f"iphone_struct.carousel_media[{i}].usertags.in", "user", "username")
    return handles


# Comment lists a GraphQL node may carry inline, most complete first: parent comments with their
# threaded replies (Instaloader >= 4.3), all comments (older dumps), the preview subset.
INLINE_COMMENTS = ("edge_media_to_parent_comment", "edge_media_to_comment", "edge_media_preview_comment")
REPLIES = "edge_threaded_comments.edges"


def _inline_comments(fields: Fields, post_id: str, node: dict) -> list[dict]:
    """Rows of the comments inside the metadata (`<key>.edges[].node`), each comment id once across
    the lists; bad nodes give bad_comment rejects as in a comments file."""
    rows: list[dict] = []
    known: set[str] = set()
    for key in INLINE_COMMENTS:
        container = node.get(key)
        if not isinstance(container, dict):
            if container is not None and key == "edge_media_preview_comment":  # the others: see comment_count
                fields.reject("bad_comment", f"{key}: expected object, got {type_name(container)}", record=post_id)
            continue
        edges = container.get("edges")
        if edges is None:
            continue
        if not isinstance(edges, list):
            fields.reject("bad_comment", f"{key}.edges: expected array, got {type_name(edges)}", record=post_id)
            continue
        rows += parse_comments(fields, post_id, [_comment_node(edge) for edge in edges],
                               f"{key}.edges", REPLIES, known)
    return rows


def _comment_node(edge: Any) -> Any:
    """An edge's comment node with its replies' nodes under REPLIES (a non-object stays as it is,
    for parse_comments to reject)."""
    comment = edge.get("node") if isinstance(edge, dict) else edge
    if not isinstance(comment, dict) or "edge_threaded_comments" not in comment:
        return comment
    threaded = comment["edge_threaded_comments"]
    replies = threaded.get("edges") if isinstance(threaded, dict) else threaded  # non-list: rejected there
    if isinstance(replies, list):
        replies = [reply.get("node") if isinstance(reply, dict) else reply for reply in replies]
    return {**comment, REPLIES: replies}


def _caption(fields: Fields, folder: Folder, base: str, node: dict) -> tuple[Any, str]:
    if "edge_media_to_caption" in node:
        return fields.dig(node, "edge_media_to_caption", "edges", 0, "node", "text"), "edge_media_to_caption"
    caption = node.get("caption")
    if isinstance(caption, dict):  # some mobile-API dumps keep the caption object
        return caption.get("text"), "caption.text"
    if caption is not None:
        return caption, "caption"
    txt = f"{base}.txt"
    if txt in folder.escaping:
        fields.reject("path_escape", f"{txt}: {folder.escape_detail(txt)}")
    elif txt in folder.names:
        try:
            text, bad_utf8 = load_text(folder.path / txt)
        except LoadError as exc:
            fields.reject(exc.code, f"{txt}: {exc.detail}")
            return None, txt
        if bad_utf8:
            fields.reject("non_utf8", f"{txt}: {bad_utf8} replaced with U+FFFD")
        return text, txt
    return None, "caption"


def read_post(folder: Folder, name: str, loaded: Loaded) -> PostRecord | RejectedRecord | Reject:
    """One metadata file -> a post (with media, caption .txt and comments claimed from the folder)."""
    base = metadata_base(name) or name
    source = folder.rel(name)
    data = loaded.data
    kind = node_type(data)
    if kind != "Post":
        return Reject(source, "", "not_a_post", f"Instaloader {kind} metadata, not a post{set_aside(folder, base)}")
    node = data["node"] if isinstance(data.get("node"), dict) else data
    iphone = node.get("iphone_struct")
    fields = Fields(source, "", loaded.bad_utf8)
    if iphone is not None and not isinstance(iphone, dict):
        fields.reject("bad_type", "iphone_struct: expected object")
        iphone = None
    try:
        post_id = fields.required_id(first_present(node.get("id"), fields.dig(iphone, "pk")), "node.id")
        fields.record = post_id
        taken_at = fields.required_time(
            first_present(node.get("taken_at_timestamp"), node.get("date"), fields.dig(iphone, "taken_at")),
            "node.taken_at_timestamp")
    except RecordError as exc:
        return RejectedRecord(Reject(source, fields.record or base, exc.code, exc.detail + set_aside(folder, base)))

    caption, caption_key = _caption(fields, folder, base, node)
    for extra in (f"{base}.txt", f"{base}_location.txt"):  # caption and geotag text Instaloader writes
        if extra in folder.names:
            folder.claimed.add(extra)
    account = (fields.dig(node, "owner", "username") or fields.dig(iphone, "user", "username")
               or folder.path.name)
    likes = first_present(fields.dig(node, "edge_media_preview_like", "count"),
                          fields.dig(node, "edge_liked_by", "count"), fields.dig(iphone, "like_count"))
    n_comments = first_present(fields.dig(node, "edge_media_to_comment", "count"),
                               fields.dig(node, "edge_media_to_parent_comment", "count"),
                               node.get("comments"), fields.dig(iphone, "comment_count"))
    post = build_post(
        fields, post_id=post_id, shortcode=first_present(node.get("shortcode"), fields.dig(iphone, "code")), account=account,
        taken_at=taken_at, caption=caption, hashtags=None, mentions=None, like_count=likes,
        comment_count=n_comments, source_format="instaloader_iphone" if iphone is not None else "instaloader",
        usertags=_usertags(fields, node, iphone),
        keys={"caption": caption_key, "shortcode": "shortcode", "account": "owner.username",
              "like_count": "edge_media_preview_like.count", "comment_count": "edge_media_to_comment.count"})

    media = []
    found = folder.media_of(base)
    slots = _slots(fields, node, iphone)
    numbered = len(slots) > 1 or any(slot > 0 for slot, _ in found)
    for position, is_video in enumerate(slots, start=1):
        slot = position if numbered else 0
        want = "video" if is_video else "image"
        if not any(s == slot and ref.type == want for s, ref in found):
            expected = f"{base}_{slot}" if slot else base
            fields.reject("media_missing", f"{expected}.{'mp4' if is_video else 'jpg'}: expected {want} not found")
    for _, ref in found:
        folder.claimed.add(ref.path.name)
        media.append(ref)

    comments, read_file = [], False
    for suffix in COMMENTS_SUFFIXES:
        comments_name = base + suffix
        if comments_name in folder.names:
            folder.claimed.add(comments_name)
            rows = _comments(folder, comments_name, post_id, fields)
            read_file |= rows is not None
            comments.extend(rows or [])
    if not read_file:
        # a readable comments file is complete and wins; else the comments inline in the metadata
        comments = _inline_comments(fields, post_id, node)
    if loaded.bad_utf8 and not fields.utf8_reported:
        fields.reject("non_utf8", f"{loaded.bad_utf8} in a field not ingested")
    return PostRecord(post, media, comments, fields.rejects)


def _comments(folder: Folder, name: str, post_id: str, post_fields: Fields) -> list[dict] | None:
    """Rows of a `_comments.json`: a JSON array, replies under `answers`; None when the file could
    not be read at all (rejected)."""
    source = folder.rel(name)
    if name in folder.escaping:
        post_fields.rejects.append(Reject(source, post_id, "path_escape", folder.escape_detail(name)))
        return None
    try:
        loaded = load_json(folder.path / name)
    except LoadError as exc:
        post_fields.rejects.append(Reject(source, post_id, exc.code, exc.detail))
        return None
    fields = Fields(source, post_id, loaded.bad_utf8)
    rows = parse_comments(fields, post_id, loaded.data, "comments", "answers")
    if loaded.bad_utf8 and not fields.utf8_reported:
        fields.reject("non_utf8", f"{loaded.bad_utf8} in a field not ingested")
    post_fields.rejects.extend(fields.rejects)
    return rows
