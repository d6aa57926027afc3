"""`fashion ranges` and `fashion images`: the data stages' steps (fashion.data.stage) with
settings from `--params` (default params.yaml) and flags on top."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from fashion import choices
from fashion.params import add_params_flag


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1


def _config(cls, args: argparse.Namespace, flags: dict[str, str]):
    """cls from the params file (or its defaults), with each flag given on the command line on top."""
    from fashion.params import load_optional

    params = load_optional(args.params)
    config = cls.from_params(params) if params is not None else cls()
    given = {field: getattr(args, flag) for field, flag in flags.items() if getattr(args, flag) is not None}
    return dataclasses.replace(config, **given)


def run_ranges_command(args: argparse.Namespace) -> int:
    from fashion.data.errors import DataError
    from fashion.data.stage import RangesConfig, run_ranges
    from fashion.ontology import OntologyError

    try:
        config = _config(RangesConfig, args, {"instagram_source": "instagram_source", "seed": "seed",
                                               "val_share": "val_share"})
        ranges = run_ranges(config, args.deepfashion, args.truth, args.out,
                            args.ontology if args.instagram else None)
    except (DataError, OntologyError, ValueError, OSError) as exc:
        return _fail(exc)
    for dataset, section in ranges.items():
        sizes = {k: len(section[k]) for k in ("categories", "subcategories", "attributes") if k in section}
        print(f"{dataset}: {sizes}")
    return 0


def run_images_command(args: argparse.Namespace) -> int:
    from fashion.data.errors import DataError
    from fashion.data.stage import ImagesConfig, run_images

    try:
        config = _config(ImagesConfig, args, {
            "image_size": "image_size", "crop_bbox": "crop_bbox", "instagram_center_width": "instagram_center_width",
            "val_share": "val_share", "max_image_pixels": "max_pixels", "workers": "workers", "seed": "seed",
            "deepfashion_limit": "deepfashion_limit"})
        run_images(config, tuple(args.dataset), args.ranges, args.deepfashion, args.posts, args.truth, args.out)
    except (DataError, OSError, ValueError) as exc:
        return _fail(exc)
    return 0


def register(subparsers) -> None:
    ranges = subparsers.add_parser("ranges", help="label vocabularies and per-category ranges (ranges.json)")
    add_params_flag(ranges)
    ranges.add_argument("--deepfashion", type=Path, help="DeepFashion root (Anno/, Eval/, img/)")
    ranges.add_argument("--instagram", action=argparse.BooleanOptionalAction, default=True,
                        help="write the Instagram section (default on)")
    ranges.add_argument("--ontology", type=Path, default=Path("ontology"))
    ranges.add_argument("--truth", type=Path, help="truth.parquet from ingest")
    ranges.add_argument("--instagram-source", choices=choices.RANGE_SOURCES, help="params: ranges.instagram_source")
    ranges.add_argument("--seed", type=int, help="Instagram split seed (params: seed)")
    ranges.add_argument("--val-share", type=float, help="params: images.val_share")
    ranges.add_argument("--out", type=Path, default=Path("data/processed/ranges.json"))
    ranges.set_defaults(func=run_ranges_command)

    images = subparsers.add_parser("images", help="decode + resize images into images.npy and index.parquet")
    add_params_flag(images)
    images.add_argument("--dataset", nargs="+", choices=choices.DATASETS, default=list(choices.DATASETS))
    images.add_argument("--ranges", type=Path, default=Path("data/processed/ranges.json"))
    images.add_argument("--deepfashion", type=Path, default=Path("data/raw/deepfashion"))
    images.add_argument("--posts", type=Path, default=Path("data/interim/ingest/posts.parquet"))
    images.add_argument("--truth", type=Path, help="truth.parquet (Instagram labels); omit for unlabelled posts")
    images.add_argument("--instagram-center-width", type=float,
                        help="Instagram: central share of the width kept (params: images.instagram_center_width)")
    images.add_argument("--out", type=Path, default=Path("data/processed/images"))
    images.add_argument("--image-size", type=int, help="params: images.image_size")
    images.add_argument("--crop-bbox", action=argparse.BooleanOptionalAction, default=None,
                        help="params: images.crop_bbox")
    images.add_argument("--max-pixels", type=int, help="params: images.max_image_pixels")
    images.add_argument("--workers", type=int, help="decoder processes (params: images.workers)")
    images.add_argument("--seed", type=int, help="Instagram split seed, as in ranges; DeepFashion subset seed (params: seed)")
    images.add_argument("--deepfashion-limit", type=int,
                        help="DeepFashion images kept, stratified by split and category; 0 = all (params: images.deepfashion_limit)")
    images.add_argument("--val-share", type=float, help="params: images.val_share")
    images.set_defaults(func=run_images_command)
