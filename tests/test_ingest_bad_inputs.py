"""One case per class of bad input: the reject row it leaves (file, record, reason) and that the
rest of the dump still ingests, with records_in == posts + rejected_posts."""
from __future__ import annotations

import json
import lzma
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow.parquet as pq
import pytest

from fashion.ingest import IngestConfig, ingest
from ingest_fixtures import (T0, apify_item, comment_node, graph_node, jpeg_bytes, mp4_bytes, png_bytes,
                             scraper_graph_node, scraper_post, tagged_users, write_json, write_post)

GOOD = "2018-01-01_00-00-00_UTC"


@dataclass
class Expect:
    code: str
    source: str
    detail: str                      # substring of the reason
    record: str | None = None        # exact record, when the case pins one
    rejected_posts: int = 0          # 1 when the bad record yields no post
    posts: set[str] = field(default_factory=lambda: {"1"})
    config: IngestConfig = IngestConfig(progress=False)
    check: Callable[[dict[str, dict]], None] | None = None   # extra assertions on posts by id


def good_dump(root: Path) -> Path:
    """One clean Instaloader post (id 1) that every case must still ingest."""
    folder = root / "alice"
    write_post(folder, GOOD, graph_node("1", "G", T0, "good #post", "alice"))
    (folder / f"{GOOD}.jpg").write_bytes(jpeg_bytes())
    return folder


def second_post(folder: Path, *, compress: bool = True, **node_changes) -> str:
    base = "2018-02-02_00-00-00_UTC"
    node = graph_node("2", "S", T0 + 99, "second #post", "alice")
    node.update(node_changes)
    write_post(folder, base, node, compress=compress)
    return base


# -- cases ----------------------------------------------------------------------------------

def truncated_xz(root: Path) -> Expect:
    folder = good_dump(root)
    path = write_post(folder, "2018-02-02_00-00-00_UTC", graph_node("2", "S", T0, "x" * 400, "alice"))
    path.write_bytes(path.read_bytes()[:60])
    return Expect("corrupt_xz", "alice/2018-02-02_00-00-00_UTC.json.xz",
                  "corrupt_xz: alice/2018-02-02_00-00-00_UTC.json.xz: Compressed file ended before the "
                  "end-of-stream marker", record="", rejected_posts=1)


def garbage_xz(root: Path) -> Expect:
    (good_dump(root) / "broken.json.xz").write_bytes(b"this is not an xz stream at all")
    return Expect("corrupt_xz", "alice/broken.json.xz", "Input format not supported", rejected_posts=1)


def xz_with_trailing_junk(root: Path) -> Expect:
    """lzma.open ignores bytes after a stream that do not start another one; `xz -d` and we do not."""
    folder = good_dump(root)
    path = write_post(folder, "2018-02-02_00-00-00_UTC", graph_node("2", "S", T0, "x", "alice"))
    size = path.stat().st_size
    path.write_bytes(path.read_bytes() + b"\0" * 4 + b"junk")
    return Expect("corrupt_xz", "alice/2018-02-02_00-00-00_UTC.json.xz",
                  f"the 8 byte(s) after the xz stream that ends at byte {size} are not another xz stream",
                  record="", rejected_posts=1)


def invalid_json(root: Path) -> Expect:
    (good_dump(root) / "half.json").write_text('{"node": {"id": "2", ')
    return Expect("invalid_json", "alice/half.json", "at line 1", rejected_posts=1)


def missing_id(root: Path) -> Expect:
    folder = good_dump(root)
    node = graph_node("2", "S", T0, "no id", "alice")
    del node["id"]
    write_post(folder, "noid", node)
    return Expect("missing_key", "alice/noid.json.xz", "no node.id", record="noid", rejected_posts=1)


def wrong_type_timestamp(root: Path) -> Expect:
    second_post(good_dump(root), taken_at_timestamp=[1, 2])
    return Expect("bad_type", "alice/2018-02-02_00-00-00_UTC.json.xz", "got array", record="2", rejected_posts=1)


