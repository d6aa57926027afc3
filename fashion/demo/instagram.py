"""Write demo posts as an Instaloader dump (one folder per account) plus the annotation tool's
export (`annotations.json`) holding the truth: the items in each post's first picture.

Instaloader layout per post base name `YYYY-MM-DD_HH-MM-SS_UTC`: `.jpg` (carousels `_1.jpg`,
`_2.jpg`, ...; videos a thumbnail `.jpg` beside the `.mp4`), `.json.xz` with
`{"node": {...}, "instaloader": {"version", "node_type"}}`, `_comments.json` (newest first,
replies in `answers`), and `.txt` with the caption. JSON is serialised as Instaloader does
(compact metadata, comments indented by 4); xz uses a fixed preset, so bytes are reproducible.
"""
from __future__ import annotations

import hashlib
import json
import lzma
import random
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fashion.demo import chatter, render, textures, wardrobe
from fashion.demo import silhouettes as geo
from fashion.demo.captions import Comment, TextGenerator, poisson
from fashion.demo.world import Account, Item, Post
from fashion.ontology import Ontology

INSTALOADER_VERSION = "4.10"
XZ_PRESET = 0  # any fixed preset gives reproducible bytes; 0 is fastest for small JSON
MIN_VISIBLE_SHARE = 0.0015  # of the image area; items less visible than this are not "in the picture"
# Share of posts shot outdoors, where sky and ground show the season of the post date (snow,
# overcast; blue sky, grass). The rest are indoor/studio shots with a backdrop that says nothing.
OUTDOOR_RATE = 0.7


def numpy_rng(key: str) -> np.random.Generator:
    """A numpy Generator seeded from a string key (stable across runs and platforms)."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little"))


def base_name(taken_at: int) -> str:
    return time.strftime("%Y-%m-%d_%H-%M-%S_UTC", time.gmtime(taken_at))


def user_id(username: str) -> str:
    """A stable numeric id for a commenter handle."""
    return str(10**9 + zlib.crc32(username.encode("utf-8")) * 7)


def fake_mp4(key: str) -> bytes:
    """A few hundred bytes with a valid ISO-BMFF `ftyp` box (never decoded downstream)."""
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    payload = hashlib.sha256(key.encode("utf-8")).digest() * 8
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", 8) + b"free" + struct.pack(">I", len(payload) + 8) + b"mdat" + payload


@dataclass
class RenderedPost:
    images: list[bytes]          # JPEG bytes; images[0] is the first picture (or the video thumbnail)
    items: tuple[Item, ...]      # items visible in the first picture
    dropped: int                 # sampled items hidden behind others (not in the picture)


def render_post(post: Post, size: int, quality: int) -> RenderedPost:
    """Draw the outfit on the account's model; carousel images re-render it with jitter."""
    rng = numpy_rng(post.seed_key + ":pixels")
    season = wardrobe.season_of(time.gmtime(post.taken_at).tm_mon) if rng.random() < OUTDOOR_RATE else None
    account = post.account
    looks = [it.look() for it in post.items]
    images: list[bytes] = []
    visible = list(post.items)
    dropped = 0
    for index in range(post.n_images):
        pose = geo.Pose(arm_spread=float(rng.uniform(0.0, 0.035)), leg_spread=float(rng.uniform(0.0, 0.02)))
        model = render.Model(render.SKIN_TONES[account.skin], render.HAIR_COLOURS[account.hair], account.hair_long, pose)
        cam = render.frame(size, 0.0, 1.0, rng, fill=float(rng.uniform(0.86, 0.97)),
                           jitter=0.03 if index == 0 else 0.07, zoom=(0.95, 1.05) if index == 0 else (0.9, 1.12))
        backdrop = None if season is None else textures.outdoor_background(rng, size, season)
        # a post without an outfit (food, travel) shows its backdrop only
        pixels, masks = render.render_outfit(looks, cam, model, rng, backdrop=backdrop, with_model=bool(looks))
        if index == 0:
            keep = [float(m.sum()) >= MIN_VISIBLE_SHARE * size * size for m in masks]
            visible = [it for it, k in zip(post.items, keep) if k]
            dropped = len(post.items) - len(visible)
        images.append(render.jpeg_bytes(render.finish_image(pixels, rng), quality))
    return RenderedPost(images, tuple(visible), dropped)


