"""`fashion ingest PATH... --out DIR [--max-image-pixels N] [--metrics FILE] [--strict]`."""
from __future__ import annotations

import argparse
import json
import sys

from fashion.io import write_json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="read scrape dumps into posts/comments/rejects/truth Parquet",
        description="Auto-detects per file: Instaloader profile folders (or folders of them), "
                    "instagram-scraper and Apify JSON exports, annotations.json. Bad input becomes "
                    "rows of rejects.parquet; it never stops the run.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="dump folder or file")
    parser.add_argument("--out", required=True, help="output folder (posts.parquet, comments.parquet, ...)")
    parser.add_argument("--max-image-pixels", type=int, default=40_000_000,
                        help="images with more pixels are rejected as decompression bombs (default 40000000)")
    parser.add_argument("--metrics", help="also write the metrics JSON here")
    parser.add_argument("--ontology", default="ontology", help="ontology folder, for annotation exports")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a PATH gives no post (always warned about on stderr)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fashion.ingest import IngestConfig, ingest, no_post_warnings
    from fashion.ontology import OntologyError

    if args.max_image_pixels <= 0:
        print("fashion ingest: --max-image-pixels must be positive", file=sys.stderr)
        return 2
    config = IngestConfig(max_image_pixels=args.max_image_pixels, ontology_root=args.ontology,
                          progress=not args.no_progress)
    try:
        metrics = ingest(args.paths, args.out, config)
    except OntologyError as exc:
        print(f"fashion ingest: ontology: {exc}", file=sys.stderr)
        return 1
    if args.metrics:
        write_json(args.metrics, metrics)
    print(json.dumps({k: metrics[k] for k in ("records_in", "posts", "rejected_posts", "comments",
                                              "duplicates", "rejects", "truth_items")}))
    warnings = no_post_warnings(metrics)
    for warning in warnings:
        print(f"fashion ingest: {warning}", file=sys.stderr)
    missing = metrics["rejects_by_reason"].get("path_not_found", 0)
    if missing:
        print(f"fashion ingest: {missing} PATH(s) not found (see rejects.parquet)", file=sys.stderr)
        return 1
    if warnings and args.strict:
        print(f"fashion ingest: --strict: {len(warnings)} PATH(s) gave no post", file=sys.stderr)
        return 1
    return 0
