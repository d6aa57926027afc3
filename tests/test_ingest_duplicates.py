"""Ingest: copies of one post id (a re-download in another folder, a tagged copy, the same PATH
twice) become one post with the union of their data, the same whatever the order of the PATHs."""
from __future__ import annotations

import io
import itertools
import os
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

from fashion.ingest import IngestConfig, ingest
from fashion.ingest.duplicates import Copy, comment_key, common_root, merge, ranked
from ingest_fixtures import (T0, apify_item, build_apify, build_instaloader, build_scraper, graph_node, jpeg_bytes,
                             scraper_post, write_json, write_post)

QUIET = IngestConfig(progress=False)
A1 = "2018-01-01_09-46-40_UTC"
# the sort docs/contracts.md (Ingest) documents for comparing runs whose PATHs come in another order
SORT = {"posts": ["post_id"], "comments": ["post_id", "comment_id"],
        "rejects": ["source", "record", "code", "reason"], "truth": ["post_id", "item"]}


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def read(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / f"{name}.parquet").to_pylist()


def sorted_bytes(out: Path) -> dict[str, bytes]:
    """Each table sorted by SORT, written again as Parquet: byte-comparable across runs."""
    result = {}
    for name, keys in SORT.items():
        table = pq.read_table(out / f"{name}.parquet")
        buffer = io.BytesIO()
        pq.write_table(table.sort_by([(key, "ascending") for key in keys]), buffer)
        result[name] = buffer.getvalue()
    return result


def both_orders(tmp_path: Path, first: Path, second: Path) -> tuple[Path, dict]:
    """Ingest [first, second] and [second, first]; assert the same tables and counts; -> the
    first run's output folder and metrics."""
    metrics_ab = ingest([first, second], tmp_path / "ab", QUIET)
    metrics_ba = ingest([second, first], tmp_path / "ba", QUIET)
    assert sorted_bytes(tmp_path / "ab") == sorted_bytes(tmp_path / "ba")
    # only the per-PATH list follows the order given
    assert metrics_ab["inputs"] == list(reversed(metrics_ba["inputs"]))
    assert {**metrics_ab, "inputs": None} == {**metrics_ba, "inputs": None}
    assert metrics_ab["records_in"] == metrics_ab["posts"] + metrics_ab["rejected_posts"] + metrics_ab["duplicates"]
    return tmp_path / "ab", metrics_ab


def comments_file(folder: Path, base: str, *comments: tuple[str, int, str, str]) -> None:
    write_json(folder / f"{base}_comments.json", [
        {"id": cid, "created_at": ts, "text": text, "owner": {"username": author}} for cid, ts, text, author in comments])


