"""Ingest: exact tables for each scrape format, truth from the annotation export, streaming
batches, determinism, CLI and stage script end to end (duplicate copies: test_ingest_duplicates)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fashion.ingest import IngestConfig, ingest
from fashion.ontology import load_ontology
from ingest_fixtures import (T0, annotation, apify_item, build_annotations, build_apify, build_instaloader, build_scraper,
                             build_scraper_graph, comment_node, graph_node, jpeg_bytes, scraper_graph_node,
                             tagged_users, tool_item, write_json, write_post)

REPO = Path(__file__).resolve().parents[1]
QUIET = IngestConfig(progress=False)


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def read(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / f"{name}.parquet").to_pylist()


@pytest.fixture(scope="module")
def ontology():
    return load_ontology(REPO / "ontology")


def run(root: Path, out: Path, ontology=None, config: IngestConfig = QUIET) -> dict:
    metrics = ingest([root], out, config, ontology=ontology)
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"] + metrics["duplicates"]
    return metrics


def test_instaloader_folder_of_profiles_exact_tables(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    metrics = run(root, tmp_path / "out")
    a1, a2, a3, b1 = "2018-01-01_09-46-40_UTC", "2018-01-02_12-00-00_UTC", "2018-01-03_08-30-00_UTC", \
        "2019-05-05_10-00-00_UTC"
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "1001", "shortcode": "A1code", "account": "alice", "taken_at": utc(T0),
         "caption": "Red #Dress by @Zara_Official #OOTD", "hashtags": ["dress", "ootd"],
         "mentions": ["zara_official"], "usertags": ["zara_official", "mango"],
         "media": [{"path": f"alice/{a1}.jpg", "type": "image"}],
         "like_count": 12, "comment_count": 2, "source_format": "instaloader", "source": f"alice/{a1}.json.xz",
         "dump_root": str(root)},
        {"post_id": "1002", "shortcode": "A2code", "account": "alice", "taken_at": utc(T0 + 86400),
         "caption": "Carousel of #shoes and #bags", "hashtags": ["shoes", "bags"], "mentions": [],
         "usertags": ["cos", "arket"],  # per carousel item, in order, each once
         "media": [{"path": f"alice/{a2}_1.jpg", "type": "image"}, {"path": f"alice/{a2}_2.jpg", "type": "image"},
                   {"path": f"alice/{a2}_3.mp4", "type": "video"}],
         "like_count": 3, "comment_count": 0, "source_format": "instaloader", "source": f"alice/{a2}.json",
         "dump_root": str(root)},
        {"post_id": "1003", "shortcode": "A3code", "account": "alice", "taken_at": utc(T0 + 2 * 86400),
         "caption": "", "hashtags": [], "mentions": [], "usertags": [],
         "media": [{"path": f"alice/{a3}.jpg", "type": "image"}, {"path": f"alice/{a3}.mp4", "type": "video"}],
         "like_count": 3, "comment_count": 0, "source_format": "instaloader", "source": f"alice/{a3}.json.xz",
         "dump_root": str(root)},
        {"post_id": "2001", "shortcode": "B1code", "account": "bob", "taken_at": utc(T0 + 500 * 86400),
         "caption": "Wool #Mantel 🧥 @Weekday", "hashtags": ["mantel"], "mentions": ["weekday"],
         "usertags": ["weekday"],  # iphone_struct.usertags.in
         "media": [{"path": f"bob/{b1}_1.jpg", "type": "image"}, {"path": f"bob/{b1}_2.jpg", "type": "image"}],
         "like_count": 40, "comment_count": 1, "source_format": "instaloader_iphone", "source": f"bob/{b1}.json.xz",
         "dump_root": str(root)},
    ]
    assert read(tmp_path / "out", "comments") == [
        {"post_id": "1001", "comment_id": "5001", "parent_id": None, "author": "bob", "created_at": utc(T0 + 60),
         "text": "Love it!"},
        {"post_id": "1001", "comment_id": "5002", "parent_id": "5001", "author": "alice",
         "created_at": utc(T0 + 120), "text": "@bob thanks"},
    ]
    assert read(tmp_path / "out", "rejects") == []
    assert read(tmp_path / "out", "truth") == []
    assert metrics == {
        "records_in": 4, "posts": 4, "rejected_posts": 0, "comments": 2, "media": 8, "duplicates": 0,
        "duplicates_merged": 0, "duplicate_conflicts": 0,
        "rejects": 0, "rejects_by_reason": {}, "skipped_files": 2,  # profile metadata + id file
        "formats": {"instaloader": 3, "instaloader_iphone": 1}, "inputs": [{"path": str(root), "posts": 4}],
        "truth_items": 0, "truth_posts": 0, "truth_posts_not_in_dump": 0}


def test_output_schema_types(tmp_path):
    run(build_instaloader(tmp_path / "dump"), tmp_path / "out")
    posts = pq.read_schema(tmp_path / "out" / "posts.parquet")
    assert str(posts.field("taken_at").type) == "timestamp[us, tz=UTC]"
    assert str(posts.field("post_id").type) == "string"
    assert str(posts.field("media").type) == "list<element: struct<path: string, type: string>>"
    assert str(posts.field("like_count").type) == "int64"
    assert str(posts.field("usertags").type) == "list<element: string>"
    assert str(posts.field("dump_root").type) == "string"
    comments = pq.read_schema(tmp_path / "out" / "comments.parquet")
    assert str(comments.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert str(pq.read_schema(tmp_path / "out" / "truth.parquet").field("item").type) == "int32"
    assert pq.read_schema(tmp_path / "out" / "rejects.parquet").names == ["source", "record", "reason", "code"]


def test_caption_falls_back_to_txt_file(tmp_path):
    folder = tmp_path / "dump" / "zoe"
    folder.mkdir(parents=True)
    node = graph_node("7", "Z", T0, None, "zoe")
    del node["edge_media_to_caption"]
    write_post(folder, "p", node)
    (folder / "p.jpg").write_bytes(jpeg_bytes())
    (folder / "p.txt").write_text("From the txt #Knit", encoding="utf-8")
    run(tmp_path / "dump", tmp_path / "out")
    [post] = read(tmp_path / "out", "posts")
    assert (post["caption"], post["hashtags"]) == ("From the txt #Knit", ["knit"])


def test_instagram_scraper_exact_tables(tmp_path):
    """The bare array of old instagram-scraper versions (old-API keys, users_in_photo)."""
    root = build_scraper(tmp_path / "dump")
    metrics = run(root, tmp_path / "out")
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "1700000000000000001_55", "shortcode": "C1code", "account": "carol", "taken_at": utc(T0),
         "caption": "Linen #Summer look with @Mango", "hashtags": ["summer", "linen"],  # from tags[]
         "mentions": ["mango"], "usertags": ["mango"], "media": [{"path": "carol/c1_n.jpg", "type": "image"}],
         "like_count": 21, "comment_count": 1, "source_format": "instagram_scraper", "source": "carol/carol.json",
         "dump_root": str(root)},
        {"post_id": "1700000000000000002_55", "shortcode": "C2code", "account": "carol", "taken_at": utc(T0 + 3600),
         "caption": "Two pics #denim", "hashtags": ["denim"], "mentions": [], "usertags": [],
         "media": [{"path": "carol/c2a_n.jpg", "type": "image"}, {"path": "carol/c2b_n.mp4", "type": "video"}],
         "like_count": 21, "comment_count": 0, "source_format": "instagram_scraper", "source": "carol/carol.json",
         "dump_root": str(root)},
    ]
    assert read(tmp_path / "out", "comments") == [
        {"post_id": "1700000000000000001_55", "comment_id": "8001", "parent_id": None, "author": "dave",
         "created_at": utc(T0 + 5), "text": "wow"}]
    assert metrics["rejects"] == 0 and metrics["media"] == 3


def test_instagram_scraper_graphimages_file(tmp_path):
    """The file instagram-scraper really writes, {"GraphImages": [...], "GraphStories": [...],
    "GraphProfileInfo": {...}}: every GraphImages element is a record; a story is not_a_post, its
    media accounted for by that row; the profile info is no record."""
    root = build_scraper_graph(tmp_path / "dump")
    metrics = run(root, tmp_path / "out")
    common = {"account": "dana", "mentions": [], "like_count": 9, "source_format": "instagram_scraper",
              "source": "dana/dana.json", "dump_root": str(root)}
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "2400000000000000001", "shortcode": "D1code", "taken_at": utc(T0), "caption": "Tweed #Blazer day",
         "hashtags": ["blazer"], "usertags": ["chanelofficial", "mango"],
         "media": [{"path": "dana/d1_n.jpg", "type": "image"}], "comment_count": 1, **common},
        {"post_id": "2400000000000000002", "shortcode": "D2code", "taken_at": utc(T0 + 60), "caption": "no tags here",
         "hashtags": [], "usertags": [], "media": [{"path": "dana/d2_n.jpg", "type": "image"}],
         "comment_count": 0, **common},
        {"post_id": "2400000000000000003", "shortcode": "D3code", "taken_at": utc(T0 + 120),
         "caption": "from #tweed search", "hashtags": ["tweed"], "usertags": [],
         "media": [{"path": "dana/d3_n.jpg", "type": "image"}], "comment_count": 1, **common},
    ]
    assert read(tmp_path / "out", "comments") == [
        {"post_id": "2400000000000000001", "comment_id": "17850000000000001", "parent_id": None, "author": "gus",
         "created_at": utc(T0 + 9), "text": "so chic"},
        {"post_id": "2400000000000000003", "comment_id": "17850000000000002", "parent_id": None, "author": "hal",
         "created_at": utc(T0 + 130), "text": "love"}]
    assert read(tmp_path / "out", "rejects") == [
        {"source": "dana/dana.json", "record": "2400000000000000099", "code": "not_a_post",
         "reason": "not_a_post: dana/dana.json: instagram-scraper GraphStoryImage in GraphStories, not a post "
                   "(1 file(s) not ingested: s1_n.jpg)"}]
    assert (metrics["records_in"], metrics["posts"], metrics["rejected_posts"], metrics["media"]) == (3, 3, 0, 3)

    # without --media-metadata only the profile info is saved: a file read and skipped, no record
    write_json(root / "erik" / "erik.json", {"GraphProfileInfo": {"info": {"id": "1"}, "username": "erik"}})
    metrics = run(root, tmp_path / "out2")
    assert (metrics["records_in"], metrics["posts"], metrics["skipped_files"]) == (3, 3, 1)


def test_inline_comments_when_there_is_no_comments_file(tmp_path):
    """Instaloader keeps the first comments inside the metadata: parent comments with threaded
    replies (edge_media_to_parent_comment) and, in older dumps, edge_media_to_comment. Without a
    _comments.json they are the post's comments, each id once."""
    folder = tmp_path / "dump" / "alice"
    node = graph_node("1", "S1", T0, "Love my #redshoes", "alice")
    node["edge_media_to_parent_comment"] = {"count": 2, "page_info": {"has_next_page": True}, "edges": [
        {"node": comment_node("c1", T0 + 1, "gorgeous dress!", "bob",
                              replies=[comment_node("c2", T0 + 2, "@bob thank you", "alice")])},
        {"node": comment_node("c3", T0 + 3, "where from?", "eve", replies=[])}]}
    node["edge_media_to_comment"] = {"count": 4, "edges": [  # overlaps the parent list, adds c4
        {"node": comment_node("c1", T0 + 1, "gorgeous dress!", "bob")},
        {"node": comment_node("c4", T0 + 4, "need these boots", "fay")}]}
    write_post(folder, "p1", node)
    (folder / "p1.jpg").write_bytes(jpeg_bytes())
    old = graph_node("2", "S2", T0 + 10, "older dump", "alice")  # edge_media_to_comment only
    old["edge_media_to_comment"] = {"count": 1, "edges": [{"node": comment_node(9, T0 + 11, "nice", "gus")}]}
    write_post(folder, "p2", old)
    (folder / "p2.jpg").write_bytes(jpeg_bytes())
    metrics = run(tmp_path / "dump", tmp_path / "out")
    assert [(c["post_id"], c["comment_id"], c["parent_id"], c["author"], c["created_at"], c["text"])
            for c in read(tmp_path / "out", "comments")] == [
        ("1", "c1", None, "bob", utc(T0 + 1), "gorgeous dress!"),
        ("1", "c2", "c1", "alice", utc(T0 + 2), "@bob thank you"),
        ("1", "c3", None, "eve", utc(T0 + 3), "where from?"),
        ("1", "c4", None, "fay", utc(T0 + 4), "need these boots"),
        ("2", "9", None, "gus", utc(T0 + 11), "nice"),
    ]
    assert metrics["comments"] == 5 and metrics["rejects"] == 0


