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

from fashion.params import load_params, section
from fashion.train import RunPaths, TrainConfig, TrainError, load_inputs, run
from fashion.train_commands import FLAGS

PROCESSED = "data/processed"


def config_from_params(params: dict, dataset: str, backbone: str, head: str) -> TrainConfig:
    train, hints = section(params, "train"), section(params, "hints")
    try:
        return TrainConfig(
            dataset=dataset, backbone=backbone, head=head,
            epochs=int(train["epochs"]), batch_size=int(train["batch_size"]), lr=float(train["lr"]),
            momentum=float(train["momentum"]), weight_decay=float(train["weight_decay"]),
            fc_width=int(train["fc_width"]), loss=str(train["loss"]), normalization=str(train["normalization"]),
            loss_reduction=str(train["loss_reduction"]), schedule=str(train["schedule"]),
            warmup_epochs=float(train["warmup_epochs"]), prior_bias=bool(train["prior_bias"]),
            augment=str(train["augment"]), amp=bool(train["amp"]),
            pretrained=bool(train["pretrained"]), device=str(train["device"]),
            alpha=float(params["alpha"]), beta=float(params["beta"]), seed=int(params["seed"]),
            hint_source=str(hints["source"]), hint_rate=float(hints["rate"]),
            attribute_hint_rate=float(hints["attribute_rate"]),
        )
    except KeyError as missing:
        raise SystemExit(f"params.yaml: missing key {missing}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("dataset", "backbone", "head"):
        parser.add_argument(f"--{name}", required=True, choices=FLAGS[name][1])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    params = load_params()
    try:
        config = config_from_params(params, args.dataset, args.backbone, args.head)
        labels = str(params.get("labels", "truth")) if args.dataset == "instagram" else "truth"
        inputs = load_inputs(PROCESSED, args.dataset, labels)
        size = int(section(params, "images")["image_size"])
        if inputs.train.images.shape[1:3] != (size, size):
            raise TrainError(
                f"{PROCESSED}/images/{args.dataset}/images.npy: images are "
                f"{inputs.train.images.shape[1]}x{inputs.train.images.shape[2]} px but images.image_size is "
                f"{size}; rerun the images stage"
            )
        run(config, inputs, RunPaths.standard(".", args.dataset, config.run_name))
    except (TrainError, ValueError, OSError) as error:  # OSError: missing pretrained weights, unreadable inputs
        print(f"stages/train.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
