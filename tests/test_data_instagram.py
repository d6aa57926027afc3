"""Instagram side of fashion.data: split, ranges, image arrays, truth and text-mined labels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from fashion.data.benchmark import load_benchmark, mined_labels
from fashion.data.errors import DataError
from fashion.data.images import ImageSettings, build_instagram_images, read_posts
from fashion.data.instagram import InstagramVocab, read_truth
from fashion.data.ranges import build_ranges, instagram_ranges
from fashion.data.split import instagram_split, post_split

SEED, VAL_SHARE = 0, 0.25
VOCAB = InstagramVocab(
    categories=("dresses", "shoes", "bags"),
    subcategories=("maxi_dress", "mini_dress", "heels", "boots", "tote"),
    attributes=("material:cotton", "material:leather", "pattern:floral", "pattern:striped", "heel_type:stiletto"),
    subcategory_parent={"maxi_dress": "dresses", "mini_dress": "dresses", "heels": "shoes", "boots": "shoes",
                        "tote": "bags"},
    allowed_groups={"dresses": ("material", "pattern"), "shoes": ("material", "heel_type"), "bags": ("material",)},
)
GROUPS = ["material", "pattern", "heel_type"]
# role -> truth items (category, subcategory, {group: [values]}); T* are training posts, V* val posts
TRUTH = {
    "T0": [("dresses", "maxi_dress", {"material": ["cotton"], "pattern": ["floral"]})],
    "T1": [("dresses", "mini_dress", {"material": ["cotton"]})],
    "T2": [("shoes", "heels", {"material": ["leather"], "heel_type": ["stiletto"]})],
    "T3": [("shoes", "boots", {"material": ["leather"]})],
    "T4": [("bags", "tote", {"material": ["leather"]})],
    "T5": [("dresses", "maxi_dress", {}), ("bags", None, {"material": ["cotton"]})],
    "T6": [("shoes", "heels", {}), ("dresses", "mini_dress", {"pattern": ["floral"]})],
    "V0": [("dresses", "maxi_dress", {"pattern": ["striped"]}), ("shoes", "boots", {})],  # striped: val only
    "V1": [("bags", "tote", {"material": ["leather"]})],
    "V2": [("shoes", "heels", {"heel_type": ["stiletto"]})],
}
# T7 is a carousel and T8 a carousel starting with a video: both have a usable first image, and no truth.
GOOD = [f"T{i}" for i in range(9)] + ["V0", "V1", "V2"]
BAD = {"X_video": "video", "X_nomedia": "no_image_media", "X_corrupt": "unreadable", "X_escape": "unsafe_path"}


def post_ids() -> dict[str, str]:
    """role -> post id, choosing ids whose (seed-fixed) split matches the role."""
    candidates = [str(18_000_000_000 + 7919 * i) for i in range(400)]
    train = [p for p in candidates if post_split(p, SEED, VAL_SHARE) == "train"]
    val = [p for p in candidates if post_split(p, SEED, VAL_SHARE) == "val"]
    roles = {f"T{i}": train[i] for i in range(9)} | {f"V{i}": val[i] for i in range(3)}
    return roles | {role: train[20 + i] for i, role in enumerate(BAD)}


def colour(number: int) -> tuple[int, int, int]:
    return (40 + number * 15, 230 - number * 12, (number * 71) % 256)


def make_instagram(tmp_path: Path, dump_root: str | None = None) -> tuple[Path, pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Dump under tmp_path/instagram; posts.parquet's dump_root is `dump_root` (default: that folder, absolute)."""
    ids = post_ids()
    root = tmp_path / "instagram"
    (root / "anna").mkdir(parents=True)
    rows = []
    for number, role in enumerate(GOOD + list(BAD)):
        base = f"anna/2018-01-{number + 1:02d}_12-00-00_UTC"
        media = [{"path": f"{base}.jpg", "type": "image"}]
        if role == "T7":
            media = [{"path": f"{base}_1.jpg", "type": "image"}, {"path": f"{base}_2.jpg", "type": "image"}]
            Image.new("RGB", (20, 20), (0, 0, 0)).save(root / f"{base}_2.jpg")
        if role == "T8":
            media = [{"path": f"{base}_1.mp4", "type": "video"}, {"path": f"{base}.jpg", "type": "image"}]
        if role == "X_video":  # Instaloader: the video's thumbnail x.jpg beside x.mp4
            media = [{"path": f"{base}.jpg", "type": "image"}, {"path": f"{base}.mp4", "type": "video"}]
        if role == "X_nomedia":
            media = []
        if role == "X_escape":
            media = [{"path": "../evil.jpg", "type": "image"}]
            Image.new("RGB", (20, 20), (0, 0, 0)).save(tmp_path / "evil.jpg")
        if role == "X_corrupt":
            (root / f"{base}.jpg").write_bytes(b"\xff\xd8\xff truncated")
        elif media and media[0]["type"] == "image" or role == "T8":
            Image.new("RGB", (30, 20), colour(number)).save(root / media[-1 if role == "T8" else 0]["path"], quality=95)
        rows.append({"post_id": ids[role], "media": media})
    media_type = pa.list_(pa.struct([("path", pa.string()), ("type", pa.string())]))
    posts_table = pa.table({"post_id": pa.array([r["post_id"] for r in rows]),
                            "media": pa.array([r["media"] for r in rows], type=media_type),
                            "dump_root": pa.array([dump_root or str(root)] * len(rows), type=pa.string())})
    pq.write_table(posts_table, tmp_path / "posts.parquet")

    items = []
    for role, role_items in TRUTH.items():
        for item, (category, sub, attrs) in enumerate(role_items):
            items.append({"post_id": ids[role], "item": item, "category": category, "subcategory": sub,
                          **{g: attrs.get(g, []) for g in GROUPS}})
    pd.DataFrame(items).to_parquet(tmp_path / "truth.parquet")
    return root, read_posts(tmp_path / "posts.parquet"), read_truth(tmp_path / "truth.parquet", GROUPS), ids


