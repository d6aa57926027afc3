"""One run's settings (`TrainConfig`) and where its files go (`RunPaths`).

TrainConfig's defaults are params.yaml's values (tests hold the two equal), and each field is
checked by the rule of the params key it stands for (fashion.params.SCHEMA), so `fashion train
--alpha -5` fails exactly as `alpha: -5` in params.yaml does.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fashion import choices
from fashion.data.hints import HintSettings
from fashion.params import SCHEMA, ParamsError, check, value

KS = (1, 3, 5)
GAIN_K = 3  # attribute precision@k whose gain over the label-frequency baseline each run reports
# Settings that may change between a killed run and its resumption without invalidating it.
RESUMABLE_CHANGES = ("epochs", "device", "amp", "val_batch_size", "progress")
# Settings only the dynamic heads read (dvc.yaml: only dynamic runs depend on alpha, beta, hints.*).
DYNAMIC_ONLY = ("alpha", "beta", "hint_rate", "attribute_hint_rate")

# TrainConfig field -> params.yaml key it stands for (its default and its rule come from there)
PARAM_KEYS: dict[str, str] = {
    "epochs": "train.epochs", "batch_size": "train.batch_size", "lr": "train.lr", "momentum": "train.momentum",
    "weight_decay": "train.weight_decay", "fc_width": "train.fc_width", "alpha": "alpha", "beta": "beta",
    "loss": "train.loss", "loss_reduction": "train.loss_reduction", "normalization": "train.normalization",
    "pretrained": "train.pretrained", "hint_source": "hints.source", "hint_rate": "hints.rate",
    "attribute_hint_rate": "hints.attribute_rate", "seed": "seed", "device": "train.device", "amp": "train.amp",
    "schedule": "train.schedule", "warmup_epochs": "train.warmup_epochs", "prior_bias": "train.prior_bias",
    "augment": "train.augment",
}


class TrainError(RuntimeError):
    """A run that cannot proceed; the message names the file or setting and the reason."""


@dataclass(frozen=True)
class TrainConfig:
    dataset: str                    # deepfashion | instagram
    backbone: str                   # vgg16 | vgg16_bn | resnet18 | resnet34 | resnet50
    head: str                       # base | pruning | layers
    epochs: int = 4
    batch_size: int = 32            # global batch (split across ranks under DDP)
    lr: float = 0.005
    momentum: float = 0.9
    weight_decay: float = 1e-4
    fc_width: int = 256
    dropout: float = 0.0            # not a params key: the paper's heads have none
    alpha: float = 0.1
    beta: float = 0.01
    loss: str = "mse"               # mse (paper, ReLU outputs) | bce (sigmoid outputs)
    loss_reduction: str = "sum"     # mean over [B,n] elements | sum over labels, mean over samples
    normalization: str = "train"    # train (split mean/std) | imagenet
    pretrained: bool = False
    hint_source: str = "paper"      # paper | truth | text | predicted | none
    hint_rate: float = 1.0          # share of samples given a category hint
    attribute_hint_rate: float = 0.5  # share of hinted samples also given attribute hints
    seed: int = 7
    device: str = "auto"            # auto | cpu | cuda
    amp: bool = True                # autocast: bf16/fp16 on CUDA, bf16 on CPUs with AMX (else float32)
    schedule: str = "constant"      # constant (paper) | cosine (per-step cosine decay to 0 after warmup)
    warmup_epochs: float = 0.0      # linear warm-up from lr/steps to lr over this many epochs
    prior_bias: bool = True         # output biases start at the train label frequencies
    augment: str = "none"           # none (paper) | flip (random horizontal flips) | flip_shift (+ shifts)
    deterministic: bool = True      # torch.use_deterministic_algorithms (warn-only on CUDA)
    val_batch_size: int = 0         # 0 = batch_size
    progress: bool = True           # tqdm bars

    def __post_init__(self) -> None:
        for name, options in (("dataset", choices.DATASETS), ("backbone", choices.BACKBONES),
                              ("head", choices.HEADS)):
            if getattr(self, name) not in options:
                raise ValueError(f"TrainConfig: {name} must be one of {options}, got {getattr(self, name)!r}")
        try:
            for name, key in PARAM_KEYS.items():
                check(key, getattr(self, name), where="TrainConfig")
        except ParamsError as error:
            raise ValueError(str(error)) from None
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"TrainConfig: dropout must be in [0, 1), got {self.dropout!r}")
        if isinstance(self.val_batch_size, bool) or not isinstance(self.val_batch_size, int) or self.val_batch_size < 0:
            raise ValueError(f"TrainConfig: val_batch_size must be an integer >= 0, got {self.val_batch_size!r}")
        for name in ("deterministic", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"TrainConfig: {name} must be true or false, got {getattr(self, name)!r}")

    @classmethod
    def from_params(cls, params: dict[str, Any], dataset: str, backbone: str, head: str, **overrides: Any) -> "TrainConfig":
        """The stage's settings for one run (params.yaml), with `overrides` (CLI flags) on top."""
        settings = {name: _coerce(key, value(params, key)) for name, key in PARAM_KEYS.items()}
        settings.update(overrides)
        return cls(dataset=dataset, backbone=backbone, head=head, **settings)

    @property
    def run_name(self) -> str:
        return f"{self.backbone}-{self.head}"

    @property
    def eval_batch_size(self) -> int:
        return self.val_batch_size or self.batch_size

    @property
    def output_activation(self) -> str:
        return "relu" if self.loss == "mse" else "sigmoid"

    @property
    def hints(self) -> HintSettings:
        return HintSettings(self.hint_source, self.hint_rate, self.attribute_hint_rate)

    def provenance(self) -> dict[str, Any]:
        """The settings saved beside the model. A base head ignores hints, so its DVC stage does
        not depend on alpha, beta or the hint rates: leaving them out keeps model.json true after
        `dvc exp run -S beta=...` skipped the base runs."""
        settings = dataclasses.asdict(self)
        if self.head == "base":
            for name in DYNAMIC_ONLY:
                settings.pop(name)
        return settings

    def resume_key(self) -> dict[str, Any]:
        """The settings a checkpoint must match to be resumed. A decaying schedule is laid out
        over all epochs, so there `epochs` must match too."""
        free = RESUMABLE_CHANGES if self.schedule == "constant" else tuple(k for k in RESUMABLE_CHANGES if k != "epochs")
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in free}


