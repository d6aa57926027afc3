"""Ingest: exact tables for each scrape format, truth from the annotation export, dedupe,
streaming batches, determinism, CLI and stage script end to end."""
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
from ingest_fixtures import (T0, apify_item, build_annotations, build_apify, build_instaloader, build_scraper,
                             graph_node, jpeg_bytes, write_json, write_post)

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
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"]
    return metrics


def test_instaloader_folder_of_profiles_exact_tables(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    metrics = run(root, tmp_path / "out")
    a1, a2, a3, b1 = "2018-01-01_09-46-40_UTC", "2018-01-02_12-00-00_UTC", "2018-01-03_08-30-00_UTC", \
        "2019-05-05_10-00-00_UTC"
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "1001", "shortcode": "A1code", "account": "alice", "taken_at": utc(T0),
         "caption": "Red #Dress by @Zara_Official #OOTD", "hashtags": ["dress", "ootd"],
         "mentions": ["zara_official"], "media": [{"path": f"alice/{a1}.jpg", "type": "image"}],
         "like_count": 12, "comment_count": 2, "source_format": "instaloader", "source": f"alice/{a1}.json.xz"},
        {"post_id": "1002", "shortcode": "A2code", "account": "alice", "taken_at": utc(T0 + 86400),
         "caption": "Carousel of #shoes and #bags", "hashtags": ["shoes", "bags"], "mentions": [],
         "media": [{"path": f"alice/{a2}_1.jpg", "type": "image"}, {"path": f"alice/{a2}_2.jpg", "type": "image"},
                   {"path": f"alice/{a2}_3.mp4", "type": "video"}],
         "like_count": 3, "comment_count": 0, "source_format": "instaloader", "source": f"alice/{a2}.json"},
        {"post_id": "1003", "shortcode": "A3code", "account": "alice", "taken_at": utc(T0 + 2 * 86400),
         "caption": "", "hashtags": [], "mentions": [],
         "media": [{"path": f"alice/{a3}.jpg", "type": "image"}, {"path": f"alice/{a3}.mp4", "type": "video"}],
         "like_count": 3, "comment_count": 0, "source_format": "instaloader", "source": f"alice/{a3}.json.xz"},
        {"post_id": "2001", "shortcode": "B1code", "account": "bob", "taken_at": utc(T0 + 500 * 86400),
         "caption": "Wool #Mantel 🧥 @Weekday", "hashtags": ["mantel"], "mentions": ["weekday"],
         "media": [{"path": f"bob/{b1}_1.jpg", "type": "image"}, {"path": f"bob/{b1}_2.jpg", "type": "image"}],
         "like_count": 40, "comment_count": 1, "source_format": "instaloader_iphone", "source": f"bob/{b1}.json.xz"},
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
        "rejects": 0, "rejects_by_reason": {}, "skipped_files": 2,  # profile metadata + id file
        "formats": {"instaloader": 3, "instaloader_iphone": 1}, "truth_items": 0, "truth_posts": 0,
        "truth_posts_not_in_dump": 0}


def test_output_schema_types(tmp_path):
    run(build_instaloader(tmp_path / "dump"), tmp_path / "out")
    posts = pq.read_schema(tmp_path / "out" / "posts.parquet")
    assert str(posts.field("taken_at").type) == "timestamp[us, tz=UTC]"
    assert str(posts.field("post_id").type) == "string"
    assert str(posts.field("media").type) == "list<element: struct<path: string, type: string>>"
    assert str(posts.field("like_count").type) == "int64"
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
    metrics = run(build_scraper(tmp_path / "dump"), tmp_path / "out")
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "1700000000000000001_55", "shortcode": "C1code", "account": "carol", "taken_at": utc(T0),
         "caption": "Linen #Summer look with @Mango", "hashtags": ["summer", "linen"],  # from tags[]
         "mentions": ["mango"], "media": [{"path": "carol/c1_n.jpg", "type": "image"}],
         "like_count": 21, "comment_count": 1, "source_format": "instagram_scraper", "source": "carol/carol.json"},
        {"post_id": "1700000000000000002_55", "shortcode": "C2code", "account": "carol", "taken_at": utc(T0 + 3600),
         "caption": "Two pics #denim", "hashtags": ["denim"], "mentions": [],
         "media": [{"path": "carol/c2a_n.jpg", "type": "image"}, {"path": "carol/c2b_n.mp4", "type": "video"}],
         "like_count": 21, "comment_count": 0, "source_format": "instagram_scraper", "source": "carol/carol.json"},
    ]
    assert read(tmp_path / "out", "comments") == [
        {"post_id": "1700000000000000001_55", "comment_id": "8001", "parent_id": None, "author": "dave",
         "created_at": utc(T0 + 5), "text": "wow"}]
    assert metrics["rejects"] == 0 and metrics["media"] == 3


