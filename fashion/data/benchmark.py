"""Load one split of an image benchmark as arrays + multi-hot targets (truth or text-mined labels)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fashion.choices import DATASETS, LABEL_SOURCES
from fashion.data.errors import DataError
from fashion.data.layout import IMAGES_FILE, INDEX_FILE
from fashion.data.instagram import attribute_groups
from fashion.scale.dataset import read_table

SPLITS = ("train", "val", "test")
ANNOTATION_COLUMNS = ("post_id", "facet", "rank", "term")
INDEX_COLUMNS = ("row", "split", "image", "categories", "subcategories", "attributes")  # images/<dataset>/index.parquet
# The paper's weak labels held 4 materials + 4 patterns per image (besides categories/subcategories).
PAPER_TEXT_ATTRIBUTE_GROUPS = ("material", "pattern")


@dataclass
class Benchmark:
    dataset: str                          # deepfashion | instagram
    split: str                            # train | val | test
    labels: str                           # truth | text: where the targets come from
    images: np.ndarray                    # uint8 [N, H, W, 3] (a memmap view when the rows are contiguous)
    category: np.ndarray                  # float32 [N, K] multi-hot (one-hot for DeepFashion)
    attributes: np.ndarray                # float32 [N, P]
    subcategories: np.ndarray | None      # float32 [N, M]; None for DeepFashion
    rows: np.ndarray                      # int64 [N] rows of images.npy / index.parquet
    image_names: list[str]
    post_ids: list[str] | None            # Instagram only
    category_names: list[str]             # K
    attribute_names: list[str]            # P
    subcategory_names: list[str] | None   # M
    attribute_range: list[list[int]]      # per category (K), attribute indices its range allows
    subcategory_range: list[list[int]] | None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def multi(self) -> bool:
        """Multi-class scenario (several categories per image, subcategory outputs)."""
        return self.subcategories is not None


@dataclass(frozen=True)
class MinedLabels:
    categories: list[int]      # indices, best rank first
    subcategories: list[int]
    attributes: list[int]


def read_annotations(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """annotations.parquet (or an already loaded frame) with its contract columns checked."""
    name = _source_name(source)
    if isinstance(source, pd.DataFrame):
        frame = source
    elif Path(source).is_dir():  # a dataset folder (ingest.partitions > 1): every part
        try:
            frame = read_table(Path(source)).to_pandas()
        except (OSError, ValueError) as exc:
            raise DataError(name, "file", f"not a readable dataset folder ({type(exc).__name__}: {exc})") from None
    else:
        frame = read_parquet_file(Path(source), "the rank stage")
    missing = [c for c in ANNOTATION_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(name, "columns", f"missing {missing}")
    return frame.assign(post_id=frame["post_id"].astype(str))


def check_file(path: Path, made_by: str) -> None:
    """DataError naming `path` when it is missing or a folder (`made_by` writes it)."""
    if path.is_dir():
        raise DataError(path, "file", f"is a folder, expected a file (rerun {made_by})")
    if not path.is_file():
        raise DataError(path, "file", f"not found (run {made_by})")


def read_parquet_file(path: Path, made_by: str) -> pd.DataFrame:
    """A Parquet file as a frame; missing, a folder, empty, cut short or not Parquet: DataError."""
    check_file(path, made_by)
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as error:  # ArrowInvalid: not Parquet / truncated
        raise DataError(path, "file", f"not a readable Parquet file ({error}); rerun {made_by}") from None


def _load_pixels(path: Path) -> np.ndarray:
    check_file(path, "the images stage")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)  # uint8 [rows, H, W, 3]
    except (OSError, ValueError, EOFError) as error:  # bad header, cut short, empty
        raise DataError(path, "file", f"not a readable .npy array ({error}); rerun the images stage") from None


def _source_name(source) -> str:
    return "annotations" if isinstance(source, pd.DataFrame) else str(source)


def mined_labels(annotations: str | os.PathLike | pd.DataFrame, categories: list[str],
                 subcategories: list[str] | None, attributes: list[str],
                 top_k: int | None = None,
                 text_groups: tuple[str, ...] | None = PAPER_TEXT_ATTRIBUTE_GROUPS) -> dict[str, MinedLabels]:
    """post id -> text-mined label indices (facets categories, subcategories and the attribute
    groups `text_groups`, None = every group; styles/brands are not image labels).
    top_k keeps ranks <= top_k (None: every stored rank)."""
    frame = read_annotations(annotations)
    if top_k is not None:
        frame = frame[frame["rank"] <= top_k]
    index_of = {"categories": {k: i for i, k in enumerate(categories)},
                "subcategories": {k: i for i, k in enumerate(subcategories or [])}}
    attribute_index = {a: i for i, a in enumerate(attributes)}
    groups = set(attribute_groups(attributes))
    if text_groups is not None:
        groups &= set(text_groups)
    found: dict[str, tuple[list, list, list]] = {}
    frame = frame.sort_values(["post_id", "facet", "rank"], kind="stable")
    for post_id, facet, term in zip(frame["post_id"], frame["facet"], frame["term"]):
        if facet in index_of and (facet == "categories" or subcategories is not None):
            lookup, key, slot = index_of[facet], term, 0 if facet == "categories" else 1
        elif facet in groups:
            lookup, key, slot = attribute_index, f"{facet}:{term}", 2
        else:
            continue
        if key not in lookup:
            raise DataError(_source_name(annotations), f"post {post_id}",
                            f"{facet} term {term!r} is not in the label vocabulary")
        bucket = found.setdefault(post_id, ([], [], []))[slot]
        if lookup[key] not in bucket:
            bucket.append(lookup[key])
    return {pid: MinedLabels(*lists) for pid, lists in found.items()}


def _multi_hot(lists, width: int, what: str, rows: np.ndarray, index_path: Path) -> np.ndarray:
    out = np.zeros((len(lists), width), dtype=np.float32)  # [N, width]
    for i, labels in enumerate(lists):
        labels = [] if labels is None else list(labels)
        if any(not 0 <= int(j) < width for j in labels):
            raise DataError(index_path, f"row {rows[i]}",
                            f"{what} index outside the {width} labels of ranges.json (rebuild the images stage)")
        out[i, labels] = 1.0
    return out


def _range_lists(section: dict, key: str) -> list[list[int]]:
    return [list(section[key].get(c, [])) for c in section["categories"]]


def load_benchmark(images_dir: str | os.PathLike, ranges_section: dict, split: str, labels: str = "truth",
                   annotations: str | os.PathLike | pd.DataFrame | None = None,
                   top_k: int | None = None,
                   text_groups: tuple[str, ...] | None = PAPER_TEXT_ATTRIBUTE_GROUPS) -> Benchmark:
    """One split of data/processed/images/<dataset>/ with targets over ranges_section's vocabularies.

    labels "truth": DeepFashion annotations / Instagram truth items (Instagram rows without truth
    are left out). labels "text" (Instagram only): every text-mined category, subcategory and
    attribute (groups `text_groups`; default material + pattern as in the paper) of the post with
    rank <= top_k is a positive, as the paper trained on weak labels; posts with no mined
    category are left out.
    """
    images_dir = Path(images_dir)
    dataset = images_dir.name
    if dataset not in DATASETS:
        raise ValueError(f"{images_dir}: folder name must be one of {DATASETS}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if labels not in LABEL_SOURCES:
        raise ValueError(f"labels must be one of {LABEL_SOURCES}, got {labels!r}")
    if labels == "text" and dataset != "instagram":
        raise ValueError("text labels exist for Instagram only")
    if labels == "text" and annotations is None:
        raise ValueError("labels='text' needs annotations (annotations.parquet)")

    index_path = images_dir / INDEX_FILE
    index = read_parquet_file(index_path, "the images stage")
    pixels = _load_pixels(images_dir / IMAGES_FILE)
    if pixels.ndim != 4 or pixels.shape[-1] != 3 or pixels.dtype != np.uint8:
        raise DataError(images_dir / IMAGES_FILE, "array", f"expected uint8 [rows, H, W, 3], got {pixels.dtype} "
                                                            f"{pixels.shape}; rerun the images stage")
    missing = [c for c in INDEX_COLUMNS if c not in index.columns]
    if missing:
        raise DataError(index_path, "columns", f"missing {missing}; rerun the images stage")
    if len(index) != pixels.shape[0] or not np.array_equal(index["row"].to_numpy(), np.arange(len(index))):
        raise DataError(index_path, "row", f"index ({len(index)} rows) does not match images.npy "
                                           f"({pixels.shape[0]} rows); rerun the images stage")

    multi = "subcategories" in ranges_section
    selected = index[index["split"] == split]
    categories, subs, attrs = selected["categories"], selected["subcategories"], selected["attributes"]
    if dataset == "instagram" and labels == "truth":
        selected = selected[selected["annotated"]]
        categories, subs, attrs = selected["categories"], selected["subcategories"], selected["attributes"]
    elif labels == "text":
        mined = mined_labels(annotations, ranges_section["categories"], ranges_section.get("subcategories"),
                             ranges_section["attributes"], top_k, text_groups)
        has_mined = np.array([bool(pid in mined and mined[pid].categories) for pid in selected["post_id"]], dtype=bool)
        selected = selected.loc[has_mined]
        categories = [mined[p].categories for p in selected["post_id"]]
        subs = [mined[p].subcategories for p in selected["post_id"]]
        attrs = [mined[p].attributes for p in selected["post_id"]]

    rows = selected["row"].to_numpy(dtype=np.int64)
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        images = pixels[rows[0]:rows[-1] + 1]     # contiguous: stays a memmap view
    else:
        images = pixels[rows]                      # copy of the selected rows only
    return Benchmark(
        dataset=dataset, split=split, labels=labels, images=images,
        category=_multi_hot(list(categories), len(ranges_section["categories"]), "category", rows, index_path),
        attributes=_multi_hot(list(attrs), len(ranges_section["attributes"]), "attribute", rows, index_path),
        subcategories=(_multi_hot(list(subs), len(ranges_section["subcategories"]), "subcategory", rows, index_path)
                       if multi else None),
        rows=rows,
        image_names=selected["image"].astype(str).tolist(),
        post_ids=selected["post_id"].astype(str).tolist() if "post_id" in selected else None,
        category_names=list(ranges_section["categories"]),
        attribute_names=list(ranges_section["attributes"]),
        subcategory_names=list(ranges_section["subcategories"]) if multi else None,
        attribute_range=_range_lists(ranges_section, "attribute_range" if multi else "range"),
        subcategory_range=_range_lists(ranges_section, "subcategory_range") if multi else None,
    )


def label_frequency(bench: Benchmark) -> dict:
    """Share of samples carrying each label (train frequencies feed the label-frequency baseline):
    {"samples": N, "category": float64 [K], "attributes": [P], "subcategories": [M] | None}."""
    def share(targets):
        if targets is None:
            return None
        return targets.mean(axis=0, dtype=np.float64) if len(targets) else np.zeros(targets.shape[1])
    return {"samples": len(bench), "category": share(bench.category), "attributes": share(bench.attributes),
            "subcategories": share(bench.subcategories)}
