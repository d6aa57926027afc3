"""Readers for the DeepFashion Category and Attribute Prediction Benchmark annotation lists.

Every list file has the same frame: line 1 = row count, line 2 = header, then one row per line.
Category and attribute names (the two *_cloth lists) may contain spaces and rows may carry
trailing spaces, so there the last token is the type and the rest of the row is the name. Image
names never contain whitespace, so per-image rows are split on whitespace and must have exactly
the expected number of fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fashion.data.errors import DataError

CATEGORY_CLOTH = Path("Anno/list_category_cloth.txt")
ATTR_CLOTH = Path("Anno/list_attr_cloth.txt")
CATEGORY_IMG = Path("Anno/list_category_img.txt")
ATTR_IMG = Path("Anno/list_attr_img.txt")
BBOX = Path("Anno/list_bbox.txt")
PARTITION = Path("Eval/list_eval_partition.txt")

# The benchmark's three evaluation statuses, kept apart: train fits, val is for choices made
# while training (per-epoch curves), test is only ever scored.
SPLIT_OF_STATUS = {"train": "train", "val": "val", "test": "test"}
# list_attr_cloth.txt's second column: the five attribute types the benchmark reports apart.
ATTRIBUTE_TYPES = {1: "texture", 2: "fabric", 3: "shape", 4: "part", 5: "style"}


@dataclass(frozen=True)
class ClothCategory:
    name: str
    type: int  # 1 upper body, 2 lower body, 3 full body


@dataclass(frozen=True)
class ClothAttribute:
    name: str
    type: int  # 1 texture, 2 fabric, 3 shape, 4 part, 5 style


@dataclass(frozen=True)
class DeepFashionRecord:
    image: str                    # path relative to the DeepFashion root, e.g. img/Folder/img_00000001.jpg
    split: str                    # train | val | test (the partition file's status)
    category: int                 # 0-based index into DeepFashionData.categories
    attributes: tuple[int, ...]   # 0-based indices into DeepFashionData.attributes, positives only
    bbox: tuple[int, int, int, int] | None  # x1, y1, x2, y2 in original pixels


@dataclass
class DeepFashionData:
    categories: list[ClothCategory]
    attributes: list[ClothAttribute]
    records: list[DeepFashionRecord]
    # reason -> image names listed somewhere but left out (never silently dropped)
    skipped: dict[str, list[str]] = field(default_factory=dict)


def _rows(path: Path) -> list[tuple[int, str]]:
    """(line number, row text) for every data row; checks the count line against the rows."""
    if not path.is_file():
        raise DataError(path, "file", "not found")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(path, f"line {line}", f"not UTF-8 (byte 0x{data[exc.start]:02x}); "
                                              "re-save the file as UTF-8") from None
    lines = text.splitlines()
    if len(lines) < 2:
        raise DataError(path, "line 1", "expected a count line and a header line")
    try:
        count = int(lines[0].strip())
    except ValueError:
        raise DataError(path, "line 1", f"row count is not an integer: {lines[0].strip()!r}") from None
    rows = [(number, line.rstrip()) for number, line in enumerate(lines[2:], start=3) if line.strip()]
    if len(rows) != count:
        raise DataError(path, "line 1", f"count says {count} rows but {len(rows)} follow")
    return rows


def _split_last(path: Path, number: int, line: str, n_fields: int) -> tuple[str, list[str]]:
    """Split a *_cloth row into (name, last n_fields tokens); the name keeps its inner spaces."""
    parts = line.rsplit(None, n_fields)
    if len(parts) != n_fields + 1 or not parts[0].strip():
        raise DataError(path, f"line {number}", f"expected a name and {n_fields} field(s)")
    return parts[0].strip(), parts[1:]


def _split_image_row(path: Path, number: int, line: str, n_fields: int) -> tuple[str, list[str]]:
    """Split a per-image row into (image name, n_fields values); any other field count is an error
    (an extra or missing value would otherwise shift into the name or the values)."""
    parts = line.split()
    if len(parts) != n_fields + 1:
        raise DataError(path, f"line {number}", f"expected an image name and {n_fields} value(s) "
                                                f"({n_fields + 1} fields), found {len(parts)} fields")
    return parts[0], parts[1:]


def _int(path: Path, number: int, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DataError(path, f"line {number}", f"not an integer: {text!r}") from None


def _unique(path: Path, number: int, seen: dict, name: str) -> None:
    if name in seen:
        raise DataError(path, f"line {number}", f"duplicate row for {name!r}")


def read_category_cloth(path: str | Path) -> list[ClothCategory]:
    path = Path(path)
    out: list[ClothCategory] = []
    for number, line in _rows(path):
        name, (kind,) = _split_last(path, number, line, 1)
        out.append(ClothCategory(name, _int(path, number, kind)))
    return out


def read_attr_cloth(path: str | Path) -> list[ClothAttribute]:
    path = Path(path)
    out: list[ClothAttribute] = []
    for number, line in _rows(path):
        name, (kind,) = _split_last(path, number, line, 1)
        kind_number = _int(path, number, kind)
        if kind_number not in ATTRIBUTE_TYPES:
            raise DataError(path, f"line {number}", f"attribute type must be 1..5 "
                                                    f"({', '.join(ATTRIBUTE_TYPES.values())}), got {kind_number}")
        out.append(ClothAttribute(name, kind_number))
    return out


def read_category_img(path: str | Path) -> dict[str, int]:
    """image -> 1-based category label."""
    path = Path(path)
    out: dict[str, int] = {}
    for number, line in _rows(path):
        image, (label,) = _split_image_row(path, number, line, 1)
        _unique(path, number, out, image)
        out[image] = _int(path, number, label)
    return out


def read_attr_img(path: str | Path, n_attributes: int) -> dict[str, tuple[int, ...]]:
    """image -> 0-based indices of its positive attributes (value 1; -1 and 0 are negatives)."""
    path = Path(path)
    out: dict[str, tuple[int, ...]] = {}
    for number, line in _rows(path):
        image, values = _split_image_row(path, number, line, n_attributes)
        try:
            vector = np.array(values, dtype=np.int64)  # [n_attributes]
        except ValueError:
            raise DataError(path, f"line {number}", "attribute values must be integers") from None
        if not np.isin(vector, (-1, 0, 1)).all():
            raise DataError(path, f"line {number}", "attribute values must be 1, 0 or -1")
        _unique(path, number, out, image)
        out[image] = tuple(int(i) for i in np.flatnonzero(vector == 1))
    return out


def read_bbox(path: str | Path) -> dict[str, tuple[int, int, int, int]]:
    path = Path(path)
    out: dict[str, tuple[int, int, int, int]] = {}
    for number, line in _rows(path):
        image, coords = _split_image_row(path, number, line, 4)
        x1, y1, x2, y2 = (_int(path, number, c) for c in coords)
        _unique(path, number, out, image)
        out[image] = (x1, y1, x2, y2)
    return out


def read_partition(path: str | Path) -> dict[str, str]:
    """image -> train | val | test, in file order."""
    path = Path(path)
    out: dict[str, str] = {}
    for number, line in _rows(path):
        image, (status,) = _split_image_row(path, number, line, 1)
        if status not in SPLIT_OF_STATUS:
            raise DataError(path, f"line {number}", f"evaluation status must be train/val/test, got {status!r}")
        _unique(path, number, out, image)
        out[image] = status
    return out


def load_deepfashion(root: str | Path, with_bbox: bool = True) -> DeepFashionData:
    """Join the annotation lists into one record per partitioned image (partition-file order).

    Images missing a category or attribute row, or absent from the partition file, are kept out
    and listed in `skipped` by reason, one reason per image: no_category, no_attributes,
    no_partition (has a category row), attributes_only / bbox_only (only in list_attr_img /
    list_bbox). A missing bbox row leaves `bbox` None (whole image used).
    """
    root = Path(root)
    categories = read_category_cloth(root / CATEGORY_CLOTH)
    attributes = read_attr_cloth(root / ATTR_CLOTH)
    category_of = read_category_img(root / CATEGORY_IMG)
    attributes_of = read_attr_img(root / ATTR_IMG, len(attributes))
    partition = read_partition(root / PARTITION)
    bbox_of = read_bbox(root / BBOX) if with_bbox and (root / BBOX).is_file() else {}

    skipped: dict[str, list[str]] = {}
    records: list[DeepFashionRecord] = []
    for image, status in partition.items():
        if image not in category_of:
            skipped.setdefault("no_category", []).append(image)
            continue
        if image not in attributes_of:
            skipped.setdefault("no_attributes", []).append(image)
            continue
        label = category_of[image]
        if not 1 <= label <= len(categories):
            raise DataError(root / CATEGORY_IMG, image, f"category label {label} outside 1..{len(categories)}")
        records.append(DeepFashionRecord(
            image=image, split=SPLIT_OF_STATUS[status], category=label - 1,
            attributes=attributes_of[image], bbox=bbox_of.get(image)))
    unpartitioned = [image for image in category_of if image not in partition]
    if unpartitioned:
        skipped["no_partition"] = unpartitioned
    # Rows of images that neither the partition nor the category list names: reported, not lost.
    listed = partition.keys() | category_of.keys()
    attributes_only = [image for image in attributes_of if image not in listed]
    if attributes_only:
        skipped["attributes_only"] = attributes_only
    bbox_only = [image for image in bbox_of if image not in listed and image not in attributes_of]
    if bbox_only:
        skipped["bbox_only"] = bbox_only
    return DeepFashionData(categories, attributes, records, skipped)
