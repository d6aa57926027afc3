"""DVC stage `bundle_<dataset>`: one training run -> models/bundles/<dataset>/<backbone>-<head>/
(model.pt + bundle.json, docs/contracts.md "Model bundles").

    python -m stages.bundle --dataset instagram --backbone resnet18 --head pruning

Reads models/<dataset>/<backbone>-<head>/, data/processed/ranges.json and
data/processed/images/<dataset>/summary.json (the image preprocessing the run trained on).
"""
from __future__ import annotations

import argparse
import sys

from fashion import choices
from fashion.predict.bundle import BundleError, bundle_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, choices=choices.DATASETS)
    parser.add_argument("--backbone", required=True, choices=choices.BACKBONES)
    parser.add_argument("--head", required=True, choices=choices.HEADS)
    args = parser.parse_args(argv)
    try:
        out = bundle_run(args.dataset, f"{args.backbone}-{args.head}")
    except BundleError as error:
        print(f"stages/bundle.py: error: {error}", file=sys.stderr)
        return 1
    print(f"bundle: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