@pytest.fixture
def world(tmp_path):
    return make_instagram(tmp_path)


def build(world, tmp_path, source="truth"):
    _, posts, truth, _ = world
    section = instagram_ranges(VOCAB, truth, source, SEED, VAL_SHARE)
    summary = build_instagram_images(posts, truth, section, tmp_path / "images/instagram",
                                     ImageSettings(image_size=6, workers=1), SEED, VAL_SHARE)
    return section, summary


# ---------------------------------------------------------------- split

def test_split_is_fixed_by_seed_and_independent_of_other_posts():
    ids = [str(10_000 + i) for i in range(3000)]
    split = instagram_split(ids, seed=3, val_share=0.2)
    assert split == instagram_split(list(reversed(ids)), seed=3, val_share=0.2)
    assert {p: split[p] for p in ids[:50]} == instagram_split(ids[:50], seed=3, val_share=0.2)
    share = sum(s == "val" for s in split.values()) / len(ids)
    assert 0.17 < share < 0.23
    other_seed = instagram_split(ids, seed=4, val_share=0.2)
    assert sum(split[p] != other_seed[p] for p in ids) > 300
    assert set(instagram_split(ids, seed=3, val_share=0.0).values()) == {"train"}


# ---------------------------------------------------------------- ranges

def test_truth_ranges_use_training_posts_only(world):
    _, _, truth, _ = world
    section = instagram_ranges(VOCAB, truth, "truth", SEED, VAL_SHARE)
    assert section["categories"] == list(VOCAB.categories) and section["source"] == "truth"
    assert section["subcategory_range"] == {"dresses": [0, 1], "shoes": [2, 3], "bags": [4]}
    # pattern:striped (3) is seen only on a val post, so no range holds it
    assert section["attribute_range"] == {"dresses": [0, 2], "shoes": [1, 4], "bags": [0, 1]}
    counts = section["counts"]
    assert counts["posts"] == {"train": 7, "val": 3} and counts["train_items"] == 9
    assert counts["category_images"] == {"dresses": 4, "shoes": 3, "bags": 2}
    assert counts["attribute_frequency"] == {"material:cotton": 3, "material:leather": 3, "pattern:floral": 2,
                                             "heel_type:stiletto": 1}
    assert counts["subcategory_frequency"] == {"maxi_dress": 2, "mini_dress": 2, "heels": 2, "boots": 1, "tote": 1}


