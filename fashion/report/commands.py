"""`fashion report`: write reports/paper.md and its figures from metrics/ and dvclive/."""
from __future__ import annotations

import argparse
import dataclasses
import sys

from fashion.params import add_params_flag, load_optional


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write the paper-reproduction report (markdown + PNG figures)",
        description="Read metrics/*.json and dvclive logs; write OUT/paper.md and OUT/figures/*.png. "
                    "Missing runs are reported as n/a, never as errors.")
    parser.add_argument("--metrics", default="metrics", help="metrics folder (default: metrics)")
    parser.add_argument("--dvclive", default="dvclive", help="dvclive log folder (default: dvclive)")
    parser.add_argument("--out", default="reports", help="output folder (default: reports)")
    parser.add_argument("--vgg-backbone", help="backbone of the *16 models (params: report.vgg_backbone)")
    parser.add_argument("--resnet-backbone", help="backbone of the *Res models (params: report.resnet_backbone)")
    parser.add_argument("--tolerance-pp", type=float,
                        help="C2 band: layers ≈ pruning if |Δ| ≤ this many percentage points (params: report.tolerance_pp)")
    parser.add_argument("--per-class-sample", type=int,
                        help="subcategories/attributes shown in the per-class tables (params: report.per_class_sample)")
    add_params_flag(parser)
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from fashion.report.build import ReportConfig, build_report  # matplotlib: only when the command runs

    params = load_optional(args.params)
    try:
        config = ReportConfig.from_params(params) if params is not None else ReportConfig()
        given = {name: getattr(args, name) for name in ("vgg_backbone", "resnet_backbone", "tolerance_pp",
                                                        "per_class_sample") if getattr(args, name) is not None}
        config = dataclasses.replace(config, **given)
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
