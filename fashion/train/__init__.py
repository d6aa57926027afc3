"""Training and evaluation of the image classifiers (base / DynamicPruning / DynamicLayers heads).

Modules, by job:
  config      TrainConfig (defaults = params.yaml, rules = fashion.params.SCHEMA), RunPaths
  runtime     device, torchrun process group, autocast dtype, determinism, seeds
  sampling    seeded epoch orders, per-rank batch shares, derived seeds
  loss        targets and the loss (mse / bce, mean / sum reduction)
  forward     a hint plan on the device; the forward pass with predicted hints
  checkpoint  resumable state, RNG states, data and code fingerprints
  live        dvclive logging
  loop        fit: the epochs (EpochContext, train_one_epoch)
  evaluate    every hint protocol on the val split -> run metrics
  inputs      ranges.json + images/ + annotations.parquet -> RunInputs
  stage       run / run_stage: the one orchestration the DVC stage and `fashion train` share
  commands    `fashion train`
Hint protocols and rules live in fashion.data.hints; image transforms in fashion.data.transforms.

Public names are importable from here (`from fashion.train import fit`); they load on first use,
so importing the package (as the CLI does) costs no torch import.
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "config": ("GAIN_K", "KS", "RunPaths", "TrainConfig", "TrainError"),
    "runtime": ("DistInfo", "amp_dtype", "cpu_has_bf16_matmul", "deterministic_mode", "init_distributed",
                "resolve_device", "seed_everything", "synchronize"),
    "sampling": ("derived_seed", "epoch_order", "rank_batches"),
    "loss": ("BCE_EPS", "batch_targets", "compute_loss"),
    "forward": ("HintedForward", "hint_batch", "predicted_hints"),
    "checkpoint": ("code_fingerprint", "data_fingerprint", "load_checkpoint", "save_checkpoint", "save_torch"),
    "loop": ("EpochContext", "FitResult", "build_model", "check_image_size", "epoch_learning_rates", "fit",
             "output_priors", "train_one_epoch"),
    "evaluate": ("ProtocolResult", "attribute_frequency", "evaluate", "evaluate_protocol"),
    "inputs": ("RunInputs", "load_inputs"),
    "stage": ("run", "run_stage"),
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'fashion.train' has no attribute {name!r}")
    return getattr(importlib.import_module(f"fashion.train.{_WHERE[name]}"), name)
