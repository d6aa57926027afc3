"""`fashion train`: fit + evaluate one (dataset, backbone, head) run from the command line.

Every TrainConfig field is a flag (``--batch-size``, ``--hint-source``, ``--no-amp`` ...); a flag
left out keeps TrainConfig's default. The DVC stage (stages/train.py) takes the same settings from
params.yaml. Works under ``torchrun --nproc_per_node N -m fashion train ...`` too (DDP).
torch is imported only when the command runs, so other sub-commands start fast.
"""
from __future__ import annotations

import argparse
import logging
import sys

# TrainConfig field -> (type, choices, help); tests check this table covers TrainConfig exactly.
FLAGS: dict[str, tuple[type, tuple | None, str]] = {
    "dataset": (str, ("deepfashion", "instagram"), "image benchmark (required)"),
    "backbone": (str, ("vgg16", "vgg16_bn", "resnet18", "resnet34", "resnet50"), "feature extractor (required)"),
    "head": (str, ("base", "pruning", "layers"), "dependent heads (required)"),
    "epochs": (int, None, "passes over the train split (default 3)"),
    "batch_size": (int, None, "global batch size (default 32)"),
    "lr": (float, None, "SGD learning rate (default 0.01)"),
    "momentum": (float, None, "SGD momentum (default 0.9)"),
    "weight_decay": (float, None, "SGD weight decay (default 0.0001)"),
    "fc_width": (int, None, "width of the two FC layers (default 256)"),
    "dropout": (float, None, "dropout after each FC layer (default 0.0)"),
    "alpha": (float, None, "hinted-row boost of the dynamic heads (default 0.1)"),
    "beta": (float, None, "in-range-row boost of the dynamic heads (default 0.01)"),
    "loss": (str, ("mse", "bce"), "mse: ReLU outputs + MSE (paper, default); bce: sigmoid outputs + BCE"),
    "loss_reduction": (str, ("mean", "sum"), "mean over all elements (default) or sum over labels, mean over samples"),
    "normalization": (str, ("train", "imagenet"), "per-channel mean/std of the train split (default) or ImageNet's"),
    "pretrained": (bool, None, "ImageNet weights from the local torch hub cache (default off)"),
    "hint_source": (str, ("paper", "truth", "text", "predicted", "none"), "training hints (default paper)"),
    "hint_rate": (float, None, "share of samples given a category hint (default 1.0)"),
    "attribute_hint_rate": (float, None, "share of hinted samples also given an attribute hint (default 0.5)"),
    "seed": (int, None, "seed of init, batch order and hints (default 7)"),
    "device": (str, ("auto", "cpu", "cuda"), "auto = CUDA when available (default)"),
    "amp": (bool, None, "autocast: bf16/fp16 on CUDA, bf16 on CPUs with AMX (default on)"),
    "schedule": (str, ("constant", "cosine"), "lr schedule: constant (paper, default) or cosine decay"),
    "warmup_epochs": (float, None, "linear lr warm-up, in epochs (default 0.0)"),
    "prior_bias": (bool, None, "output biases start at the train label frequencies (default off)"),
    "augment": (str, ("none", "flip", "flip_shift"), "training augmentation (default none)"),
    "deterministic": (bool, None, "torch deterministic algorithms (default on)"),
    "val_batch_size": (int, None, "evaluation batch size, 0 = batch size (default 0)"),
    "progress": (bool, None, "tqdm progress bars (default on)"),
}
REQUIRED = ("dataset", "backbone", "head")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train and evaluate one image model (writes models/, metrics/, dvclive/)",
        description=__doc__,
    )
    parser.add_argument("--processed", default="data/processed",
                        help="folder with ranges.json, images/, annotations.parquet (default data/processed)")
    parser.add_argument("--out", default=".", help="root for models/, metrics/ and dvclive/ (default .)")
    parser.add_argument("--labels", default="truth", choices=("truth", "text"),
                        help="Instagram targets: annotated truth (default) or text-mined labels")
    for name, (kind, choices, help_text) in FLAGS.items():
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(flag, type=kind, choices=choices, required=name in REQUIRED, help=help_text)
    parser.set_defaults(func=handle_train)


def handle_train(args: argparse.Namespace) -> int:
    from fashion.train import RunPaths, TrainConfig, TrainError, load_inputs, run

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = {name: getattr(args, name) for name in FLAGS if getattr(args, name) is not None}
        config = TrainConfig(**settings)
        labels = args.labels if config.dataset == "instagram" else "truth"
        inputs = load_inputs(args.processed, config.dataset, labels)
        paths = RunPaths.standard(args.out, config.dataset, config.run_name)
        result = run(config, inputs, paths)
    except (TrainError, ValueError, OSError) as error:  # OSError: missing pretrained weights, unreadable inputs
        print(f"fashion train: error: {error}", file=sys.stderr)
        return 1
    if result is not None:
        paper = result["paper"]["attributes"]
        print(
            f"{paths.metrics_file}: train_loss {result['train_loss']}, attributes (paper protocol) "
            f"p@3 {paper['p@3']} r@3 {paper['r@3']}, {result['val_seconds_per_batch']} s per val batch"
        )
    return 0
