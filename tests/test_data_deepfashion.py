"""DeepFashion side of fashion.data: list parsing, ranges, image arrays, benchmark loading."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fashion.data import images as images_module
from fashion.data.benchmark import label_frequency, load_benchmark
from fashion.data.deepfashion import load_deepfashion, read_attr_cloth, read_attr_img, read_category_cloth
from fashion.data.errors import DataError
from fashion.data.images import ImageSettings, build_deepfashion_images
from fashion.data.ranges import build_ranges, deepfashion_ranges

# name as written (with odd spacing) -> type
CATEGORIES = [("Blouse", 1), ("Denim Shorts", 2), ("Dress", 3), ("Cape", 3)]  # Cape never has images
ATTRIBUTES = [("a-line", 3), ("abstract chevron print", 1), ("chiffon", 2), ("floral", 1), ("val only", 5)]
# image number -> (category label 1-based, attribute values, partition status)
IMAGES = {
    1: (1, [1, -1, 1, -1, -1], "train"),
    2: (1, [-1, 1, -1, -1, -1], "train"),
    3: (1, [1, -1, -1, -1, -1], "train"),
    4: (2, [-1, -1, 1, -1, -1], "train"),
    5: (2, [-1, -1, 0, -1, -1], "train"),
    6: (2, [1, -1, 1, -1, -1], "train"),
    7: (3, [-1, 1, -1, -1, -1], "train"),
    8: (3, [-1, -1, -1, 1, -1], "train"),
    9: (1, [-1, -1, -1, 1, 1], "val"),
    10: (3, [1, -1, -1, -1, 1], "val"),
    11: (2, [-1, -1, 1, -1, -1], "test"),
    12: (1, [-1, 1, -1, -1, -1], "test"),
}
RED, GREY = (230, 20, 20), (128, 128, 128)
BOXED_IMAGE = 1        # grey picture with a red box exactly where its bbox is
BOX = (16, 8, 48, 40)  # x1, y1, x2, y2 inside a 64 x 48 picture


def image_name(number: int) -> str:
    folder = "Sheer_Blouse" if IMAGES[number][0] == 1 else "Denim_Cutoff_Shorts" if IMAGES[number][0] == 2 else "Dress"
    return f"img/{folder}/img_{number:08d}.jpg"


def colour(number: int) -> tuple[int, int, int]:
    return (number * 20, 255 - number * 20, (number * 67) % 256)


def write_list(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{len(rows)}\n{header}\n" + "".join(row + "\n" for row in rows), encoding="utf-8")


def make_deepfashion(root: Path) -> Path:
    # Padded names and trailing spaces, as in the real lists.
    write_list(root / "Anno/list_category_cloth.txt", "category_name  category_type",
               [f"{name:<28}{kind}" + ("   " if name == "Dress" else "") for name, kind in CATEGORIES])
    write_list(root / "Anno/list_attr_cloth.txt", "attribute_name  attribute_type",
               [f"{name:<28}{kind}" + (" " * 5 if " " in name else "") for name, kind in ATTRIBUTES])
    write_list(root / "Anno/list_category_img.txt", "image_name  category_label",
               [f"{image_name(n):<48}{label}" for n, (label, _, _) in IMAGES.items()])
    write_list(root / "Anno/list_attr_img.txt", "image_name  attribute_labels",
               [f"{image_name(n):<48}" + " ".join(f"{v:>2}" for v in values) for n, (_, values, _) in IMAGES.items()])
    write_list(root / "Eval/list_eval_partition.txt", "image_name  evaluation_status",
               [f"{image_name(n):<48}{status}" for n, (_, _, status) in IMAGES.items()])
    bbox_rows = []
    for number in IMAGES:
        path = root / image_name(number)
        path.parent.mkdir(parents=True, exist_ok=True)
        if number == BOXED_IMAGE:
            picture = Image.new("RGB", (64, 48), GREY)
            picture.paste(RED, BOX)
            box = BOX
        else:
            picture = Image.new("RGB", (24, 16), colour(number))
            box = (2, 2, 20, 14)
        picture.save(path, quality=95)
        bbox_rows.append(f"{image_name(number):<48}" + " ".join(str(c) for c in box))
    write_list(root / "Anno/list_bbox.txt", "image_name  x_1  y_1  x_2  y_2", bbox_rows)
    return root


@pytest.fixture
def deepfashion(tmp_path: Path) -> Path:
    return make_deepfashion(tmp_path / "deepfashion")


def build(deepfashion: Path, out: Path, **settings) -> tuple[dict, dict]:
    ranges = build_ranges(deepfashion, None, None, "truth", 0, 0.2)
    summary = build_deepfashion_images(deepfashion, ranges["deepfashion"], out / "deepfashion",
                                       ImageSettings(**{"image_size": 8, "workers": 1, **settings}))
    return ranges, summary


# ---------------------------------------------------------------- parsing

def test_cloth_lists_keep_names_with_spaces_and_ignore_trailing_spaces(deepfashion):
    categories = read_category_cloth(deepfashion / "Anno/list_category_cloth.txt")
    attributes = read_attr_cloth(deepfashion / "Anno/list_attr_cloth.txt")
    assert [(c.name, c.type) for c in categories] == CATEGORIES
    assert [(a.name, a.type) for a in attributes] == ATTRIBUTES


def test_attribute_rows_give_positive_indices_and_zero_is_negative(deepfashion):
    positives = read_attr_img(deepfashion / "Anno/list_attr_img.txt", len(ATTRIBUTES))
    assert positives[image_name(1)] == (0, 2)
    assert positives[image_name(5)] == ()
    assert positives[image_name(9)] == (3, 4)


def test_load_joins_lists_and_keeps_val_and_test_apart(deepfashion):
    data = load_deepfashion(deepfashion)
    assert [r.image for r in data.records] == [image_name(n) for n in IMAGES]
    assert [r.split for r in data.records] == ["train"] * 8 + ["val"] * 2 + ["test"] * 2
    assert data.records[1].category == 0 and data.records[3].category == 1
    assert data.records[0].bbox == BOX
    assert data.skipped == {}


def test_count_line_mismatch_names_file_and_line(deepfashion):
    path = deepfashion / "Anno/list_category_cloth.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(["7", *lines[1:]]) + "\n")
    with pytest.raises(DataError, match=r"list_category_cloth.txt: line 1: count says 7 rows but 4 follow"):
        read_category_cloth(path)


def test_bad_attribute_value_names_the_line(deepfashion):
    path = deepfashion / "Anno/list_attr_img.txt"
    lines = path.read_text().splitlines()
    lines[4] = lines[4][:-2] + " 2"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"list_attr_img.txt: line 5: attribute values must be 1, 0 or -1"):
        read_attr_img(path, len(ATTRIBUTES))


def test_short_attribute_row_is_an_error(deepfashion):
    path = deepfashion / "Anno/list_attr_img.txt"
    lines = path.read_text().splitlines()
    lines[2] = image_name(1) + " 1 -1"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="line 3"):
        read_attr_img(path, len(ATTRIBUTES))


@pytest.mark.parametrize("name, n_values", [("Anno/list_category_img.txt", 1), ("Anno/list_attr_img.txt", 5),
                                           ("Anno/list_bbox.txt", 4), ("Eval/list_eval_partition.txt", 1)])
@pytest.mark.parametrize("change", ["extra", "missing"])
def test_per_image_row_with_wrong_field_count_names_file_line_and_counts(deepfashion, name, n_values, change):
    path = deepfashion / name
    lines = path.read_text().splitlines()
    lines[3] = lines[3] + "  1" if change == "extra" else lines[3].rsplit(None, 1)[0]
    path.write_text("\n".join(lines) + "\n")
    found = n_values + 2 if change == "extra" else n_values
    with pytest.raises(DataError, match=rf"{name.split('/')[1]}: line 4: expected an image name and {n_values} "
                                        rf"value\(s\) \({n_values + 1} fields\), found {found} fields"):
        load_deepfashion(deepfashion)


def test_non_utf8_list_is_a_data_error_naming_file_and_line(deepfashion):
    path = deepfashion / "Anno/list_attr_cloth.txt"
    path.write_bytes(path.read_bytes().replace(b"chiffon", b"chiff\xe9n"))
    with pytest.raises(DataError, match=r"list_attr_cloth.txt: line 5: not UTF-8 \(byte 0xe9\)"):
        load_deepfashion(deepfashion)


def test_rows_only_in_attribute_or_bbox_lists_are_reported(deepfashion, tmp_path):
    for name, row in (("Anno/list_attr_img.txt", "img/B/img_99.jpg  1 -1 -1 -1 -1"),
                      ("Anno/list_bbox.txt", "img/C/img_98.jpg  1 1 5 5"),
                      ("Anno/list_bbox.txt", "img/B/img_99.jpg  1 1 5 5")):  # one reason per image
        path = deepfashion / name
        lines = path.read_text().splitlines()
        write_list(path, lines[1], lines[2:] + [row])
    data = load_deepfashion(deepfashion)
    assert data.skipped == {"attributes_only": ["img/B/img_99.jpg"], "bbox_only": ["img/C/img_98.jpg"]}
    assert len(data.records) == 12
    _, summary = build(deepfashion, tmp_path / "out")
    assert summary["images"] == 12
    assert summary["excluded"] == {"attributes_only": 1, "bbox_only": 1}
    assert {(e["image"], e["reason"]) for e in summary["excluded_items"]} == {
        ("img/B/img_99.jpg", "attributes_only"), ("img/C/img_98.jpg", "bbox_only")}


def test_images_without_partition_or_category_are_listed_as_skipped(deepfashion):
    partition = deepfashion / "Eval/list_eval_partition.txt"
    lines = partition.read_text().splitlines()
    write_list(partition, lines[1], lines[2:-1] + [f"img/Extra/img_99999999.jpg  train"])
    data = load_deepfashion(deepfashion)
    assert data.skipped == {"no_category": ["img/Extra/img_99999999.jpg"], "no_partition": [image_name(12)]}
    assert len(data.records) == 11


# ---------------------------------------------------------------- ranges

def test_ranges_come_from_training_images_only(deepfashion):
    section = deepfashion_ranges(load_deepfashion(deepfashion))
    assert section["categories"] == ["Blouse", "Denim Shorts", "Dress"]  # Cape has no image
    # "val only" is positive only on val/test images, so it is not in the vocabulary
    assert section["attributes"] == ["a-line", "abstract chevron print", "chiffon", "floral"]
    # Blouse is floral only on a val image, so floral (3) is not in its range
    assert section["range"] == {"Blouse": [0, 1, 2], "Denim Shorts": [0, 2], "Dress": [1, 3]}
    counts = section["counts"]
    assert counts["images"] == {"train": 8, "val": 2, "test": 2}
    assert section["attribute_types"] == ["shape", "texture", "fabric", "texture"]
    assert counts["category_images"] == {"Blouse": 3, "Denim Shorts": 3, "Dress": 2}
    assert counts["attribute_frequency"] == {"a-line": 3, "abstract chevron print": 2, "chiffon": 3, "floral": 1}
    assert counts["range_counts"] == {"Blouse": [2, 1, 1], "Denim Shorts": [1, 2], "Dress": [1, 1]}


# ---------------------------------------------------------------- images

def test_image_array_shape_order_and_pixels(deepfashion, tmp_path):
    ranges, summary = build(deepfashion, tmp_path / "out")
    out = tmp_path / "out/deepfashion"
    pixels = np.load(out / "images.npy")
    index = pd.read_parquet(out / "index.parquet")
    assert pixels.shape == (12, 8, 8, 3) and pixels.dtype == np.uint8
    assert index["row"].tolist() == list(range(12))
    assert index["split"].tolist() == ["train"] * 8 + ["val"] * 2 + ["test"] * 2
    assert index["image"].tolist() == [image_name(n) for n in IMAGES]
    for row, name in enumerate(index["image"]):
        number = int(name[-12:-4])
        if number != BOXED_IMAGE:  # solid pictures: every pixel keeps the picture's colour
            assert np.abs(pixels[row].astype(int) - colour(number)).max() <= 8, name
    assert index["categories"].map(list).tolist() == [[IMAGES[int(n[-12:-4])][0] - 1] for n in index["image"]]
    # image 9 is floral + "val only": the out-of-vocabulary positive is dropped and counted
    assert list(index.loc[8, "attributes"]) == [3]
    assert index["subcategories"].isna().all()
    assert summary["images"] == 12 and summary["splits"] == {"train": 8, "val": 2, "test": 2}
    assert summary["subset"] == {"limit": 0, "seed": 7, "kept": 12, "of": 12}
    assert summary["attribute_labels_outside_vocabulary"] == 2
    assert json.loads((out / "summary.json").read_text())["excluded"] == {}


def test_bbox_crop_keeps_only_the_boxed_region(deepfashion, tmp_path):
    build(deepfashion, tmp_path / "crop", crop_bbox=True)
    build(deepfashion, tmp_path / "whole", crop_bbox=False)
    cropped = np.load(tmp_path / "crop/deepfashion/images.npy")[0].astype(int)  # row 0 = image 1
    whole = np.load(tmp_path / "whole/deepfashion/images.npy")[0].astype(int)
    assert np.abs(cropped[1:-1, 1:-1] - RED).max() <= 30  # all red away from the JPEG-blurred rim
    assert np.abs(whole[0, 0] - GREY).max() <= 10          # uncropped corner is the grey background
    assert np.abs(whole[4, 4] - RED).max() <= 30


def test_large_jpeg_crop_stays_aligned_under_reduced_decoding(tmp_path):
    from fashion.data.decode import decode_image

    picture = Image.new("RGB", (800, 600), GREY)
    picture.paste(RED, (200, 160, 520, 440))
    picture.save(tmp_path / "big.jpg", quality=95)
    pixels = decode_image(tmp_path / "big.jpg", 8, (200, 160, 520, 440)).astype(int)
    assert np.abs(pixels - RED).max() <= 30


@pytest.mark.parametrize("share, expect_band", [(1.0, True), (0.5, False)])
def test_center_width_keeps_the_middle_of_the_picture(tmp_path, share, expect_band):
    from fashion.data.decode import decode_image

    picture = Image.new("RGB", (400, 200), GREY)
    picture.paste(RED, (0, 0, 80, 200))      # left fifth red: outside the central half
    picture.paste((0, 0, 255), (150, 0, 250, 200))  # a blue stripe in the middle
    picture.save(tmp_path / "wide.jpg", quality=95)
    pixels = decode_image(tmp_path / "wide.jpg", 16, None, center_width=share).astype(int)
    has_red = bool((np.abs(pixels - RED).max(axis=-1) <= 40).any())
    assert has_red == expect_band
    assert (np.abs(pixels - (0, 0, 255)).max(axis=-1) <= 40).any()


def test_center_width_outside_zero_to_one_is_refused(tmp_path):
    from fashion.data.decode import decode_image
    from fashion.data.images import ImageSettings

    Image.new("RGB", (10, 10), GREY).save(tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="center_width"):
        decode_image(tmp_path / "x.jpg", 4, None, center_width=0.0)
    with pytest.raises(ValueError, match="center_width"):
        ImageSettings(center_width=1.5)


def test_bad_images_are_listed_not_fatal(deepfashion, tmp_path):
    (deepfashion / image_name(4)).write_bytes(b"not a jpeg at all")
    (deepfashion / image_name(10)).unlink()
    _, summary = build(deepfashion, tmp_path / "out")
    out = tmp_path / "out/deepfashion"
    pixels, index = np.load(out / "images.npy"), pd.read_parquet(out / "index.parquet")
    assert pixels.shape == (10, 8, 8, 3) and len(index) == 10
    assert image_name(4) not in set(index["image"]) and image_name(10) not in set(index["image"])
    assert summary["excluded"] == {"missing_file": 1, "unreadable": 1}
    assert {(e["image"], e["reason"]) for e in summary["excluded_items"]} == {
        (image_name(4), "unreadable"), (image_name(10), "missing_file")}
    for row, name in enumerate(index["image"]):  # rows stay aligned after compaction
        number = int(name[-12:-4])
        if number != BOXED_IMAGE:
            assert np.abs(pixels[row].astype(int) - colour(number)).max() <= 8, name


def test_oversized_images_are_excluded_before_decoding(deepfashion, tmp_path):
    _, summary = build(deepfashion, tmp_path / "out", max_pixels=24 * 16)
    assert summary["images"] == 11  # only the 64 x 48 picture is over the cap
    assert summary["excluded_items"][0]["image"] == image_name(BOXED_IMAGE)
    assert summary["excluded_items"][0]["reason"] == "too_many_pixels"


@pytest.mark.parametrize("escape", ["../outside.jpg", "img/../../outside.jpg", "ABSOLUTE"])
def test_image_paths_may_not_escape_the_dataset_root(deepfashion, tmp_path, escape):
    (tmp_path / "outside.jpg").write_bytes((deepfashion / image_name(2)).read_bytes())
    escape = str(tmp_path / "outside.jpg") if escape == "ABSOLUTE" else escape
    for name in ("Anno/list_category_img.txt", "Anno/list_attr_img.txt", "Anno/list_bbox.txt",
                 "Eval/list_eval_partition.txt"):
        path = deepfashion / name
        path.write_text(path.read_text().replace(image_name(2), escape))
    _, summary = build(deepfashion, tmp_path / "out")
    assert summary["excluded"] == {"unsafe_path": 1}
    assert summary["excluded_items"] == [{"image": escape, "reason": "unsafe_path", "detail": ""}]


def test_safe_join_is_lexical():
    from fashion.data.decode import safe_join

    assert safe_join("root", "img/A/../B/x.jpg") == Path("root/img/B/x.jpg")
    for bad in ("../x.jpg", "/etc/x.jpg", "img/../../x.jpg", "", ".", "img/.."):
        assert safe_join("root", bad) is None, bad


def test_symlinked_image_folder_is_used(deepfashion, tmp_path):
    # img/ on another disk, linked into the dataset root: its images resolve outside the root.
    (deepfashion / "img").rename(tmp_path / "other_disk")
    (deepfashion / "img").symlink_to(tmp_path / "other_disk", target_is_directory=True)
    _, summary = build(deepfashion, tmp_path / "out")
    assert summary["excluded"] == {} and summary["images"] == 12
    pixels = np.load(tmp_path / "out/deepfashion/images.npy")
    assert np.abs(pixels[1].astype(int) - colour(2)).max() <= 8


def test_deepfashion_pixels_are_used_as_stored_despite_exif_orientation(deepfashion, tmp_path):
    # The bbox is in stored-pixel coordinates, so a rotation tag must not turn the picture first.
    picture = Image.new("RGB", (64, 48), GREY)
    picture.paste(RED, BOX)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90 degrees clockwise
    picture.save(deepfashion / image_name(BOXED_IMAGE), quality=95, exif=exif.tobytes())
    _, summary = build(deepfashion, tmp_path / "out")
    assert summary["exif_transpose"] is False
    cropped = np.load(tmp_path / "out/deepfashion/images.npy")[0].astype(int)
    assert np.abs(cropped[1:-1, 1:-1] - RED).max() <= 30


def test_two_decoder_processes_give_the_same_array(deepfashion, tmp_path, monkeypatch):
    build(deepfashion, tmp_path / "serial", workers=1)
    monkeypatch.setattr(images_module, "PARALLEL_MIN_JOBS", 1)
    build(deepfashion, tmp_path / "parallel", workers=2)
    serial = np.load(tmp_path / "serial/deepfashion/images.npy")
    assert np.array_equal(serial, np.load(tmp_path / "parallel/deepfashion/images.npy"))


# ---------------------------------------------------------------- benchmark

def test_benchmark_split_targets_and_frequencies(deepfashion, tmp_path):
    ranges, _ = build(deepfashion, tmp_path / "out")
    train = load_benchmark(tmp_path / "out/deepfashion", ranges["deepfashion"], "train")
    val = load_benchmark(tmp_path / "out/deepfashion", ranges["deepfashion"], "val")
    test = load_benchmark(tmp_path / "out/deepfashion", ranges["deepfashion"], "test")
    assert len(train) == 8 and len(val) == 2 and len(test) == 2 and not train.multi
    assert test.image_names == [image_name(11), image_name(12)] and test.split == "test" and train.subcategories is None
    assert isinstance(train.images, np.memmap) and train.images.shape == (8, 8, 8, 3)
    assert train.category.dtype == np.float32 and train.category.shape == (8, 3)
    assert train.category.sum(axis=1).tolist() == [1.0] * 8
    assert train.image_names[3] == image_name(4) and train.category[3].tolist() == [0, 1, 0]
    assert train.attributes[0].tolist() == [1, 0, 1, 0]          # image 1: a-line, chiffon
    assert val.attributes[0].tolist() == [0, 0, 0, 1]            # image 9: floral ("val only" dropped)
    assert train.attribute_range == [[0, 1, 2], [0, 2], [1, 3]]
    assert train.post_ids is None
    frequency = label_frequency(train)
    assert frequency["samples"] == 8
    assert frequency["category"].tolist() == [3 / 8, 3 / 8, 2 / 8]
    assert frequency["attributes"].tolist() == [3 / 8, 2 / 8, 3 / 8, 1 / 8]
    assert frequency["subcategories"] is None


def test_benchmark_refuses_an_index_that_does_not_match_the_array(deepfashion, tmp_path):
    ranges, _ = build(deepfashion, tmp_path / "out")
    out = tmp_path / "out/deepfashion"
    np.save(out / "images.npy", np.zeros((3, 8, 8, 3), dtype=np.uint8))
    with pytest.raises(DataError, match="does not match images.npy"):
        load_benchmark(out, ranges["deepfashion"], "train")


def test_text_labels_are_instagram_only(deepfashion, tmp_path):
    ranges, _ = build(deepfashion, tmp_path / "out")
    with pytest.raises(ValueError, match="Instagram only"):
        load_benchmark(tmp_path / "out/deepfashion", ranges["deepfashion"], "train", labels="text",
                       annotations=pd.DataFrame())


def test_ranges_and_images_commands(deepfashion, tmp_path, capsys):
    import argparse

    from fashion.data.commands import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    ranges_path = tmp_path / "ranges.json"
    args = parser.parse_args(["ranges", "--deepfashion", str(deepfashion), "--no-instagram", "--out", str(ranges_path)])
    assert args.func(args) == 0
    assert json.loads(ranges_path.read_text())["deepfashion"]["categories"] == ["Blouse", "Denim Shorts", "Dress"]
    args = parser.parse_args(["images", "--dataset", "deepfashion", "--ranges", str(ranges_path), "--deepfashion",
                              str(deepfashion), "--out", str(tmp_path / "images"), "--image-size", "4"])
    assert args.func(args) == 0
    assert np.load(tmp_path / "images/deepfashion/images.npy").shape == (12, 4, 4, 3)
    assert "deepfashion: 12 images" in capsys.readouterr().out
    args = parser.parse_args(["images", "--dataset", "deepfashion", "--ranges", str(ranges_path), "--deepfashion",
                              str(deepfashion), "--out", str(tmp_path / "subset"), "--deepfashion-limit", "6"])
    assert args.func(args) == 0
    assert json.loads((tmp_path / "subset/deepfashion/summary.json").read_text())["splits"] == {
        "train": 4, "val": 1, "test": 1}
    capsys.readouterr()
    (deepfashion / "Anno/list_bbox.txt").write_text("3\nheader\n")
    args = parser.parse_args(["images", "--dataset", "deepfashion", "--ranges", str(ranges_path), "--deepfashion",
                              str(deepfashion), "--out", str(tmp_path / "images")])
    assert args.func(args) == 1
    assert "list_bbox.txt: line 1: count says 3 rows but 0 follow" in capsys.readouterr().err


# ---------------------------------------------------------------- stage scripts

REPO = Path(__file__).resolve().parents[1]


def stage(name: str):
    """stages/<name>.py as a module, run in-process."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{name}_stage", REPO / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_repo(root: Path) -> Path:
    """A repo root as the ranges/images stages see it: params.yaml, ontology/, data/raw/deepfashion."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "params.yaml").write_text("seed: 7\nranges:\n  instagram_source: ontology\nimages:\n  image_size: 8\n"
                                      "  crop_bbox: true\n  instagram_center_width: 0.5\n  val_share: 0.2\n"
                                      "  max_image_pixels: 40000000\n  workers: 1\n  deepfashion_limit: 0\n",
                                      encoding="utf-8")
    (root / "ontology").symlink_to(REPO / "ontology", target_is_directory=True)
    make_deepfashion(root / "data/raw/deepfashion")
    return root


@pytest.mark.parametrize("name", ["ranges", "images"])
def test_stage_reports_a_non_utf8_list_in_one_line_naming_the_file(tmp_path, monkeypatch, name):
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    stage("ranges").main()  # ranges.json for the images stage, from the intact lists
    path = repo / "data/raw/deepfashion/Anno/list_attr_cloth.txt"
    path.write_bytes(path.read_bytes().replace(b"chiffon", b"chiff\xe9n"))
    with pytest.raises(SystemExit) as exit_info:
        stage(name).main()
    message = str(exit_info.value.code)
    assert message.startswith(f"{name}: data/raw/deepfashion/Anno/list_attr_cloth.txt: line 5: not UTF-8")
    assert "\n" not in message


def test_images_stage_names_an_unreadable_ranges_file(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    (repo / "data/processed").mkdir(parents=True)
    (repo / "data/processed/ranges.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"^images: data/processed/ranges.json: file: not a JSON file \(Expecting property name"):
        stage("images").main()
