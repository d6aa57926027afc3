"""Training and evaluation of the image classifiers (base / DynamicPruning / DynamicLayers heads).

Training (``fit``)
  * SGD (lr, momentum, weight decay), ``epochs`` passes over the train split in a fixed,
    seed-and-epoch-determined order; the last batch of an epoch may be smaller (one that would
    leave a rank a single sample joins the previous batch: BatchNorm cannot train on one).
  * Loss = sum over the model's outputs (category + attributes, + subcategories in the
    multi-class scenario) of that output's loss averaged over all its elements ([B, n]).
    ``mse`` is the paper's (ReLU outputs, MSE against 0/1 targets); ``bce`` uses sigmoid outputs
    (``output_activation="sigmoid"``) with binary cross-entropy. Sigmoid rather than logits so that
    a row the dynamic heads switch off outputs exactly 0, the lowest score, under either loss.
  * Images stay uint8 [N,H,W,3]; each batch is indexed out, moved to the device and converted to
    float there: x = (pixel/255 - mean) / std per channel. ``normalization="train"`` computes
    mean/std over the train split (a streaming pass, no float copy), ``"imagenet"`` uses
    torchvision's ImageNet constants (the right choice with pretrained weights).
  * Hints follow the "paper" protocol (``hint_source="paper"`` resolved per dataset by
    ``fashion.data.resolve_source``); truth/text hints are redrawn every epoch with a seed
    derived from (seed, epoch), so they are reproducible.
  * ``loss_reduction`` "mean" averages each output's loss over its [B, n] elements (PyTorch's
    default, as the paper's MSELoss); "sum" sums over the n labels and averages over samples.
  * Learning rate: ``schedule`` "constant" (paper) or "cosine" (half a cosine over all steps:
    the last step's rate is one step short of 0),
    after ``warmup_epochs`` of linear warm-up; set per step from the global step, so resuming
    continues the same curve. ``augment`` "flip" / "flip_shift" transforms training batches on
    the device with a generator seeded by (seed, epoch, rank).
  * ``prior_bias``: output biases start at the train-split label frequencies
    (FashionModel.set_output_priors), so an untrained model already ranks like the
    label-frequency baseline and training learns what the image adds.
  * Device ``auto`` = CUDA when available, else CPU. ``amp`` runs the forward under
    torch.autocast: on CUDA bf16 when supported, else fp16 with a GradScaler; on CPUs with AMX
    matrix units (``cpu_has_bf16_matmul``) bf16, where oneDNN's convolutions are 1.3-2x faster;
    other CPUs stay float32. Weights and losses stay float32.
  * Under ``torchrun`` (env WORLD_SIZE > 1) the model is wrapped in DistributedDataParallel
    (nccl on CUDA, gloo on CPU). ``batch_size`` stays the GLOBAL batch: each global batch is
    padded with its own first samples to a multiple of the world size (so no sample gains
    weight beyond its batch) and rank r takes every world-size-th sample from position r. BatchNorm statistics stay
    per rank (plain DDP). Only rank 0 validates and writes files; the others wait at a barrier.
  * After every epoch an atomic checkpoint (model, optimizer, grad scaler, epoch, torch / CUDA /
    numpy / python RNG states, the next epoch's sample order, loss history) goes to
    ``checkpoints/<dataset>/<run>/checkpoint.pt``, outside the stage's DVC outputs (``dvc repro``
    deletes those before it reruns a stage, which would lose the checkpoint of a killed run). A
    later run resumes from it (loaded with ``weights_only=True``) only when the settings, the
    train data and the ``fashion`` code are those it was written with, and ends with bit-identical
    weights on CPU; its dvclive folder is rebuilt from the checkpoint's history. ``epochs`` may
    grow between runs; any other change starts afresh.
  * After every epoch the val split is scored under the paper protocol; dvclive logs train/loss,
    val/loss and val P@k/R@k (attributes) per epoch, each run in its own folder,
    with ``dvcyaml=False, save_dvc_exp=False``: no dvc.yaml edits, no DVC experiments.

Evaluation (``evaluate``) runs the val split under the "paper" and "leakage_free" hint protocols
(docs/contracts.md "Hint protocols"); predicted hints come from a first decode without hints on
the same features (one encode per batch). Metrics are defined in ``fashion.metrics``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from fashion import metrics
from fashion.data.benchmark import label_frequency, load_benchmark, read_annotations
from fashion.data.hints import hints_from_scores, leakage_free_source, make_hints, resolve_source
from fashion.io import atomic_path, write_json
from fashion.models import Hints, LabelSpace, get_model

logger = logging.getLogger(__name__)

LOSSES = ("mse", "bce")
LOSS_REDUCTIONS = ("mean", "sum")
GAIN_K = 3  # attribute precision@k whose gain over the label-frequency baseline each run reports
BCE_EPS = 1e-6  # switched-off rows output exactly 0: the clamp keeps their (gradient-free) loss finite
NORMALIZATIONS = ("train", "imagenet")
DEVICES = ("auto", "cpu", "cuda")
SCHEDULES = ("constant", "cosine")
AUGMENTS = ("none", "flip", "flip_shift")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
KS = (1, 3, 5)
CHECKPOINT_FORMAT = 1
# Settings that may change between a killed run and its resumption without invalidating it.
RESUMABLE_CHANGES = ("epochs", "device", "amp", "val_batch_size", "progress")
# Settings only the dynamic heads read (dvc.yaml: only dynamic runs depend on alpha, beta, hints.*).
DYNAMIC_ONLY = ("alpha", "beta", "hint_rate", "attribute_hint_rate")


class TrainError(RuntimeError):
    """A run that cannot proceed; the message names the file or setting and the reason."""


@dataclass(frozen=True)
class TrainConfig:
    dataset: str                    # deepfashion | instagram
    backbone: str                   # vgg16 | resnet18 | resnet34 | resnet50
    head: str                       # base | pruning | layers
    epochs: int = 3
    batch_size: int = 32            # global batch (split across ranks under DDP)
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 1e-4
    fc_width: int = 256
    dropout: float = 0.0
    alpha: float = 0.1
    beta: float = 0.01
    loss: str = "mse"               # mse (paper, ReLU outputs) | bce (sigmoid outputs)
    loss_reduction: str = "mean"    # mean over [B,n] elements | sum over labels, mean over samples
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
    prior_bias: bool = False        # output biases start at the train label frequencies
    augment: str = "none"           # none (paper) | flip (random horizontal flips) | flip_shift (+ shifts)
    deterministic: bool = True      # torch.use_deterministic_algorithms (warn-only on CUDA)
    val_batch_size: int = 0         # 0 = batch_size
    progress: bool = True           # tqdm bars

    def __post_init__(self) -> None:
        checks = [
            (self.epochs >= 1, "epochs must be >= 1"),
            (self.batch_size >= 1, "batch_size must be >= 1"),
            (self.val_batch_size >= 0, "val_batch_size must be >= 0"),
            (self.lr > 0 and math.isfinite(self.lr), "lr must be a positive number"),
            (0 <= self.momentum < 1, "momentum must be in [0, 1)"),
            (self.weight_decay >= 0, "weight_decay must be >= 0"),
            (self.loss in LOSSES, f"loss must be one of {LOSSES}"),
            (self.loss_reduction in LOSS_REDUCTIONS, f"loss_reduction must be one of {LOSS_REDUCTIONS}"),
            (self.normalization in NORMALIZATIONS, f"normalization must be one of {NORMALIZATIONS}"),
            (self.device in DEVICES, f"device must be one of {DEVICES}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {SCHEDULES}"),
            (self.warmup_epochs >= 0 and math.isfinite(self.warmup_epochs), "warmup_epochs must be >= 0"),
            (self.augment in AUGMENTS, f"augment must be one of {AUGMENTS}"),
            (0 <= self.hint_rate <= 1, "hint_rate must be in [0, 1]"),
            (0 <= self.attribute_hint_rate <= 1, "attribute_hint_rate must be in [0, 1]"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"TrainConfig: {message} (got {dataclasses.asdict(self)})")

    @property
    def run_name(self) -> str:
        return f"{self.backbone}-{self.head}"

    @property
    def eval_batch_size(self) -> int:
        return self.val_batch_size or self.batch_size

    @property
    def output_activation(self) -> str:
        return "relu" if self.loss == "mse" else "sigmoid"

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


@dataclass
class RunInputs:
    space: LabelSpace
    train: Any                      # fashion.data Benchmark (train split)
    val: Any                        # fashion.data Benchmark (val split)
    annotations: Any = None         # text-mined annotations (Instagram text hints), or None


@dataclass
class FitResult:
    model: nn.Module
    history: list[dict[str, float]]  # per epoch: train_loss (+ val_loss, val p@k/r@k on rank 0)
    normalization: tuple[list[float], list[float]]  # per-channel mean, std (0..1 pixel scale)
    resumed_from: int                # epochs already done when this run started
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of the epochs run here

    @property
    def train_loss(self) -> float:
        return self.history[-1]["train_loss"]


# --------------------------------------------------------------------------------------------
# Devices, distribution, determinism


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    owns_group: bool = False  # we called init_process_group (and must destroy it)

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise TrainError("device=cuda requested but CUDA is not available")
    return torch.device("cuda", local_rank % torch.cuda.device_count())


def init_distributed(device_name: str) -> DistInfo:
    """Join the torchrun process group when WORLD_SIZE > 1 (nccl on CUDA, gloo on CPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    if dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, False)
    device = resolve_device(device_name, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return DistInfo(rank, world, local_rank, True)


def cpu_has_bf16_matmul() -> bool:
    """True on CPUs whose matrix units run bf16 natively (Intel AMX, e.g. Sapphire Rapids): there
    oneDNN's bf16 convolutions are 1.3-2x faster than float32 (VGG16); elsewhere bf16 is emulated and slower."""
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    try:
        return bool(probe()) if probe is not None else False
    except RuntimeError:
        return False


def amp_dtype(device: torch.device, enabled: bool) -> torch.dtype | None:
    """Autocast dtype: on CUDA bf16 where supported, else fp16; on CPU bf16 where the CPU has
    AMX (cpu_has_bf16_matmul); None (float32) otherwise or when disabled."""
    if not enabled:
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_has_bf16_matmul() else None


@contextlib.contextmanager
def deterministic_mode(enabled: bool, device: torch.device) -> Iterator[None]:
    """use_deterministic_algorithms for the duration (warn-only on CUDA, where some ops have none)."""
    previous = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    previous_cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    if enabled:
        if device.type == "cuda":
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = previous_cudnn


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def derived_seed(seed: int, *keys: int) -> int:
    """A 32-bit seed fixed by (seed, keys): independent streams for orders and hints per epoch."""
    return int(np.random.SeedSequence([seed % 2**32, *keys]).generate_state(1)[0])


# Stream tags for derived_seed.
_ORDER, _TRAIN_HINTS, _VAL_HINTS, _AUGMENT = 1, 2, 3, 4


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """Sample order of one epoch (int64 [n]): a permutation fixed by (seed, epoch)."""
    return np.random.default_rng(derived_seed(seed, _ORDER, epoch)).permutation(n).astype(np.int64)


def rank_batches(order: np.ndarray, batch_size: int, rank: int, world_size: int) -> list[np.ndarray]:
    """Split an epoch order into global batches and return this rank's share of each.

    A final batch that would give a rank a single sample joins the previous batch (BatchNorm
    cannot train on one sample). A global batch whose size is not a multiple of world_size is
    padded with its own first samples, so every rank gets equally many samples and a padded copy
    only ever repeats a sample of the same step (padding from the start of the epoch order would
    add the same few samples to every short batch).
    """
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if len(batches) > 1 and math.ceil(len(batches[-1]) / world_size) < 2:
        batches[-2:] = [np.concatenate(batches[-2:])]
    shares = []
    for batch in batches:
        short = (-len(batch)) % world_size
        if short:
            batch = np.resize(batch, len(batch) + short)
        shares.append(batch[rank::world_size])
    return shares


# --------------------------------------------------------------------------------------------
# Images


def channel_stats(images: np.ndarray, chunk: int = 512) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images [N,H,W,3] on the 0..1 scale (streamed, float64)."""
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise TrainError(f"images: expected uint8 [N,H,W,3] with N > 0, got {images.dtype} {images.shape}")
    total = np.zeros(3)
    total_sq = np.zeros(3)
    for start in range(0, len(images), chunk):
        block = np.asarray(images[start : start + chunk], dtype=np.float64) / 255.0  # [b,H,W,3]
        total += block.sum(axis=(0, 1, 2))
        total_sq += np.square(block).sum(axis=(0, 1, 2))
    count = images.shape[0] * images.shape[1] * images.shape[2]
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean**2, 0.0))
    std = np.where(std > 1e-6, std, 1.0)  # a constant channel: centre it, do not blow it up
    return mean.tolist(), std.tolist()


class Normalizer:
    """uint8 [B,H,W,3] numpy batch -> normalised float [B,3,H,W] on the device, in one affine op."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: torch.device):
        mean_t = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        std_t = torch.tensor(std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        self.scale = 1.0 / (255.0 * std_t)  # [1,3,1,1]
        self.shift = -mean_t / std_t  # [1,3,1,1]
        self.device = device

    def __call__(self, batch: np.ndarray) -> torch.Tensor:
        pixels = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device, non_blocking=True)  # uint8 [B,H,W,3]
        x = pixels.permute(0, 3, 1, 2).float().contiguous()  # [B,3,H,W]
        return x.mul_(self.scale).add_(self.shift)


def normalization_stats(config: TrainConfig, train_images: np.ndarray) -> tuple[list[float], list[float]]:
    if config.normalization == "imagenet":
        return list(IMAGENET_MEAN), list(IMAGENET_STD)
    return channel_stats(train_images)


# --------------------------------------------------------------------------------------------
# Targets, hints, loss

def batch_targets(bench: Any, index: np.ndarray, device: torch.device, multi: bool) -> dict[str, torch.Tensor]:
    """Model-output name -> float32 target batch [B, n] on the device."""
    out = {
        "category": torch.from_numpy(np.asarray(bench.category[index], dtype=np.float32)),
        "attributes": torch.from_numpy(np.asarray(bench.attributes[index], dtype=np.float32)),
    }
    if multi:
        out["subcategories"] = torch.from_numpy(np.asarray(bench.subcategories[index], dtype=np.float32))
    return {k: v.to(device, non_blocking=True) for k, v in out.items()}


@dataclass(frozen=True)
class HintPlan:
    """Where a protocol's hints come from: per-sample arrays (truth/text), the model's own
    top-1 predictions ("predicted", computed in the forward pass) or nothing ("none")."""

    source: str
    arrays: Any = None  # fashion.data HintArrays for truth/text

    def batch(self, index: np.ndarray, space: LabelSpace, device: torch.device) -> Hints | None:
        """Hints for the samples `index`; None means "predict them in the forward pass"."""
        if self.source == "predicted":
            return None
        if self.arrays is None:  # "none": every sample unhinted
            return Hints.empty(len(index), space, device=device)

        def rows(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(array[index], dtype=bool)).to(device)

        sub = self.arrays.subcategory
        return Hints(rows(self.arrays.category), rows(self.arrays.attribute), None if sub is None else rows(sub))


def plan_hints(
    bench: Any, dataset: str, source: str, rate: float, attribute_rate: float, seed: int, annotations: Any
) -> HintPlan:
    """Resolve `source` for the dataset and draw the per-sample hints it needs."""
    resolved = resolve_source(source, dataset)
    if resolved in ("predicted", "none"):
        return HintPlan(resolved)
    arrays = make_hints(bench, resolved, rate, attribute_rate, seed, annotations=annotations)
    return HintPlan(resolved, arrays)


def leakage_free_plan(bench: Any, dataset: str, seed: int, annotations: Any) -> HintPlan:
    """Never truth, never attribute hints: every sample gets its predicted or text-mined hint."""
    return plan_hints(bench, dataset, leakage_free_source(dataset), 1.0, 0.0, seed, annotations)


class HintedForward(nn.Module):
    """model(images, hints); with hints=None the hints are the model's own predictions from a first
    decode without hints on the same features (one encode per batch)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor, hints: Hints | None) -> dict[str, torch.Tensor]:
        features = self.model.encode(images)  # [B,D]
        if hints is None:
            category = self.model.decode(features, None)["category"]  # [B,K], independent of hints
            hints = predicted_hints(category, self.model.space)
        return self.model.decode(features, hints)


def predicted_hints(category_scores: torch.Tensor, space: LabelSpace) -> Hints:
    """Category hints from scores [B,K] via fashion.data.hints_from_scores; no attribute or
    subcategory hints (as the leakage_free protocol prescribes). No gradient flows through them."""
    device = category_scores.device
    chosen = hints_from_scores(category_scores.detach().float().cpu().numpy(), space.subcategories is not None)
    hints = Hints.empty(len(chosen), space, device=device)
    return dataclasses.replace(hints, category=torch.from_numpy(np.asarray(chosen, dtype=bool)).to(device))


def compute_loss(
    outputs: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor], kind: str, reduction: str = "mean"
) -> torch.Tensor:
    """Sum over outputs of the per-element loss reduced over [B,n], in float32 (outputs may be
    bf16/fp16 under AMP). reduction "mean": mean over all B·n elements (each output weighs 1 however
    wide); "sum": summed over the n labels and averaged over the B samples, so every label's
    gradient keeps the same size in a 13-wide and a 131-wide output."""
    total = torch.zeros((), device=next(iter(targets.values())).device)
    for name, target in targets.items():
        prediction = outputs[name].float()
        if kind == "mse":
            elements = (prediction - target).square()
        else:
            # written out (not F.binary_cross_entropy) so it also runs inside CUDA autocast
            # clamped in value only: a confidently wrong output (|logit| > 13.8) keeps its gradient
            p = prediction + (prediction.clamp(BCE_EPS, 1.0 - BCE_EPS) - prediction).detach()
            elements = -(target * p.log() + (1.0 - target) * (1.0 - p).log())
        total = total + (elements.mean() if reduction == "mean" else elements.sum(dim=1).mean())
    return total


# --------------------------------------------------------------------------------------------
# Checkpoints (weights_only-loadable: tensors, numbers, strings, lists, dicts only)


def rng_state(device: torch.device | None = None) -> dict[str, Any]:
    """RNG states to resume from. CUDA: the training device's generator only. Every rank seeds
    alike and runs the same ops on its own device, so rank 0's state is every rank's, and each
    rank restores it on its own device (all devices' states, as seen by rank 0, would hand rank
    r the untouched state of cuda:r)."""
    np_kind, np_keys, np_pos, np_has_gauss, np_cached = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": [torch.cuda.get_rng_state(device)] if device is not None and device.type == "cuda" else [],
        "numpy": {
            "kind": str(np_kind),
            "keys": torch.from_numpy(np.asarray(np_keys, dtype=np.int64)),
            "pos": int(np_pos),
            "has_gauss": int(np_has_gauss),
            "cached_gaussian": float(np_cached),
        },
        "python": {"version": int(py_version), "state": torch.tensor(py_state, dtype=torch.int64), "gauss": py_gauss},
    }


def set_rng_state(state: Mapping[str, Any], device: torch.device | None = None) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and device is not None and device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda"][0], device)
    np_state = state["numpy"]
    np.random.set_state(
        (
            np_state["kind"],
            np_state["keys"].numpy().astype(np.uint32),
            np_state["pos"],
            np_state["has_gauss"],
            np_state["cached_gaussian"],
        )
    )
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))


def save_torch(path: Path, obj: Any) -> None:
    """torch.save atomically, byte-reproducibly: saved through a file object, the zip's record
    prefix is the constant "archive" rather than the (random) temp file's name."""
    with atomic_path(path, suffix=".pt") as tmp, open(tmp, "wb") as handle:
        torch.save(obj, handle)


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    save_torch(path, state)


def code_fingerprint() -> str:
    """blake2b of the `fashion` package's Python sources: a checkpoint written by other code
    (a changed head, loss or sampler) must not be resumed as if it were this code's."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.hexdigest()


def data_fingerprint(bench: Any, chunk: int = 1024) -> str:
    """blake2b of a split's pixels, targets and label names (streamed over the uint8 images): a
    checkpoint of other data with the same sample count must start afresh."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((bench.images.shape, bench.category_names, bench.attribute_names,
                        bench.subcategory_names)).encode())
    for start in range(0, len(bench.images), chunk):
        digest.update(np.ascontiguousarray(bench.images[start : start + chunk]).tobytes())
    for targets in (bench.category, bench.attributes, bench.subcategories):
        if targets is not None:
            digest.update(np.ascontiguousarray(targets, dtype=np.float32).tobytes())
    return digest.hexdigest()


