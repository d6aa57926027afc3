"""`fashion ingest PATH... --out DIR [--max-image-pixels N] [--metrics FILE] [--strict]`."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from fashion.params import add_params_flag


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="read scrape dumps into posts/comments/rejects/truth Parquet",
        description="Auto-detects per file: Instaloader profile folders (or folders of them), "
                    "instagram-scraper and Apify JSON exports, annotations.json. Bad input becomes "
                    "rows of rejects.parquet; it never stops the run.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="dump folder or file")
    parser.add_argument("--out", required=True, help="output folder (posts.parquet, comments.parquet, ...)")
    parser.add_argument("--max-image-pixels", type=int,
                        help="images with more pixels are rejected as decompression bombs (params: ingest.max_image_pixels)")
    parser.add_argument("--metrics", help="also write the metrics JSON here")
    parser.add_argument("--ontology", default="ontology", help="ontology folder, for annotation exports")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a PATH gives no post (always warned about on stderr)")
    add_params_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fashion.ingest import IngestConfig
    from fashion.ingest.stage import config_from_params, run_ingest
    from fashion.ontology import OntologyError
    from fashion.params import load_optional

    if args.max_image_pixels is not None and args.max_image_pixels <= 0:
        print("fashion ingest: --max-image-pixels must be positive", file=sys.stderr)
        return 2
    params = load_optional(args.params)
    settings = {"ontology_root": args.ontology, "progress": not args.no_progress}
    config = config_from_params(params, **settings) if params is not None else IngestConfig(**settings)
    if args.max_image_pixels is not None:
        config = dataclasses.replace(config, max_image_pixels=args.max_image_pixels)
    try:
        done = run_ingest(args.paths, args.out, config, args.metrics, args.strict,
                          warn=lambda line: print(f"fashion ingest: {line}", file=sys.stderr))
    except OntologyError as exc:
        print(f"fashion ingest: ontology: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({k: done.metrics[k] for k in ("records_in", "posts", "rejected_posts", "comments",
                                                   "duplicates", "rejects", "truth_items")}))
    return done.exit_code
