"""Offline evaluation on the temporal hold-out: per account, a top-k list against the labels its
hidden posts show; hit-rate@k, recall@k and NDCG@k; 95 % percentile bootstrap over accounts,
model - baseline differences paired (the same draws).

Definitions (per account with at least one relevant label; R = relevant labels, L = top-k list):
hit = 1 if L and R meet; recall = |L ∩ R| / |R|; NDCG = Σ_{i: L_i ∈ R} 1/log2(i + 1) over
positions i = 1..k, divided by the same sum for the ideal list (min(|R|, k) hits first).
Relevance "all": every label of the kind the hidden posts show; "new": only those the account's
fit posts never showed (what a recommendation of things not yet worn can hit). The repeat
baseline can only list worn labels, so it is scored on "all" only."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fashion.recommend.models import Model, chunk_rows, top

METRIC_NAMES = ("hit_rate", "recall", "ndcg")
RELEVANCE = ("all", "new")


def ranking_metrics(lists: np.ndarray, relevant: list[set[int]] | sp.spmatrix, k: int) -> dict[str, np.ndarray]:
    """Per row of `lists` (label codes, -1 = empty slot): hit, recall and NDCG at k; `relevant`
    per row: a set of codes, or a sparse rows x labels matrix (> 0 = relevant)."""
    lists = lists[:, :k]
    n = len(lists)
    if sp.issparse(relevant):
        dense = np.asarray(relevant.todense()) > 0
        hits = np.take_along_axis(dense, np.maximum(lists, 0), axis=1) & (lists >= 0) if lists.size else \
            np.zeros(lists.shape, dtype=bool)
        n_relevant = dense.sum(axis=1).astype(np.float64)
    else:
        hits = np.array([[c >= 0 and c in rel for c in row] for row, rel in zip(lists, relevant)], dtype=bool).reshape(lists.shape)
        n_relevant = np.array([len(r) for r in relevant], dtype=np.float64)
    discount = 1.0 / np.log2(np.arange(2, lists.shape[1] + 2))
    dcg = (hits * discount).sum(axis=1)
    ideal_cum = np.r_[0.0, np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))]
    idcg = ideal_cum[np.minimum(n_relevant, k).astype(np.int64)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"hit_rate": hits.any(axis=1).astype(np.float64)[:n],
                "recall": np.where(n_relevant > 0, hits.sum(axis=1) / n_relevant, np.nan),
                "ndcg": np.where(idcg > 0, dcg / idcg, np.nan)}


def bootstrap_draws(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n)) if n else np.zeros((resamples, 0), np.int64)


def summarise(values: np.ndarray, draws: np.ndarray) -> dict[str, float]:
    """Mean with its 95 % percentile interval over the bootstrap `draws` (rows of account indices)."""
    if len(values) == 0:
        return {"mean": None, "low": None, "high": None}
    means = values[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": round(float(values.mean()), 6), "low": round(float(low), 6), "high": round(float(high), 6)}


def _flatten(prefix_stats: dict[str, dict[str, float]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, stats in prefix_stats.items():
        out[name] = stats["mean"]
        out[f"{name}_low"] = stats["low"]
        out[f"{name}_high"] = stats["high"]
    return out


def evaluate_kind(models: dict[str, Model], primary: str, fit: sp.csr_matrix, hidden: sp.csr_matrix,
                  candidates: np.ndarray, k: int, resamples: int, seed: int) -> dict:
    """{all|new: {accounts, models: {name: metrics}, differences: {primary-baseline: metrics}}} for
    one kind (its label codes `candidates`, sorted). Accounts without a relevant label are left out."""
    out = {}
    fit_kind = fit[:, candidates].tocsr()
    hidden_kind = (hidden[:, candidates] > 0).astype(np.int8).tocsr()
    new_kind = (hidden_kind - hidden_kind.multiply(fit_kind > 0)).astype(np.int8).tocsr()
    to_local = np.full(fit.shape[1], -1, dtype=np.int64)
    to_local[candidates] = np.arange(len(candidates))
    chunk = chunk_rows(len(candidates))
    for relevance, relevant in (("all", hidden_kind), ("new", new_kind)):
        relevant.eliminate_zeros()
        accounts = np.flatnonzero((np.diff(relevant.indptr) > 0) & (np.diff(fit.indptr) > 0))
        names = [m for m in models if not (relevance == "new" and m == "repeat")]
        per_model = {m: {name: [] for name in METRIC_NAMES} for m in names}
        for start in range(0, len(accounts), chunk):
            rows = accounts[start:start + chunk]
            exclude = (np.asarray(fit_kind[rows].todense()) > 0) if relevance == "new" else None
            rel = relevant[rows].tocsr()
            for m in names:
                lists = top(models[m].scores(rows, candidates), candidates, k, exclude)
                lists_local = np.where(lists >= 0, to_local[np.maximum(lists, 0)], -1)
                for name, values in ranking_metrics(lists_local, rel, k).items():
                    per_model[m][name].append(values)
        draws = bootstrap_draws(len(accounts), resamples, seed)
        values = {m: {name: np.concatenate(v) if v else np.zeros(0) for name, v in per.items()} for m, per in per_model.items()}
        cell = {"accounts": int(len(accounts)),
                "models": {m: _flatten({name: summarise(values[m][name], draws) for name in METRIC_NAMES})
                           for m in names},
                "differences": {f"{primary}-{m}": _flatten({name: summarise(values[primary][name] - values[m][name], draws)
                                                          for name in METRIC_NAMES})
                                for m in names if m != primary}}
        out[relevance] = cell
    return out
