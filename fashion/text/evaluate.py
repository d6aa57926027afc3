"""Mined labels against annotated truth (truth.parquet + annotated.parquet): honest and truth-only metrics.

Truth for a post and facet is the union of its items' labels (categories from ``category``,
subcategories, brands, styles, and each attribute group's list column). Every annotated post is
evaluated for every facet: a post the annotators saw without any item (food, travel, a birthday;
listed in ``annotated.parquet`` beside truth.parquet) has empty truth everywhere, and a post whose
items carry no brand has empty brand truth. Per facet, the honest metrics (top-k labels):

* ``micro_precision@k`` / ``micro_recall@k`` / ``micro_f1@k``: over all annotated posts, each
  listed label is a true or a false positive (a label listed for a post whose truth for the facet is
  empty is a false positive), each true label not listed a false negative;
* ``hit@1``: over posts with non-empty truth, share whose top label is true (no label = a miss);
* ``false_positive_rate``: over posts with empty truth (``empty_posts``), share given any label.

Beside them, under the names they always had, the truth-only metrics (a post counts only when its
truth for the facet is non-empty, so a label mined for a brand-free post is never an error):
``posts`` (such posts), ``predicted_posts`` (those with a label), ``precision@1`` / ``precision@k``
over predicted posts, ``recall@k`` over all of them, ``f1@k`` their harmonic mean. ``precision@1``
is also the honest "P@1 where the truth is non-empty".
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pyarrow.parquet as pq

SINGLE_COLUMNS = {"categories": "category", "subcategories": "subcategory", "brands": "brand"}
ANNOTATED_FILE = "annotated.parquet"  # ingest: every annotated post id, with or without items


class TruthError(ValueError):
    """truth.parquet is malformed; the message names the file and the reason."""


def truth_column(facet: str) -> str:
    return SINGLE_COLUMNS.get(facet, facet)


def load_truth(path: str | Path, facets: Sequence[str]) -> dict[str, dict[str, set[str]]]:
    """post_id -> facet -> set of label keys (facets whose column is absent are skipped). Posts
    listed in ``annotated.parquet`` beside ``path`` but without truth rows come with empty truth."""
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
    for pid in annotated_posts(path.with_name(ANNOTATED_FILE)):
        truth.setdefault(pid, {})
    return truth


def annotated_posts(path: str | Path) -> list[str]:
    """Post ids of annotated.parquet ([] when the file is absent: an older ingest)."""
    path = Path(path)
    if not path.exists():
        return []
    table = pq.read_table(path, columns=["post_id"])
    if table.column("post_id").null_count:
        raise TruthError(f"{path}: a row has no post_id")
    return table.column("post_id").to_pylist()


def evaluate(predictions: Mapping[str, Mapping[str, Sequence[str]]],
             truth: Mapping[str, Mapping[str, set[str]]], k: int, facets: Sequence[str]) -> dict[str, dict]:
    """facet -> metrics (see module docstring); facets no post has truth for are left out."""
    out: dict[str, dict] = {}
    for facet in facets:
        p1, pk, rk = [], [], []
        tp = fp = fn = 0
        empty = empty_flagged = hits_1 = 0
        for pid, facets_truth in truth.items():
            gold = facets_truth.get(facet) or set()
            predicted = list(predictions.get(pid, {}).get(facet, ()))[:k]
            hits = sum(1 for label in predicted if label in gold)
            tp += hits
            fp += len(predicted) - hits
            fn += len(gold) - hits
            if not gold:
                empty += 1
                empty_flagged += bool(predicted)
                continue
            rk.append(hits / len(gold))
            hits_1 += bool(predicted) and predicted[0] in gold
            if predicted:
                p1.append(1.0 if predicted[0] in gold else 0.0)
                pk.append(hits / len(predicted))
        if not rk:
            continue
        precision_1 = sum(p1) / len(p1) if p1 else 0.0
        precision_k = sum(pk) / len(pk) if pk else 0.0
        recall_k = sum(rk) / len(rk)
        micro_p = tp / (tp + fp) if tp + fp else 0.0
        micro_r = tp / (tp + fn) if tp + fn else 0.0
        out[facet] = {
            # truth-only (the numbers this file always had)
            "posts": len(rk), "predicted_posts": len(pk), "precision@1": round(precision_1, 4),
            "precision@k": round(precision_k, 4), "recall@k": round(recall_k, 4), "f1@k": round(_f1(precision_k, recall_k), 4),
            # honest: every annotated post
            "annotated_posts": len(rk) + empty, "empty_posts": empty,
            "micro_precision@k": round(micro_p, 4), "micro_recall@k": round(micro_r, 4),
            "micro_f1@k": round(_f1(micro_p, micro_r), 4), "hit@1": round(hits_1 / len(rk), 4),
            "false_positive_rate": round(empty_flagged / empty, 4) if empty else None,
        }
    return out


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
