"""The recommenders behind one interface: `scores(accounts, items)` -> dense accounts x items
scores (items: label codes, default all; scoring only a kind's labels keeps memory at
accounts x that kind).

`implicit` fits them (ALS with confidence weights, BPR, item-item cosine kNN), on one thread
with a fixed random_state, so the same matrix gives the same scores; popularity and repeat are
the baselines. Ranking (`top`) is shared: best score first, ties by label code, so every
model's list is deterministic."""
from __future__ import annotations

import warnings
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from fashion.recommend.config import RecommendSettings, single_threaded_blas


class Model(Protocol):
    name: str

    def scores(self, accounts: np.ndarray, items: np.ndarray | None = None) -> np.ndarray: ...


class Factorisation:
    """implicit ALS or BPR; scores are user x item factor products (BPR's bias column included)."""

    def __init__(self, counts: sp.csr_matrix, settings: RecommendSettings, seed: int, kind: str | None = None) -> None:
        single_threaded_blas()
        self.name = kind or settings.model
        confidence = counts.astype(np.float32).copy()
        confidence.data = np.log1p(confidence.data).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # implicit's thread-pool notice: handled above
            if self.name == "als":
                from implicit.cpu.als import AlternatingLeastSquares
                model = AlternatingLeastSquares(factors=settings.factors, regularization=settings.regularization,
                                                alpha=settings.alpha, iterations=settings.iterations,
                                                num_threads=1, random_state=seed)
            else:
                from implicit.cpu.bpr import BayesianPersonalizedRanking
                model = BayesianPersonalizedRanking(factors=settings.factors, learning_rate=settings.learning_rate,
                                                    regularization=settings.regularization,
                                                    iterations=settings.iterations * 5, num_threads=1,
                                                    random_state=seed)
            model.fit(confidence.tocsr(), show_progress=False)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float64)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float64)

    def scores(self, accounts: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        factors = self.item_factors if items is None else self.item_factors[items]
        return self.user_factors[accounts] @ factors.T

    def account_vectors(self) -> np.ndarray:
        return self.user_factors


class ItemKNN:
    """implicit's item-item cosine recommender: score = the account's counts x label similarity."""
    name = "knn"

    def __init__(self, counts: sp.csr_matrix, settings: RecommendSettings) -> None:
        single_threaded_blas()
        from implicit.nearest_neighbours import CosineRecommender

        weights = counts.astype(np.float32).copy()
        weights.data = np.log1p(weights.data).astype(np.float32)
        self.user_items = weights.tocsr()
        from implicit.utils import ParameterWarning

        model = CosineRecommender(K=settings.neighbours, num_threads=1)
        with warnings.catch_warnings():
            # implicit converts its own normalised copy from COO inside fit; our input is CSR
            warnings.simplefilter("ignore", ParameterWarning)
            model.fit(self.user_items, show_progress=False)
        self.similarity = model.similarity.tocsr()

    def scores(self, accounts: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        similarity = self.similarity if items is None else self.similarity[:, items]
        return np.asarray((self.user_items[accounts] @ similarity).todense(), dtype=np.float64)


class Popularity:
    """Labels by the number of accounts whose (fit) posts show them."""
    name = "popularity"

    def __init__(self, counts: sp.csr_matrix) -> None:
        self.popularity = np.asarray((counts > 0).sum(axis=0), dtype=np.float64).ravel()

    def scores(self, accounts: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        popularity = self.popularity if items is None else self.popularity[items]
        return np.broadcast_to(popularity, (len(accounts), len(popularity))).copy()


class Repeat:
    """What the account already wore, most worn first (ties by popularity); nothing else."""
    name = "repeat"

    def __init__(self, counts: sp.csr_matrix) -> None:
        self.counts = counts.tocsr()
        popularity = Popularity(counts).popularity
        self.tiebreak = popularity / (popularity.max() + 1.0) if len(popularity) and popularity.max() > 0 else popularity

    def scores(self, accounts: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        rows = self.counts[accounts]
        tiebreak = self.tiebreak
        if items is not None:
            rows, tiebreak = rows[:, items], tiebreak[items]
        counts = np.asarray(rows.todense(), dtype=np.float64)
        return np.where(counts > 0, counts + tiebreak, -np.inf)


def build_models(counts: sp.csr_matrix, settings: RecommendSettings, seed: int) -> dict[str, Model]:
    """The chosen model and the three baselines, fitted on `counts` (accounts x labels)."""
    return {settings.model: Factorisation(counts, settings, seed), "knn": ItemKNN(counts, settings),
            "popularity": Popularity(counts), "repeat": Repeat(counts)}


def top(scores: np.ndarray, candidates: np.ndarray, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Per row, the best `n` of `candidates` (label codes; `scores` and `exclude` have one column
    per candidate) by score; -1 pads a row with fewer finite candidates (excluded ones and -inf
    scores are never listed). Ties: the earlier candidate (candidates come sorted by code)."""
    sub = scores.astype(np.float64, copy=True)
    if exclude is not None:
        sub[exclude] = -np.inf
    n = min(n, len(candidates))
    out = np.full((len(scores), n), -1, dtype=np.int64)
    if n == 0 or len(scores) == 0:
        return out
    if n < sub.shape[1]:
        # linear, not a full sort: the n-th best value t per row; all above t, then the first
        # (lowest-index) ones equal to t, so ties keep the order a stable sort would give
        t = -np.partition(-sub, n - 1, axis=1)[:, n - 1]
        above = sub > t[:, None]
        equal = sub == t[:, None]
        room = n - above.sum(axis=1)
        chosen = above | (equal & (np.cumsum(equal, axis=1) <= room[:, None]))
        columns = np.nonzero(chosen)[1].reshape(len(sub), n)          # per row, in index order
    else:
        columns = np.tile(np.arange(sub.shape[1]), (len(sub), 1))
    values = np.take_along_axis(sub, columns, axis=1)
    order = np.take_along_axis(columns, np.argsort(-values, axis=1, kind="stable"), axis=1)
    picked = np.take_along_axis(sub, order, axis=1)
    out[:] = np.where(np.isfinite(picked), candidates[order], -1)
    return out


def chunk_rows(columns: int, budget: int = 8_000_000, most: int = 4096) -> int:
    """Accounts scored at a time so that a dense accounts x columns block stays near `budget` cells."""
    return max(16, min(most, budget // max(columns, 1)))
