"""Word vectors (all-but-the-top processed) and the candidate (token, term) pairs of the ranker.

``Embedding`` gives unit vectors and idf per token; ``PairTable`` finds, per token, the terms it
may stand for (cosine at least the threshold, exact form, or few edits) and caches them for the
whole run. See fashion.text.rank for how pairs are scored.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from fashion.text.levenshtein import close_pairs
from fashion.text.terms import TermSpace


# -- vectors --------------------------------------------------------------------------------------
class Embedding:
    """Unit vectors and idf for tokens from word vectors (fashion.text.vectors.WordVectors, or gensim
    KeyedVectors in memory); phrases average their words.

    A word has a vector when it is in the vocabulary; with FastText vectors any word does whose
    character n-grams the model knows (that is FastText's point).

    ``remove_components`` > 0 applies "all-but-the-top" post-processing (Mu & Viswanath, ICLR
    2018) before normalising: subtract the vocabulary mean and the projection on its top principal
    directions. Word2vec on a small corpus puts every vector in one narrow cone (median cosine
    0.92 on the 1,200-post demo world), so raw cosines cannot tell related words from unrelated ones.
    """

    def __init__(self, kv, remove_components: int = 0):
        self.kv = kv
        self.fasttext = (getattr(kv, "subwords", False) or hasattr(kv, "buckets_word")
                         or kv.__class__.__name__ == "FastTextKeyedVectors")
        self.dim = kv.vector_size
        self._idf = np.asarray(kv.expandos["idf"], dtype=np.float32) if "idf" in getattr(kv, "expandos", {}) else None
        self.default_idf = float(self._idf.max()) if self._idf is not None and len(self._idf) else 1.0
        self.mean = np.zeros(self.dim, dtype=np.float64)
        self.directions = np.zeros((0, self.dim), dtype=np.float64)
        if remove_components > 0 and len(kv.index_to_key) > remove_components:
            vecs = np.asarray(kv.vectors, dtype=np.float64)                     # [V, D]
            self.mean = vecs.mean(axis=0)
            centred = vecs - self.mean
            _, eigvec = np.linalg.eigh(centred.T @ centred)                    # ascending eigenvalues
            self.directions = eigvec[:, ::-1][:, :remove_components].T          # [k, D] top directions

    def _post(self, vecs: np.ndarray) -> np.ndarray:
        """[n, D] raw vectors -> post-processed (not yet normalised)."""
        if not len(self.directions):
            return vecs
        centred = vecs - self.mean
        return centred - (centred @ self.directions.T) @ self.directions

    def _word(self, word: str) -> np.ndarray | None:
        index = self.kv.key_to_index.get(word)
        if index is not None:
            return self._unit(self.kv.vectors[index])
        if self.fasttext:
            vec = self.kv.get_vector(word)
            return self._unit(vec) if np.any(vec) else None
        return None

    def _unit(self, vec: np.ndarray) -> np.ndarray | None:
        v = self._post(np.asarray(vec, dtype=np.float64)[None, :])[0]
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else None

    def vectors(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """[n, D] float32 unit vectors and [n] bool (False rows are zero)."""
        out = np.zeros((len(tokens), self.dim), dtype=np.float32)
        has = np.zeros(len(tokens), dtype=bool)
        k2i = self.kv.key_to_index
        index = np.fromiter((k2i.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
        known = np.flatnonzero(index >= 0)
        if len(known):
            vecs = self._post(self.kv.vectors[index[known]].astype(np.float64))
            norms = np.linalg.norm(vecs, axis=1)
            ok = norms > 0
            out[known[ok]] = vecs[ok] / norms[ok, None]
            has[known[ok]] = True
        for i in np.flatnonzero(index < 0):  # phrases and (FastText) unseen words
            vecs = [self._word(w) for w in tokens[i].split(" ")]
            if all(v is not None for v in vecs):
                v = np.mean(vecs, axis=0) if len(vecs) > 1 else vecs[0]
                norm = float(np.linalg.norm(v))
                if norm > 0:
                    out[i] = v / norm
                    has[i] = True
        return out, has

    def pair_cosine_quantile(self, q: float, max_words: int = 2000) -> float:
        """The ``q`` quantile of cosines between distinct vocabulary words (the ``max_words`` most
        frequent, gensim's order): how similar two words picked at random already look."""
        words = self.kv.index_to_key[:max_words]
        vecs, has = self.vectors(words)
        vecs = vecs[has].astype(np.float64)                                     # [n, D]
        if len(vecs) < 2:
            return 1.0
        upper = np.triu_indices(len(vecs), 1)
        return float(np.quantile((vecs @ vecs.T)[upper], q))

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Corpus idf per token (phrases: mean of their words); words the corpus did not keep get
        the highest idf (they are at least as rare as the rarest kept word)."""
        out = np.full(len(tokens), self.default_idf, dtype=np.float32)
        if self._idf is None:
            return out
        k2i = self.kv.key_to_index
        for i, token in enumerate(tokens):
            parts = token.split(" ")
            vals = [self._idf[k2i[w]] if w in k2i else self.default_idf for w in parts]
            out[i] = sum(vals) / len(vals)
        return out


# -- candidate pairs ------------------------------------------------------------------------------
_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(0, bool))


class PairTable:
    """Per token: candidate terms with cosine (NaN for string pairs), edit distance (-1 for vector
    pairs) and exact-match flag. Computed in bulk for unseen tokens, then cached.

    ``embedding=None`` makes every pair a string pair (the edit-distance baseline).
    ``may_correct(token)``, when given, decides whether a token may be taken for a misspelling:
    non-exact string pairs of tokens it rejects are dropped (exact ones always count).
    ``string_only`` [T] marks terms matched by spelling alone, never by cosine; an exact string
    pair of such a term counts as a vector pair of cosine 1. ``blocked`` [T] marks terms no token
    pairs with at all (brands that need evidence: fashion.text.mentions)."""

    def __init__(self, terms: TermSpace, embedding: Embedding | None, min_cosine: float, max_edit_ratio: float,
                 block: int = 4096, may_correct: Callable[[str], bool] | None = None,
                 string_only: np.ndarray | None = None, blocked: np.ndarray | None = None):
        self.terms = terms
        self.embedding = embedding
        self.min_cosine = min_cosine
        self.max_edit_ratio = max_edit_ratio
        self.block = block
        self.may_correct = may_correct
        self._cache: dict[str, tuple] = {}
        n_terms = len(terms.term_text)
        self.string_only = np.zeros(n_terms, dtype=bool) if string_only is None else np.asarray(string_only, bool)
        self.blocked = np.zeros(n_terms, dtype=bool) if blocked is None else np.asarray(blocked, bool)
        if embedding is not None:
            terms.attach_vectors(embedding.vectors)
        self._vector_term = (terms.has_vector & ~self.string_only if embedding is not None
                             else np.zeros(n_terms, dtype=bool))
        self._term_idx_vec = np.flatnonzero(self._vector_term)
        self._term_idx_str = np.flatnonzero(~self._vector_term)

    def clear(self) -> None:
        """Forget the cached pairs (each token's pairs are then computed anew with its block)."""
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, tokens: Sequence[str]) -> list[tuple]:
        missing = list(dict.fromkeys(t for t in tokens if t not in self._cache))
        if missing:
            self._compute(missing)
        return [self._cache[t] for t in tokens]

    def _compute(self, tokens: list[str]) -> None:
        terms = self.terms
        n_terms = len(terms.term_text)
        parts_tok, parts_term, parts_cos, parts_lev = [], [], [], []
        if self.embedding is not None:
            vecs, has = self.embedding.vectors(tokens)
        else:
            vecs, has = None, np.zeros(len(tokens), dtype=bool)
        # Vector pairs: one matrix product per block of tokens against all term vectors.
        with_vec = np.flatnonzero(has)
        tv_idx = self._term_idx_vec
        if len(with_vec) and len(tv_idx):
            term_vecs = terms.vectors[tv_idx]                                  # [Tv, D]
            for start in range(0, len(with_vec), self.block):
                rows = with_vec[start:start + self.block]
                sim = vecs[rows] @ term_vecs.T                                 # [B, Tv] cosines
                r, c = np.nonzero(sim >= self.min_cosine)
                parts_tok.append(rows[r])
                parts_term.append(tv_idx[c])
                parts_cos.append(sim[r, c])
                parts_lev.append(np.full(len(r), -1, np.int32))
        # Exact form matches always count (a vector pair below min_cosine cannot be exact, but a
        # FastText phrase or a degenerate vector could be; keep the rule explicit).
        for i, tok in enumerate(tokens):
            hit = terms.form_terms.get(tok)
            if hit is not None and has[i]:
                vt = hit[self._vector_term[hit]]
                if len(vt):
                    parts_tok.append(np.full(len(vt), i))
                    parts_term.append(vt)
                    parts_cos.append((terms.vectors[vt] @ vecs[i]).astype(np.float32))
                    parts_lev.append(np.full(len(vt), -1, np.int32))
        # String pairs: tokens without a vector against every term, tokens with one against the
        # terms without.
        for tok_rows, term_cols in ((np.flatnonzero(~has), np.arange(n_terms)),
                                    (with_vec, self._term_idx_str if self.embedding is not None
                                     else np.zeros(0, np.int64))):
            if len(tok_rows) == 0 or len(term_cols) == 0:
                continue
            ia, ib, dist = close_pairs([tokens[i] for i in tok_rows], [terms.term_text[j] for j in term_cols],
                                       self.max_edit_ratio)
            if self.may_correct is not None and len(ia):
                fuzzy = np.flatnonzero(dist > 0)
                allowed = {int(a): self.may_correct(tokens[tok_rows[a]]) for a in np.unique(ia[fuzzy])}
                keep = dist == 0
                keep[fuzzy] = [allowed[int(a)] for a in ia[fuzzy]]
                ia, ib, dist = ia[keep], ib[keep], dist[keep]
            parts_tok.append(tok_rows[ia])
            parts_term.append(term_cols[ib])
            parts_cos.append(np.full(len(ia), np.nan, np.float32))
            parts_lev.append(dist.astype(np.int32))
        if parts_tok:
            tok_i = np.concatenate(parts_tok).astype(np.int64)
            term_i = np.concatenate(parts_term).astype(np.int64)
            cos = np.concatenate(parts_cos).astype(np.float32)
            lev = np.concatenate(parts_lev).astype(np.int32)
            # one row per (token, term): the exact-match duplicates of vector pairs collapse
            key = tok_i * n_terms + term_i
            key, first = np.unique(key, return_index=True)
            tok_i, term_i, cos, lev = tok_i[first], term_i[first], cos[first], lev[first]
            keep = ~self.blocked[term_i]
            tok_i, term_i, cos, lev = tok_i[keep], term_i[keep], cos[keep], lev[keep]
            spelled = self.string_only[term_i] & (lev == 0)  # exact spelling of a string-only term: cosine 1
            cos = np.where(spelled, np.float32(1.0), cos)
            lev = np.where(spelled, -1, lev).astype(np.int32)
            bounds = np.searchsorted(tok_i, np.arange(len(tokens) + 1))
            token_form = np.fromiter((terms.form_id.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
            exact = terms.term_form_id[term_i] == token_form[tok_i]
        else:
            bounds = np.zeros(len(tokens) + 1, dtype=np.int64)
        for i, tok in enumerate(tokens):
            lo, hi = bounds[i], bounds[i + 1]
            self._cache[tok] = _EMPTY if lo == hi else (term_i[lo:hi], cos[lo:hi], lev[lo:hi], exact[lo:hi])


