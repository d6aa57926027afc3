"""Vectorised Levenshtein distances between many words and many ontology terms (numpy only).

``distances(texts, patterns, ia, ib)`` runs Hyyrö's bit-parallel algorithm (Myers 1999 for edit
distance) over all requested pairs at once: the pattern (an ontology term, <= 64 characters)
lives in the bits of one uint64 per pair, and each step consumes one character of every text.
Cost per pair is O(len(text)) word operations, done as numpy array operations over pairs.

``close_pairs(texts, patterns, max_ratio)`` finds the pairs whose distance is at most
floor(max_ratio * longer length) without computing most of them: a pair is skipped when the
length difference or the letter-set difference already exceeds the bound (one edit changes at
most two letters of the set), which removes nearly all pairs before the exact computation.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

WORD_BITS = 64
_ONE = np.uint64(1)


def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    bytes_ = x.view(np.uint8).reshape(*x.shape, 8)
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
    return table[bytes_].sum(axis=-1)


def letter_sets(words: Sequence[str]) -> np.ndarray:
    """uint64 per word: bit (code point mod 64) set for each character present."""
    out = np.zeros(len(words), dtype=np.uint64)
    for i, w in enumerate(words):
        bits = 0
        for ch in set(w):
            bits |= 1 << (ord(ch) & 63)
        out[i] = bits
    return out


def _python_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def distances(texts: Sequence[str], patterns: Sequence[str], ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Levenshtein distance of (texts[ia[p]], patterns[ib[p]]) for every pair p -> int32 [P]."""
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    out = np.zeros(len(ia), dtype=np.int32)
    if len(ia) == 0:
        return out
    pat_len = np.array([len(p) for p in patterns], dtype=np.int64)
    txt_len = np.array([len(t) for t in texts], dtype=np.int64)
    long_pat = pat_len[ib] > WORD_BITS
    for p in np.flatnonzero(long_pat):  # terms never are this long; stay exact if one is
        out[p] = _python_distance(texts[ia[p]], patterns[ib[p]])
    keep = np.flatnonzero(~long_pat)
    if len(keep) == 0:
        return out
    ia_k, ib_k = ia[keep], ib[keep]

    # Character codes: the patterns' alphabet, plus one code for characters no pattern holds.
    used_patterns = np.unique(ib_k)
    alphabet: dict[str, int] = {}
    for b in used_patterns:
        for ch in patterns[b]:
            alphabet.setdefault(ch, len(alphabet))
    other = len(alphabet)
    peq = np.zeros((len(patterns), other + 1), dtype=np.uint64)  # [n_patterns, alphabet+1] match masks
    for b in used_patterns:
        for pos, ch in enumerate(patterns[b]):
            peq[b, alphabet[ch]] |= _ONE << np.uint64(pos)
    used_texts = np.unique(ia_k)
    max_txt = int(txt_len[used_texts].max()) if len(used_texts) else 0
    codes = np.full((len(texts), max(max_txt, 1)), other, dtype=np.int64)  # [n_texts, max_len]
    for a in used_texts:
        t = texts[a]
        codes[a, :len(t)] = [alphabet.get(ch, other) for ch in t]

    # Longest texts first, so the pairs still active at step j are a prefix.
    order = np.argsort(-txt_len[ia_k], kind="stable")
    ia_s, ib_s = ia_k[order], ib_k[order]
    lens = txt_len[ia_s]
    m = pat_len[ib_s]
    score = m.copy()
    top = np.where(m > 0, _ONE << (np.maximum(m, 1) - 1).astype(np.uint64), np.uint64(0))
    pv = np.full(len(ia_s), np.iinfo(np.uint64).max, dtype=np.uint64)
    mv = np.zeros(len(ia_s), dtype=np.uint64)
    active_counts = np.searchsorted(-lens, -np.arange(1, max_txt + 1), side="right")  # pairs with len > j
    with np.errstate(over="ignore"):
        for j in range(max_txt):
            n = int(active_counts[j])
            if n == 0:
                break
            eq = peq[ib_s[:n], codes[ia_s[:n], j]]
            p, q = pv[:n], mv[:n]
            xv = eq | q
            xh = (((eq & p) + p) ^ p) | eq
            ph = q | ~(xh | p)
            mh = p & xh
            score[:n] += ((ph & top[:n]) != 0).astype(np.int64) - ((mh & top[:n]) != 0).astype(np.int64)
            ph = (ph << _ONE) | _ONE
            mh = mh << _ONE
            pv[:n] = mh | ~(xv | ph)
            mv[:n] = ph & xv
    # Empty patterns: distance is the text length (the loop never touches their score).
    score = np.where(m == 0, lens, score)
    result = np.empty(len(keep), dtype=np.int32)
    result[order] = score
    out[keep] = result
    return out


def close_pairs(texts: Sequence[str], patterns: Sequence[str], max_ratio: float,
                block: int = 2048) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (text, pattern) pairs with distance <= floor(max_ratio * max(len)) -> (ia, ib, dist)."""
    if not len(texts) or not len(patterns) or max_ratio < 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.int32)
    t_len = np.array([len(t) for t in texts], dtype=np.int64)
    p_len = np.array([len(p) for p in patterns], dtype=np.int64)
    t_set = letter_sets(texts)
    p_set = letter_sets(patterns)
    p_order = np.argsort(p_len, kind="stable")
    p_sorted_len = p_len[p_order]
    found_a, found_b = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    # Texts grouped by length: a text of length L can only meet patterns whose length lies in
    # [L - floor(r * max), L + floor(r * max)], a contiguous slice of the length-sorted patterns.
    for length in np.unique(t_len):
        rows = np.flatnonzero(t_len == length)
        lo_len = int(np.ceil(length * (1 - max_ratio))) if max_ratio < 1 else 0
        hi_len = int(np.floor(length / (1 - max_ratio))) if max_ratio < 1 else int(p_len.max())
        lo, hi = np.searchsorted(p_sorted_len, [lo_len, hi_len + 1])
        if lo >= hi:
            continue
        cols = p_order[lo:hi]
        for start in range(0, len(rows), block):
            r = rows[start:start + block]
            bound = np.floor(max_ratio * np.maximum(length, p_len[cols]))[None, :]   # [1, B'] allowed edits
            ok = np.abs(length - p_len[cols])[None, :] <= bound                     # [1, B']
            ok = ok & (_popcount(t_set[r, None] ^ p_set[None, cols]) <= 2 * bound)  # [A', B']
            a, b = np.nonzero(ok)
            found_a.append(r[a])
            found_b.append(cols[b])
    ia = np.concatenate(found_a)
    ib = np.concatenate(found_b)
    dist = distances(texts, patterns, ia, ib)
    bound = np.floor(max_ratio * np.maximum(t_len[ia], p_len[ib]))
    keep = dist <= bound
    return ia[keep], ib[keep], dist[keep]