def test_ontology_ranges_follow_parents_and_allowed_groups(world):
    section = instagram_ranges(VOCAB, None, "ontology", SEED, VAL_SHARE)
    assert section["subcategory_range"] == {"dresses": [0, 1], "shoes": [2, 3], "bags": [4]}
    assert section["attribute_range"] == {"dresses": [0, 1, 2, 3], "shoes": [0, 1, 4], "bags": [0, 1]}
    assert section["counts"] == {}


def test_ranges_from_the_project_ontology():
    from fashion.ontology import load_ontology

    ontology = load_ontology(Path(__file__).resolve().parents[1] / "ontology")
    ranges = build_ranges(None, InstagramVocab.from_ontology(ontology), None, "ontology", SEED, VAL_SHARE)
    section = ranges["instagram"]
    assert section["categories"] == ontology.category_keys() and len(section["categories"]) == 13
    assert section["attributes"] == ontology.attribute_ids()
    shoes_subs = [section["subcategories"][i] for i in section["subcategory_range"]["shoes"]]
    assert shoes_subs == [s.key for s in ontology.subcategories_of("shoes")]
    shoes_groups = {section["attributes"][i].split(":")[0] for i in section["attribute_range"]["shoes"]}
    assert shoes_groups == set(ontology.allowed_groups["shoes"])


def test_unknown_truth_key_names_the_post(world):
    _, _, truth, ids = world
    truth.loc[0, "category"] = "capes"
    with pytest.raises(DataError, match=f"post {ids['T0']} item 0: unknown category 'capes'"):
        instagram_ranges(VOCAB, truth, "truth", SEED, VAL_SHARE)


def test_truth_source_needs_truth():
    with pytest.raises(ValueError, match="no truth.parquet"):
        instagram_ranges(VOCAB, None, "truth", SEED, VAL_SHARE)


# ---------------------------------------------------------------- images

def test_one_first_image_per_post_with_exclusions_counted(world, tmp_path):
    _, summary = build(world, tmp_path)
    ids = world[3]
    role_of = {pid: role for role, pid in ids.items()}
    out = tmp_path / "images/instagram"
    pixels, index = np.load(out / "images.npy"), pd.read_parquet(out / "index.parquet")
    assert pixels.shape == (12, 6, 6, 3) and pixels.dtype == np.uint8
    assert summary["excluded"] == {reason: 1 for reason in BAD.values()}
    assert {e["post_id"]: e["reason"] for e in summary["excluded_items"]} == {ids[r]: BAD[r] for r in BAD}
    # train rows first, each split sorted by post id; splits are those of post_split
    assert index["split"].tolist() == ["train"] * 9 + ["val"] * 3
    assert index["post_id"].tolist() == sorted(ids[f"T{i}"] for i in range(9)) + sorted(ids[f"V{i}"] for i in range(3))
    for row, post_id in enumerate(index["post_id"]):
        expected = colour((GOOD + list(BAD)).index(role_of[post_id]))
        assert np.abs(pixels[row].astype(int) - expected).max() <= 8, role_of[post_id]
    t7 = index[index["post_id"] == ids["T7"]].iloc[0]
    assert t7["image"].endswith("_1.jpg") and not t7["annotated"]
    assert index[index["post_id"] == ids["T8"]].iloc[0]["image"].endswith("UTC.jpg")
    v0 = index[index["post_id"] == ids["V0"]].iloc[0]
    assert list(v0["categories"]) == [0, 1] and list(v0["subcategories"]) == [0, 3] and list(v0["attributes"]) == [3]
    assert summary["annotated_images"] == 10


# ---------------------------------------------------------------- benchmark