def load_checkpoint(
    path: Path, config: TrainConfig, n_train: int, fingerprint: Mapping[str, str]
) -> dict[str, Any] | None:
    """The checkpoint to resume from, or None to start afresh (missing, other settings, other
    data or code (`fingerprint`), or more epochs done than now requested). A file that cannot be
    read raises TrainError."""
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated / foreign file: name it, do not guess
        raise TrainError(f"{path}: cannot load checkpoint ({error}); delete it to train from scratch") from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise TrainError(f"{path}: not a checkpoint of this trainer (format {CHECKPOINT_FORMAT}); delete it")
    if state["config"] != config.resume_key():
        changed = sorted(k for k in config.resume_key() if state["config"].get(k) != config.resume_key()[k])
        logger.warning("%s: settings changed (%s); training from scratch", path, ", ".join(changed))
        return None
    if state.get("fingerprint") != dict(fingerprint):
        changed = sorted(k for k in fingerprint if (state.get("fingerprint") or {}).get(k) != fingerprint[k])
        logger.warning("%s: written for other %s; training from scratch", path, " and ".join(changed))
        return None
    if state["epoch"] > config.epochs:
        logger.warning("%s: %d epochs done but %d requested; training from scratch", path, state["epoch"], config.epochs)
        return None
    expected = torch.from_numpy(epoch_order(n_train, config.seed, state["epoch"]))
    if not torch.equal(state["next_order"], expected):
        raise TrainError(f"{path}: written for another train split (sample order differs); delete it")
    return state