def unparseable_timestamp(root: Path) -> Expect:
    second_post(good_dump(root), taken_at_timestamp="yesterday")
    return Expect("bad_value", "alice/2018-02-02_00-00-00_UTC.json.xz", "unparseable time 'yesterday'",
                  record="2", rejected_posts=1)


def wrong_type_optional_field(root: Path) -> Expect:
    second_post(good_dump(root), edge_media_preview_like={"count": "many"})

    def check(posts):
        assert posts["2"]["like_count"] is None and posts["2"]["caption"] == "second #post"
    return Expect("bad_type", "alice/2018-02-02_00-00-00_UTC.json.xz", "expected integer, got string",
                  record="2", posts={"1", "2"}, check=check)


def wrong_structure(root: Path) -> Expect:
    second_post(good_dump(root), edge_media_to_caption="not an object")
    return Expect("bad_type", "alice/2018-02-02_00-00-00_UTC.json.xz",
                  "edge_media_to_caption: expected object, got string", record="2", posts={"1", "2"})


def array_element_not_object(root: Path) -> Expect:
    good_dump(root)
    write_json(root / "carol" / "carol.json", [scraper_post("c1", "C1", T0, "ok", []), 42])
    return Expect("bad_record", "carol/carol.json", "element 1 is not an object", record="#1",
                  rejected_posts=1, posts={"1", "c1"})


def unknown_json_shape(root: Path) -> Expect:
    write_json(good_dump(root) / "settings.json", {"theme": "dark"})
    return Expect("unrecognised_format", "alice/settings.json", "keys ['theme']", rejected_posts=1)


def unknown_file(root: Path) -> Expect:
    (good_dump(root) / "notes.csv").write_text("a,b\n")
    return Expect("unrecognised_file", "alice/notes.csv", "not a file of any supported scrape format")


def missing_carousel_image(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder, __typename="GraphSidecar",
                       edge_sidecar_to_children={"edges": [{"node": {"is_video": False}}] * 2})
    (folder / f"{base}_1.jpg").write_bytes(jpeg_bytes())

    def check(posts):
        assert [m["path"] for m in posts["2"]["media"]] == [f"alice/{base}_1.jpg"]
    return Expect("media_missing", f"alice/{base}.json.xz", f"{base}_2.jpg: expected image not found",
                  record="2", posts={"1", "2"}, check=check)


def zero_byte_image(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder)
    (folder / f"{base}.jpg").write_bytes(b"")
    return Expect("media_empty", f"alice/{base}.jpg", "zero bytes", record="2", posts={"1", "2"},
                  check=lambda posts: _no_media(posts["2"]))


