"""`fashion demo-data --out data/raw --seed N --accounts N --posts N --deepfashion-images N --image-size N ...`."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time


FIELDS = ("seed", "accounts", "posts", "deepfashion_images", "image_size", "video_rate", "carousel_rate",
          "unnamed_item_rate", "phantom_item_rate", "comments_mean", "no_outfit_rate", "everyday_rate",
          "negation_rate", "brand_name_rate")


def register(subparsers) -> None:
    from fashion.params import add_params_flag

    parser = subparsers.add_parser(
        "demo-data", help="generate the demo world (Instagram dump + DeepFashion set)",
        description="Writes OUT/instagram (Instaloader layout + annotations.json), OUT/deepfashion "
                    "(benchmark formats) and OUT/demo_manifest.json. Same arguments -> identical files. "
                    "Settings not given as flags come from the params file's `demo` section.")
    parser.add_argument("--out", required=True, help="output folder (e.g. data/raw)")
    add_params_flag(parser)
    helps = {"image_size": "side of the JPEGs in pixels", "unnamed_item_rate": "share of pictured items the text never names",
             "phantom_item_rate": "named-but-not-pictured items per pictured item",
             "no_outfit_rate": "share of posts without an outfit (food, travel, hair)",
             "everyday_rate": "share of texts with everyday words that are brand or item names",
             "negation_rate": "share of captions negating a garment not in the picture",
             "brand_name_rate": "per branded item: named by display name or in a where-from reply"}
    for name in FIELDS:
        kind = int if name in ("seed", "accounts", "posts", "deepfashion_images", "image_size") else float
        parser.add_argument("--" + name.replace("_", "-"), type=kind,
                            help=f"{helps.get(name, name.replace('_', ' '))} (params: demo.{name})")
    parser.add_argument("--ontology", default="ontology", help="ontology folder")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fashion.demo.generate import DemoConfig, generate_demo
    from fashion.ontology import OntologyError, load_ontology
    from fashion.params import load_optional

    params = load_optional(args.params)
    try:
        config = DemoConfig.from_params(params["demo"]) if params is not None else DemoConfig()
        config = dataclasses.replace(config, **{name: getattr(args, name) for name in FIELDS
                                                if getattr(args, name) is not None})
        config.validate()
        ontology = load_ontology(args.ontology)
        started = time.perf_counter()
        manifest = generate_demo(config, args.out, ontology, progress=not args.no_progress)
    except (ValueError, OntologyError) as exc:
        print(f"fashion demo-data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"fashion demo-data: cannot write {args.out}: {exc.strerror or exc} ({exc.filename or args.out})",
              file=sys.stderr)
        return 1
    ig, df = manifest["counts"]["instagram"], manifest["counts"]["deepfashion"]
    print(f"demo-data: {ig['posts']} posts ({ig['images']} images, {ig['comments']} comments), "
          f"{df['images']} DeepFashion images -> {args.out} in {time.perf_counter() - started:.1f}s")
    return 0
