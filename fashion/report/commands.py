"""`fashion report`: write reports/paper.md and its figures from metrics/ and dvclive/."""
from __future__ import annotations

import argparse
import sys

from fashion.report.build import ReportConfig, build_report


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write the paper-reproduction report (markdown + PNG figures)",
        description="Read metrics/*.json and dvclive logs; write OUT/paper.md and OUT/figures/*.png. "
                    "Missing runs are reported as n/a, never as errors.")
    parser.add_argument("--metrics", default="metrics", help="metrics folder (default: metrics)")
    parser.add_argument("--dvclive", default="dvclive", help="dvclive log folder (default: dvclive)")
    parser.add_argument("--out", default="reports", help="output folder (default: reports)")
    parser.add_argument("--vgg-backbone", default="vgg16", help="backbone of the *16 models (default: vgg16)")
    parser.add_argument("--resnet-backbone", default="resnet18",
                        help="backbone of the *Res models (default: resnet18)")
    parser.add_argument("--tolerance-pp", type=float, default=1.0,
                        help="C2 band: layers ≈ pruning if |Δ| ≤ this many percentage points (default: 1)")
    parser.add_argument("--per-class-sample", type=int, default=15,
                        help="subcategories/attributes shown in the per-class tables (default: 15)")
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    try:
        config = ReportConfig(args.vgg_backbone, args.resnet_backbone, args.tolerance_pp, args.per_class_sample)
    except ValueError as exc:
        print(f"fashion report: {exc}", file=sys.stderr)
        return 2
    result = build_report(args.metrics, args.dvclive, args.out, config)
    verdicts = ", ".join(f"{c.code} {c.verdicts['paper'].status}/{c.verdicts['leakage_free'].status}"
                         for c in result.claims)
    print(f"wrote {result.markdown} and {len(result.figures)} figures; claims (paper/leakage_free): {verdicts}")
    if result.problems:
        print(f"{len(result.problems)} inputs missing or unusable (listed at the end of the report)", file=sys.stderr)
    return 0