def truncated_image(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder)
    data = jpeg_bytes((64, 64))
    (folder / f"{base}.jpg").write_bytes(data[: len(data) // 2])
    return Expect("media_truncated", f"alice/{base}.jpg", "truncated", record="2", posts={"1", "2"},
                  check=lambda posts: _no_media(posts["2"]))


def not_an_image(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder)
    (folder / f"{base}.jpg").write_text("<html>login required</html>")
    return Expect("media_not_image", f"alice/{base}.jpg", "not an image", record="2", posts={"1", "2"},
                  check=lambda posts: _no_media(posts["2"]))


def too_many_pixels(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder)
    (folder / f"{base}.jpg").write_bytes(jpeg_bytes((40, 40)))  # 1600 px > cap 1000
    return Expect("media_too_large", f"alice/{base}.jpg", "40x40 pixels exceeds max_image_pixels=1000",
                  record="2", posts={"1", "2"}, config=IngestConfig(max_image_pixels=1000, progress=False))


def decompression_bomb(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder)
    (folder / f"{base}.jpg").write_bytes(png_bytes((3000, 3000)))  # tiny file, 9 Mpx > 2x cap: PIL refuses
    return Expect("media_too_large", f"alice/{base}.jpg", "decompression bomb", record="2", posts={"1", "2"},
                  config=IngestConfig(max_image_pixels=1000, progress=False))


def invalid_utf8_caption(root: Path) -> Expect:
    folder = good_dump(root)
    meta = {"node": graph_node("2", "S", T0, "CAPTION", "alice"), "instaloader": {"node_type": "Post"}}
    raw = json.dumps(meta).encode().replace(b"CAPTION", b"caf\xe9 #chic")
    (folder / "latin1.json").write_bytes(raw)

    def check(posts):
        assert posts["2"]["caption"] == "caf\ufffd #chic" and posts["2"]["hashtags"] == ["chic"]
    return Expect("non_utf8", "alice/latin1.json", "edge_media_to_caption: invalid UTF-8 byte(s) b'\\xe9'",
                  record="2", posts={"1", "2"}, check=check)


def lone_surrogate(root: Path) -> Expect:
    folder = good_dump(root)
    meta = {"node": graph_node("2", "S", T0, "CAPTION", "alice"), "instaloader": {"node_type": "Post"}}
    (folder / "surrogate.json").write_text(json.dumps(meta).replace("CAPTION", "bad \\ud800 text"))

    def check(posts):
        assert posts["2"]["caption"] == "bad \ufffd text"
    return Expect("non_utf8", "alice/surrogate.json", "lone surrogate", record="2", posts={"1", "2"}, check=check)


def media_symlink_outside(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder)
    outside = root.parent / "secret.jpg"
    outside.write_bytes(jpeg_bytes())
    os.symlink(outside, folder / f"{base}.jpg")
    return Expect("path_escape", f"alice/{base}.jpg", "outside the dump folder", record="2", posts={"1", "2"},
                  check=lambda posts: _no_media(posts["2"]))


def metadata_symlink_outside(root: Path) -> Expect:
    folder = good_dump(root)
    outside = write_post(root.parent / "elsewhere", "x", graph_node("9", "X", T0, "not ours", "eve"))
    os.symlink(outside, folder / "linked.json.xz")
    return Expect("path_escape", "alice/linked.json.xz", "outside the dump folder")


def folder_symlink_outside(root: Path) -> Expect:
    good_dump(root)
    elsewhere = root.parent / "elsewhere"
    write_post(elsewhere, "x", graph_node("9", "X", T0, "not ours", "eve"))
    os.symlink(elsewhere, root / "linked_profile")
    return Expect("path_escape", "linked_profile", "folder link")


def dotdot_media_reference(root: Path) -> Expect:
    good_dump(root)
    (root.parent / "outside.jpg").write_bytes(jpeg_bytes())
    write_json(root / "exports" / "apify.json", [
        apify_item("e1", "E1", "2020-01-01T00:00:00Z", "climb", displayUrl="../../outside.jpg")])
    return Expect("path_escape", "exports/apify.json", "climbs out with '..'", record="e1", posts={"1", "e1"})


def absolute_media_reference(root: Path) -> Expect:
    good_dump(root)
    write_json(root / "carol" / "carol.json", [scraper_post("c1", "C1", T0, "abs", ["/etc/hostname"])])
    return Expect("path_escape", "carol/carol.json", "absolute path '/etc/hostname'", record="c1",
                  posts={"1", "c1"})


def comment_without_id(root: Path) -> Expect:
    folder = good_dump(root)
    write_json(folder / f"{GOOD}_comments.json", [
        {"text": "no id here", "created_at": T0, "owner": {"username": "x"}},
        {"id": "c2", "text": "fine", "created_at": T0, "owner": {"username": "y"}}])
    return Expect("bad_comment", f"alice/{GOOD}_comments.json", "comments[0]: id: expected string or integer id",
                  record="1")


def broken_comments_file(root: Path) -> Expect:
    folder = good_dump(root)
    (folder / f"{GOOD}_comments.json").write_text("[{")
    return Expect("invalid_json", f"alice/{GOOD}_comments.json", "line 1", record="1")


def orphan_media(root: Path) -> Expect:
    (good_dump(root) / "stray.jpg").write_bytes(jpeg_bytes())
    return Expect("orphan_media", "alice/stray.jpg", "no post metadata refers to this file")


def orphan_comments(root: Path) -> Expect:
    write_json(good_dump(root) / "gone_comments.json", [])
    return Expect("orphan_comments", "alice/gone_comments.json", "without its post metadata")


def story_item(root: Path) -> Expect:
    folder = good_dump(root)
    write_json(folder / "story.json", {"node": {"id": "5", "taken_at_timestamp": T0},
                                       "instaloader": {"node_type": "StoryItem"}})
    (folder / "story.jpg").write_bytes(jpeg_bytes())  # named by the story: its own, not orphans
    (folder / "story.mp4").write_bytes(mp4_bytes())
    return Expect("not_a_post", "alice/story.json",
                  "Instaloader StoryItem metadata, not a post (2 file(s) not ingested: story.jpg, story.mp4)")


def string_is_video(root: Path) -> Expect:
    """"is_video": "false" (a string) must not make an image post expect an .mp4."""
    folder = good_dump(root)
    base = second_post(folder, is_video="false")
    (folder / f"{base}.jpg").write_bytes(jpeg_bytes())

    def check(posts):
        assert [m["type"] for m in posts["2"]["media"]] == ["image"]
    return Expect("bad_type", f"alice/{base}.json.xz", "is_video: expected boolean, got string 'false'",
                  record="2", posts={"1", "2"}, check=check)


def string_is_video_in_carousel(root: Path) -> Expect:
    folder = good_dump(root)
    base = second_post(folder, __typename="GraphSidecar", edge_sidecar_to_children={"edges": [
        {"node": {"is_video": "true"}}, {"node": {"is_video": True}}]})
    (folder / f"{base}_1.jpg").write_bytes(jpeg_bytes())
    (folder / f"{base}_2.jpg").write_bytes(jpeg_bytes())  # the video's thumbnail
    (folder / f"{base}_2.mp4").write_bytes(mp4_bytes())

    def check(posts):
        assert [m["type"] for m in posts["2"]["media"]] == ["image", "image", "video"]
    return Expect("bad_type", f"alice/{base}.json.xz", "edge_sidecar_to_children.edges[0].node.is_video: "
                  "expected boolean, got string 'true'", record="2", posts={"1", "2"}, check=check)


def bad_inline_comment(root: Path) -> Expect:
    folder = good_dump(root)
    node_comments = {"count": 3, "edges": [
        {"node": comment_node("c1", T0, "kept", "bob", replies=[{"id": "c2", "text": None}])},
        "not an edge", {"node": {"id": "c3", "text": ["no"]}}]}
    base = second_post(folder, edge_media_to_parent_comment=node_comments)
    (folder / f"{base}.jpg").write_bytes(jpeg_bytes())

    def check(posts):
        assert posts["2"]["comment_count"] == 0  # edge_media_to_comment.count comes first
    return Expect("bad_comment", f"alice/{base}.json.xz", "edge_media_to_parent_comment.edges[1]: expected object",
                  record="2", posts={"1", "2"}, check=check)


def bad_tagged_user(root: Path) -> Expect:
    folder = good_dump(root)
    tagged = tagged_users("cos")
    tagged["edges"] += [{"node": {"user": {"username": 42}}}, "x"]
    base = second_post(folder, edge_media_to_tagged_user=tagged)
    (folder / f"{base}.jpg").write_bytes(jpeg_bytes())

    def check(posts):
        assert posts["2"]["usertags"] == ["cos"]
    return Expect("bad_type", f"alice/{base}.json.xz",
                  "edge_media_to_tagged_user.edges[1].node.user.username: expected string handle, got int",
                  record="2", posts={"1", "2"}, check=check)


def graph_images_not_an_array(root: Path) -> Expect:
    good_dump(root)
    write_json(root / "dana" / "dana.json", {"GraphImages": {"0": scraper_graph_node("d1", "D", T0, "x", ["a.jpg"])}})
    return Expect("unrecognised_format", "dana/dana.json", "GraphImages: expected array of posts, got object",
                  record="", rejected_posts=1)


def graph_images_element_not_object(root: Path) -> Expect:
    good_dump(root)
    (root / "dana").mkdir()
    (root / "dana" / "d1.jpg").write_bytes(jpeg_bytes())
    posts = [scraper_graph_node("d1", "D", T0, "x", ["https://c/d1.jpg"]), "oops"]
    write_json(root / "dana" / "dana.json", {"GraphImages": posts})
    return Expect("bad_record", "dana/dana.json", "element 1 is not an object", record="#1", rejected_posts=1,
                  posts={"1", "d1"})


CASES = [truncated_xz, garbage_xz, xz_with_trailing_junk, invalid_json, missing_id, wrong_type_timestamp, unparseable_timestamp,
         wrong_type_optional_field, wrong_structure, array_element_not_object, unknown_json_shape, unknown_file,
         missing_carousel_image, zero_byte_image, truncated_image, not_an_image,
         too_many_pixels, decompression_bomb, invalid_utf8_caption, lone_surrogate, media_symlink_outside,
         metadata_symlink_outside, folder_symlink_outside, dotdot_media_reference, absolute_media_reference,
         comment_without_id, broken_comments_file, orphan_media, orphan_comments, story_item, string_is_video,
         string_is_video_in_carousel, bad_inline_comment, bad_tagged_user, graph_images_not_an_array,
         graph_images_element_not_object]


def _no_media(post: dict) -> None:
    assert post["media"] == []


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_rejected_and_the_rest_ingests(tmp_path, case):
    root = tmp_path / "dump"
    expect = case(root)
    metrics = ingest([root], tmp_path / "out", expect.config)
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    posts = {p["post_id"]: p for p in pq.read_table(tmp_path / "out" / "posts.parquet").to_pylist()}
    matching = [r for r in rejects if r["code"] == expect.code and r["source"] == expect.source]
    assert matching, rejects
    assert any(expect.detail in r["reason"] for r in matching), matching
    assert all(r["reason"].startswith(f"{expect.code}: {expect.source}: ") for r in matching)
    if expect.record is not None:
        assert expect.record in {r["record"] for r in matching}
    assert set(posts) == expect.posts
    assert metrics["rejected_posts"] == expect.rejected_posts
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"] == len(posts) + expect.rejected_posts
    assert metrics["rejects_by_reason"][expect.code] == len(matching)
    assert [m["path"] for m in posts["1"]["media"]] == [f"alice/{GOOD}.jpg"]
    if expect.check:
        expect.check(posts)


def test_everything_bad_at_once_keeps_the_invariant(tmp_path):
    """All cases as PATHs of one run: their good posts repeat ids across PATHs, so they are merged
    copies (duplicates), not rejected posts."""
    expects, roots = [], []
    for case in CASES:
        roots.append(tmp_path / case.__name__ / "dump")
        expects.append(case(roots[-1]))
    metrics = ingest(roots, tmp_path / "out", IngestConfig(progress=False))
    post_records = sum(len(e.posts) for e in expects)
    unique_posts = len(set().union(*(e.posts for e in expects)))
    assert metrics["records_in"] == post_records + sum(e.rejected_posts for e in expects)
    assert metrics["posts"] == unique_posts
    assert metrics["duplicates"] == post_records - unique_posts
    recurring = Counter(post_id for e in expects for post_id in e.posts)
    assert metrics["duplicates_merged"] == sum(1 for n in recurring.values() if n > 1)
    assert metrics["rejected_posts"] == sum(e.rejected_posts for e in expects)
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"] + metrics["duplicates"]
    assert pq.read_metadata(tmp_path / "out" / "rejects.parquet").num_rows == metrics["rejects"]


def test_comments_survive_a_bad_sibling(tmp_path):
    folder = good_dump(tmp_path / "dump")
    write_json(folder / f"{GOOD}_comments.json", [
        {"id": "c1", "text": "kept", "created_at": T0, "owner": {"username": "y"},
         "answers": [{"id": 2, "text": "reply kept", "created_at": "nonsense", "owner": {"username": "z"}}]},
        "not a comment",
        {"id": "c1", "text": "repeat", "created_at": T0}])
    ingest([tmp_path / "dump"], tmp_path / "out", IngestConfig(progress=False))
    comments = pq.read_table(tmp_path / "out" / "comments.parquet").to_pylist()
    assert [(c["comment_id"], c["parent_id"], c["text"], c["created_at"] is None) for c in comments] == [
        ("c1", None, "kept", False), ("2", "c1", "reply kept", True)]
    codes = sorted(r["code"] for r in pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist())
    assert codes == ["bad_comment", "bad_value", "duplicate_comment"]


def test_truncated_xz_written_by_lzma_is_detected(tmp_path):
    """A real xz stream cut short (not hand-made bytes) names the file and lzma's own message."""
    folder = good_dump(tmp_path / "dump")
    data = lzma.compress(json.dumps({"node": graph_node("2", "S", T0, "y" * 2000, "a")}).encode())
    (folder / "cut.json.xz").write_bytes(data[: len(data) - 10])
    metrics = ingest([tmp_path / "dump"], tmp_path / "out", IngestConfig(progress=False))
    assert metrics["rejects_by_reason"] == {"corrupt_xz": 1} and metrics["posts"] == 1


def _float_id_instaloader(root: Path) -> str:
    folder = good_dump(root)
    base = "2018-03-03_00-00-00_UTC"
    write_post(folder, base, graph_node(4.0, "F", T0, "float id", "alice"))
    for name in (f"{base}.jpg", f"{base}_2.jpg"):
        (folder / name).write_bytes(jpeg_bytes())
    write_json(folder / f"{base}_comments.json", [{"id": "c1", "text": "nice", "created_at": T0}])
    return (f"bad_type: alice/{base}.json.xz: node.id: expected string or integer id, got float "
            f"(3 file(s) not ingested: {base}.jpg, {base}_2.jpg, {base}_comments.json)")


def _corrupt_instaloader(root: Path) -> str:
    folder = good_dump(root)
    base = "2018-03-03_00-00-00_UTC"
    (folder / f"{base}.json.xz").write_bytes(b"not xz")
    (folder / f"{base}.jpg").write_bytes(jpeg_bytes())
    (folder / f"{base}.txt").write_text("its caption")
    return (f"corrupt_xz: alice/{base}.json.xz: Input format not supported by decoder "
            f"(2 file(s) not ingested: {base}.jpg, {base}.txt)")


def _no_time_scraper(root: Path) -> str:
    good_dump(root)
    (root / "carol").mkdir()
    (root / "carol" / "c9.jpg").write_bytes(jpeg_bytes())
    post = scraper_post("c9", "C", T0, "x", ["https://cdn/x/c9.jpg?size=1"])
    del post["created_time"]
    write_json(root / "carol" / "carol.json", [post])
    return "missing_key: carol/carol.json: no created_time (1 file(s) not ingested: c9.jpg)"


def _bad_time_apify(root: Path) -> str:
    good_dump(root)
    (root / "exports").mkdir()
    (root / "exports" / "E9.jpg").write_bytes(jpeg_bytes())
    write_json(root / "exports" / "apify.json", [apify_item("e9", "E9", "yesterday", "x")])
    return "bad_value: exports/apify.json: timestamp: "


@pytest.mark.parametrize("case", [_float_id_instaloader, _corrupt_instaloader, _no_time_scraper, _bad_time_apify])
def test_a_rejected_post_takes_its_files_with_it(tmp_path, case):
    """A post that cannot be ingested is one reject that names the files beside it; they are not
    reported a second time as orphan media or comments."""
    reason = case(tmp_path / "dump")
    metrics = ingest([tmp_path / "dump"], tmp_path / "out", IngestConfig(progress=False))
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert len(rejects) == 1 and rejects[0]["reason"].startswith(reason), rejects
    assert metrics["posts"] == 1 and metrics["rejected_posts"] == 1


@pytest.mark.parametrize("padding", [b"", b"\0" * 4, b"\0" * 12], ids=["no-padding", "4-bytes", "12-bytes"])
def test_concatenated_xz_streams_are_one_file(tmp_path, padding):
    """`xz` may write a file as several streams with null padding between them: all are read."""
    folder = good_dump(tmp_path / "dump")
    text = json.dumps({"node": graph_node("2", "S", T0, "two streams", "alice")}).encode()
    (folder / "split.json.xz").write_bytes(lzma.compress(text[:25]) + padding + lzma.compress(text[25:]))
    (folder / "split.jpg").write_bytes(jpeg_bytes())
    metrics = ingest([tmp_path / "dump"], tmp_path / "out", IngestConfig(progress=False))
    assert metrics["posts"] == 2 and metrics["rejects"] == 0


def test_xz_padding_must_be_whole_words(tmp_path):
    folder = good_dump(tmp_path / "dump")
    data = lzma.compress(json.dumps({"node": graph_node("2", "S", T0, "x", "alice")}).encode())
    (folder / "odd.json.xz").write_bytes(data + b"\0" * 3)
    (folder / "odd.jpg").write_bytes(jpeg_bytes())
    metrics = ingest([tmp_path / "dump"], tmp_path / "out", IngestConfig(progress=False))
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert [r["reason"] for r in rejects] == [
        f"corrupt_xz: alice/odd.json.xz: stream padding after byte {len(data)} is not a multiple of 4 bytes "
        "(1 file(s) not ingested: odd.jpg)"]
    assert metrics["posts"] == 1


ODD_VALUES = [None, 0, -1, 1.5, float("inf"), True, "", "x", "\ud800", [], {}, [1, "a"], {"a": 1}, 10 ** 40,
              "2020-13-45", "../../etc/passwd", "/abs.jpg", "http://x/../y.jpg"]


def _mutate(obj, rng: random.Random, rate: float):
    """Drop keys and swap values for odd ones (wrong types, huge ints, surrogates, escaping paths)."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            roll = rng.random()
            if roll < rate / 3:
                continue
            out[key] = rng.choice(ODD_VALUES) if roll < rate else _mutate(value, rng, rate)
        return out
    if isinstance(obj, list):
        return [rng.choice(ODD_VALUES) if rng.random() < rate else _mutate(v, rng, rate) for v in obj]
    return obj


def test_mutated_exports_never_stop_the_run(tmp_path):
    """Every format's JSON, mutated at random (fixed seed): the run finishes, writes valid tables and
    keeps the records invariant; byte-level damage (cut files, flipped bytes) included."""
    from fashion.ontology import load_ontology
    from ingest_fixtures import build_annotations, build_apify, build_instaloader, build_scraper, build_scraper_graph

    clean = tmp_path / "clean"
    for build in (build_instaloader, build_scraper, build_scraper_graph, build_apify, build_annotations):
        build(clean)
    sources = sorted(p for p in clean.rglob("*") if p.name.endswith((".json", ".json.xz")))
    rng = random.Random(2018)
    dump = tmp_path / "dump"
    for i in range(40):
        source = rng.choice(sources)
        compressed = source.name.endswith(".xz")
        raw = lzma.decompress(source.read_bytes()) if compressed else source.read_bytes()
        text = json.dumps(_mutate(json.loads(raw), rng, rng.choice([0.05, 0.2, 0.5]))).encode()
        if i % 5 == 4:  # byte-level damage
            cut = rng.randrange(1, len(text))
            text = text[:cut] + bytes([rng.randrange(256)]) + text[cut + 1:]
        target = dump / f"case{i:02d}" / source.relative_to(clean)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(lzma.compress(text) if compressed else text)
    metrics = ingest([dump], tmp_path / "out", IngestConfig(progress=False),
                     ontology=load_ontology(Path(__file__).resolve().parents[1] / "ontology"))
    assert metrics["records_in"] == metrics["posts"] + metrics["rejected_posts"] + metrics["duplicates"] > 0
    assert metrics["duplicates"] > 0  # cases copied from one source: merged, never a crash
    assert metrics["rejects"] > 0
    for name in ("posts", "comments", "rejects", "truth"):
        pq.read_table(tmp_path / "out" / f"{name}.parquet")  # readable, schema-valid
