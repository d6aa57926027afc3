"""Account x label count matrices of one label source, built from streamed (post, label) pairs:
over all posts (the profile), over the fit posts and over the hidden posts of the temporal
split (the recommender's training input and its relevance), plus the sums behind the monthly
trend. Memory follows the number of posts and of distinct (account, label) pairs, never of rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import scipy.sparse as sp

from fashion.profiles.posts import PostIndex, temporal_split


@dataclass
class SourcePosts:
    """The posts one source speaks about (predicted: every post; truth: the annotated ones)."""
    included: np.ndarray     # bool per post code
    hidden: np.ndarray       # bool per post code: in its account's hold-out (False where not included)
    weight: np.ndarray       # 1 / posts of its account in its month (the trend's monthly share)
    month_rel: np.ndarray    # months since its account's first month (int)

    @classmethod
    def build(cls, index: PostIndex, included: np.ndarray, holdout_share: float) -> "SourcePosts":
        n = len(index)
        hidden = np.zeros(n, dtype=bool)
        weight = np.zeros(n, dtype=np.float64)
        month_rel = np.zeros(n, dtype=np.int64)
        codes = np.flatnonzero(included)
        if len(codes):
            account, month = index.account[codes].astype(np.int64), index.month[codes].astype(np.int64)
            tiebreak = np.arange(len(codes))  # posts.parquet order breaks ties of taken_at
            hidden[codes] = temporal_split(account, index.taken_at[codes], tiebreak, holdout_share)
            key = account * (1 << 32) + (month - month.min())
            _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
            weight[codes] = 1.0 / counts[inverse]
            first = np.full(len(index.accounts), np.iinfo(np.int64).max)
            np.minimum.at(first, account, month)
            month_rel[codes] = month - first[account]
        return cls(included, hidden, weight, month_rel)


@dataclass
class Aggregate:
    """Matrices (accounts x labels, CSR) and per-account sums of one source."""
    all: sp.csr_matrix          # posts showing the label
    fit: sp.csr_matrix          # fit posts showing it
    hidden: sp.csr_matrix       # hidden posts showing it
    trend_s: sp.csr_matrix      # sum over months of the monthly share
    trend_ms: sp.csr_matrix     # sum over months of month x monthly share
    posts: np.ndarray           # posts per account (included)
    fit_posts: np.ndarray
    hidden_posts: np.ndarray
    months: np.ndarray          # months with a post
    sum_m: np.ndarray           # sums over those months of m and m^2 (m = months since the first)
    sum_m2: np.ndarray


class Accumulator:
    """Adds (post, label) pairs batch by batch; `finish` gives the Aggregate."""

    def __init__(self, index: PostIndex, source: SourcePosts, n_labels_hint: int = 0) -> None:
        self.index, self.source = index, source
        self._parts: dict[str, list] = {k: [] for k in ("all", "fit", "hidden", "trend_s", "trend_ms")}
        self._totals: dict[str, sp.csr_matrix | None] = dict.fromkeys(self._parts)
        self._pending = 0

    def add(self, posts: np.ndarray, labels: np.ndarray) -> None:
        keep = self.source.included[posts]
        posts, labels = posts[keep], labels[keep]
        account = self.index.account[posts]
        hidden = self.source.hidden[posts]
        weight = self.source.weight[posts]
        ones = np.ones(len(posts))
        self._parts["all"].append((account, labels, ones))
        self._parts["fit"].append((account[~hidden], labels[~hidden], ones[~hidden]))
        self._parts["hidden"].append((account[hidden], labels[hidden], ones[hidden]))
        self._parts["trend_s"].append((account, labels, weight))
        self._parts["trend_ms"].append((account, labels, weight * self.source.month_rel[posts]))
        self._pending += len(posts)
        if self._pending > 5_000_000:  # fold into the running sums: memory stays at the matrices' size
            self._fold(None)

    def _fold(self, n_labels: int | None) -> None:
        shape_labels = n_labels or max([int(l.max()) + 1 for parts in self._parts.values() for _, l, _ in parts if len(l)]
                                       + [t.shape[1] for t in self._totals.values() if t is not None] + [1])
        shape = (len(self.index.accounts), shape_labels)
        for name, parts in self._parts.items():
            total = self._totals[name]
            if total is not None and total.shape != shape:
                total = sp.csr_matrix((total.data, total.indices, total.indptr), shape=shape)
            if parts:
                rows = np.concatenate([p[0] for p in parts])
                cols = np.concatenate([p[1] for p in parts])
                vals = np.concatenate([p[2] for p in parts])
                part = sp.coo_matrix((vals, (rows, cols)), shape=shape).tocsr()
                total = part if total is None else total + part
            self._totals[name] = total if total is not None else sp.csr_matrix(shape)
            parts.clear()
        self._pending = 0

    def finish(self, n_labels: int) -> Aggregate:
        self._fold(max(n_labels, 1))
        included, hidden = self.source.included, self.source.hidden
        n_accounts = len(self.index.accounts)
        account = self.index.account.astype(np.int64)
        posts = np.bincount(account[included], minlength=n_accounts)
        hidden_posts = np.bincount(account[included & hidden], minlength=n_accounts)
        months, sum_m, sum_m2 = _month_sums(account[included], self.source.month_rel[included], n_accounts)
        t = {k: v.tocsr() for k, v in self._totals.items()}
        for m in t.values():
            m.sort_indices()
        return Aggregate(t["all"], t["fit"], t["hidden"], t["trend_s"], t["trend_ms"], posts, posts - hidden_posts,
                         hidden_posts, months, sum_m, sum_m2)


def _month_sums(account: np.ndarray, month_rel: np.ndarray, n_accounts: int):
    distinct = np.unique(account * (1 << 32) + month_rel)
    acc, m = distinct >> 32, (distinct & 0xFFFFFFFF).astype(np.float64)
    return (np.bincount(acc, minlength=n_accounts), np.bincount(acc, m, minlength=n_accounts),
            np.bincount(acc, m * m, minlength=n_accounts))


def accumulate(index: PostIndex, source: SourcePosts, pairs: Iterable[tuple[np.ndarray, np.ndarray]],
               n_labels) -> Aggregate:
    """Aggregate of `pairs` (an iterator of (post codes, label codes)); `n_labels()` is read at the end."""
    acc = Accumulator(index, source)
    for posts, labels in pairs:
        acc.add(posts, labels)
    return acc.finish(n_labels())
