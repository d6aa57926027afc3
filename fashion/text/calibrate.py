"""Per-facet score floors for the ranker, chosen on labelled posts (the demo world's training split).

A label is listed only when its score reaches its facet's floor (``rank.min_score_<formula>``), so a
post may get no brand, or no label of a facet, when the evidence is weak. ``calibrate`` picks, per
facet, the floor that maximises the honest micro F1@k (fashion.text.evaluate: a label for a post
whose truth is empty is a false positive) over the given posts; candidates are the scores the
listed labels take there, and ties go to the lowest floor.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import math

import numpy as np


def calibrate(scores: np.ndarray, terms, truth: Sequence[Mapping[str, set[str]]], k: int, min_relative: float,
              facets: Sequence[str] | None = None, max_candidates: int = 400) -> dict[str, dict]:
    """scores [P, L] (no floor applied) and per-post truth -> facet -> {floor, micro_f1, micro_f1_unfloored}."""
    out = {}
    for facet in facets or terms.facets:
        sl = terms.facet_slice(facet)
        block = scores[:, sl]
        if block.shape[1] == 0:
            continue
        gold = [t.get(facet) or set() for t in truth]
        if not any(gold):
            continue
        order = np.argsort(-block, axis=1, kind="stable")[:, :k]                 # [P, k]
        best = np.take_along_axis(block, order, axis=1)
        listed = (best > 0) & (best >= min_relative * best[:, :1])
        keys = [terms.label_keys[sl.start + j] for j in range(sl.stop - sl.start)]
        hit = np.array([[keys[j] in g for j in row] for row, g in zip(order, gold)], dtype=bool).reshape(best.shape)
        n_gold = sum(len(g) for g in gold)
        values = np.unique(best[listed])
        if len(values) > max_candidates:
            values = np.unique(np.quantile(values, np.linspace(0, 1, max_candidates)))
        candidates = np.r_[0.0, values]

        def f1(floor: float) -> float:
            keep = listed & (best >= floor)
            tp = int((keep & hit).sum())
            fp = int((keep & ~hit).sum())
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / n_gold if n_gold else 0.0
            return 2 * p * r / (p + r) if p + r else 0.0

        f1s = np.array([f1(c) for c in candidates])
        choice = int(np.argmax(f1s))  # first maximum: the lowest floor among ties
        floor = math.floor(float(candidates[choice]) * 1e4) / 1e4  # rounded down: the chosen label stays listed
        out[facet] = {"floor": floor, "micro_f1": round(float(f1s[choice]), 4),
                      "micro_f1_unfloored": round(float(f1s[0]), 4)}
    return out