def _comment_json(comment: Comment, post: Post, rng: random.Random, top_level: bool) -> dict:
    cid = (17_850_000_000_000_000 if top_level else 17_900_000_000_000_000) + rng.randrange(10**14)  # 17 digits
    entry = {
        "id": str(cid) if top_level else cid,  # Instaloader: top-level ids strings, reply ids ints
        "created_at": post.taken_at + comment.delay,
        "text": comment.text,
        "owner": {"id": user_id(comment.author), "is_verified": False,
                  "profile_pic_url": f"https://instagram.example/{comment.author}.jpg", "username": comment.author},
        "likes_count": comment.likes,
    }
    if top_level:
        entry["answers"] = [_comment_json(r, post, rng, False) for r in comment.replies]
    return entry


def comments_json(comments: list[Comment], post: Post) -> list[dict]:
    """Instaloader's `_comments.json` content: newest first."""
    rng = random.Random(post.seed_key + ":comment-ids")
    entries = [_comment_json(c, post, rng, True) for c in comments]
    return sorted(entries, key=lambda e: (-e["created_at"], e["id"]))


def node_json(post: Post, caption: str, n_comments: int, tagged: list[str], size: int) -> dict:
    """The GraphQL node Instaloader stores for a post."""
    account = post.account
    typename = {"image": "GraphImage", "carousel": "GraphSidecar", "video": "GraphVideo"}[post.media]
    when = time.strftime("%B %d, %Y", time.gmtime(post.taken_at))
    cdn = "https://scontent.cdninstagram.example/v/t51.2885-15/e35"
    node: dict = {
        "__typename": typename,
        "id": post.post_id,
        "shortcode": post.shortcode,
        "dimensions": {"height": size, "width": size},
        "display_url": f"{cdn}/{post.post_id}_n.jpg",
        "is_video": post.media == "video",
        "accessibility_caption": (f"Photo by {account.full_name} on {when}. May be an image of 1 person and standing."
                                  if post.media != "video" else None),
        "edge_media_to_caption": {"edges": [{"node": {"text": caption}}] if caption else []},
        "edge_media_to_comment": {"count": n_comments},
        "edge_media_preview_like": {"count": post.likes},
        "edge_media_to_tagged_user": {"edges": [
            {"node": {"user": {"username": handle}, "x": round(0.3 + 0.4 * (i % 2), 2), "y": round(0.3 + 0.15 * i, 2)}}
            for i, handle in enumerate(tagged)]},
        "comments_disabled": False,
        "taken_at_timestamp": post.taken_at,
        "location": ({"id": str(zlib.crc32(account.location.encode("utf-8"))), "has_public_page": True,
                      "name": account.location, "slug": account.location.split(",")[0].lower().replace(" ", "-")}
                     if account.location else None),
        "owner": {"id": account.user_id, "username": account.username},
    }
    if post.media == "video":
        node["video_url"] = f"{cdn}/{post.post_id}_n.mp4"
        node["video_view_count"] = post.likes * 4
    if post.media == "carousel":
        node["edge_sidecar_to_children"] = {"edges": [
            {"node": {"__typename": "GraphImage", "id": str(int(post.post_id) + i + 1), "display_url": f"{cdn}/{post.post_id}_{i + 1}_n.jpg",
                      "is_video": False, "dimensions": {"height": size, "width": size},
                      "accessibility_caption": f"Photo by {account.full_name} on {when}."}}
            for i in range(post.n_images)]}
    return node


