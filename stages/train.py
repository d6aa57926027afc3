"""DVC stage `train_<dataset>_<head kind>`: one (dataset, backbone, head) run.

    python -m stages.train --dataset deepfashion --backbone vgg16 --head pruning

Reads params.yaml (seed, alpha, beta, labels, hints.*, train.*, images.image_size) and
data/processed/{ranges.json, images/<dataset>/, annotations.parquet}; writes
models/<dataset>/<backbone>-<head>/{model.pt, model.json} (resume state of a killed run:
checkpoints/<dataset>/<backbone>-<head>/checkpoint.pt, not a DVC output),
metrics/<dataset>/<backbone>-<head>.json, metrics/<dataset>/per_class/<backbone>-<head>.json and
dvclive/<dataset>/<backbone>-<head>/. Also runs under torchrun (DDP; rank 0 writes).
"""
from __future__ import annotations

import argparse
import logging
import sys

from fashion import choices
from fashion.params import load_params
from fashion.train.config import TrainError
from fashion.train.stage import run_stage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, choices=choices.DATASETS)
    parser.add_argument("--backbone", required=True, choices=choices.BACKBONES)
    parser.add_argument("--head", required=True, choices=choices.HEADS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    params = load_params()
    try:
        run_stage(params, args.dataset, args.backbone, args.head)
    except (TrainError, ValueError, OSError) as error:  # OSError: missing pretrained weights, unreadable inputs
        print(f"stages/train.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