def test_comments_file_wins_over_inline_comments(tmp_path):
    """A _comments.json is complete: the inline preview is then not read (no duplicates, no
    comment only the preview has)."""
    folder = tmp_path / "dump" / "alice"
    node = graph_node("1", "S1", T0, "x", "alice")
    node["edge_media_to_parent_comment"] = {"count": 2, "edges": [
        {"node": comment_node("c1", T0 + 1, "preview text", "bob")},
        {"node": comment_node("c9", T0 + 9, "deleted since", "zed")}]}
    write_post(folder, "p1", node)
    (folder / "p1.jpg").write_bytes(jpeg_bytes())
    write_json(folder / "p1_comments.json", [{"id": "c1", "created_at": T0 + 1, "text": "full text",
                                              "owner": {"username": "bob"}, "answers": []}])
    run(tmp_path / "dump", tmp_path / "out")
    assert [(c["comment_id"], c["text"]) for c in read(tmp_path / "out", "comments")] == [("c1", "full text")]
    # an unreadable comments file (rejected) leaves the inline comments as the best there is
    (folder / "p1_comments.json").write_text("[{")
    metrics = run(tmp_path / "dump", tmp_path / "out2")
    assert [c["comment_id"] for c in read(tmp_path / "out2", "comments")] == ["c1", "c9"]
    assert metrics["rejects_by_reason"] == {"invalid_json": 1}