def _coerce(key: str, raw: Any) -> Any:
    """YAML's 1 for a number key is 1.0 (model.json keeps one spelling); a wrong type is left for
    __post_init__ to name."""
    kind = SCHEMA[key].kind
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return raw
    if kind == "number":
        return float(raw)
    if kind == "int" and float(raw).is_integer():
        return int(raw)
    return raw


@dataclass(frozen=True)
class RunPaths:
    model_dir: Path         # model.pt, model.json
    metrics_file: Path      # metrics/<dataset>/<backbone>-<head>.json
    per_class_file: Path    # metrics/<dataset>/per_class/<backbone>-<head>.json
    live_dir: Path | None   # dvclive/<dataset>/<backbone>-<head>/ (None: no dvclive logging)
    checkpoint: Path        # checkpoints/<dataset>/<backbone>-<head>/checkpoint.pt: not a DVC output,
                            # so `dvc repro` does not delete it before resuming a killed run

    @classmethod
    def standard(cls, root: str | os.PathLike, dataset: str, run_name: str) -> "RunPaths":
        root = Path(root)
        return cls(
            model_dir=root / "models" / dataset / run_name,
            metrics_file=root / "metrics" / dataset / f"{run_name}.json",
            per_class_file=root / "metrics" / dataset / "per_class" / f"{run_name}.json",
            live_dir=root / "dvclive" / dataset / run_name,
            checkpoint=root / "checkpoints" / dataset / run_name / "checkpoint.pt",
        )

    @property
    def model_file(self) -> Path:
        return self.model_dir / "model.pt"
