"""DVC stage `images`: decode, crop, resize -> data/processed/images/<dataset>/{images.npy,index.parquet,summary.json}."""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from fashion.data.errors import DataError
from fashion.data.images import ImageSettings, build_deepfashion_images, build_instagram_images, read_posts
from fashion.data.instagram import attribute_groups, read_truth
from fashion.params import load_params, section

RANGES = Path("data/processed/ranges.json")
DEEPFASHION = Path("data/raw/deepfashion")
POSTS = Path("data/interim/ingest/posts.parquet")  # media paths relative to each post's dump_root
TRUTH = Path("data/interim/ingest/truth.parquet")
OUT = Path("data/processed/images")


def main() -> None:
    params = load_params()
    cfg = section(params, "images")
    source = RANGES  # the input being read, named when an error does not name its file
    try:
        settings = ImageSettings(int(cfg["image_size"]), bool(cfg["crop_bbox"]), int(cfg["max_image_pixels"]),
                                 int(cfg["workers"]))
        instagram = dataclasses.replace(settings, center_width=float(cfg["instagram_center_width"]))
        if not RANGES.is_file():
            raise SystemExit(f"images: {RANGES} not found (run the ranges stage first)")
        ranges = json.loads(RANGES.read_text(encoding="utf-8"))
        for dataset in ("deepfashion", "instagram"):
            if dataset not in ranges:
                raise SystemExit(f"images: {RANGES} has no {dataset} section (rerun the ranges stage)")
            started = time.perf_counter()
            if dataset == "deepfashion":
                source = DEEPFASHION
                summary = build_deepfashion_images(DEEPFASHION, ranges[dataset], OUT / dataset, settings)
            else:
                source = POSTS
                truth = read_truth(TRUTH, attribute_groups(ranges[dataset]["attributes"])) if TRUTH.is_file() else None
                summary = build_instagram_images(read_posts(POSTS), truth, ranges[dataset], OUT / dataset, instagram,
                                                 int(params["seed"]), float(cfg["val_share"]), str(POSTS), str(TRUTH))
            if summary["images"] == 0:
                raise SystemExit(f"images: no usable {dataset} image (see {OUT / dataset / 'summary.json'})")
            print(f"{dataset}: {summary['images']} images {summary['splits']}, excluded {summary['excluded']} "
                  f"in {time.perf_counter() - started:.1f}s")
    except DataError as exc:
        raise SystemExit(f"images: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"images: {exc.filename or source}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SystemExit(f"images: {source}: {exc}") from None


if __name__ == "__main__":
    main()
