"""`fashion ranges` and `fashion images` sub-commands."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from fashion.data.errors import DataError
from fashion.io import write_json


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1


def run_ranges(args: argparse.Namespace) -> int:
    from fashion.data.instagram import InstagramVocab
    from fashion.data.ranges import build_ranges
    from fashion.ontology import OntologyError, load_ontology

    try:
        vocab = InstagramVocab.from_ontology(load_ontology(args.ontology)) if args.instagram else None
        ranges = build_ranges(args.deepfashion, vocab, args.truth, args.instagram_source, args.seed,
                              args.val_share)
    except (DataError, OntologyError, ValueError) as exc:
        return _fail(exc)
    write_json(args.out, ranges)
    for dataset, section in ranges.items():
        sizes = {k: len(section[k]) for k in ("categories", "subcategories", "attributes") if k in section}
        print(f"{dataset}: {sizes}")
    return 0


def run_images(args: argparse.Namespace) -> int:
    from fashion.data.images import ImageSettings, build_deepfashion_images, build_instagram_images, read_posts
    from fashion.data.instagram import attribute_groups, read_truth

    try:
        settings = ImageSettings(args.image_size, args.crop_bbox, args.max_pixels, args.workers)
        instagram = dataclasses.replace(settings, center_width=args.instagram_center_width)
        ranges = json.loads(Path(args.ranges).read_text(encoding="utf-8"))
        for dataset in args.dataset:
            if dataset not in ranges:
                raise DataError(args.ranges, dataset, "section missing (run `fashion ranges` for it)")
            started = time.perf_counter()
            out_dir = Path(args.out) / dataset
            if dataset == "deepfashion":
                summary = build_deepfashion_images(args.deepfashion, ranges[dataset], out_dir, settings)
            else:
                section = ranges[dataset]
                truth = read_truth(args.truth, attribute_groups(section["attributes"])) if args.truth else None
                summary = build_instagram_images(read_posts(args.posts), truth, section, out_dir, instagram,
                                                 args.seed, args.val_share, str(args.posts), str(args.truth))
            print(f"{dataset}: {summary['images']} images {summary['splits']}, excluded {summary['excluded']} "
                  f"({time.perf_counter() - started:.1f}s)")
    except (DataError, OSError, ValueError) as exc:
        return _fail(exc)
    return 0


def register(subparsers) -> None:
    ranges = subparsers.add_parser("ranges", help="label vocabularies and per-category ranges (ranges.json)")
    ranges.add_argument("--deepfashion", type=Path, help="DeepFashion root (Anno/, Eval/, img/)")
    ranges.add_argument("--instagram", action=argparse.BooleanOptionalAction, default=True,
                        help="write the Instagram section (default on)")
    ranges.add_argument("--ontology", type=Path, default=Path("ontology"))
    ranges.add_argument("--truth", type=Path, help="truth.parquet from ingest")
    ranges.add_argument("--instagram-source", choices=("truth", "ontology"), default="truth")
    ranges.add_argument("--seed", type=int, default=7, help="Instagram split seed")
    ranges.add_argument("--val-share", type=float, default=0.2)
    ranges.add_argument("--out", type=Path, default=Path("data/processed/ranges.json"))
    ranges.set_defaults(func=run_ranges)

    images = subparsers.add_parser("images", help="decode + resize images into images.npy and index.parquet")
    images.add_argument("--dataset", nargs="+", choices=("deepfashion", "instagram"),
                        default=["deepfashion", "instagram"])
    images.add_argument("--ranges", type=Path, default=Path("data/processed/ranges.json"))
    images.add_argument("--deepfashion", type=Path, default=Path("data/raw/deepfashion"))
    images.add_argument("--posts", type=Path, default=Path("data/interim/ingest/posts.parquet"))
    images.add_argument("--truth", type=Path, help="truth.parquet (Instagram labels); omit for unlabelled posts")
    images.add_argument("--instagram-center-width", type=float, default=0.5,
                        help="Instagram: central share of the width kept (params images.instagram_center_width)")
    images.add_argument("--out", type=Path, default=Path("data/processed/images"))
    images.add_argument("--image-size", type=int, default=32)
    images.add_argument("--crop-bbox", action=argparse.BooleanOptionalAction, default=True)
    images.add_argument("--max-pixels", type=int, default=40_000_000)
    images.add_argument("--workers", type=int, default=1, help="decoder processes")
    images.add_argument("--seed", type=int, default=7, help="Instagram split seed (same as ranges)")
    images.add_argument("--val-share", type=float, default=0.2)
    images.set_defaults(func=run_images)