def write_post(folder: Path, post: Post, rendered: RenderedPost, caption: str, comments: list[Comment],
               tagged: list[str], size: int) -> None:
    base = base_name(post.taken_at)
    if post.media == "carousel":
        for i, data in enumerate(rendered.images, start=1):
            (folder / f"{base}_{i}.jpg").write_bytes(data)
    else:
        (folder / f"{base}.jpg").write_bytes(rendered.images[0])
    if post.media == "video":
        (folder / f"{base}.mp4").write_bytes(fake_mp4(post.seed_key))
    n_comments = len(comments) + sum(len(c.replies) for c in comments)
    wrapper = {"node": node_json(post, caption, n_comments, tagged, size),
               "instaloader": {"version": INSTALOADER_VERSION, "node_type": "Post"}}
    data = json.dumps(wrapper, separators=(",", ":")).encode("utf-8")
    (folder / f"{base}.json.xz").write_bytes(lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE, preset=XZ_PRESET))
    if comments:
        (folder / f"{base}_comments.json").write_text(json.dumps(comments_json(comments, post), indent=4), encoding="utf-8")
    if caption:
        (folder / f"{base}.txt").write_text(caption, encoding="utf-8")


class ToolNames:
    """The annotation tool's spellings of ontology keys, chosen from the ontology's aliases and
    checked to resolve back through `Ontology.resolve_*`."""

    def __init__(self, ontology: Ontology):
        self.ontology = ontology
        self.category = {c.key: self._pick(c.key, c.aliases, ontology.resolve_category) for c in ontology.categories}
        self.subcategory = {s.key: self._pick(s.key, s.aliases, lambda n, p=s.parent: ontology.resolve_subcategory(n, p))
                            for s in ontology.subcategories}
        self.style = {s.key: self._pick(s.key, s.aliases, ontology.resolve_style, camel=False) for s in ontology.styles}
        self.brand = {b.key: self._pick(b.key, b.aliases, ontology.resolve_brand, fallback=b.name) for b in ontology.brands}
        self.value = {g: {v.key: self._pick(v.key, v.aliases, lambda n, g=g: ontology.resolve_value(g, n), camel=False)
                          for v in vals} for g, vals in ontology.attribute_groups.items()}
        self.export_key: dict[str, str] = {}
        for export, group in ontology.export_group_names.items():  # first spelling per group
            self.export_key.setdefault(group, export)

    @staticmethod
    def _pick(key: str, aliases, resolve, camel: bool = True, fallback: str | None = None) -> str:
        ordered = ([a for a in aliases if camel and a[:1].islower() and any(ch.isupper() for ch in a)]  # camelCase
                   + ([] if camel else list(aliases)) + ([fallback] if fallback else []) + [key])
        for name in ordered:
            if resolve(name) == key:
                return name
        raise ValueError(f"ontology: {key}: no spelling resolves back to the key")


def annotation(post: Post, items: tuple[Item, ...], names: ToolNames, ontology: Ontology) -> dict:
    """One annotation-tool export record: the post's styles and each visible item."""
    entries = []
    for item in items:
        attrs = {}
        for group in ontology.allowed_groups.get(item.category, ()):
            export = names.export_key.get(group)
            if export:
                attrs[export] = [names.value[group][v] for v in item.values(group)]
        attrs["Brand"] = [names.brand[item.brand]] if item.brand else [""]
        attrs["Colour"] = [item.colour_name()]
        attrs["otherdetails"] = ""
        entries.append({"ItemCategory": names.category[item.category],
                        "ItemSubCategory": names.subcategory[item.subcategory],
                        "FinalizeAnnotatedAttributes": attrs})
    oid = hashlib.sha256(post.seed_key.encode("utf-8")).hexdigest()[:24]
    username = post.account.username
    return {"_id": {"$oid": oid}, "fashionistausername": username, "annotatorusername": "demo",
            "imageid": post.post_id,
            "imageinfo": {"styles": [names.style[s] for s in post.styles], "fashionistausername": username,
                          "annotateddatajson": entries, "annotated": True, "imageid": post.post_id}}


