"""Levenshtein distances between many words and many ontology terms, by rapidfuzz.

``distances(texts, patterns, ia, ib)`` gives the distance of each requested pair;
``close_pairs(texts, patterns, max_ratio)`` finds every pair whose distance is at most
floor(max_ratio * longer length). Texts are grouped by length, so each group meets only the
patterns whose length can lie within the bound (a contiguous slice of the length-sorted patterns),
and rapidfuzz's ``cdist`` computes that block in C++ with a cutoff at the group's largest bound.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist


def distances(texts: Sequence[str], patterns: Sequence[str], ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Levenshtein distance of (texts[ia[p]], patterns[ib[p]]) for every pair p -> int32 [P]."""
    distance = Levenshtein.distance
    return np.fromiter((distance(texts[a], patterns[b]) for a, b in zip(np.asarray(ia).tolist(), np.asarray(ib).tolist())),
                       dtype=np.int32, count=len(ia))


def close_pairs(texts: Sequence[str], patterns: Sequence[str], max_ratio: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (text, pattern) pairs with distance <= floor(max_ratio * max(len)) -> (ia, ib, dist)."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(texts) or not len(patterns) or max_ratio < 0:
        return empty, empty, np.zeros(0, dtype=np.int32)
    t_len = np.array([len(t) for t in texts], dtype=np.int64)
    p_len = np.array([len(p) for p in patterns], dtype=np.int64)
    p_order = np.argsort(p_len, kind="stable")
    p_sorted_len = p_len[p_order]
    found_a, found_b, found_d = [empty], [empty], [np.zeros(0, dtype=np.int32)]
    for length in np.unique(t_len).tolist():
        # a pattern of length m is within reach only if |length - m| <= floor(r * max(length, m))
        lo_len = int(np.ceil(length * (1 - max_ratio))) if max_ratio < 1 else 0
        hi_len = int(np.floor(length / (1 - max_ratio))) if max_ratio < 1 else int(p_len.max())
        lo, hi = np.searchsorted(p_sorted_len, [lo_len, hi_len + 1])
        if lo >= hi:
            continue
        rows = np.flatnonzero(t_len == length)
        cols = p_order[lo:hi]
        bound = np.floor(max_ratio * np.maximum(length, p_len[cols])).astype(np.int32)    # [B] allowed edits
        dist = cdist([texts[i] for i in rows.tolist()], [patterns[j] for j in cols.tolist()],
                     scorer=Levenshtein.distance, score_cutoff=int(bound.max()), dtype=np.int32)  # [A, B]
        a, b = np.nonzero(dist <= bound[None, :])
        found_a.append(rows[a])
        found_b.append(cols[b])
        found_d.append(dist[a, b])
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_d).astype(np.int32)
