"""The data steps as the DVC stages run them, shared with `fashion ranges` / `fashion images`:
settings from params.yaml (`from_params`; the dataclass defaults equal the committed
params.yaml, which a test holds), then one call that reads, builds and writes."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from fashion.data.errors import DataError
from fashion.data.images import ImageSettings, build_deepfashion_images, build_instagram_images, read_posts
from fashion.data.instagram import InstagramVocab, attribute_groups, read_truth
from fashion.data.ranges import build_ranges
from fashion.io import JsonFileError, read_json_object, write_json
from fashion.ontology import load_ontology
from fashion.params import value

DEEPFASHION = Path("data/raw/deepfashion")
TRUTH = Path("data/interim/ingest/truth.parquet")
POSTS = Path("data/interim/ingest/posts.parquet")  # media paths relative to each post's dump_root
RANGES = Path("data/processed/ranges.json")
IMAGES = Path("data/processed/images")


@dataclass(frozen=True)
class RangesConfig:
    instagram_source: str = "truth"   # params ranges.instagram_source
    seed: int = 7                     # params seed (the Instagram split)
    val_share: float = 0.2            # params images.val_share

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "RangesConfig":
        return cls(str(value(params, "ranges.instagram_source")), int(value(params, "seed")),
                   float(value(params, "images.val_share")))


@dataclass(frozen=True)
class ImagesConfig:
    image_size: int = 32              # params images.*
    crop_bbox: bool = True
    instagram_center_width: float = 0.5
    val_share: float = 0.2
    max_image_pixels: int = 40_000_000
    workers: int = 1
    deepfashion_limit: int = 0        # 0 = every partitioned DeepFashion image
    seed: int = 7                     # params seed (the Instagram split, as in ranges; the DeepFashion subset)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "ImagesConfig":
        images = {f.name: value(params, f"images.{f.name}") for f in dataclasses.fields(cls) if f.name != "seed"}
        return cls(seed=int(value(params, "seed")), **images)

    def settings(self, dataset: str) -> ImageSettings:
        base = ImageSettings(int(self.image_size), bool(self.crop_bbox), int(self.max_image_pixels), int(self.workers))
        if dataset == "instagram":
            return dataclasses.replace(base, center_width=float(self.instagram_center_width))
        return base


def existing(path: Path) -> Path | None:
    """The stages read truth.parquet when ingest wrote one (a dump without annotations has none)."""
    return path if path.is_file() else None


def run_ranges(config: RangesConfig, deepfashion: Path | None = DEEPFASHION, truth: Path | None = None,
               out: Path = RANGES, ontology_root: str | Path | None = "ontology") -> dict:
    """ranges.json for DeepFashion (`deepfashion` root) and/or Instagram (`ontology_root`, with
    `truth` if given) -> `out`. Returns its content."""
    vocab = InstagramVocab.from_ontology(load_ontology(ontology_root)) if ontology_root is not None else None
    ranges = build_ranges(deepfashion, vocab, truth, config.instagram_source, config.seed, config.val_share)
    write_json(out, ranges)
    return ranges


def read_ranges_file(path: Path) -> dict:
    """ranges.json as a mapping of datasets; a missing or damaged file is a DataError naming it."""
    try:
        return read_json_object(path, "run the ranges stage first")
    except JsonFileError as error:
        raise DataError(path, "file", error.reason) from None


def run_images(config: ImagesConfig, datasets: tuple[str, ...] = ("deepfashion", "instagram"),
               ranges_file: Path = RANGES, deepfashion: Path = DEEPFASHION, posts: Path = POSTS,
               truth: Path | None = None, out: Path = IMAGES,
               report: Callable[[str], None] = print) -> dict[str, dict]:
    """images/<dataset>/ for each dataset; returns the summaries. A dataset without a usable image
    is a DataError naming its summary."""
    ranges = read_ranges_file(ranges_file)
    summaries = {}
    for dataset in datasets:
        if dataset not in ranges:
            raise DataError(ranges_file, dataset, "section missing (rerun the ranges stage)")
        started = time.perf_counter()
        out_dir = Path(out) / dataset
        if dataset == "deepfashion":
            summary = build_deepfashion_images(deepfashion, ranges[dataset], out_dir, config.settings(dataset),
                                               int(config.deepfashion_limit), config.seed)
        else:
            section = ranges[dataset]
            truth_frame = read_truth(truth, attribute_groups(section["attributes"])) if truth is not None else None
            summary = build_instagram_images(read_posts(posts), truth_frame, section, out_dir,
                                             config.settings(dataset), config.seed, config.val_share,
                                             str(posts), str(truth))
        if summary["images"] == 0:
            raise DataError(out_dir / "summary.json", dataset, "no usable image (see the summary's exclusions)")
        report(f"{dataset}: {summary['images']} images {summary['splits']}, excluded {summary['excluded']} "
               f"in {time.perf_counter() - started:.1f}s")
        summaries[dataset] = summary
    return summaries