def test_apify_exact_tables_and_remote_media(tmp_path):
    metrics = run(build_apify(tmp_path / "dump"), tmp_path / "out")
    day = datetime(2020, 3, 1, tzinfo=timezone.utc)
    common = {"account": "erin", "source_format": "apify", "source": "exports/apify.json"}
    assert read(tmp_path / "out", "posts") == [
        {"post_id": "3001", "shortcode": "E1", "taken_at": day + timedelta(hours=12), "caption": "Silk #Scarf @hermes",
         "hashtags": ["scarf"], "mentions": ["hermes"], "media": [{"path": "exports/E1.jpg", "type": "image"}],
         "like_count": 8, "comment_count": 2, **common},
        {"post_id": "3002", "shortcode": "E2", "taken_at": day + timedelta(days=1, hours=8), "caption": "Sidecar",
         "hashtags": [], "mentions": [],
         "media": [{"path": "exports/e2a.jpg", "type": "image"}, {"path": "exports/e2b.jpg", "type": "image"},
                   {"path": "exports/e2b.mp4", "type": "video"}],
         "like_count": None, "comment_count": 0, **common},  # likesCount -1 = hidden
        {"post_id": "3003", "shortcode": "E3", "taken_at": day + timedelta(days=2, hours=8),
         "caption": "remote only #cdn", "hashtags": [], "mentions": [], "media": [],
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


def test_annotation_export_passed_as_a_path(tmp_path, ontology):
    export = build_annotations(tmp_path / "dump")
    metrics = run(export, tmp_path / "out", ontology)
    assert metrics["truth_items"] == 4 and metrics["posts"] == 0 and metrics["records_in"] == 0
    assert {r["post_id"] for r in read(tmp_path / "out", "truth")} == {"1001", "1002", "4242"}


def test_dedupe_across_formats_and_paths(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    again = tmp_path / "again" / "alice"
    again.mkdir(parents=True)
    write_post(again, "copy", graph_node("1001", "A1code", T0, "same post, other dump", "alice"))
    (again / "copy.jpg").write_bytes(jpeg_bytes())
    metrics = ingest([root, tmp_path / "again"], tmp_path / "out", QUIET)
    assert (metrics["records_in"], metrics["posts"], metrics["rejected_posts"], metrics["duplicates"]) == (5, 4, 1, 1)
    [reject] = read(tmp_path / "out", "rejects")
    assert reject["code"] == "duplicate_post" and reject["record"] == "1001" and reject["source"] == "alice/copy.json.xz"
    assert "alice/copy.json.xz" in reject["reason"] and "alice/2018-01-01_09-46-40_UTC.json.xz" in reject["reason"]
    assert [p["caption"] for p in read(tmp_path / "out", "posts") if p["post_id"] == "1001"] == [
        "Red #Dress by @Zara_Official #OOTD"]  # the first one seen is kept
    # the duplicate's media file is its own, not an orphan: no other reject
    assert metrics["rejects_by_reason"] == {"duplicate_post": 1}


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
    (tmp_path / "params.yaml").write_text("ingest:\n  paths: [raw]\n  max_image_pixels: 1000000\n")
    result = subprocess.run([sys.executable, str(REPO / "stages" / "ingest.py")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics" / "ingest.json").read_text())
    assert metrics["posts"] == 2 and metrics["comments"] == 1
    assert len(read(tmp_path / "data" / "interim" / "ingest", "posts")) == 2


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
