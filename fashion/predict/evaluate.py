"""What the text buys at the moment of use: four variants scored against the truth per facet.

Per post and facet, with scores s [L] and truth Y (a set of labels), only labels scoring > 0
count as predicted (text names few labels; a zero-score label is no prediction):

    P@k  = |top_k(s) ∩ Y| / k          (averaged over the evaluated posts)
    R@k  = |top_k(s) ∩ Y| / |Y|        (over posts whose truth has labels of the facet)
    F1   = micro F1 of the top-3 sets:  2 TP / (2 TP + FP + FN), summed over posts

95 % intervals: percentile bootstrap over posts (`resamples` draws seeded by `seed`); the
differences between variants are paired (the same draws for both).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

VARIANTS = ("text", "image", "dynamic", "fused")
K = 3
PAIRS = (("dynamic", "image"), ("fused", "image"), ("fused", "dynamic"), ("fused", "text"))


def per_post(scores: np.ndarray, truth: np.ndarray, k: int = K) -> dict[str, np.ndarray]:
    """Per-post counts: hits@1, hits@k, truth size, predicted-at-k size (scores, truth: [N, L])."""
    scores = np.asarray(scores, np.float64)
    truth = np.asarray(truth) > 0
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]                    # [N, k]
    positive = np.take_along_axis(scores, order, axis=1) > 0                   # predicted labels only
    hit = np.take_along_axis(truth, order, axis=1) & positive                  # [N, k]
    return {"hit1": hit[:, 0].astype(np.float64), "hitk": hit.sum(axis=1).astype(np.float64),
            "size": truth.sum(axis=1).astype(np.float64), "predicted": positive.sum(axis=1).astype(np.float64)}


def _metrics(counts: Mapping[str, np.ndarray], rows: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Metric values for each bootstrap row set `rows` [B, N] (or [1, N])."""
    hit1, hitk, size, predicted = (counts[n][rows] for n in ("hit1", "hitk", "size", "predicted"))
    labelled = size > 0
    recall = np.where(labelled, hitk / np.where(labelled, size, 1.0), 0.0).sum(axis=1) / np.maximum(
        labelled.sum(axis=1), 1)
    tp, fp, fn = hitk.sum(axis=1), (predicted - hitk).sum(axis=1), (size - hitk).sum(axis=1)
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    return {"p@1": hit1.mean(axis=1), f"p@{k}": (hitk / k).mean(axis=1), f"r@{k}": recall, "f1": f1}


def _interval(point: float, draws: np.ndarray) -> tuple[float, float, float]:
    low, high = np.percentile(draws, [2.5, 97.5])
    return round(float(point), 6), round(float(low), 6), round(float(high), 6)


def evaluate_variants(scores: Mapping[str, Mapping[str, np.ndarray]], truth: Mapping[str, np.ndarray],
                      resamples: int, seed: int, k: int = K) -> dict:
    """scores[variant][facet] [N, L] and truth[facet] [N, L] ->
    {"variants": {variant: {facet: {metric, metric_low, metric_high}}},
     "differences": {"a-b": {facet: {metric: Δ, _low, _high}}}} (paired bootstrap)."""
    n = len(next(iter(truth.values()))) if truth else 0
    if n == 0:
        return {"variants": {}, "differences": {}}
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(resamples, n))                            # [B, N], shared by all
    everyone = np.arange(n)[None, :]
    values: dict[str, dict[str, dict]] = {}
    for variant, facets in scores.items():
        values[variant] = {}
        for facet, facet_scores in facets.items():
            counts = per_post(facet_scores, truth[facet], k)
            values[variant][facet] = (_metrics(counts, everyone, k), _metrics(counts, draws, k))
    out: dict = {"variants": {}, "differences": {}}
    for variant, facets in values.items():
        out["variants"][variant] = {facet: _flatten({m: _interval(point[m][0], boot[m]) for m in point})
                                    for facet, (point, boot) in facets.items()}
    for a, b in PAIRS:
        if a not in values or b not in values:
            continue
        out["differences"][f"{a}-{b}"] = {
            facet: _flatten({m: _interval(values[a][facet][0][m][0] - values[b][facet][0][m][0],
                                          values[a][facet][1][m] - values[b][facet][1][m])
                             for m in values[a][facet][0]})
            for facet in values[a] if facet in values[b]}
    return out


def _flatten(intervals: Mapping[str, tuple[float, float, float]]) -> dict[str, float]:
    flat: dict[str, float] = {}
    for metric, (point, low, high) in intervals.items():
        flat[metric], flat[f"{metric}_low"], flat[f"{metric}_high"] = point, low, high
    return flat