def test_truth_benchmark_keeps_annotated_posts(world, tmp_path):
    section, _ = build(world, tmp_path)
    ids = world[3]
    train = load_benchmark(tmp_path / "images/instagram", section, "train")
    val = load_benchmark(tmp_path / "images/instagram", section, "val")
    assert train.multi and len(train) == 7 and len(val) == 3
    assert set(train.post_ids) == {ids[f"T{i}"] for i in range(7)}
    assert train.category.shape == (7, 3) and train.subcategories.shape == (7, 5) and train.attributes.shape == (7, 5)
    v0 = val.post_ids.index(ids["V0"])
    assert val.category[v0].tolist() == [1, 1, 0]
    assert val.subcategories[v0].tolist() == [1, 0, 0, 1, 0]
    assert val.attributes[v0].tolist() == [0, 0, 0, 1, 0]
    assert val.images.shape == (3, 6, 6, 3) and isinstance(val.images, np.memmap)
    assert train.subcategory_range == [[0, 1], [2, 3], [4]]


def annotations(ids: dict[str, str]) -> pd.DataFrame:
    rows = [("T0", "categories", 1, "dresses"), ("T0", "categories", 2, "bags"), ("T0", "subcategories", 1, "maxi_dress"),
            ("T0", "material", 1, "cotton"), ("T0", "material", 2, "leather"), ("T0", "styles", 1, "boho"),
            ("T0", "heel_type", 1, "stiletto"),
            ("T7", "categories", 1, "shoes"), ("T7", "pattern", 1, "striped"),
            ("T1", "styles", 1, "classic"), ("V1", "categories", 1, "bags")]
    return pd.DataFrame([{"post_id": ids[role], "facet": facet, "rank": rank, "term": term, "score": 1.0, "share": 50.0}
                         for role, facet, rank, term in rows])


def test_text_labels_come_from_mined_terms(world, tmp_path):
    section, _ = build(world, tmp_path)
    ids = world[3]
    train = load_benchmark(tmp_path / "images/instagram", section, "train", labels="text", annotations=annotations(ids))
    # T1 has only a style mined and T2..T6 nothing: no image labels -> left out; T7 has no truth but is mined
    assert sorted(train.post_ids) == sorted([ids["T0"], ids["T7"]]) and train.labels == "text"
    t0, t7 = train.post_ids.index(ids["T0"]), train.post_ids.index(ids["T7"])
    assert train.category[t0].tolist() == [1, 0, 1] and train.subcategories[t0].tolist() == [1, 0, 0, 0, 0]
    assert train.attributes[t0].tolist() == [1, 1, 0, 0, 0]
    assert train.category[t7].tolist() == [0, 1, 0] and train.attributes[t7].tolist() == [0, 0, 0, 1, 0]
    top1 = load_benchmark(tmp_path / "images/instagram", section, "train", labels="text",
                          annotations=annotations(ids), top_k=1)
    assert top1.category[top1.post_ids.index(ids["T0"])].tolist() == [1, 0, 0]
    assert top1.attributes[top1.post_ids.index(ids["T0"])].tolist() == [1, 0, 0, 0, 0]
    # material + pattern by default (the paper's weak labels); every group on request
    every_group = load_benchmark(tmp_path / "images/instagram", section, "train", labels="text",
                                 annotations=annotations(ids), text_groups=None)
    assert every_group.attributes[every_group.post_ids.index(ids["T0"])].tolist() == [1, 1, 0, 0, 1]


def test_mined_term_outside_the_vocabulary_is_an_error(world):
    frame = annotations(world[3])
    frame.loc[0, "term"] = "capes"
    with pytest.raises(DataError, match=f"post {world[3]['T0']}: categories term 'capes'"):
        mined_labels(frame, list(VOCAB.categories), list(VOCAB.subcategories), list(VOCAB.attributes))


def test_text_labels_for_a_split_with_nothing_mined_give_an_empty_benchmark(world, tmp_path):
    section, _ = build(world, tmp_path)
    ids = world[3]
    mined = annotations(ids)
    val = load_benchmark(tmp_path / "images/instagram", section, "val", labels="text", annotations=mined)
    assert val.post_ids == [ids["V1"]] and val.category.tolist() == [[0, 0, 1]]
    only_train = mined[mined["post_id"] != ids["V1"]]
    empty = load_benchmark(tmp_path / "images/instagram", section, "val", labels="text", annotations=only_train)
    assert len(empty) == 0 and empty.images.shape == (0, 6, 6, 3) and empty.category.shape == (0, 3)