def test_text_is_nfkc_normalised(tmp_path):
    """Decomposed accents and full-width forms (as some keyboards and scrapers produce) become the
    same text as the composed / ASCII spelling, in caption, tags, mentions, usertags and comments."""
    folder = tmp_path / "dump" / "alice"
    node = graph_node("1", "S1", T0, "Ny kla\u0308nning ＃ｄｒｅｓｓ ＃Kla\u0308nning @Ｚａｒａ", "alice",
                      tagged=["ｍａｎｇｏ"])
    write_post(folder, "p1", node)
    (folder / "p1.jpg").write_bytes(jpeg_bytes())
    write_json(folder / "p1_comments.json", [{"id": "1", "created_at": T0, "text": "sna\u0308ll ｆｉｎ",
                                              "owner": {"username": "bob"}}])
    write_json(tmp_path / "dump" / "exports" / "apify.json", [
        apify_item("2", "A", "2020-01-01T00:00:00Z", "given lists", hashtags=["＃Ｄｒｅｓｓ", "kla\u0308nning"],
                   mentions=["＠Ｍａｎｇｏ"], displayUrl="https://cdn.example/v/none.jpg")])
    run(tmp_path / "dump", tmp_path / "out")
    posts = {p["post_id"]: p for p in read(tmp_path / "out", "posts")}
    assert posts["1"]["caption"] == "Ny klänning #dress #Klänning @Zara"
    assert (posts["1"]["hashtags"], posts["1"]["mentions"], posts["1"]["usertags"]) == (
        ["dress", "klänning"], ["zara"], ["mango"])
    assert (posts["2"]["hashtags"], posts["2"]["mentions"]) == (["dress", "klänning"], ["mango"])
    [comment] = read(tmp_path / "out", "comments")
    assert comment["text"] == "snäll fin"