def test_copies_in_two_folders_merge_the_same_in_either_order(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    again = tmp_path / "again" / "alice"
    again.mkdir(parents=True)
    # a re-download: one comment more (later), its own image file, one tagged user fewer
    write_post(again, "copy", graph_node("1001", "A1code", T0, "Red #Dress by @Zara_Official #OOTD", "alice",
                                         likes=15, comments=3, tagged=["zara_official"]))
    (again / "copy.jpg").write_bytes(jpeg_bytes(colour="blue"))
    comments_file(again, "copy", ("5001", T0 + 60, "Love it!", "bob"), ("5003", T0 + 300, "where from?", "cy"))
    out, metrics = both_orders(tmp_path, root, tmp_path / "again")

    [post] = [p for p in read(out, "posts") if p["post_id"] == "1001"]
    # the copy is as complete and newer (latest comment): its fields lead, the other's fill in
    assert post == {
        "post_id": "1001", "shortcode": "A1code", "account": "alice", "taken_at": utc(T0),
        "caption": "Red #Dress by @Zara_Official #OOTD", "hashtags": ["dress", "ootd"], "mentions": ["zara_official"],
        "usertags": ["zara_official", "mango"],
        "media": [{"path": "again/alice/copy.jpg", "type": "image"}, {"path": f"dump/alice/{A1}.jpg", "type": "image"}],
        "like_count": 15, "comment_count": 3, "source_format": "instaloader", "source": "again/alice/copy.json.xz",
        "dump_root": str(tmp_path)}  # both copies' folders lie under it
    for media in post["media"]:
        assert (Path(post["dump_root"]) / media["path"]).is_file()
    assert (Path(post["dump_root"]) / post["source"]).is_file()
    comments = [(c["comment_id"], c["parent_id"], c["text"]) for c in read(out, "comments") if c["post_id"] == "1001"]
    assert comments == [("5001", None, "Love it!"), ("5003", None, "where from?"), ("5002", "5001", "@bob thanks")]
    # the other posts are untouched: as a run on their folder alone
    alone = tmp_path / "alone"
    ingest([root], alone, QUIET)
    assert [p for p in read(out, "posts") if p["post_id"] != "1001"] == [
        p for p in read(alone, "posts") if p["post_id"] != "1001"]
    assert read(out, "rejects") == []  # the copy's files are its post's, not orphans
    assert (metrics["posts"], metrics["duplicates"], metrics["duplicates_merged"], metrics["duplicate_conflicts"],
            metrics["comments"], metrics["media"]) == (4, 1, 1, 0, 3, 9)
    assert metrics["inputs"] == [{"path": str(root), "posts": 4}, {"path": str(tmp_path / "again"), "posts": 1}]


def test_a_copy_with_a_comments_file_contributes_its_comments(tmp_path):
    """The first copy read may have no comments at all: the merged post's comments still come in
    posts order, before the next post's."""
    one, two = tmp_path / "one" / "eve", tmp_path / "two" / "eve"
    write_post(one, "x", graph_node("7001", "X", T0, "plain #coat", "eve"))
    write_post(one, "y", graph_node("7002", "Y", T0 + 10, "other post", "eve"))
    comments_file(one, "y", ("y1", T0 + 20, "on y", "fred"))
    write_post(two, "x", graph_node("7001", "X", T0, "plain #coat", "eve"))
    comments_file(two, "x", ("x1", T0 + 30, "first", "gil"), ("x2", T0 + 40, "second", "hal"))
    for folder, base in ((one, "x"), (one, "y"), (two, "x")):
        (folder / f"{base}.jpg").write_bytes(jpeg_bytes())
    out, metrics = both_orders(tmp_path, tmp_path / "one", tmp_path / "two")
    assert [p["post_id"] for p in read(out, "posts")] == ["7001", "7002"]
    assert [(c["post_id"], c["comment_id"]) for c in read(out, "comments")] == [
        ("7001", "x1"), ("7001", "x2"), ("7002", "y1")]
    assert (metrics["comments"], metrics["duplicates_merged"], metrics["rejects"]) == (3, 1, 0)
    # counted in the PATH it was read from, though merged into the first copy
    assert [entry["posts"] for entry in metrics["inputs"]] == [2, 1]


def test_conflicting_captions_keep_the_newest_and_leave_a_row(tmp_path):
    one, two, three = (tmp_path / name / "ivy" for name in ("one", "two", "three"))
    # older and more complete (a tagged user): its fields win, but not its caption
    write_post(one, "p", graph_node("8001", "P", T0, "Old caption #wool", "ivy", tagged=["cos"]), compress=False)
    write_post(two, "p", graph_node("8001", "P", T0, "New caption #linen", "ivy"))
    comments_file(two, "p", ("c1", T0 + 500, "later", "jo"))   # seen later: the newest copy
    write_post(three, "p", graph_node("8001", "P", T0, None, "ivy"))  # no caption: no conflict
    for folder in (one, two, three):
        (folder / "p.jpg").write_bytes(jpeg_bytes())
    metrics_fwd = ingest([tmp_path / "one", tmp_path / "two", tmp_path / "three"], tmp_path / "fwd", QUIET)
    for order in itertools.permutations(["one", "two", "three"]):
        out = tmp_path / "-".join(order)
        metrics = ingest([tmp_path / name for name in order], out, QUIET)
        assert sorted_bytes(out) == sorted_bytes(tmp_path / "fwd")
        assert metrics["duplicate_conflicts"] == metrics_fwd["duplicate_conflicts"] == 1
    [post] = read(tmp_path / "fwd", "posts")
    assert (post["caption"], post["hashtags"], post["usertags"], post["source"], post["dump_root"]) == (
        "New caption #linen", ["linen"], ["cos"], "one/ivy/p.json", str(tmp_path))
    [row] = read(tmp_path / "fwd", "rejects")
    assert (row["source"], row["record"], row["code"]) == ("one/ivy/p.json", "8001", "duplicate_conflict")
    assert row["reason"] == (
        "duplicate_conflict: one/ivy/p.json: caption: copies of post 8001 differ; kept 'New caption #linen' of "
        "two/ivy/p.json.xz (the newest copy), dropped 'Old caption #wool' of one/ivy/p.json")
    assert (metrics_fwd["duplicates"], metrics_fwd["duplicates_merged"], metrics_fwd["rejects_by_reason"]) == (
        2, 1, {"duplicate_conflict": 1})


def test_apify_copies_merge_comments_media_and_caption(tmp_path):
    build_apify(tmp_path / "a")
    rescrape = tmp_path / "b" / "exports"
    write_json(rescrape / "apify.json", [
        apify_item("3001", "E1", "2020-03-01T12:00:00.000Z", "Silk #Scarf @hermes (sold out)", hashtags=["Scarf"],
                   mentions=["Hermes"], commentsCount=3, latestComments=[
                       {"id": "9001", "text": "gorgeous", "ownerUsername": "fay", "timestamp": "2020-03-01T13:00:00.000Z"},
                       {"id": "9003", "text": "restock?", "ownerUsername": "gus", "timestamp": "2020-03-05T09:00:00Z"}])])
    (rescrape / "E1.jpg").write_bytes(jpeg_bytes(colour="green"))
    out, metrics = both_orders(tmp_path, tmp_path / "a", tmp_path / "b")
    [post] = [p for p in read(out, "posts") if p["post_id"] == "3001"]
    assert post["caption"] == "Silk #Scarf @hermes (sold out)" and post["comment_count"] == 3
    assert post["usertags"] == ["hermes"]  # only the first scrape had taggedUsers: kept
    assert post["media"] == [{"path": "a/exports/E1.jpg", "type": "image"}, {"path": "b/exports/E1.jpg", "type": "image"}]
    texts = {(c["comment_id"], c["parent_id"]) for c in read(out, "comments") if c["post_id"] == "3001"}
    assert texts == {("9001", None), ("9002", "9001"), ("9003", None)}
    conflicts = [r for r in read(out, "rejects") if r["code"] == "duplicate_conflict"]
    assert [(r["source"], r["record"]) for r in conflicts] == [("a/exports/apify.json", "3001")]
    assert "b/exports/apify.json (the newest copy)" in conflicts[0]["reason"]
    assert (metrics["posts"], metrics["duplicates_merged"], metrics["duplicate_conflicts"]) == (3, 1, 1)


def test_a_post_twice_in_one_scraper_export_is_merged(tmp_path):
    folder = tmp_path / "dump" / "kim"
    url = "https://scontent.cdninstagram.com/t51/k1_n.jpg"
    write_json(folder / "kim.json", [
        scraper_post("42_1", "K1", T0, "Knit #beanie", [url], username="kim",
                     comments=[{"id": "1", "created_at": T0 + 5, "text": "cosy", "owner": {"username": "lu"}}]),
        scraper_post("42_1", "K1", T0, "Knit #beanie", [url], username="kim", tagged=["arket"],
                     comments=[{"id": "2", "created_at": T0 + 9, "text": "where?", "owner": {"username": "mo"}}]),
    ])
    (folder / "k1_n.jpg").write_bytes(jpeg_bytes())
    metrics = ingest([tmp_path / "dump"], tmp_path / "out", QUIET)
    [post] = read(tmp_path / "out", "posts")
    assert (post["usertags"], post["media"], post["source"]) == (
        ["arket"], [{"path": "kim/k1_n.jpg", "type": "image"}], "kim/kim.json")
    # the more complete copy (a tagged user) ranks first, its comments with it
    assert [c["comment_id"] for c in read(tmp_path / "out", "comments")] == ["2", "1"]
    assert (metrics["records_in"], metrics["posts"], metrics["duplicates"], metrics["rejects"]) == (2, 1, 1, 0)


def test_the_same_path_twice_gives_the_same_posts(tmp_path):
    root = build_instaloader(tmp_path / "dump")
    build_scraper(root)
    build_apify(root)
    once = ingest([root], tmp_path / "once", QUIET)
    twice = ingest([root, root], tmp_path / "twice", QUIET)
    for name in ("posts", "comments"):
        assert (tmp_path / "once" / f"{name}.parquet").read_bytes() == (tmp_path / "twice" / f"{name}.parquet").read_bytes()
    assert (twice["posts"], twice["comments"], twice["media"], twice["duplicates"], twice["duplicate_conflicts"]) == (
        once["posts"], once["comments"], once["media"], once["posts"], 0)
    assert twice["formats"] == once["formats"]


def test_plain_and_xz_metadata_of_one_post_are_one_post(tmp_path):
    folder = tmp_path / "dump" / "alice"
    node = graph_node("1", "G", T0, "good #post", "alice")
    write_post(folder, "base", node)
    write_post(folder, "base", node, compress=False)
    (folder / "base.jpg").write_bytes(jpeg_bytes())
    metrics = ingest([tmp_path / "dump"], tmp_path / "out", QUIET)
    [post] = read(tmp_path / "out", "posts")
    assert post["media"] == [{"path": "alice/base.jpg", "type": "image"}]
    assert post["source"] in ("alice/base.json", "alice/base.json.xz")  # equal content: the hash decides
    assert (metrics["duplicates"], metrics["rejects"]) == (1, 0)


# -- the merge itself ---------------------------------------------------------------------------

def copy(post_id: str = "1", caption: str = "", likes: int | None = 1, root: str = "r", source: str = "a.json",
         media: tuple[str, ...] = (), comments: tuple[dict, ...] = ()) -> Copy:
    return Copy({"post_id": post_id, "shortcode": "S", "account": "acc", "taken_at": utc(T0), "caption": caption,
                 "hashtags": [], "mentions": [], "usertags": [], "media": [{"path": m, "type": "image"} for m in media],
                 "like_count": likes, "comment_count": None, "source_format": "apify", "source": source,
                 "dump_root": root}, list(comments))


def comment(cid: str | None, text: str, seconds: int = 0, author: str = "x") -> dict:
    return {"post_id": "1", "comment_id": cid, "parent_id": None, "author": author,
            "created_at": utc(T0 + seconds), "text": text}


def test_ranking_never_depends_on_input_order():
    copies = [copy(source="a.json"), copy(source="b.json"), copy(likes=None, source="c.json"),
              copy(caption="x", source="d.json"), copy(comments=(comment("1", "t", 99),), source="e.json")]
    orders = {tuple(c.post["source"] for c in ranked(p)) for p in itertools.permutations(copies)}
    assert len(orders) == 1
    [order] = orders
    # most complete (caption) first, then newest (a later comment, then more likes), then the hash
    assert order[:2] == ("d.json", "e.json") and order[-1] == "c.json"


def test_comments_without_id_are_one_comment_by_author_time_and_text():
    assert comment_key(comment(None, "hi")) == comment_key(comment(None, "hi"))
    assert comment_key(comment(None, "hi")) != comment_key(comment(None, "hi", seconds=1))
    assert comment_key(comment(None, "hi")) != comment_key(comment(None, "hi", author="y"))
    merged = merge([copy(comments=(comment(None, "hi"), comment("7", "a"))),
                    copy(likes=5, comments=(comment(None, "hi"), comment("7", "a"), comment(None, "new")))])
    assert [(c["comment_id"], c["text"]) for c in merged.comments] == [(None, "hi"), ("7", "a"), (None, "new")]


def test_media_of_copies_under_different_roots_resolve_from_their_common_root():
    merged = merge([copy(root="data/raw/one", media=("p/1.jpg",)), copy(root="data/raw/two/", media=("p/1.jpg",))])
    assert merged.post["dump_root"] == "data/raw"
    assert sorted(m["path"] for m in merged.post["media"]) == ["one/p/1.jpg", "two/p/1.jpg"]
    assert common_root(["raw", "./raw"]) == "raw"  # one folder, spelled two ways
    assert common_root(["a", "a"]) == "a"
    # relative roots whose common folder would need '..' to reach one of them: absolute instead
    assert common_root(["../x", "y"]) == os.path.dirname(os.getcwd())