def test_first_image_media_skips_video_thumbnails():
    from fashion.data.images import first_image_media

    image, video = "image", "video"
    assert first_image_media([{"path": "a/x_1.jpg", "type": video}, {"path": "a/x_1.mp4", "type": video}]) == (None, "video")
    assert first_image_media([{"path": "a/x_1.jpg", "type": image}, {"path": "a/x_1.mp4", "type": video},
                              {"path": "a/x_2.jpg", "type": image}]) == ("a/x_2.jpg", "")
    assert first_image_media([{"path": "a/x.jpg", "type": image}, {"path": "a/x.mp4", "type": video}]) == (None, "video")
    assert first_image_media([]) == (None, "no_image_media") and first_image_media(None) == (None, "no_image_media")


# ---------------------------------------------------------------- dump roots, orientation, CLI

def test_media_resolve_under_each_posts_own_dump_root(tmp_path, monkeypatch):
    root, _, truth, ids = make_instagram(tmp_path)
    # V* posts came from a second ingest PATH, given relative to the working directory.
    moved = {ids[f"V{i}"] for i in range(3)}
    table = pq.read_table(tmp_path / "posts.parquet").to_pandas()
    for row in table.itertuples():
        if row.post_id in moved:
            relative = row.media[0]["path"]
            (tmp_path / "second" / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).rename(tmp_path / "second" / relative)
    table["dump_root"] = [("second" if p in moved else str(root)) for p in table["post_id"]]
    table.to_parquet(tmp_path / "posts.parquet")
    monkeypatch.chdir(tmp_path)
    summary = build((root, read_posts("posts.parquet"), truth, ids), tmp_path)[1]
    assert summary["images"] == 12 and summary["excluded"] == {reason: 1 for reason in BAD.values()}
    index = pd.read_parquet(tmp_path / "images/instagram/index.parquet")
    pixels = np.load(tmp_path / "images/instagram/images.npy")
    row = index.index[index["post_id"] == ids["V1"]][0]
    assert np.abs(pixels[row].astype(int) - colour(GOOD.index("V1"))).max() <= 8


def test_posts_without_dump_root_column_are_refused(tmp_path):
    pq.write_table(pa.table({"post_id": ["1"], "media": [[{"path": "a.jpg", "type": "image"}]]}),
                   tmp_path / "posts.parquet")
    with pytest.raises(DataError, match=r"posts.parquet: columns: no dump_root column: this posts.parquet "
                                        r"predates it .*rerun the ingest stage"):
        read_posts(tmp_path / "posts.parquet")


