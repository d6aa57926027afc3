"""Tiny scrape dumps built by the ingest tests: Instaloader folders, instagram-scraper and Apify
exports, an annotation export. Every value a test checks is defined here."""
from __future__ import annotations

import io
import json
import lzma
from pathlib import Path
from typing import Any

from PIL import Image

T0 = 1514800000  # 2018-01-01 09:46:40 UTC


def jpeg_bytes(size: tuple[int, int] = (8, 8), colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", size, 0).save(buffer, format="PNG")
    return buffer.getvalue()


def mp4_bytes() -> bytes:
    # an ftyp box: enough for a file that is never decoded
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def write_json(path: Path, data: Any, compress: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False).encode("utf-8")
    path.write_bytes(lzma.compress(text) if compress else text)
    return path


# -- Instaloader ------------------------------------------------------------------------------

def tagged_users(*handles: str) -> dict:
    """GraphQL `edge_media_to_tagged_user` as Instagram sends it (tag position x, y)."""
    return {"edges": [{"node": {"user": {"full_name": h.title(), "id": str(i), "is_verified": False,
                                         "profile_pic_url": "https://x/p.jpg", "username": h},
                                "x": 0.5, "y": 0.25 * i}} for i, h in enumerate(handles)]}


def comment_node(comment_id: str, ts: int, text: str, author: str, replies: list[dict] | None = None) -> dict:
    """A GraphQL comment node as Instaloader keeps it inline (replies under edge_threaded_comments)."""
    node = {"id": comment_id, "text": text, "created_at": ts, "did_report_as_spam": False,
            "owner": {"id": "7", "is_verified": False, "profile_pic_url": "https://x/p.jpg", "username": author},
            "viewer_has_liked": False, "edge_liked_by": {"count": 0}, "is_restricted_pending": False}
    if replies is not None:
        node["edge_threaded_comments"] = {"count": len(replies), "page_info": {"has_next_page": False,
                                                                               "end_cursor": None},
                                          "edges": [{"node": r} for r in replies]}
    return node


def graph_node(post_id: str, shortcode: str, ts: int, caption: str | None, owner: str, *,
               likes: int = 3, comments: int = 0, typename: str = "GraphImage",
               children: list[bool] | None = None, tagged: list[str] | None = None) -> dict:
    node = {
        "__typename": typename, "id": post_id, "shortcode": shortcode, "taken_at_timestamp": ts,
        "owner": {"id": "99", "username": owner},
        "edge_media_to_caption": {"edges": [{"node": {"text": caption}}] if caption is not None else []},
        "edge_media_preview_like": {"count": likes}, "edge_media_to_comment": {"count": comments},
        "is_video": typename == "GraphVideo", "accessibility_caption": "Photo of a person",
    }
    if children is not None:
        node["edge_sidecar_to_children"] = {"edges": [{"node": {"is_video": v, "display_url": "x"}}
                                                      for v in children]}
    if tagged is not None:
        node["edge_media_to_tagged_user"] = tagged_users(*tagged)
    return node


def iphone_node(pk: int, code: str, ts: int, caption: str, username: str, carousel: list[int]) -> dict:
    """The mobile-API node Instaloader saves: plain-string caption, `date`, `iphone_struct`."""
    media = {"pk": pk, "code": code, "taken_at": ts, "media_type": 8, "like_count": 40, "comment_count": 1,
             "user": {"pk": 5, "username": username}, "caption": {"text": caption},
             "carousel_media": [{"media_type": t} for t in carousel],
             "usertags": {"in": [{"user": {"pk": 6, "username": "weekday"}, "position": [0.5, 0.5]}]}}
    return {"shortcode": code, "id": pk, "__typename": "GraphSidecar", "is_video": False, "date": ts,
            "caption": caption, "edge_media_preview_like": {"count": 40},
            "edge_sidecar_to_children": {"edges": [{"node": {"is_video": t == 2}} for t in carousel]},
            "iphone_struct": media}


def write_post(folder: Path, base: str, node: dict, *, compress: bool = True) -> Path:
    meta = {"node": node, "instaloader": {"version": "4.10", "node_type": "Post"}}
    return write_json(folder / (base + (".json.xz" if compress else ".json")), meta, compress)


def build_instaloader(root: Path) -> Path:
    """Folder of profile folders:
    alice/  A1 (xz, single image, caption .txt, comments with a reply, tagged users),
            A2 (plain .json, carousel image+image+video, users tagged on the 2nd and 3rd items),
            A3 (video with thumbnail), profile metadata + id file (skipped)
    bob/    B1 (mobile-API node: iphone_struct, plain caption, date; carousel of 2 images,
            usertags.in)"""
    alice, bob = root / "alice", root / "bob"
    alice.mkdir(parents=True)
    bob.mkdir(parents=True)
    a1 = "2018-01-01_09-46-40_UTC"
    write_post(alice, a1, graph_node("1001", "A1code", T0, "Red #Dress by @Zara_Official #OOTD", "alice",
                                     likes=12, comments=2, tagged=["zara_official", "mango"]))
    (alice / f"{a1}.jpg").write_bytes(jpeg_bytes())
    (alice / f"{a1}.txt").write_text("Red #Dress by @Zara_Official #OOTD", encoding="utf-8")
    write_json(alice / f"{a1}_comments.json", [
        {"id": "5001", "created_at": T0 + 60, "text": "Love it!", "owner": {"id": "7", "username": "bob"},
         "likes_count": 1, "answers": [
             {"id": 5002, "created_at": T0 + 120, "text": "@bob thanks", "owner": {"username": "alice"},
              "likes_count": 0}]},
    ])
    a2 = "2018-01-02_12-00-00_UTC"
    a2_node = graph_node("1002", "A2code", T0 + 86400, "Carousel of #shoes and #bags", "alice",
                         typename="GraphSidecar", children=[False, False, True], tagged=[])
    children = a2_node["edge_sidecar_to_children"]["edges"]  # tags per image: "cos" on two of them
    children[1]["node"]["edge_media_to_tagged_user"] = tagged_users("cos")
    children[2]["node"]["edge_media_to_tagged_user"] = tagged_users("arket", "cos")
    write_post(alice, a2, a2_node, compress=False)
    (alice / f"{a2}_1.jpg").write_bytes(jpeg_bytes(colour="blue"))
    (alice / f"{a2}_2.jpg").write_bytes(jpeg_bytes(colour="green"))
    (alice / f"{a2}_3.mp4").write_bytes(mp4_bytes())
    a3 = "2018-01-03_08-30-00_UTC"
    write_post(alice, a3, graph_node("1003", "A3code", T0 + 2 * 86400, None, "alice", typename="GraphVideo"))
    (alice / f"{a3}.jpg").write_bytes(jpeg_bytes(colour="white"))
    (alice / f"{a3}.mp4").write_bytes(mp4_bytes())
    write_json(alice / "alice_99.json.xz", {"node": {"username": "alice", "id": "99"},
                                            "instaloader": {"node_type": "Profile"}}, compress=True)
    (alice / "id").write_text("99")
    b1 = "2019-05-05_10-00-00_UTC"
    write_post(bob, b1, iphone_node(2001, "B1code", T0 + 500 * 86400, "Wool #Mantel 🧥 @Weekday", "bob", [1, 1]))
    (bob / f"{b1}_1.jpg").write_bytes(jpeg_bytes())
    (bob / f"{b1}_2.jpg").write_bytes(jpeg_bytes(colour="black"))
    return root


# -- instagram-scraper ------------------------------------------------------------------------

def scraper_post(post_id: str, code: str, ts: int, caption: str, urls: list[str], *, tags: list[str] | None = None,
                 comments: list[dict] | None = None, username: str = "carol", tagged: list[str] | None = None) -> dict:
    post = {"id": post_id, "code": code, "created_time": str(ts), "type": "image",
            "caption": {"text": caption, "from": {"username": username}},
            "likes": {"count": 21}, "comments": {"count": len(comments or []), "data": comments or []},
            "urls": urls, "user": {"username": username}}
    if tags is not None:
        post["tags"] = tags
    if tagged is not None:  # the old API's photo tags
        post["users_in_photo"] = [{"user": {"username": h, "id": "1"}, "position": {"x": 0.5, "y": 0.5}}
                                  for h in tagged]
    return post


def build_scraper(root: Path) -> Path:
    """carol/carol.json with two posts; media beside it, named by the URL's file name."""
    folder = root / "carol"
    folder.mkdir(parents=True)
    write_json(folder / "carol.json", [
        scraper_post("1700000000000000001_55", "C1code", T0, "Linen #Summer look with @Mango", [
            "https://scontent.cdninstagram.com/t51/c1_n.jpg?ig_cache_key=abc"],
            tags=["summer", "Linen"], tagged=["mango"], comments=[
                {"id": "8001", "created_at": T0 + 5, "text": "wow", "owner": {"username": "dave"}}]),
        scraper_post("1700000000000000002_55", "C2code", T0 + 3600, "Two pics #denim", [
            "https://scontent.cdninstagram.com/t51/c2a_n.jpg", "https://scontent.cdninstagram.com/t51/c2b_n.mp4"]),
    ])
    (folder / "c1_n.jpg").write_bytes(jpeg_bytes())
    (folder / "c2a_n.jpg").write_bytes(jpeg_bytes(colour="blue"))
    (folder / "c2b_n.mp4").write_bytes(mp4_bytes())
    return root


def scraper_graph_node(post_id: str, shortcode: str, ts: int, caption: str, urls: list[str], *,
                       tagged: list[str] = (), comments: list[dict] | None = None) -> dict:
    """A post as current instagram-scraper saves it: the GraphQL timeline node plus its own
    `urls`, `tags` (from the caption), `username` and, with --comments, `comments{data}`."""
    node = {"__typename": "GraphImage", "id": post_id, "shortcode": shortcode, "taken_at_timestamp": ts,
            "dimensions": {"height": 1080, "width": 1080}, "display_url": urls[0], "is_video": False,
            "edge_media_to_caption": {"edges": [{"node": {"text": caption}}]},
            "edge_media_to_comment": {"count": len(comments or [])}, "comments_disabled": False,
            "edge_media_preview_like": {"count": 9}, "owner": {"id": "66"},
            "edge_media_to_tagged_user": tagged_users(*tagged), "urls": urls, "username": "dana",
            "tags": sorted({w[1:].rstrip(".,!") for w in caption.split() if w.startswith("#")})}
    if comments is not None:
        node["comments"] = {"data": comments}
    return node


def build_scraper_graph(root: Path) -> Path:
    """dana/dana.json as instagram-scraper --media-metadata --comments --profile-metadata writes it:
    {"GraphImages": [3 posts], "GraphStories": [1 story], "GraphProfileInfo": {...}}; media beside."""
    folder = root / "dana"
    folder.mkdir(parents=True)
    cdn = "https://scontent.cdninstagram.com/v/t51.2885-15/e35"
    write_json(folder / "dana.json", {
        "GraphImages": [
            scraper_graph_node("2400000000000000001", "D1code", T0, "Tweed #Blazer day", [f"{cdn}/d1_n.jpg?_nc_ht=x"],
                               tagged=["chanelofficial", "mango"], comments=[
                                   {"id": "17850000000000001", "text": "so chic", "created_at": T0 + 9,
                                    "owner": {"id": "8", "profile_pic_url": "https://x/p.jpg", "username": "gus"}}]),
            scraper_graph_node("2400000000000000002", "D2code", T0 + 60, "no tags here", [f"{cdn}/d2_n.jpg"]),
            # as a hashtag/location scrape saves it: comments under edge_media_to_comment.data
            {**scraper_graph_node("2400000000000000003", "D3code", T0 + 120, "from #tweed search", [f"{cdn}/d3_n.jpg"]),
             "edge_media_to_comment": {"count": 1, "data": [
                 {"id": "17850000000000002", "text": "love", "created_at": T0 + 130, "owner": {"username": "hal"}}]}},
        ],
        "GraphStories": [
            {"__typename": "GraphStoryImage", "id": "2400000000000000099", "taken_at_timestamp": T0 + 99,
             "display_resources": [{"src": f"{cdn}/s1_n.jpg", "config_width": 1080, "config_height": 1920}],
             "urls": [f"{cdn}/s1_n.jpg"], "highlight": False, "username": "dana", "shortcode": ""}],
        "GraphProfileInfo": {"info": {"biography": "", "id": "66", "full_name": "Dana"}, "username": "dana",
                             "created_time": 1286323200},
    })
    for name, colour in (("d1_n.jpg", "red"), ("d2_n.jpg", "blue"), ("d3_n.jpg", "white"), ("s1_n.jpg", "green")):
        (folder / name).write_bytes(jpeg_bytes(colour=colour))
    return root


# -- Apify ------------------------------------------------------------------------------------

def apify_item(post_id: str, short: str, iso: str, caption: str, **extra: Any) -> dict:
    item = {"id": post_id, "shortCode": short, "type": "Image", "caption": caption, "hashtags": [],
            "mentions": [], "timestamp": iso, "ownerUsername": "erin", "likesCount": 8, "commentsCount": 0,
            "latestComments": [], "displayUrl": f"https://scontent.cdninstagram.com/v/{short}.jpg?stp=dst",
            "images": []}
    item.update(extra)
    return item


def build_apify(root: Path) -> Path:
    """exports/apify.json: a local Image post (with comment + reply, a tagged user), a Sidecar with
    local children (one tagging a user), and a post whose media exist only as URLs (kept, media
    empty, media_not_local)."""
    folder = root / "exports"
    folder.mkdir(parents=True)
    write_json(folder / "apify.json", [
        apify_item("3001", "E1", "2020-03-01T12:00:00.000Z", "Silk #Scarf @hermes", hashtags=["Scarf"],
                   mentions=["Hermes"], commentsCount=2,
                   taggedUsers=[{"full_name": "Hermès", "id": "12", "is_verified": True,
                                 "profile_pic_url": "https://x/p.jpg", "username": "hermes"}], latestComments=[
                       {"id": "9001", "text": "gorgeous", "ownerUsername": "fay", "timestamp": "2020-03-01T13:00:00.000Z",
                        "replies": [{"id": "9002", "text": "@fay merci", "ownerUsername": "erin",
                                     "timestamp": "2020-03-01T14:00:00+01:00", "replies": []}]}]),
        apify_item("3002", "E2", "2020-03-02T08:00:00Z", "Sidecar", type="Sidecar", likesCount=-1,
                   childPosts=[{"type": "Image", "displayUrl": "https://cdn.example/v/e2a.jpg?x=1",
                                "taggedUsers": [{"username": "arket", "id": "13"}]},
                               {"type": "Video", "displayUrl": "https://cdn.example/v/e2b.jpg",
                                "videoUrl": "https://cdn.example/v/e2b.mp4"}]),
        apify_item("3003", "E3", "2020-03-03T08:00:00Z", "remote only #cdn"),
    ])
    (folder / "E1.jpg").write_bytes(jpeg_bytes())
    (folder / "e2a.jpg").write_bytes(jpeg_bytes(colour="blue"))
    (folder / "e2b.jpg").write_bytes(jpeg_bytes(colour="green"))
    (folder / "e2b.mp4").write_bytes(mp4_bytes())
    return root


# -- annotation export ------------------------------------------------------------------------

def annotation(image_id: str, items: list[dict], styles: list[str]) -> dict:
    info = {"styles": styles, "fashionistausername": "alice", "annotateddatajson": items, "annotated": True,
            "imageid": image_id}
    return {"_id": {"$oid": "5a96cc6c1a14941d5af3b551"}, "fashionistausername": "alice",
            "annotatorusername": "kim", "imageinfo": info, "imageid": image_id}


def tool_item(category: str, subcategory: str, **attributes: Any) -> dict:
    return {"ItemCategory": category, "ItemSubCategory": subcategory, "FinalizeAnnotatedAttributes": attributes}


def build_annotations(root: Path) -> Path:
    """annotations.json at the dump root: post 1001 (two items), 1002 (one unknown category, one
    item with an unknown material), 1001 again (duplicate), 4242 (not in the dump)."""
    return write_json(root / "annotations.json", [
        annotation("1001", [
            tool_item("shoes", "heels", Pattern=["plain"], Brand=["RalphLauren", ""], Material=["synthetic"],
                      otherdetails="", Collection=[], Heelheight=["high"], Heeltype=["hiddnplatform"],
                      Occasion=["party"], Colour=["black"], Toe=[]),
            tool_item("dresses", "cocktail", Pattern=["plain"], Brand=[""], Material=["silk"],
                      Collection=["spring-summer"], Length=["Knee-Length"], important=1,
                      Collartype=["peterpancollar"], Colour=["black"]),
        ], ["Classic / Conservative / Timeless/ Traditional / Crisp -Style"]),
        annotation("1002", [
            tool_item("spaceSuits", "moon boots", Material=["wool"]),
            tool_item("jumperAndCartigens", "jumpers", Material=["wool", "unobtainium"], Pattern=["plain"],
                      Brand=[""], Colour=["white"]),
        ], ["Sporty / Casual / Easy/ Practical -Style"]),
        annotation("1001", [tool_item("bags", "Hand Bags")], []),
        annotation("4242", [tool_item("jeans", "Skinny Fit", Trouserrise=["high"])], []),
    ])