# --------------------------------------------------------------------------------------------
# dvclive


def open_live(live_dir: Path, history: Sequence[Mapping[str, float]] = ()):
    """dvclive logger in its own folder; never writes dvc.yaml nor saves DVC experiments.

    The folder is started afresh and the epochs already done (a resumed run's checkpoint
    history) are logged again first: `dvc repro` deletes the folder before it reruns a killed
    stage, and an epoch logged just before a kill must not appear twice."""
    from dvclive import Live

    if live_dir.exists():
        shutil.rmtree(live_dir)
    live = Live(str(live_dir), resume=False, dvcyaml=False, save_dvc_exp=False, report=None)
    for epoch, record in enumerate(history):
        _log_epoch(live, epoch, record)
    return live


# --------------------------------------------------------------------------------------------
# Training


def output_priors(train: Any) -> dict[str, torch.Tensor]:
    """Train-split label frequencies per model output (FashionModel.set_output_priors)."""
    frequency = label_frequency(train)
    priors = {"category": frequency["category"], "attributes": frequency["attributes"]}
    if frequency["subcategories"] is not None:
        priors["subcategories"] = frequency["subcategories"]
    return {name: torch.as_tensor(np.asarray(values, dtype=np.float64)) for name, values in priors.items()}


def check_image_size(model: nn.Module, size: tuple[int, int], backbone: str) -> None:
    """Encode one blank image of the run's size (eval mode: no BatchNorm update, no RNG), so an
    image size the backbone cannot take fails here with the size named, not mid-epoch."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model.encode(torch.zeros(1, 3, *size))
    except RuntimeError as error:
        raise TrainError(
            f"{backbone}: images of {size[0]}x{size[1]} px are too small for this backbone "
            f"(rerun the images stage with a larger images.image_size; 32 px works for all): {error}"
        ) from error
    finally:
        model.train(was_training)


def build_model(config: TrainConfig, space: LabelSpace) -> nn.Module:
    torch.manual_seed(config.seed)  # reproducible initialisation
    return get_model(
        config.backbone,
        config.head,
        space,
        fc_width=config.fc_width,
        alpha=config.alpha,
        beta=config.beta,
        pretrained=config.pretrained,
        output_activation=config.output_activation,
        dropout=config.dropout,
    )


def epoch_learning_rates(config: TrainConfig, epoch: int, steps_per_epoch: int) -> list[float]:
    """The lr of every step of `epoch`: linear warm-up over warmup_epochs, then constant (paper)
    or half a cosine over all steps after warm-up (reaching 0 one step after the last). A pure
    function of the step, so a
    resumed run continues the same schedule."""
    total = config.epochs * steps_per_epoch
    warmup = config.warmup_epochs * steps_per_epoch
    rates = []
    for step in range(epoch * steps_per_epoch, (epoch + 1) * steps_per_epoch):
        if step < warmup:
            rate = config.lr * (step + 1) / warmup
        elif config.schedule == "constant":
            rate = config.lr
        else:
            progress = (step - warmup) / max(1.0, total - warmup)
            rate = config.lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
        rates.append(rate)
    return rates


def augment_batch(images: torch.Tensor, kind: str, generator: torch.Generator) -> torch.Tensor:
    """Training-time augmentation of a normalised batch [B,3,H,W] (same shape back).

    flip: each image mirrored left-right with probability 1/2. flip_shift: also translated by up
    to H/16 px each way (at least 1), the uncovered border filled with 0 (the normalised mean).
    Random draws come from `generator` (CPU), so a seeded epoch is reproducible on any device."""
    if kind == "none":
        return images
    batch, _, height, width = images.shape
    flip = (torch.rand(batch, generator=generator) < 0.5).to(images.device)
    images = torch.where(flip[:, None, None, None], images.flip(3), images)
    if kind == "flip_shift":
        reach = max(1, height // 16)
        dy, dx = (torch.randint(0, 2 * reach + 1, (2, batch), generator=generator)).to(images.device)
        padded = F.pad(images, (reach, reach, reach, reach))  # [B,3,H+2r,W+2r]
        rows = (dy[:, None] + torch.arange(height, device=images.device))[:, None, :, None]  # [B,1,H,1]
        padded = padded.gather(2, rows.expand(batch, 3, height, width + 2 * reach))  # [B,3,H,W+2r]
        cols = (dx[:, None] + torch.arange(width, device=images.device))[:, None, None, :]  # [B,1,1,W]
        images = padded.gather(3, cols.expand(batch, 3, height, width))  # [B,3,H,W]
    return images


def train_one_epoch(
    forward: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Sequence[np.ndarray],
    bench: Any,
    plan: HintPlan,
    space: LabelSpace,
    normalize: Normalizer,
    loss_kind: str,
    autocast_dtype: torch.dtype | None = None,
    scaler: torch.amp.GradScaler | None = None,
    on_batch_end: Callable[[int, float], None] | None = None,
    progress: bool = False,
    description: str = "train",
    learning_rates: Sequence[float] | None = None,
    augment: str = "none",
    augment_seed: int = 0,
    loss_reduction: str = "mean",
) -> tuple[float, int]:
    """One pass of SGD steps over `batches` (index arrays). Returns (sum of batch loss × size, samples).

    learning_rates[step] (one per batch) is set on every parameter group before that step (None:
    leave the optimizer's lr alone); `augment` transforms each batch with a generator seeded by
    augment_seed (see augment_batch)."""
    device = normalize.device
    multi = space.subcategories is not None
    forward.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    seen = 0
    generator = torch.Generator().manual_seed(augment_seed)
    for step, index in enumerate(tqdm(batches, desc=description, disable=not progress, leave=False)):
        if learning_rates is not None:
            for group in optimizer.param_groups:
                group["lr"] = learning_rates[step]
        images = augment_batch(normalize(bench.images[index]), augment, generator)  # [B,3,H,W]
        targets = batch_targets(bench, index, device, multi)
        hints = plan.batch(index, space, device)
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            outputs = forward(images, hints)
        loss = compute_loss(outputs, targets, loss_kind, loss_reduction)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        loss_sum += loss.detach().double() * len(index)
        seen += len(index)
        if on_batch_end is not None:
            on_batch_end(step, float(loss.detach()))
    return float(loss_sum), seen


def fit(
    config: TrainConfig,
    inputs: RunInputs,
    paths: RunPaths,
    on_batch_end: Callable[[int, int, float], None] | None = None,
) -> FitResult:
    """Train (or resume) and write checkpoint.pt per epoch, then model.pt and model.json (rank 0).

    on_batch_end(epoch, step, loss) is called after every optimizer step (progress hooks).
    """
    train, space = inputs.train, inputs.space
    n_train = len(train.images)
    if n_train == 0:
        raise TrainError(f"{config.dataset}: the train split is empty")
    dist_info = init_distributed(config.device)
    device = resolve_device(config.device, dist_info.local_rank)
    try:
        with deterministic_mode(config.deterministic, device):
            return _fit(config, inputs, paths, dist_info, device, on_batch_end)
    finally:
        if dist_info.owns_group:
            dist.destroy_process_group()


def _fit(config, inputs, paths, dist_info: DistInfo, device, on_batch_end) -> FitResult:
    train, space = inputs.train, inputs.space
    n_train = len(train.images)
    seed_everything(config.seed)
    mean, std = normalization_stats(config, train.images)
    normalize = Normalizer(mean, std, device)
    model = build_model(config, space)
    if config.prior_bias:
        model.set_output_priors(output_priors(train))
    model = model.to(device)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )
    autocast_dtype = amp_dtype(device, config.amp)
    scaler = torch.amp.GradScaler("cuda") if autocast_dtype == torch.float16 else None

    check_image_size(model, train.images.shape[1:3], config.backbone)
    start_epoch, history, epoch_seconds = 0, [], []
    fingerprint = {"data": data_fingerprint(train), "code": code_fingerprint()}
    state = load_checkpoint(paths.checkpoint, config, n_train, fingerprint)
    if state is not None:
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as error:  # model code changed since it was written
            raise TrainError(f"{paths.checkpoint}: does not fit this model ({error}); delete it") from error
        if scaler is not None and state["scaler"]:
            scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"], device)
        start_epoch, history = int(state["epoch"]), [dict(h) for h in state["history"]]
        logger.info("%s: resuming after epoch %d of %d", paths.checkpoint, start_epoch, config.epochs)

    forward: nn.Module = HintedForward(model)
    if dist_info.enabled:
        forward = nn.parallel.DistributedDataParallel(
            forward, device_ids=[device.index] if device.type == "cuda" else None
        )
    live = open_live(paths.live_dir, history) if dist_info.is_main and paths.live_dir else None
    val_plan = (
        plan_hints(
            inputs.val, config.dataset, config.hint_source, config.hint_rate, config.attribute_hint_rate,
            derived_seed(config.seed, _VAL_HINTS), inputs.annotations,
        )
        if dist_info.is_main and inputs.val is not None and len(inputs.val.images)
        else None
    )
    try:
        for epoch in range(start_epoch, config.epochs):
            plan = plan_hints(
                train, config.dataset, config.hint_source, config.hint_rate, config.attribute_hint_rate,
                derived_seed(config.seed, _TRAIN_HINTS, epoch), inputs.annotations,
            )
            order = epoch_order(n_train, config.seed, epoch)
            batches = rank_batches(order, config.batch_size, dist_info.rank, dist_info.world_size)
            hook = None if on_batch_end is None else (lambda step, loss, e=epoch: on_batch_end(e, step, loss))
            started = time.perf_counter()
            loss_sum, seen = train_one_epoch(
                forward, optimizer, batches, train, plan, space, normalize, config.loss,
                autocast_dtype, scaler, hook, config.progress and dist_info.is_main,
                f"{config.dataset} {config.run_name} epoch {epoch + 1}/{config.epochs}",
                learning_rates=epoch_learning_rates(config, epoch, len(batches)),
                augment=config.augment,
                augment_seed=derived_seed(config.seed, _AUGMENT, epoch, dist_info.rank),
                loss_reduction=config.loss_reduction,
            )
            if dist_info.enabled:
                totals = torch.tensor([loss_sum, float(seen)], dtype=torch.float64, device=device)
                dist.all_reduce(totals)
                loss_sum, seen = totals.tolist()
            seconds = time.perf_counter() - started
            epoch_seconds.append(seconds)
            record = {"train_loss": loss_sum / seen}
            if dist_info.is_main:
                if val_plan is not None:
                    result = evaluate_protocol(
                        model, inputs.val, space, val_plan, normalize, config.eval_batch_size, config.loss,
                        autocast_dtype, progress=False, loss_reduction=config.loss_reduction,
                    )
                    record["val_loss"] = result.loss
                    record.update({f"val_{k}": v for k, v in result.ranking("attributes").items()})
                history.append(record)
                save_checkpoint(paths.checkpoint, {
                    "format": CHECKPOINT_FORMAT,
                    "config": config.resume_key(),
                    "fingerprint": fingerprint,
                    "epoch": epoch + 1,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else {},
                    "rng": rng_state(device),
                    "next_order": torch.from_numpy(epoch_order(n_train, config.seed, epoch + 1)),
                    "history": history,
                    "normalization": {"mean": mean, "std": std},
                })
                if live is not None:
                    _log_epoch(live, epoch, record)
                logger.info("%s %s epoch %d/%d (%.1f s): %s", config.dataset, config.run_name, epoch + 1,
                            config.epochs, seconds, ", ".join(f"{k}={v:.4g}" for k, v in record.items()))
            else:
                history.append(record)
            if dist_info.enabled:
                dist.barrier()
    finally:
        if live is not None:
            live.end()
    if dist_info.is_main:
        save_torch(paths.model_file, model.state_dict())
        write_json(paths.model_dir / "model.json", {
            "config": config.provenance(),
            "scenario": space.scenario,
            "epochs_done": config.epochs,
            "normalization": {"kind": config.normalization, "mean": mean, "std": std, "pixel_scale": 255},
            "history": [{k: _finite_or_none(v) for k, v in record.items()} for record in history],
        })
    return FitResult(model, history, (mean, std), start_epoch, epoch_seconds)


def _log_epoch(live, epoch: int, record: Mapping[str, float]) -> None:
    live.step = epoch
    live.log_metric("train/loss", record["train_loss"])
    for key, value in record.items():
        if key.startswith("val_") and math.isfinite(value):
            live.log_metric(f"val/{key[4:]}", value)
    live.next_step()


# --------------------------------------------------------------------------------------------
# Evaluation


@dataclass
class ProtocolResult:
    hint_source: str
    loss: float                       # mean over batches of the summed loss (batch-size weighted)
    scores: dict[str, np.ndarray]     # output name -> float32 [N, n]
    targets: dict[str, np.ndarray]    # output name -> float32 [N, n]
    seconds_per_batch: float | None = None

    def ranking(self, output: str) -> dict[str, float]:
        return metrics.precision_recall_at_k(self.scores[output], self.targets[output], KS)

    def per_class(self, output: str, names: Sequence[str]) -> dict[str, float | None]:
        values = metrics.per_class_top_k_precision(self.scores[output], self.targets[output], k=5)
        return {name: _finite_or_none(v) for name, v in zip(names, values)}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.inference_mode()
def evaluate_protocol(
    model: nn.Module,
    bench: Any,
    space: LabelSpace,
    plan: HintPlan,
    normalize: Normalizer,
    batch_size: int,
    loss_kind: str,
    autocast_dtype: torch.dtype | None = None,
    progress: bool = False,
    time_batches: bool = False,
    description: str = "val",
    loss_reduction: str = "mean",
) -> ProtocolResult:
    """Scores, loss and (optionally) forward seconds per batch on `bench` in its stored order.

    Timing covers the model forward only (hint arrays and images already on the device), with a
    CUDA synchronize on both sides; the first batch is a warm-up and excluded unless it is the
    only one.
    """
    n = len(bench.images)
    if n == 0:
        raise TrainError("evaluation split is empty")
    device = normalize.device
    multi = space.subcategories is not None
    forward = HintedForward(model).eval()
    widths = {"category": space.num_categories, "attributes": space.num_attributes}
    if multi:
        widths["subcategories"] = space.num_subcategories
    scores = {name: np.zeros((n, width), dtype=np.float32) for name, width in widths.items()}
    loss_sum, timings = 0.0, []
    starts = range(0, n, batch_size)
    for start in tqdm(starts, desc=description, disable=not progress, leave=False):
        index = np.arange(start, min(start + batch_size, n))
        images = normalize(bench.images[index])
        targets = batch_targets(bench, index, device, multi)
        hints = plan.batch(index, space, device)
        synchronize(device)
        began = time.perf_counter()
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            outputs = forward(images, hints)
        if time_batches:
            synchronize(device)
            timings.append(time.perf_counter() - began)
        loss_sum += float(compute_loss(outputs, targets, loss_kind, loss_reduction)) * len(index)
        for name in widths:
            scores[name][index] = outputs[name].float().cpu().numpy()
    target_arrays = {"category": bench.category, "attributes": bench.attributes}
    if multi:
        target_arrays["subcategories"] = bench.subcategories
    seconds = None
    if time_batches:
        seconds = float(np.mean(timings[1:] if len(timings) > 1 else timings))
    return ProtocolResult(
        plan.source,
        loss_sum / n,
        scores,
        {k: np.asarray(v, dtype=np.float32) for k, v in target_arrays.items()},
        seconds,
    )


def _finite_or_none(value: float) -> float | None:
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


def _rounded(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: _finite_or_none(v) for k, v in values.items()}


def evaluate(
    model: nn.Module,
    config: TrainConfig,
    inputs: RunInputs,
    normalization: tuple[Sequence[float], Sequence[float]],
    train_loss: float,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(run metrics, per-class metrics) dicts in the shapes of docs/contracts.md "Run metrics"."""
    space, val = inputs.space, inputs.val
    device = next(model.parameters()).device
    normalize = Normalizer(*normalization, device)
    autocast_dtype = amp_dtype(device, config.amp)
    val_seed = derived_seed(config.seed, _VAL_HINTS)
    plans = {
        "paper": plan_hints(
            val, config.dataset, config.hint_source, config.hint_rate, config.attribute_hint_rate, val_seed,
            inputs.annotations,
        ),
        "leakage_free": leakage_free_plan(val, config.dataset, val_seed, inputs.annotations),
    }
    outputs = ["attributes", "categories"] + (["subcategories"] if space.subcategories is not None else [])
    output_key = {"attributes": "attributes", "categories": "category", "subcategories": "subcategories"}
    names = {"attributes": space.attributes, "categories": space.categories, "subcategories": space.subcategories}
    run_metrics: dict[str, Any] = {
        "dataset": config.dataset,
        "backbone": config.backbone,
        "head": config.head,
        "scenario": space.scenario,
        "epochs": config.epochs,
        "train_loss": _finite_or_none(train_loss),
        "val_batch_size": config.eval_batch_size,
    }
    per_class: dict[str, Any] = {}
    frequency = attribute_frequency(inputs.train)
    for protocol, plan in plans.items():
        result = evaluate_protocol(
            model, val, space, plan, normalize, config.eval_batch_size, config.loss, autocast_dtype,
            progress=config.progress, time_batches=protocol == "paper", description=f"val {protocol}",
            loss_reduction=config.loss_reduction,
        )
        if protocol == "paper":
            run_metrics["val_seconds_per_batch"] = round(result.seconds_per_batch, 6)
        section: dict[str, Any] = {"hint_source": result.hint_source, "loss": _finite_or_none(result.loss)}
        per_class[protocol] = {}
        for name in outputs:
            section[name] = _rounded(result.ranking(output_key[name]))
            per_class[protocol][name] = result.per_class(output_key[name], names[name])
        # is the run clear of the label-frequency baseline? 95 % paired-bootstrap interval over val images
        section["gain_over_baseline"] = {"attributes": _rounded(metrics.gain_over_frequency_baseline(
            result.scores["attributes"], result.targets["attributes"], frequency, k=GAIN_K, seed=config.seed))}
        run_metrics[protocol] = section
    run_metrics["baseline"] = {"attributes": _rounded(metrics.frequency_baseline(frequency, val.attributes, KS))}
    return run_metrics, per_class


def attribute_frequency(train: Any) -> np.ndarray:
    """Share of training samples carrying each attribute (fashion.data.label_frequency)."""
    return np.asarray(label_frequency(train)["attributes"], dtype=np.float64)


def run(
    config: TrainConfig,
    inputs: RunInputs,
    paths: RunPaths,
    on_batch_end: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any] | None:
    """fit + evaluate + write metrics JSON and per-class JSON. Returns the run metrics on rank 0
    (None on other ranks, which only train)."""
    if inputs.val is None or len(inputs.val.images) == 0:
        raise TrainError(f"{config.dataset}: the val split is empty; nothing to evaluate")
    fitted = fit(config, inputs, paths, on_batch_end)
    if int(os.environ.get("RANK", "0")) != 0:
        return None
    with deterministic_mode(config.deterministic, next(fitted.model.parameters()).device):
        run_metrics, per_class = evaluate(fitted.model, config, inputs, fitted.normalization, fitted.train_loss)
    write_json(paths.metrics_file, run_metrics)
    write_json(paths.per_class_file, per_class)
    return run_metrics


# --------------------------------------------------------------------------------------------
# Inputs from the contract's files


def load_inputs(processed_dir: str | os.PathLike, dataset: str, labels: str = "truth") -> RunInputs:
    """ranges.json + images/<dataset>/ (+ annotations.parquet for Instagram) -> RunInputs."""
    import json

    processed = Path(processed_dir)
    ranges_file = processed / "ranges.json"
    if not ranges_file.is_file():
        raise TrainError(f"{ranges_file}: not found (run the ranges stage first)")
    try:
        ranges = json.loads(ranges_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TrainError(f"{ranges_file}: invalid JSON ({error})") from error
    if dataset not in ranges:
        raise TrainError(f"{ranges_file}: no section {dataset!r} (have {sorted(ranges)})")
    section = ranges[dataset]
    space = LabelSpace.from_ranges(section)
    annotations = None
    annotations_file = processed / "annotations.parquet"
    if dataset == "instagram":
        if not annotations_file.is_file():
            raise TrainError(f"{annotations_file}: not found (Instagram text hints need the rank stage)")
        annotations = read_annotations(annotations_file)  # parsed once, reused by every hint draw
    images_dir = processed / "images" / dataset
    train = load_benchmark(images_dir, section, "train", labels, annotations)
    val = load_benchmark(images_dir, section, "val", labels, annotations)
    return RunInputs(space, train, val, annotations)
