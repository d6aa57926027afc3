"""Ranking metrics for multi-label predictions (pure functions on numpy arrays or torch tensors).

Notation: for a sample x with label set Y (the 1s of its multi-hot target row) and scores s(x),
h_k(x) is the set of the k highest-scoring labels. Sorting is descending and *stable*, so equal
scores are ranked by label index (lower index first); k is clipped to the number of labels L,
so |h_k(x)| = min(k, L).

    precision@k = mean over ALL samples of  |h_k(x) ∩ Y| / |h_k(x)|
                  (a sample with Y = ∅ counts as precision 0: the model was asked to rank and
                  every pick was wrong; this is the paper's formula)
    recall@k    = mean over samples with |Y| > 0 of  |h_k(x) ∩ Y| / |Y|
                  (samples with Y = ∅ are skipped because their recall is undefined; NaN when
                  no sample has a label)

Per-class top-k precision of class c = among samples whose h_k(x) contains c, the share with
c ∈ Y (NaN when c never appears in any h_k(x)).

The label-frequency baseline ranks every sample's labels by the label's training frequency (the
same ranking for all samples), ties again by label index.

Gain over the baseline = precision@k of the model minus that of the baseline, with a paired
bootstrap interval: the evaluation samples are resampled with replacement (the same resample for
both rankings) and the interval holds the central `confidence` share of the resampled gains.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

DEFAULT_KS = (1, 3, 5)


def _as_numpy(values) -> np.ndarray:
    """Accept numpy arrays, torch tensors (any device/dtype) or nested lists."""
    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    return np.asarray(values)


def _check_pair(scores: np.ndarray, targets: np.ndarray) -> None:
    if scores.ndim != 2 or targets.ndim != 2:
        raise ValueError(f"scores and targets must be 2-D [N, L]; got {scores.shape} and {targets.shape}")
    if scores.shape != targets.shape:
        raise ValueError(f"scores {scores.shape} and targets {targets.shape} differ in shape")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN; cannot rank")


def top_k_indices(scores, k: int) -> np.ndarray:
    """Indices [N, min(k, L)] of the k highest scores per row, descending, ties by lower index."""
    scores = _as_numpy(scores).astype(np.float64, copy=False)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    # A stable sort of the negated scores keeps equal scores in index order.
    order = np.argsort(-scores, axis=1, kind="stable")  # [N, L]
    return order[:, : min(k, scores.shape[1])]


def _hits_at(order: np.ndarray, positive: np.ndarray, k: int) -> np.ndarray:
    """|h_k(x) ∩ Y| per sample, for a full ranking `order` [N, L] and boolean targets [N, L]."""
    top = order[:, :k]  # [N, k]
    return np.take_along_axis(positive, top, axis=1).sum(axis=1)  # [N]


def _precision_recall(order: np.ndarray, positive: np.ndarray, ks: Iterable[int]) -> dict[str, float]:
    n_labels = positive.shape[1]
    sizes = positive.sum(axis=1)  # |Y| per sample
    labelled = sizes > 0
    out: dict[str, float] = {}
    for k in ks:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        k_eff = min(k, n_labels)
        hits = _hits_at(order, positive, k_eff).astype(np.float64)
        out[f"p@{k}"] = float(np.mean(hits / k_eff)) if len(hits) else float("nan")
        out[f"r@{k}"] = float(np.mean(hits[labelled] / sizes[labelled])) if labelled.any() else float("nan")
    return out


def precision_recall_at_k(scores, targets, ks: Iterable[int] = DEFAULT_KS) -> dict[str, float]:
    """{"p@k": ..., "r@k": ...} for each k, with the formulas in the module docstring.

    scores: [N, L] real scores; targets: [N, L] multi-hot (any value > 0 counts as positive).
    """
    scores = _as_numpy(scores).astype(np.float64, copy=False)
    positive = _as_numpy(targets) > 0
    _check_pair(scores, positive)
    if scores.shape[1] == 0:
        raise ValueError("cannot rank zero labels")
    order = np.argsort(-scores, axis=1, kind="stable")  # [N, L]
    return _precision_recall(order, positive, ks)


def per_class_top_k_precision(scores, targets, k: int = 5) -> np.ndarray:
    """Float array [L]: for class c, share of samples with c ∈ h_k(x) that truly have c; NaN if never picked."""
    scores = _as_numpy(scores).astype(np.float64, copy=False)
    positive = _as_numpy(targets) > 0
    _check_pair(scores, positive)
    n_samples, n_labels = scores.shape
    top = top_k_indices(scores, k)  # [N, k']
    picked = np.zeros((n_samples, n_labels), dtype=bool)
    np.put_along_axis(picked, top, True, axis=1)
    times_picked = picked.sum(axis=0)  # [L]
    correct = (picked & positive).sum(axis=0)  # [L]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = correct / times_picked
    return np.where(times_picked > 0, precision, np.nan)


def frequency_baseline(frequency, targets, ks: Iterable[int] = DEFAULT_KS) -> dict[str, float]:
    """P@k/R@k when every sample gets the same ranking: labels by descending `frequency` [L].

    `frequency` is typically the count (or share) of each label on the training split;
    `targets` [N, L] are the evaluation split's multi-hot labels.
    """
    frequency = _as_numpy(frequency).astype(np.float64).reshape(-1)
    positive = _as_numpy(targets) > 0
    if positive.ndim != 2 or positive.shape[1] != frequency.shape[0]:
        raise ValueError(f"frequency has {frequency.shape[0]} labels but targets are {positive.shape}")
    ranking = np.argsort(-frequency, kind="stable")  # [L]
    order = np.broadcast_to(ranking, positive.shape)  # [N, L], same ranking per sample
    return _precision_recall(order, positive, ks)


def _precision_per_sample(order: np.ndarray, positive: np.ndarray, k: int) -> np.ndarray:
    k_eff = min(k, positive.shape[1])
    return _hits_at(order, positive, k_eff) / k_eff  # [N]


def gain_over_frequency_baseline(
    scores, targets, frequency, k: int = 3, resamples: int = 2000, confidence: float = 0.95, seed: int = 0,
) -> dict[str, float]:
    """{"p@k", "p@k_low", "p@k_high"}: precision@k of `scores` minus the label-frequency baseline's
    (both on `targets`), and the paired-bootstrap interval of that difference (module docstring).

    The resamples come from `seed`, so the interval is reproducible; memory is resamples × N indices.
    """
    scores = _as_numpy(scores).astype(np.float64, copy=False)
    positive = _as_numpy(targets) > 0
    _check_pair(scores, positive)
    frequency = _as_numpy(frequency).astype(np.float64).reshape(-1)
    if frequency.shape[0] != positive.shape[1]:
        raise ValueError(f"frequency has {frequency.shape[0]} labels but targets are {positive.shape}")
    if k < 1 or resamples < 1 or not 0 < confidence < 1:
        raise ValueError(f"need k >= 1, resamples >= 1, 0 < confidence < 1; got {k}, {resamples}, {confidence}")
    n = positive.shape[0]
    if n == 0 or positive.shape[1] == 0:
        raise ValueError(f"cannot rank an empty evaluation set {positive.shape}")
    model = _precision_per_sample(np.argsort(-scores, axis=1, kind="stable"), positive, k)
    ranking = np.argsort(-frequency, kind="stable")
    baseline = _precision_per_sample(np.broadcast_to(ranking, positive.shape), positive, k)
    difference = model - baseline  # [N], paired per sample
    picks = np.random.default_rng(seed).integers(0, n, size=(resamples, n))  # [R, N]
    low, high = np.quantile(difference[picks].mean(axis=1), [(1 - confidence) / 2, (1 + confidence) / 2])
    return {f"p@{k}": float(difference.mean()), f"p@{k}_low": float(low), f"p@{k}_high": float(high)}


# ---------------------------------------------------------------- the DeepFashion benchmark's measures
# Definitions (docs/metrics.md, with a hand-computed case in tests/test_metrics_benchmark.py):
#   category top-k accuracy = share of samples with a true category among their k best-scored
#       categories (DeepFashion has exactly one true category per image).
#   attribute top-k recall (the benchmark's, as the code behind Liu et al. ECCV 2018 computes it)
#       = Σ_x |h_k(x) ∩ Y(x)| / Σ_x |Y(x)|: true attributes found in the images' top-k lists,
#       pooled over the split, divided by all true attributes.
#   per attribute type t: the same with both the top-k list and Y restricted to type t's
#       attributes (the k best attributes OF THAT TYPE).
#   mean per-attribute top-k recall = mean over attributes a with a positive of
#       #{x : a ∈ Y(x), a ∈ h_k(x)} / #{x : a ∈ Y(x)} (each attribute weighs the same).

BENCHMARK_CATEGORY_KS = (1, 3, 5)
BENCHMARK_ATTRIBUTE_KS = (3, 5)


def category_top_k_accuracy(scores, targets, ks: Iterable[int] = BENCHMARK_CATEGORY_KS) -> dict[str, float]:
    """{"top1": ..., "top3": ..., "top5": ...}: share of samples whose k best-scored labels hold a
    true label; samples without a true label are skipped (NaN when none has one)."""
    scores = _as_numpy(scores).astype(np.float64, copy=False)
    positive = _as_numpy(targets) > 0
    _check_pair(scores, positive)
    order = np.argsort(-scores, axis=1, kind="stable")  # [N, L]
    labelled = positive.any(axis=1)
    out: dict[str, float] = {}
    for k in ks:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        hit = _hits_at(order, positive, min(k, positive.shape[1])) > 0
        out[f"top{k}"] = float(hit[labelled].mean()) if labelled.any() else float("nan")
    return out


def _pooled_recall(scores: np.ndarray, positive: np.ndarray, k: int) -> float:
    if positive.shape[1] == 0 or not positive.any():
        return float("nan")
    order = np.argsort(-scores, axis=1, kind="stable")
    return float(_hits_at(order, positive, min(k, positive.shape[1])).sum() / positive.sum())


def attribute_top_k_recall(scores, targets, types: Sequence[str] | None = None,
                           ks: Iterable[int] = BENCHMARK_ATTRIBUTE_KS) -> dict:
    """The benchmark's attribute measures (definitions above):
    {"recall@k": pooled, "mean_per_attribute_recall@k": ..., "types": {type: {"recall@k"}}}.
    `types` [L] names each attribute's type; the "types" entry is absent without it."""
    scores = _as_numpy(scores).astype(np.float64, copy=False)
    positive = _as_numpy(targets) > 0
    _check_pair(scores, positive)
    ks = tuple(ks)
    if any(k < 1 for k in ks):
        raise ValueError(f"k must be >= 1, got {ks}")
    order = np.argsort(-scores, axis=1, kind="stable")  # [N, L]
    out: dict = {}
    counts = positive.sum(axis=0)  # [L] positives per attribute
    for k in ks:
        out[f"recall@{k}"] = _pooled_recall(scores, positive, k)
        picked = np.zeros_like(positive)
        np.put_along_axis(picked, order[:, : min(k, positive.shape[1])], True, axis=1)
        found = (picked & positive).sum(axis=0)  # [L]
        has = counts > 0
        out[f"mean_per_attribute_recall@{k}"] = float((found[has] / counts[has]).mean()) if has.any() else float("nan")
    if types is not None:
        types = list(types)
        if len(types) != positive.shape[1]:
            raise ValueError(f"types names {len(types)} attributes but scores have {positive.shape[1]}")
        out["types"] = {}
        for name in sorted(set(types), key=types.index):
            columns = np.array([t == name for t in types])
            out["types"][name] = {f"recall@{k}": _pooled_recall(scores[:, columns], positive[:, columns], k)
                                  for k in ks}
    return out