def test_apify_exact_tables_and_remote_media(tmp_path):
    root = build_apify(tmp_path / "dump")
    metrics = run(root, tmp_path / "out")
    day = datetime(2020, 3, 1, tzinfo=timezone.utc)
    common = {"account": "erin", "source_format": "apify", "source": "exports/apify.json", "dump_root": str(root)}
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "3001", "shortcode": "E1", "taken_at": day + timedelta(hours=12), "caption": "Silk #Scarf @hermes",
         "hashtags": ["scarf"], "mentions": ["hermes"], "usertags": ["hermes"],
         "media": [{"path": "exports/E1.jpg", "type": "image"}],
         "like_count": 8, "comment_count": 2, **common},
        {"post_id": "3002", "shortcode": "E2", "taken_at": day + timedelta(days=1, hours=8), "caption": "Sidecar",
         "hashtags": [], "mentions": [], "usertags": ["arket"],  # childPosts[0].taggedUsers
         "media": [{"path": "exports/e2a.jpg", "type": "image"}, {"path": "exports/e2b.jpg", "type": "image"},
                   {"path": "exports/e2b.mp4", "type": "video"}],
         "like_count": None, "comment_count": 0, **common},  # likesCount -1 = hidden
        {"post_id": "3003", "shortcode": "E3", "taken_at": day + timedelta(days=2, hours=8),
         "caption": "remote only #cdn", "hashtags": [], "mentions": [], "usertags": [], "media": [],
         "like_count": 8, "comment_count": 0, **common},
    ]
    assert read(tmp_path / "out", "comments") == [
        {"post_id": "3001", "comment_id": "9001", "parent_id": None, "author": "fay",
         "created_at": day + timedelta(hours=13), "text": "gorgeous"},
        {"post_id": "3001", "comment_id": "9002", "parent_id": "9001", "author": "erin",
         "created_at": day + timedelta(hours=13), "text": "@fay merci"},  # +01:00 converted to UTC
    ]
    assert read(tmp_path / "out", "rejects") == [
        {"source": "exports/apify.json", "record": "3003", "code": "media_not_local",
         "reason": "media_not_local: exports/apify.json: 1 media file(s) not beside the export (E3.jpg); "
                   "URLs are never fetched"}]
    assert metrics["posts"] == 3 and metrics["rejected_posts"] == 0


