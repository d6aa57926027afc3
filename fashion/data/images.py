"""Compact image arrays per dataset: images.npy uint8 [N, H, W, 3] + index.parquet + summary.json.

Rows are ordered train, val, then test (source order within a split), so each split is one
contiguous slice of the memory-mapped array. Images that cannot be used are left out of the
array and listed with a reason in summary.json; they never stop the stage.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from fashion.data.decode import DecodeJob, decode_job, safe_join
from fashion.data.deepfashion import load_deepfashion
from fashion.data.errors import DataError
from fashion.data.instagram import post_labels, read_ingest_table, truth_item_labels
from fashion.data.layout import IMAGES_FILE, INDEX_FILE, SUMMARY_FILE
from fashion.data.split import SPLITS, post_split
from fashion.data.subset import stratified_subset
from fashion.io import atomic_path, write_json, write_parquet

PARALLEL_MIN_JOBS = 256   # below this, starting decoder processes costs more than it saves
COPY_CHUNK = 4096         # rows copied at a time when compacting the array


@dataclass(frozen=True)
class ImageSettings:
    image_size: int = 32
    crop_bbox: bool = True
    max_pixels: int = 40_000_000
    workers: int = 1  # >1: a spawned pool (~several s to start); worth it only with idle cores
    center_width: float = 1.0  # images without a bbox keep this share of their width around the centre

    def __post_init__(self) -> None:
        if not 0.0 < self.center_width <= 1.0:
            raise ValueError(f"center_width must be in (0, 1], got {self.center_width!r}")


@dataclass
class Candidate:
    """One would-be row: where its pixels come from and what it is labelled with."""
    image: str                       # name written to the index (relative path)
    path: str                        # file to decode
    split: str
    categories: list[int]
    attributes: list[int]
    subcategories: list[int] | None = None
    bbox: tuple[int, int, int, int] | None = None
    extra: dict = field(default_factory=dict)  # dataset-specific index columns (post_id, annotated)


def _main_is_importable() -> bool:
    """Spawned workers re-import __main__; from stdin or a REPL that fails, so decode serially then."""
    main = sys.modules.get("__main__")
    if getattr(main, "__spec__", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return bool(path) and os.path.isfile(path)


def _decoded(jobs: list[DecodeJob], settings: ImageSettings, desc: str) -> Iterator[tuple]:
    tasks = ((job, settings.image_size, settings.max_pixels) for job in jobs)
    if settings.workers > 1 and len(jobs) >= PARALLEL_MIN_JOBS and _main_is_importable():
        # spawn, not fork: the parent holds pyarrow threads, which fork can deadlock.
        with multiprocessing.get_context("spawn").Pool(settings.workers) as pool:
            yield from tqdm(pool.imap(decode_job, tasks, chunksize=32), total=len(jobs), desc=desc)
    else:
        yield from tqdm(map(decode_job, tasks), total=len(jobs), desc=desc)


def _save_empty(target: Path, size: int) -> None:
    with open(target, "wb") as fh:  # an empty memmap cannot be created
        np.save(fh, np.zeros((0, size, size, 3), dtype=np.uint8))


def write_image_array(jobs: list[DecodeJob], target: str | os.PathLike, settings: ImageSettings,
                      desc: str = "images") -> tuple[list[int], list[tuple[int, str, str]]]:
    """Decode jobs into target (uint8 [kept, S, S, 3]); -> (kept job positions, [(position, reason, detail)]).

    Pixels stream into a disk-backed scratch array (never all in memory); when some images fail
    the good rows are copied, in chunks, into a right-sized final array.
    """
    size = settings.image_size
    kept: list[int] = []
    failed: list[tuple[int, str, str]] = []
    with atomic_path(target, suffix=".npy") as final_tmp:
        if not jobs:
            _save_empty(final_tmp, size)
            return kept, failed
        scratch_path = final_tmp.with_name(final_tmp.name + ".scratch.npy")
        try:
            scratch = np.lib.format.open_memmap(scratch_path, mode="w+", dtype=np.uint8,
                                                shape=(len(jobs), size, size, 3))
            for position, (pixels, reason, detail) in enumerate(_decoded(jobs, settings, desc)):
                if pixels is None:
                    failed.append((position, reason, detail))
                else:
                    scratch[len(kept)] = pixels
                    kept.append(position)
            scratch.flush()
            if len(kept) == len(jobs):
                del scratch
                os.replace(scratch_path, final_tmp)
            elif not kept:
                del scratch
                _save_empty(final_tmp, size)
            else:
                final = np.lib.format.open_memmap(final_tmp, mode="w+", dtype=np.uint8,
                                                  shape=(len(kept), size, size, 3))
                for start in range(0, len(kept), COPY_CHUNK):
                    stop = min(start + COPY_CHUNK, len(kept))
                    final[start:stop] = scratch[start:stop]
                final.flush()
                del final, scratch
        finally:
            scratch_path.unlink(missing_ok=True)
    return kept, failed


def _int_lists(values: Iterable) -> pa.Array:
    return pa.array([None if v is None else [int(i) for i in v] for v in values], type=pa.list_(pa.int32()))


def _write_outputs(dataset: str, candidates: list[Candidate], out_dir: Path, settings: ImageSettings,
                   excluded: list[dict], extra_summary: dict, extra_types: dict[str, pa.DataType],
                   exif_transpose: bool = False) -> dict:
    """Order train, val, test, decode, write images.npy / index.parquet / summary.json."""
    ordered = [c for split in SPLITS for c in candidates if c.split == split]
    jobs = [DecodeJob(c.path, c.bbox if settings.crop_bbox else None, settings.center_width, exif_transpose)
            for c in ordered]
    kept, failed = write_image_array(jobs, out_dir / IMAGES_FILE, settings, desc=f"{dataset} images")
    rows = [ordered[i] for i in kept]
    for position, reason, detail in failed:
        excluded.append({"image": ordered[position].image, "reason": reason, "detail": detail,
                         **ordered[position].extra})

    columns = {
        "row": pa.array(range(len(rows)), type=pa.int64()),
        "image": pa.array([c.image for c in rows], type=pa.string()),
        "split": pa.array([c.split for c in rows], type=pa.string()),
        "categories": _int_lists(c.categories for c in rows),
        "subcategories": _int_lists(c.subcategories for c in rows),
        "attributes": _int_lists(c.attributes for c in rows),
    }
    for key, kind in extra_types.items():
        columns[key] = pa.array([c.extra[key] for c in rows], type=kind)
    write_parquet(out_dir / INDEX_FILE, pa.table(columns))

    summary = {
        "dataset": dataset,
        "image_size": settings.image_size,
        "crop_bbox": settings.crop_bbox,
        "center_width": settings.center_width,
        "exif_transpose": exif_transpose,
        "images": len(rows),
        "splits": dict(Counter(c.split for c in rows)),
        "excluded": dict(sorted(Counter(e["reason"] for e in excluded).items())),
        "excluded_items": excluded,
        **extra_summary,
    }
    if "annotated" in extra_types:
        summary["annotated_images"] = sum(bool(c.extra["annotated"]) for c in rows)
    write_json(out_dir / SUMMARY_FILE, summary)
    return summary


def build_deepfashion_images(root: str | os.PathLike, ranges_section: dict, out_dir: str | os.PathLike,
                             settings: ImageSettings, limit: int = 0, seed: int = 7) -> dict:
    """DeepFashion split from its partition file: train, val and test kept apart.
    `limit` > 0 keeps that many images, drawn by `seed` stratified by split and category
    (fashion.data.subset); the summary's "subset" says how many of how many.
    Pixels are used as stored (no EXIF rotation): the bboxes are in stored-pixel coordinates.

    Labels are indices into ranges.json's DeepFashion vocabularies; positive attributes outside
    that vocabulary (never seen in training) are dropped and counted. -> summary dict.
    """
    root, out_dir = Path(root), Path(out_dir)
    data = load_deepfashion(root, with_bbox=settings.crop_bbox)
    category_index = {name: i for i, name in enumerate(ranges_section["categories"])}
    attribute_index = {name: i for i, name in enumerate(ranges_section["attributes"])}
    excluded = [{"image": image, "reason": reason, "detail": ""}
                for reason, images in data.skipped.items() for image in images]
    candidates: list[Candidate] = []
    dropped_attribute_labels = no_bbox = 0
    records = stratified_subset(data.records, limit, seed)
    for record in records:
        name = data.categories[record.category].name
        if name not in category_index:
            raise DataError(root, record.image, f"category {name!r} is not in ranges.json (rebuild ranges)")
        attribute_names = [data.attributes[a].name for a in record.attributes]
        attributes = [attribute_index[a] for a in attribute_names if a in attribute_index]
        dropped_attribute_labels += len(attribute_names) - len(attributes)
        path = safe_join(root, record.image)
        if path is None:
            excluded.append({"image": record.image, "reason": "unsafe_path", "detail": ""})
            continue
        if settings.crop_bbox and record.bbox is None:
            no_bbox += 1
        candidates.append(Candidate(record.image, str(path), record.split, [category_index[name]],
                                    sorted(attributes), None, record.bbox))
    extra = {"attribute_labels_outside_vocabulary": dropped_attribute_labels,
             "uncropped_without_bbox": no_bbox,
             "subset": {"limit": limit, "seed": seed, "kept": len(records), "of": len(data.records)}}
    return _write_outputs("deepfashion", candidates, out_dir, settings, excluded, extra, {})


def read_posts(path: str | os.PathLike) -> pd.DataFrame:
    """post_id, media and dump_root columns of posts.parquet (contract columns checked).

    dump_root is the ingest PATH a post came from; its media paths are relative to it.
    """
    path = Path(path)
    posts = read_ingest_table(path)
    missing = [c for c in ("post_id", "media") if c not in posts.columns]
    if missing:
        raise DataError(path, "columns", f"missing {missing}")
    if "dump_root" not in posts.columns:
        raise DataError(path, "columns", "no dump_root column: this posts.parquet predates it "
                                         "(media paths need their dump root); rerun the ingest stage")
    for post_id, root in zip(posts["post_id"], posts["dump_root"]):
        if not isinstance(root, str) or not root:
            raise DataError(path, f"post {post_id}", f"dump_root must be a non-empty string, got {root!r}")
    return posts[["post_id", "media", "dump_root"]].assign(post_id=posts["post_id"].astype(str))


def _stem(path: str) -> str:
    return str(PurePosixPath(path).with_suffix(""))


def first_image_media(media) -> tuple[str | None, str]:
    """(relative path of the post's first image media, "") or (None, reason).

    Instaloader saves a video's thumbnail beside it under the same name (x.jpg + x.mp4); such a
    thumbnail is not a photo, so a post whose only images are thumbnails is a "video" post.
    """
    entries = [] if media is None else list(media)
    video_stems = {_stem(e["path"]) for e in entries if e.get("type") == "video" and e.get("path")}
    for entry in entries:
        path = entry.get("path")
        if entry.get("type") == "image" and path and _stem(path) not in video_stems:
            return str(path), ""
    return None, "video" if video_stems else "no_image_media"


def build_instagram_images(posts: pd.DataFrame, truth: pd.DataFrame | None, ranges_section: dict,
                           out_dir: str | os.PathLike, settings: ImageSettings, seed: int, val_share: float,
                           posts_name: str = "posts.parquet", truth_name: str = "truth.parquet") -> dict:
    """One image per post: its first image media, a path relative to the post's `dump_root`
    (itself relative to the working directory unless absolute), decoded as displayed (EXIF
    Orientation applied: phone photos are often stored sideways).

    Split by fashion.data.split.post_split(post id, seed, val_share) (the ranges stage's split); truth labels (indices into ranges.json's
    Instagram vocabularies) with `annotated` False for posts without truth items. -> summary dict.
    """
    out_dir = Path(out_dir)
    if posts["post_id"].duplicated().any():
        duplicate = posts.loc[posts["post_id"].duplicated(), "post_id"].iloc[0]
        raise DataError(posts_name, f"post {duplicate}", "duplicate post_id")
    labels: dict = {}
    if truth is not None:
        items = truth_item_labels(truth, ranges_section["categories"], ranges_section["subcategories"],
                                  ranges_section["attributes"], truth_name)
        labels = post_labels(items)
    excluded: list[dict] = []
    candidates: list[Candidate] = []
    for post in posts.sort_values("post_id", kind="stable").itertuples(index=False):
        post_id = str(post.post_id)
        relative, reason = first_image_media(post.media)
        path = safe_join(post.dump_root, relative) if relative else None
        if relative and path is None:
            reason = "unsafe_path"
        if path is None:
            excluded.append({"image": relative or "", "reason": reason, "detail": "", "post_id": post_id})
            continue
        cats, subs, attrs = labels.get(post_id, ([], [], []))
        candidates.append(Candidate(relative, str(path), post_split(post_id, seed, val_share), cats, attrs,
                                    subs, None, {"post_id": post_id, "annotated": post_id in labels}))
    known = set(posts["post_id"].astype(str))
    extra = {"truth_posts_without_post": sorted(p for p in labels if p not in known)}
    return _write_outputs("instagram", candidates, out_dir, settings, excluded, extra,
                          {"post_id": pa.string(), "annotated": pa.bool_()}, exif_transpose=True)
