"""Precision/recall/F1 at k of mined labels against annotated truth (truth.parquet).

Truth for a post and facet is the union of its items' labels (categories from ``category``,
subcategories, brands, styles, and each attribute group's list column). A post is evaluated for
a facet when its truth for that facet is non-empty. Per facet:

* ``posts``: posts evaluated; ``predicted_posts``: those with at least one mined label;
* ``precision@1`` / ``precision@k``: over predicted posts, share of the top-1 / top-k labels
  that are true (top-k may hold fewer than k labels when fewer have signal);
* ``recall@k``: over all evaluated posts (a post without prediction recalls nothing);
* ``f1@k``: harmonic mean of precision@k and recall@k.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pyarrow.parquet as pq

SINGLE_COLUMNS = {"categories": "category", "subcategories": "subcategory", "brands": "brand"}


class TruthError(ValueError):
    """truth.parquet is malformed; the message names the file and the reason."""


def truth_column(facet: str) -> str:
    return SINGLE_COLUMNS.get(facet, facet)


def load_truth(path: str | Path, facets: Sequence[str]) -> dict[str, dict[str, set[str]]]:
    """post_id -> facet -> set of label keys (facets whose column is absent are skipped)."""
    path = Path(path)
    if not path.exists():
        raise TruthError(f"{path}: not found")
    pf = pq.ParquetFile(path)
    names = set(pf.schema_arrow.names)
    if "post_id" not in names:
        raise TruthError(f"{path}: missing column post_id")
    wanted = [f for f in facets if truth_column(f) in names]
    table = pf.read(columns=["post_id"] + [truth_column(f) for f in wanted])
    post_ids = table.column("post_id").to_pylist()
    truth: dict[str, dict[str, set[str]]] = {}
    for facet in wanted:
        values = table.column(truth_column(facet)).to_pylist()
        for row, (pid, value) in enumerate(zip(post_ids, values)):
            if pid is None:
                raise TruthError(f"{path}: row {row} has no post_id")
            labels = truth.setdefault(pid, {}).setdefault(facet, set())
            if value is None:
                continue
            if isinstance(value, list):
                labels.update(v for v in value if v)
            else:
                labels.add(value)
    for pid in post_ids:
        truth.setdefault(pid, {})
    return truth


def evaluate(predictions: Mapping[str, Mapping[str, Sequence[str]]],
             truth: Mapping[str, Mapping[str, set[str]]], k: int, facets: Sequence[str]) -> dict[str, dict]:
    """facet -> metrics (see module docstring); facets no post has truth for are left out."""
    out: dict[str, dict] = {}
    for facet in facets:
        p1, pk, rk = [], [], []
        posts = 0
        for pid, facets_truth in truth.items():
            gold = facets_truth.get(facet)
            if not gold:
                continue
            posts += 1
            predicted = list(predictions.get(pid, {}).get(facet, ()))[:k]
            hits = sum(1 for label in predicted if label in gold)
            rk.append(hits / len(gold))
            if predicted:
                p1.append(1.0 if predicted[0] in gold else 0.0)
                pk.append(hits / len(predicted))
        if posts == 0:
            continue
        precision_1 = sum(p1) / len(p1) if p1 else 0.0
        precision_k = sum(pk) / len(pk) if pk else 0.0
        recall_k = sum(rk) / len(rk)
        f1 = 2 * precision_k * recall_k / (precision_k + recall_k) if precision_k + recall_k else 0.0
        out[facet] = {"posts": posts, "predicted_posts": len(pk), "precision@1": round(precision_1, 4),
                      "precision@k": round(precision_k, 4), "recall@k": round(recall_k, 4), "f1@k": round(f1, 4)}
    return out