def test_annotation_export_to_truth(tmp_path, ontology):
    root = build_instaloader(tmp_path / "dump")
    build_annotations(root)
    metrics = run(root, tmp_path / "out", ontology)
    empty = {g: [] for g in ("material", "pattern", "occasion", "collar", "heel_type", "length", "toe",
                             "fastener", "lining", "trouser_rise", "heel_height", "collection")}
    assert read(tmp_path / "out", "truth") == [
        {**empty, "post_id": "1001", "item": 0, "category": "shoes", "subcategory": "heels", "brand": "ralph_lauren",
         "styles": ["classic"], "material": ["synthetic"], "pattern": ["plain"], "occasion": ["party"],
         "heel_type": ["hidden_platform"], "heel_height": ["high"]},
        {**empty, "post_id": "1001", "item": 1, "category": "dresses", "subcategory": "cocktail_dress", "brand": None,
         "styles": ["classic"], "material": ["silk"], "pattern": ["plain"], "collar": ["peter_pan_collar"],
         "length": ["knee_length"], "collection": ["spring_summer"]},
        # item 0 of 1002 has an unknown category: dropped; item 1 keeps its known values
        {**empty, "post_id": "1002", "item": 1, "category": "jumpers_and_cardigans", "subcategory": "jumper",
         "brand": None, "styles": ["sporty"], "material": ["wool"], "pattern": ["plain"]},
        {**empty, "post_id": "4242", "item": 0, "category": "jeans", "subcategory": "skinny_jeans", "brand": None,
         "styles": [], "trouser_rise": ["high"]},
    ]
    rejects = [(r["source"], r["record"], r["code"]) for r in read(tmp_path / "out", "rejects")]
    assert rejects == [("annotations.json", "1002/0", "unknown_category"),
                       ("annotations.json", "1002/1", "unknown_value"),
                       ("annotations.json", "1001", "duplicate_annotation")]
    reasons = [r["reason"] for r in read(tmp_path / "out", "rejects")]
    assert "'spaceSuits'" in reasons[0] and "'unobtainium'" in reasons[1]
    assert (metrics["truth_items"], metrics["truth_posts"], metrics["truth_posts_not_in_dump"]) == (4, 3, 1)


def test_annotated_posts_include_those_without_items(tmp_path, ontology):
    """A post the annotators saw without any item has no truth row, but annotated.parquet lists
    it, so text mining can count a label mined for it as a false positive."""
    root = build_instaloader(tmp_path / "dump")
    write_json(root / "annotations.json", [annotation("1001", [], []), annotation("bad", [], []),
                                           annotation("1002", [tool_item("bags", "Hand Bags")], []),
                                           annotation("1001", [tool_item("bags", "Hand Bags")], [])])
    metrics = run(root, tmp_path / "out", ontology)
    assert [r["post_id"] for r in read(tmp_path / "out", "truth")] == ["1002"]
    assert read(tmp_path / "out", "annotated") == [{"post_id": "1001"}, {"post_id": "bad"}, {"post_id": "1002"}]
    assert metrics["truth_posts"] == 3