def test_unreadable_posts_parquet_is_a_data_error(tmp_path):
    (tmp_path / "posts.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"posts.parquet: file: not a readable parquet file"):
        read_posts(tmp_path / "posts.parquet")


def sideways_photo(path: Path, size=(80, 40), orientation: int = 6) -> None:
    """Stored landscape, left half red, right half blue; EXIF 6 shows it turned 90 degrees
    clockwise: red on top, blue below."""
    picture = Image.new("RGB", size, (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    picture.save(path, quality=95, exif=exif.tobytes())


def test_instagram_photos_are_decoded_as_displayed(world, tmp_path):
    root, posts, _, ids = world
    t0 = posts.loc[posts["post_id"] == ids["T0"], "media"].iloc[0][0]["path"]
    sideways_photo(root / t0)
    _, summary = build(world, tmp_path)
    assert summary["exif_transpose"] is True
    index = pd.read_parquet(tmp_path / "images/instagram/index.parquet")
    pixels = np.load(tmp_path / "images/instagram/images.npy")[index.index[index["post_id"] == ids["T0"]][0]]
    assert np.abs(pixels[0].astype(int) - (255, 0, 0)).max() <= 40   # top row red
    assert np.abs(pixels[-1].astype(int) - (0, 0, 255)).max() <= 40  # bottom row blue


@pytest.mark.parametrize("size", [(80, 40), (1600, 800)])  # the larger one goes through JPEG draft decoding
def test_centre_crop_applies_to_the_displayed_picture(tmp_path, size):
    from fashion.data.decode import decode_image

    sideways_photo(tmp_path / "p.jpg", size)
    # shown 40 x 80 (portrait): the central half of its width still has red above blue
    pixels = decode_image(tmp_path / "p.jpg", 8, None, center_width=0.5, exif_transpose=True).astype(int)
    assert np.abs(pixels[:3] - (255, 0, 0)).max() <= 40 and np.abs(pixels[-3:] - (0, 0, 255)).max() <= 40
    stored = decode_image(tmp_path / "p.jpg", 8, None, center_width=0.5).astype(int)
    assert np.abs(stored[:, :3] - (255, 0, 0)).max() <= 40 and np.abs(stored[:, -3:] - (0, 0, 255)).max() <= 40


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_cap_holds_for_rotated_photos(tmp_path):
    from fashion.data.decode import DecodeJob, decode_job

    sideways_photo(tmp_path / "p.jpg", (80, 40))
    pixels, reason, detail = decode_job((DecodeJob(str(tmp_path / "p.jpg"), None, 1.0, True), 8, 80 * 40 - 1))
    assert pixels is None and reason == "too_many_pixels" and detail == f"80x40 > {80 * 40 - 1}"


def test_images_command_keeps_the_stage_centre_width(world, tmp_path):
    import argparse
    import json

    import yaml

    from fashion.data.commands import register

    root, posts, truth, ids = world
    t0 = posts.loc[posts["post_id"] == ids["T0"], "media"].iloc[0][0]["path"]
    picture = Image.new("RGB", (40, 20), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 8, 20))  # red left fifth: outside the central half
    picture.save(root / t0, quality=95)
    section = instagram_ranges(VOCAB, truth, "truth", SEED, VAL_SHARE)
    (tmp_path / "ranges.json").write_text(json.dumps({"instagram": section}))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["images", "--dataset", "instagram", "--ranges", str(tmp_path / "ranges.json"),
                              "--posts", str(tmp_path / "posts.parquet"), "--truth", str(tmp_path / "truth.parquet"),
                              "--out", str(tmp_path / "cli"), "--image-size", "6", "--seed", str(SEED),
                              "--val-share", str(VAL_SHARE)])
    params = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())
    assert args.instagram_center_width is None  # not given: the params file decides, as for the stage
    assert args.func(args) == 0
    cli = np.load(tmp_path / "cli/instagram/images.npy")
    for share, same in ((params["images"]["instagram_center_width"], True), (1.0, False)):
        build_instagram_images(posts, truth, section, tmp_path / f"lib{share}", ImageSettings(6, center_width=share),
                               SEED, VAL_SHARE)
        assert np.array_equal(cli, np.load(tmp_path / f"lib{share}/images.npy")) == same


def test_images_stage_reads_media_under_the_ingest_path(tmp_path, monkeypatch):
    import json
    import shutil

    from test_data_deepfashion import make_repo, stage

    repo = make_repo(tmp_path / "repo")
    # ingest was pointed at elsewhere/instagram (not data/raw/instagram): dump_root says so
    make_instagram(repo / "elsewhere", dump_root="elsewhere/instagram")
    (repo / "data/interim/ingest").mkdir(parents=True)
    for name in ("posts.parquet", "truth.parquet"):
        shutil.move(repo / "elsewhere" / name, repo / "data/interim/ingest" / name)
    monkeypatch.chdir(repo)
    ranges = build_ranges("data/raw/deepfashion", None, None, "truth", 7, 0.2)
    ranges["instagram"] = instagram_ranges(VOCAB, read_truth("data/interim/ingest/truth.parquet", GROUPS),
                                           "truth", 7, 0.2)
    (repo / "data/processed").mkdir(parents=True)
    (repo / "data/processed/ranges.json").write_text(json.dumps(ranges))
    stage("images").main()
    summary = json.loads((repo / "data/processed/images/instagram/summary.json").read_text())
    assert summary["images"] == 12 and summary["center_width"] == 0.5
    assert summary["excluded"] == {reason: 1 for reason in BAD.values()}
