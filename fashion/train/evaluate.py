"""Evaluation of a trained model on the val split (and the test split, where the dataset has one)
under every hint protocol (fashion.data.hints.PROTOCOLS): scores, loss, P/R@k, the DeepFashion
benchmark's own measures, per-class precision (val) and the gain over the label-frequency
baseline, in the shapes of docs/contracts.md "Run metrics"."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from fashion import metrics
from fashion.data.benchmark import label_frequency
from fashion.data.hints import PROTOCOLS, HintPlan, plan_hints
from fashion.data.transforms import Normalizer
from fashion.models import LabelSpace
from fashion.train.config import GAIN_K, KS, TrainConfig, TrainError
from fashion.train.forward import HintedForward, hint_batch
from fashion.train.inputs import RunInputs
from fashion.train.loss import batch_targets, compute_loss
from fashion.train.runtime import amp_dtype, synchronize
from fashion.train.sampling import TEST_HINTS, VAL_HINTS, derived_seed


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
        return {name: finite_or_none(v) for name, v in zip(names, values)}


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
    forward = HintedForward(model, plan.rule).eval()
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
        hints = hint_batch(plan, index, space, device)
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


def finite_or_none(value: float) -> float | None:
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


def _rounded(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: finite_or_none(v) for k, v in values.items()}


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
    val_seed = derived_seed(config.seed, VAL_HINTS)
    plans = {protocol: plan_hints(val, protocol, config.hints, val_seed, inputs.annotations) for protocol in PROTOCOLS}
    outputs = ["attributes", "categories"] + (["subcategories"] if space.subcategories is not None else [])
    output_key = {"attributes": "attributes", "categories": "category", "subcategories": "subcategories"}
    names = {"attributes": space.attributes, "categories": space.categories, "subcategories": space.subcategories}
    run_metrics: dict[str, Any] = {
        "dataset": config.dataset,
        "backbone": config.backbone,
        "head": config.head,
        "scenario": space.scenario,
        "epochs": config.epochs,
        "train_loss": finite_or_none(train_loss),
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
        run_metrics[protocol] = _section(result, outputs, output_key, frequency, config.seed, inputs.attribute_types)
        per_class[protocol] = {name: result.per_class(output_key[name], names[name]) for name in outputs}
    run_metrics["baseline"] = {"attributes": _rounded(metrics.frequency_baseline(frequency, val.attributes, KS))}
    test = inputs.test
    if test is not None and len(test.images):
        # The benchmark's test partition: scored once, after training; nothing is chosen on it.
        test_seed = derived_seed(config.seed, TEST_HINTS)
        run_metrics["test"] = {"images": len(test.images)}
        for protocol in PROTOCOLS:
            plan = plan_hints(test, protocol, config.hints, test_seed, inputs.annotations)
            result = evaluate_protocol(
                model, test, space, plan, normalize, config.eval_batch_size, config.loss, autocast_dtype,
                progress=config.progress, description=f"test {protocol}", loss_reduction=config.loss_reduction,
            )
            run_metrics["test"][protocol] = _section(result, outputs, output_key, frequency, config.seed,
                                                     inputs.attribute_types)
        run_metrics["test"]["baseline"] = {"attributes": _rounded(metrics.frequency_baseline(frequency, test.attributes, KS))}
    return run_metrics, per_class


def benchmark_measures(result: ProtocolResult, attribute_types: Sequence[str] | None) -> dict[str, Any]:
    """The DeepFashion benchmark's measures (docs/metrics.md): category top-1/3/5 accuracy and
    attribute top-3/5 recall, overall and per attribute type."""
    category = metrics.category_top_k_accuracy(result.scores["category"], result.targets["category"])
    attributes = metrics.attribute_top_k_recall(result.scores["attributes"], result.targets["attributes"],
                                                attribute_types)
    types = attributes.pop("types", {})
    return {"category": _rounded(category), "attributes": _rounded(attributes),
            "attribute_types": {name: _rounded(values) for name, values in types.items()}}


def _section(result: ProtocolResult, outputs: Sequence[str], output_key: Mapping[str, str],
             frequency: np.ndarray, seed: int, attribute_types: Sequence[str] | None) -> dict[str, Any]:
    """One protocol's metrics on one split."""
    section: dict[str, Any] = {"hint_source": result.hint_source, "loss": finite_or_none(result.loss)}
    for name in outputs:
        section[name] = _rounded(result.ranking(output_key[name]))
    # is the run clear of the label-frequency baseline? 95 % paired-bootstrap interval over the split's images
    section["gain_over_baseline"] = {"attributes": _rounded(metrics.gain_over_frequency_baseline(
        result.scores["attributes"], result.targets["attributes"], frequency, k=GAIN_K, seed=seed))}
    if attribute_types is not None:
        section["benchmark"] = benchmark_measures(result, attribute_types)
    return section


def attribute_frequency(train: Any) -> np.ndarray:
    """Share of training samples carrying each attribute (fashion.data.label_frequency)."""
    return np.asarray(label_frequency(train)["attributes"], dtype=np.float64)