@dataclass
class PostText:
    caption: str
    hashtags: list[str]
    comments: list[Comment]
    tagged: list[str]


def post_text(post: Post, items: tuple[Item, ...], gen: TextGenerator, commenters: list[str],
              comments_mean: float, rates: chatter.MessyRates = chatter.MessyRates()) -> PostText:
    """Caption, comments and photo tags of a post. Names visible named items and phantoms only;
    with ``rates`` the text gets messy (fashion.demo.chatter), each kind from its own stream."""
    rng = random.Random(post.seed_key + ":text")
    named = [it for it, n in zip(post.items, post.named) if n and it in items] + list(post.phantoms)
    others = [c for c in commenters if c != post.account.username]
    if not post.items and rates.no_outfit_rate:
        caption, hashtags, lines = chatter.no_outfit_text(rng, post.language, others, poisson(rng, comments_mean))
        comments, delay = [], 0
        for text in lines:
            delay += int(rng.expovariate(1 / 3600.0)) + 30
            comments.append(Comment(others[int(rng.random() * len(others))], text, delay, int(rng.expovariate(0.5))))
        return PostText(caption, hashtags, comments, [])
    caption, hashtags = gen.caption(rng, named, post.language, post.styles, others)
    comments = gen.comment_thread(rng, named, post.language, post.account.username, others, poisson(rng, comments_mean))
    tagged = [gen.brand_handle[it.brand] for it in items
              if it.brand and it.brand in gen.brand_handle and rng.random() < 0.3]
    caption = _messy(post, named, gen, others, rates, caption, comments)
    return PostText(caption, hashtags, comments, list(dict.fromkeys(tagged)))


def _messy(post: Post, named: list[Item], gen: TextGenerator, others: list[str], rates: chatter.MessyRates,
           caption: str, comments: list[Comment]) -> str:
    """Everyday chatter, negations and brands written as people write them; returns the caption
    (comments are appended to in place)."""
    last = max((c.delay for c in comments), default=0)

    def comment(rng, author, text, reply=None):
        nonlocal last
        last += int(rng.expovariate(1 / 3600.0)) + 30
        entry = Comment(author, text, last, int(rng.expovariate(0.5)))
        if reply is not None:
            entry.replies.append(Comment(post.account.username, reply, last + 600, 0))
        comments.append(entry)

    lead: list[str] = []
    r = chatter.rng_for(post.seed_key, "everyday")
    if r.random() < rates.everyday_rate:
        lead.append(chatter.everyday_sentence(r))
    if r.random() < rates.everyday_rate:
        comment(r, r.choice(others), chatter.everyday_comment(r))
    r = chatter.rng_for(post.seed_key, "negation")
    if r.random() < rates.negation_rate:
        shown = {it.category for it in post.items} | {it.category for it in post.phantoms}
        absent = [c.key for c in gen.ontology.categories if c.key not in shown]
        if absent:
            lead.append(chatter.negation(r, post.language, gen.noun(r, r.choice(absent), None, post.language)))
    r = chatter.rng_for(post.seed_key, "brand")
    for item in named:
        if item.brand and r.random() < rates.brand_name_rate:
            word, name = gen.noun(r, item.category, item.subcategory, "en"), gen.brand_name[item.brand]
            if r.random() < 0.5:
                lead.append(chatter.caption_brand(r, word, name))
            else:
                asker = r.choice(others)
                question, answer = chatter.brand_exchange(r, word, name, asker)
                comment(r, asker, question, answer)
    return ". ".join(lead + [caption]) if lead else caption


def account_folder(root: Path, account: Account) -> Path:
    folder = root / account.username
    folder.mkdir(parents=True, exist_ok=True)
    return folder
