"""`fashion train`: fit + evaluate one (dataset, backbone, head) run from the command line.

Defaults come from params.yaml (`--params PATH`), exactly as the DVC stage reads them, so a run
without flags writes what the stage writes. Every TrainConfig field is a flag (``--batch-size``,
``--hint-source``, ``--no-amp`` ...) that overrides its params key. Works under
``torchrun --nproc_per_node N -m fashion train ...`` too (DDP). torch is imported only when the
command runs, so other sub-commands start fast.
"""
from __future__ import annotations

import argparse
import logging
import sys

from fashion import choices
from fashion.params import add_params_flag

# TrainConfig field -> (type, choices, help); tests check this table covers TrainConfig exactly.
# The default of a field with a params key is that key's value (shown as "params: KEY").
FLAGS: dict[str, tuple[type, tuple | None, str]] = {
    "dataset": (str, choices.DATASETS, "image benchmark (required)"),
    "backbone": (str, choices.BACKBONES, "feature extractor (required)"),
    "head": (str, choices.HEADS, "dependent heads (required)"),
    "epochs": (int, None, "passes over the train split (params: train.epochs)"),
    "batch_size": (int, None, "global batch size (params: train.batch_size)"),
    "lr": (float, None, "SGD learning rate (params: train.lr)"),
    "momentum": (float, None, "SGD momentum (params: train.momentum)"),
    "weight_decay": (float, None, "SGD weight decay (params: train.weight_decay)"),
    "fc_width": (int, None, "width of the two FC layers (params: train.fc_width)"),
    "dropout": (float, None, "dropout after each FC layer (default 0.0)"),
    "alpha": (float, None, "hinted-row boost of the dynamic heads, >= 0 (params: alpha)"),
    "beta": (float, None, "in-range-row boost of the dynamic heads, >= 0 (params: beta)"),
    "loss": (str, choices.LOSSES, "mse: ReLU outputs + MSE (paper); bce: sigmoid outputs + BCE (params: train.loss)"),
    "loss_reduction": (str, choices.LOSS_REDUCTIONS,
                       "mean over all elements or sum over labels, mean over samples (params: train.loss_reduction)"),
    "normalization": (str, choices.NORMALIZATIONS,
                      "per-channel mean/std of the train split or ImageNet's (params: train.normalization)"),
    "pretrained": (bool, None, "ImageNet weights from the local torch hub cache (params: train.pretrained)"),
    "hint_source": (str, choices.HINT_SETTINGS, "training hints (params: hints.source)"),
    "hint_rate": (float, None, "share of samples given a category hint (params: hints.rate)"),
    "attribute_hint_rate": (float, None, "share of hinted samples also given an attribute hint (params: hints.attribute_rate)"),
    "seed": (int, None, "seed of init, batch order and hints (params: seed)"),
    "device": (str, choices.DEVICES, "auto = CUDA when available (params: train.device)"),
    "amp": (bool, None, "autocast: bf16/fp16 on CUDA, bf16 on CPUs with AMX (params: train.amp)"),
    "schedule": (str, choices.SCHEDULES, "lr schedule: constant (paper) or cosine decay (params: train.schedule)"),
    "warmup_epochs": (float, None, "linear lr warm-up, in epochs (params: train.warmup_epochs)"),
    "prior_bias": (bool, None, "output biases start at the train label frequencies (params: train.prior_bias)"),
    "augment": (str, choices.AUGMENTS, "training augmentation (params: train.augment)"),
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
    add_params_flag(parser)
    parser.add_argument("--processed", default="data/processed",
                        help="folder with ranges.json, images/, annotations.parquet (default data/processed)")
    parser.add_argument("--out", default=".", help="root for models/, metrics/ and dvclive/ (default .)")
    parser.add_argument("--labels", default=None, choices=choices.LABEL_SOURCES,
                        help="Instagram targets: annotated truth or text-mined labels (params: labels)")
    for name, (kind, options, help_text) in FLAGS.items():
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(flag, type=kind, choices=options, required=name in REQUIRED, help=help_text)
    parser.set_defaults(func=handle_train)


def handle_train(args: argparse.Namespace) -> int:
    from fashion.params import load_optional
    from fashion.train.config import TrainError
    from fashion.train.stage import run_stage

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    params = load_optional(args.params)  # a bad params file exits here with the key named
    overrides = {name: getattr(args, name) for name in FLAGS
                 if name not in REQUIRED and getattr(args, name) is not None}
    try:
        result, paths = run_stage(params, args.dataset, args.backbone, args.head, overrides, args.labels,
                                  args.processed, args.out)
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
