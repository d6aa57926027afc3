"""The training loop of the image classifiers (base / DynamicPruning / DynamicLayers heads).

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
    torchvision's ImageNet constants (fashion.data.transforms).
  * Hints follow the "paper" protocol (``hint_source="paper"`` resolved per dataset by
    ``fashion.data.hints.plan_hints``); truth/text hints are redrawn every epoch with a seed
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

Nothing here reads the test split (DeepFashion's partition): training keeps the last epoch and
chooses nothing, so test stays unseen until ``evaluate`` scores it once.

Evaluation (``evaluate``) runs the val split (and the test split) under the "paper" and "leakage_free" hint protocols
(docs/contracts.md "Hint protocols"); predicted hints come from a first decode without hints on
the same features (one encode per batch). Metrics are defined in ``fashion.metrics``.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from fashion.data.benchmark import label_frequency
from fashion.data.hints import HintPlan, plan_hints
from fashion.data.transforms import Normalizer, augment_batch, normalization_stats
from fashion.io import write_json
from fashion.models import LabelSpace, get_model
from fashion.train.checkpoint import (
    CHECKPOINT_FORMAT,
    code_fingerprint,
    data_fingerprint,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    save_torch,
    set_rng_state,
)
from fashion.train.config import RunPaths, TrainConfig, TrainError
from fashion.train.evaluate import evaluate_protocol, finite_or_none
from fashion.train.forward import HintedForward, hint_batch
from fashion.train.inputs import RunInputs
from fashion.train.live import log_epoch, open_live
from fashion.train.loss import batch_targets, compute_loss
from fashion.train.runtime import DistInfo, amp_dtype, deterministic_mode, init_distributed, resolve_device, seed_everything
from fashion.train.sampling import AUGMENT, TRAIN_HINTS, VAL_HINTS, derived_seed, epoch_order, rank_batches

logger = logging.getLogger(__name__)


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


@dataclass
class EpochContext:
    """What every epoch of a run shares: the model and its optimizer, the data and its hints,
    and how a batch is prepared and scored."""

    forward: nn.Module                           # HintedForward (DDP-wrapped under torchrun)
    optimizer: torch.optim.Optimizer
    bench: Any                                   # fashion.data Benchmark (train split)
    space: LabelSpace
    normalize: Normalizer
    loss: str = "mse"
    loss_reduction: str = "mean"
    autocast_dtype: torch.dtype | None = None
    scaler: torch.amp.GradScaler | None = None
    augment: str = "none"
    progress: bool = False


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


def train_one_epoch(
    ctx: EpochContext,
    batches: Sequence[np.ndarray],
    plan: HintPlan,
    learning_rates: Sequence[float] | None = None,
    augment_seed: int = 0,
    on_batch_end: Callable[[int, float], None] | None = None,
    description: str = "train",
) -> tuple[float, int]:
    """One pass of SGD steps over `batches` (index arrays). Returns (sum of batch loss × size, samples).

    learning_rates[step] (one per batch) is set on every parameter group before that step (None:
    leave the optimizer's lr alone); ctx.augment transforms each batch with a generator seeded by
    augment_seed (fashion.data.transforms.augment_batch)."""
    device = ctx.normalize.device
    multi = ctx.space.subcategories is not None
    ctx.forward.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    seen = 0
    generator = torch.Generator().manual_seed(augment_seed)
    for step, index in enumerate(tqdm(batches, desc=description, disable=not ctx.progress, leave=False)):
        if learning_rates is not None:
            for group in ctx.optimizer.param_groups:
                group["lr"] = learning_rates[step]
        images = augment_batch(ctx.normalize(ctx.bench.images[index]), ctx.augment, generator)  # [B,3,H,W]
        targets = batch_targets(ctx.bench, index, device, multi)
        hints = hint_batch(plan, index, ctx.space, device)
        with torch.autocast(device.type, dtype=ctx.autocast_dtype, enabled=ctx.autocast_dtype is not None):
            outputs = ctx.forward(images, hints)
        loss = compute_loss(outputs, targets, ctx.loss, ctx.loss_reduction)
        ctx.optimizer.zero_grad(set_to_none=True)
        if ctx.scaler is not None:
            ctx.scaler.scale(loss).backward()
            ctx.scaler.step(ctx.optimizer)
            ctx.scaler.update()
        else:
            loss.backward()
            ctx.optimizer.step()
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
    mean, std = normalization_stats(config.normalization, train.images)
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
        plan_hints(inputs.val, "paper", config.hints, derived_seed(config.seed, VAL_HINTS), inputs.annotations)
        if dist_info.is_main and inputs.val is not None and len(inputs.val.images)
        else None
    )
    ctx = EpochContext(forward, optimizer, train, space, normalize, config.loss, config.loss_reduction,
                       autocast_dtype, scaler, config.augment, config.progress and dist_info.is_main)
    try:
        for epoch in range(start_epoch, config.epochs):
            plan = plan_hints(train, "paper", config.hints, derived_seed(config.seed, TRAIN_HINTS, epoch),
                              inputs.annotations)
            order = epoch_order(n_train, config.seed, epoch)
            batches = rank_batches(order, config.batch_size, dist_info.rank, dist_info.world_size)
            hook = None if on_batch_end is None else (lambda step, loss, e=epoch: on_batch_end(e, step, loss))
            started = time.perf_counter()
            loss_sum, seen = train_one_epoch(
                ctx, batches, plan,
                learning_rates=epoch_learning_rates(config, epoch, len(batches)),
                augment_seed=derived_seed(config.seed, AUGMENT, epoch, dist_info.rank),
                on_batch_end=hook,
                description=f"{config.dataset} {config.run_name} epoch {epoch + 1}/{config.epochs}",
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
                    log_epoch(live, epoch, record)
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
            "history": [{k: finite_or_none(v) for k, v in record.items()} for record in history],
        })
    return FitResult(model, history, (mean, std), start_epoch, epoch_seconds)