def test_annotation_export_passed_as_a_path(tmp_path, ontology):
    export = build_annotations(tmp_path / "dump")
    metrics = run(export, tmp_path / "out", ontology)
    assert metrics["truth_items"] == 4 and metrics["posts"] == 0 and metrics["records_in"] == 0
    assert {r["post_id"] for r in read(tmp_path / "out", "truth")} == {"1001", "1002", "4242"}


def test_batches_stream_into_row_groups(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    build_scraper(root)
    run(root, tmp_path / "out", config=IngestConfig(batch_rows=2, progress=False))
    posts = pq.ParquetFile(tmp_path / "out" / "posts.parquet")
    assert posts.metadata.num_rows == 6 and posts.metadata.num_row_groups == 3
    run(root, tmp_path / "out_one", config=IngestConfig(batch_rows=1000, progress=False))
    assert read(tmp_path / "out", "posts") == read(tmp_path / "out_one", "posts")
    assert not list((tmp_path / "out").glob(".*"))  # no temp files left behind


def test_same_input_same_bytes(tmp_path, ontology):
    root = build_instaloader(tmp_path / "dump")
    build_scraper(root)
    build_apify(root)
    build_annotations(root)
    (root / "alice" / "stray.csv").write_text("x")
    first = run(root, tmp_path / "one", ontology)
    second = run(root, tmp_path / "two", ontology)
    assert first == second
    for name in ("posts", "comments", "rejects", "truth"):
        assert (tmp_path / "one" / f"{name}.parquet").read_bytes() == (tmp_path / "two" / f"{name}.parquet").read_bytes()
    # rows follow the input: folders top-down, files by name, records in file order
    assert [p["source"] for p in read(tmp_path / "one", "posts")] == sorted(
        p["source"] for p in read(tmp_path / "one", "posts"))


def test_cli_end_to_end(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    build_apify(root)
    (root / "bob" / "2019-05-05_10-00-00_UTC_2.jpg").write_bytes(b"")  # one bad media file
    result = subprocess.run(
        [sys.executable, "-m", "fashion", "ingest", str(root), "--out", str(tmp_path / "out"),
         "--metrics", str(tmp_path / "m.json"), "--max-image-pixels", "100000", "--no-progress"],
        capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert json.loads(result.stdout.strip().splitlines()[-1])["posts"] == metrics["posts"] == 7
    assert metrics["rejects_by_reason"] == {"media_empty": 1, "media_not_local": 1}
    bob = [p for p in read(tmp_path / "out", "posts") if p["post_id"] == "2001"][0]
    assert [m["path"] for m in bob["media"]] == ["bob/2019-05-05_10-00-00_UTC_1.jpg"]


def test_cli_missing_path_fails_clearly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fashion", "ingest", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"),
         "--no-progress"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 1
    assert "not found" in result.stderr
    [reject] = read(tmp_path / "out", "rejects")
    assert reject["code"] == "path_not_found"


def test_stage_script_reads_params(tmp_path):
    build_scraper(tmp_path / "raw")
    (tmp_path / "params.yaml").write_text("ingest:\n  paths: [raw]\n  max_image_pixels: 1000000\n  partitions: 1\n")
    result = subprocess.run([sys.executable, str(REPO / "stages" / "ingest.py")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics" / "ingest.json").read_text())
    assert metrics["posts"] == 2 and metrics["comments"] == 1
    posts = read(tmp_path / "data" / "interim" / "ingest", "posts")
    assert len(posts) == 2
    # dump_root is the PATH as written in params; media paths resolve under it from the repo root
    assert {p["dump_root"] for p in posts} == {"raw"}
    assert all((tmp_path / p["dump_root"] / m["path"]).is_file() for p in posts for m in p["media"])


def test_dump_root_is_the_path_as_given(tmp_path):
    """A folder PATH is its own dump_root, spelled as given; a file PATH's dump_root is its parent
    folder, which `source` and `media[].path` are relative to (its media lie beside it)."""
    build_scraper(tmp_path / "raw")
    build_instaloader(tmp_path / "raw" / "insta")
    result = subprocess.run(
        [sys.executable, "-m", "fashion", "ingest", "raw/carol/carol.json", "./raw/insta/", "--out", "out",
         "--no-progress"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    posts = read(tmp_path / "out", "posts")
    assert [(p["dump_root"], p["source"]) for p in posts][:3] == [
        ("raw/carol", "carol.json"), ("raw/carol", "carol.json"),
        ("./raw/insta/", "alice/2018-01-01_09-46-40_UTC.json.xz")]
    assert {p["dump_root"] for p in posts[2:]} == {"./raw/insta/"} and len(posts) == 6
    for post in posts:
        assert (tmp_path / post["dump_root"] / post["source"]).is_file()
        assert post["media"] and all((tmp_path / post["dump_root"] / m["path"]).is_file() for m in post["media"])
    # an export in the working folder itself: "."
    write_json(tmp_path / "apify.json", [apify_item("9", "Z", "2021-01-01T00:00:00Z", "x", displayUrl="a.jpg")])
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    result = subprocess.run([sys.executable, "-m", "fashion", "ingest", "apify.json", "--out", "out2", "--no-progress"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    [post] = read(tmp_path / "out2", "posts")
    assert (post["dump_root"], post["source"]) == (".", "apify.json")
    assert post["media"] == [{"path": "a.jpg", "type": "image"}]


def test_export_file_given_directly_and_local_media_paths(tmp_path):
    """A PATH that is a file: only it is read, its neighbours serve as media; a local relative path
    into a subfolder is used and not reported as an orphan."""
    folder = tmp_path / "dump"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "local.jpg").write_bytes(jpeg_bytes())
    export = write_json(folder / "apify.json", [apify_item("1", "A", "2021-01-01T00:00:00Z", "x",
                                                           displayUrl="images/local.jpg")])
    (folder / "unrelated.csv").write_text("not read: only the given file is ingested")
    metrics = run(export, tmp_path / "out")
    [post] = read(tmp_path / "out", "posts")
    assert post["media"] == [{"path": "images/local.jpg", "type": "image"}] and post["source"] == "apify.json"
    assert post["dump_root"] == str(folder)  # the file's folder, which media and source are relative to
    assert metrics["rejects"] == 0
    metrics = run(folder, tmp_path / "out_folder")
    assert metrics["rejects_by_reason"] == {"unrecognised_file": 1}  # the csv; images/local.jpg is used
    metrics = ingest([folder / "images" / "local.jpg"], tmp_path / "out_jpg", QUIET)
    assert (metrics["records_in"], metrics["rejects_by_reason"]) == (0, {"unrecognised_file": 1})


def test_annotation_rejects_name_the_problem(tmp_path, ontology):
    from ingest_fixtures import annotation, tool_item
    export = write_json(tmp_path / "dump" / "annotations.json", [
        annotation("1", [tool_item("bags", "Hand Bags", Brand=["RalphLauren", "Gucci", "NoSuchBrandXyz"],
                                   Sleevelength=["long"], Pattern=["plain", "plain"]),
                         "not an item"], ["Unheard-of -Style"]),
        {"imageid": "2"},
        7,
    ])
    metrics = run(export, tmp_path / "out", ontology)
    [row] = read(tmp_path / "out", "truth")
    assert (row["post_id"], row["category"], row["subcategory"], row["brand"], row["pattern"], row["styles"]) == (
        "1", "bags", "handbag", "ralph_lauren", ["plain"], [])
    rejects = [(r["record"], r["code"]) for r in read(tmp_path / "out", "rejects")]
    assert rejects == [("1", "unknown_value"),          # style
                       ("1/0", "extra_brand"), ("1/0", "unknown_value"), ("1/0", "unknown_group"),
                       ("1/1", "bad_annotation"), ("#1", "bad_annotation"), ("#2", "bad_annotation")]
    assert metrics["truth_items"] == 1


def test_symlinked_folder_inside_the_dump_is_not_followed(tmp_path):
    root = build_scraper(tmp_path / "dump")
    (root / "mirror").symlink_to(root / "carol")
    metrics = run(root, tmp_path / "out")
    assert metrics["posts"] == 2 and metrics["duplicates"] == 0
    [reject] = read(tmp_path / "out", "rejects")
    assert (reject["source"], reject["code"]) == ("mirror", "symlinked_folder")
