"""Rank ontology terms per post and facet from the post's tokens.

Formulas (per post d, field f with weight w_f, token t, term o; tfidf' = max(tfidf_d(t), 1e-4)):

* ``multiplicative`` (the authors' code): if t and o both have vectors,
  s = w_f * (10 if t == o else 1) * cos(t, o)^2 * tfidf'; otherwise
  s = tfidf' / (1 + (w_f * levenshtein(t, o))^2). Brand and material labels are then multiplied
  by (1 + max P(concept | keyword)) from the concept lexicon, or by 0.5 when it has none.
  ``term_weighting`` replaces tfidf' by idf(t) or by 1: each field a word appears in already adds
  it once (tf counts it twice), and idf ranks a category's own head nouns ("dress", "bag": frequent
  because they name it) below rarer, loosely similar words.
* ``linear`` (the paper): s = w_f * (w_cosine * cos+(t, o) + w_term * [t == o]
  + w_tfidf * tfidf_d(t) / max_t' tfidf_d(t')), with 1 - levenshtein / longer length standing in
  for the cosine when a vector is missing; a term scores the MAX of s over the post's tokens (a
  sum lets dozens of loosely similar comment words outvote one exact mention: on the demo world
  category precision@1 fell from 0.71 to 0.30); labels with any signal get + w_concept * P(concept).
* ``edit_distance`` (the evaluation baseline, Hammar et al.): s = w_f * (1 - levenshtein / longer
  length); no embeddings, no tf-idf.

Each (token, field weight) adds its ``per_token_terms`` best terms per facet (the authors' top-10);
a term's post score is the sum over the post's tokens (linear: the max); a label scores the max
over its keywords. Listed are the top ``top_k`` labels per facet scoring at least
``min_relative_score`` x the facet's best (0 lists all k, as the authors did).
A pair carries signal only when the words are equal, their cosine reaches ``min_cosine`` (raised to
the ``min_cosine_quantile`` quantile of cosines between vocabulary words, so that on weak vectors a
"similar" pair must beat what random pairs reach), or
(without vectors) they are within ``max_edit_ratio`` edits per character; for the formulas a
non-exact string pair also needs a token of at least ``min_fuzzy_len`` characters that is no
dictionary word of a supported language (spaCy lookup forms, lemmas, stop words), so only
non-words are read as misspellings ("addidas" -> adidas, not "love" -> lole). A post with no
signal for a facet gets no rows for it.

Vectorised: candidate pairs come from one matrix product of token vectors against all term
vectors (cached per token for the whole run) plus the rapidfuzz edit distances of
fashion.text.levenshtein; per-token top terms are a lexsort, and post scores one sparse product
[posts x token-weights] @ [token-weights x terms] per batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from fashion.text.levenshtein import close_pairs
from fashion.text.lexicon import is_dictionary_word
from fashion.text.posts import PostText, post_changes
from fashion.text.terms import RERANK_KINDS, TermSpace

FORMULAS = ("multiplicative", "linear")
BASELINE = "edit_distance"
TERM_WEIGHTINGS = ("tfidf", "idf", "none")
FIELDS = ("caption", "comment", "usertags", "hashtags")


class RankError(ValueError):
    """Bad ranking parameter or input; the message names it and the reason."""


@dataclass(frozen=True)
class RankConfig:
    """Knobs of the rank stage (params.yaml section ``rank``)."""

    formula: str = "multiplicative"
    top_k: int = 4
    w_cosine: float = 0.4
    w_tfidf: float = 0.2
    w_term: float = 0.2
    w_concept: float = 0.2
    per_token_terms: int = 10
    min_cosine: float = 0.5
    max_edit_ratio: float = 0.25
    min_fuzzy_len: int = 5           # formulas: shortest token a non-exact string pair may correct
    exact_boost: float = 10.0
    term_weighting: str = "tfidf"    # multiplicative: tfidf (authors: max(tf*idf, 1e-4)) | idf | none
    min_cosine_quantile: float = 0.0  # > 0: cosine threshold at least this quantile of word-pair cosines
    min_relative_score: float = 0.4  # list a label only at >= this x the facet's best score (0: authors)
    remove_components: int = 2       # all-but-the-top: mean + this many principal directions removed
    caption_weight: float = 2.0
    comment_weight: float = 1.0
    usertags_weight: float = 1.0
    hashtags_weight: float = 3.0
    batch_posts: int = 1000

    def __post_init__(self):
        if self.formula not in FORMULAS + (BASELINE,):
            raise RankError(f"rank.formula: {self.formula!r} is not one of {', '.join(FORMULAS)}")
        if self.top_k < 1 or self.per_token_terms < 1 or self.batch_posts < 1:
            raise RankError("rank.top_k, rank.per_token_terms and rank.batch_posts must be >= 1")
        if self.term_weighting not in TERM_WEIGHTINGS:
            raise RankError(f"rank.term_weighting: {self.term_weighting!r} is not one of {', '.join(TERM_WEIGHTINGS)}")
        if not 0.0 <= self.min_cosine_quantile < 1.0:
            raise RankError(f"rank.min_cosine_quantile: must be in [0, 1), got {self.min_cosine_quantile}")
        if not 0.0 <= self.max_edit_ratio < 1.0:
            raise RankError(f"rank.max_edit_ratio: must be in [0, 1), got {self.max_edit_ratio}")
        if self.min_fuzzy_len < 1:
            raise RankError(f"rank.min_fuzzy_len: must be >= 1, got {self.min_fuzzy_len}")

    def segmented_weight(self, field: str) -> float:
        """Weight of segmented hashtag words: the hashtags weight for the caption and post-level
        hashtags, the row's own weight in comments and user tags."""
        return self.field_weight(field) if field in ("comment", "usertags") else self.hashtags_weight

    def field_weight(self, field: str) -> float:
        try:
            return {"caption": self.caption_weight, "comment": self.comment_weight,
                    "usertags": self.usertags_weight, "hashtags": self.hashtags_weight}[field]
        except KeyError:
            raise RankError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}") from None


# -- vectors --------------------------------------------------------------------------------------
class Embedding:
    """Unit vectors and idf for tokens from gensim KeyedVectors; phrases average their words.

    A word has a vector when it is in the vocabulary; with FastText vectors any word does whose
    character n-grams the model knows (that is FastText's point).

    ``remove_components`` > 0 applies "all-but-the-top" post-processing (Mu & Viswanath, ICLR
    2018) before normalising: subtract the vocabulary mean and the projection on its top principal
    directions. Word2vec on a small corpus puts every vector in one narrow cone (median cosine
    0.92 on the 1,200-post demo world), so raw cosines cannot tell related words from unrelated ones.
    """

    def __init__(self, kv, remove_components: int = 0):
        self.kv = kv
        self.fasttext = hasattr(kv, "buckets_word") or kv.__class__.__name__ == "FastTextKeyedVectors"
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
    non-exact string pairs of tokens it rejects are dropped (exact ones always count)."""

    def __init__(self, terms: TermSpace, embedding: Embedding | None, min_cosine: float, max_edit_ratio: float,
                 block: int = 4096, may_correct: Callable[[str], bool] | None = None):
        self.terms = terms
        self.embedding = embedding
        self.min_cosine = min_cosine
        self.max_edit_ratio = max_edit_ratio
        self.block = block
        self.may_correct = may_correct
        self._cache: dict[str, tuple] = {}
        if embedding is not None:
            terms.attach_vectors(embedding.vectors)
        self._term_idx_vec = (np.flatnonzero(terms.has_vector) if embedding is not None
                              else np.zeros(0, dtype=np.int64))
        self._term_idx_str = (np.flatnonzero(~terms.has_vector) if embedding is not None
                              else np.arange(len(terms.term_text)))

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
                vt = hit[terms.has_vector[hit]]
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
            bounds = np.searchsorted(tok_i, np.arange(len(tokens) + 1))
            token_form = np.fromiter((terms.form_id.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
            exact = terms.term_form_id[term_i] == token_form[tok_i]
        else:
            bounds = np.zeros(len(tokens) + 1, dtype=np.int64)
        for i, tok in enumerate(tokens):
            lo, hi = bounds[i], bounds[i + 1]
            self._cache[tok] = _EMPTY if lo == hi else (term_i[lo:hi], cos[lo:hi], lev[lo:hi], exact[lo:hi])


# -- scoring --------------------------------------------------------------------------------------
def _with_phrases(words: Sequence[str], phrases: dict, max_len: int) -> list[str]:
    """The words plus every multi-word ontology form found as consecutive words."""
    out = list(words)
    if max_len > 1 and len(words) > 1:
        for n in range(2, max_len + 1):
            for i in range(len(words) - n + 1):
                hit = phrases.get(tuple(words[i:i + n]))
                if hit is not None:
                    out.append(hit)
    return out


def post_occurrences(post: PostText, config: RankConfig, phrases: dict, max_phrase: int
                     ) -> list[tuple[str, float]]:
    """(token, field weight) for every token occurrence of a post.

    tokens and handles count at their row's field weight; segmented hashtag words at the
    hashtags weight for the caption and post-level hashtags, at the row's own weight in comments
    and user tags; multi-word ontology forms found as consecutive words count once more."""
    out: list[tuple[str, float]] = []
    for field, tokens, segmented, handles in post.rows:
        w, w_seg = config.field_weight(field), config.segmented_weight(field)
        if tokens:
            out.extend((t, w) for t in _with_phrases(tokens, phrases, max_phrase))
        if segmented:
            out.extend((t, w_seg) for t in _with_phrases(segmented, phrases, max_phrase))
        if handles:
            out.extend((h, w) for h in handles)
    return out


@dataclass
class Occurrences:
    """Token occurrences of a batch of posts as parallel arrays."""

    n_posts: int
    post: np.ndarray     # [N] post index in the batch
    token: np.ndarray    # [N] index into ``tokens``
    weight: np.ndarray   # [N] field weight
    tokens: list[str]

    @classmethod
    def from_posts(cls, posts: Sequence[PostText], config: RankConfig, terms: TermSpace) -> "Occurrences":
        ids: dict[str, int] = {}
        post, token, weight = [], [], []
        for p, item in enumerate(posts):
            for tok, w in post_occurrences(item, config, terms.phrases, terms.max_phrase):
                post.append(p)
                token.append(ids.setdefault(tok, len(ids)))
                weight.append(w)
        return cls(len(posts), np.asarray(post, dtype=np.int64), np.asarray(token, dtype=np.int64),
                   np.asarray(weight, dtype=np.float64), list(ids))

    @classmethod
    def from_table(cls, table: pa.Table, config: RankConfig, terms: TermSpace) -> tuple["Occurrences", list[str]]:
        """Vectorised twin of ``from_posts`` for tokens.parquet rows (whole posts, consecutive rows).
        Returns the occurrences and the batch's post ids."""
        change = post_changes(table)
        row_post = np.cumsum(change) - 1
        post_ids = pc.filter(table.column("post_id").combine_chunks(), pa.array(change)).to_pylist()
        field = table.column("field").combine_chunks().dictionary_encode()
        names = field.dictionary.to_pylist()
        codes = field.indices.to_numpy(zero_copy_only=False)
        row_w = np.array([config.field_weight(f) for f in names], dtype=np.float64)[codes]
        seg_w = np.array([config.segmented_weight(f) for f in names], dtype=np.float64)[codes]
        flats, parents, weights, phrase_cols = [], [], [], []
        for column, w in (("tokens", row_w), ("segmented", seg_w), ("handles", row_w)):
            lists = table.column(column).combine_chunks()
            flat = pc.list_flatten(lists)
            parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
            if column != "handles":
                phrase_cols.append((sum(len(f) for f in flats), len(flat), parent, w))
            flats.append(flat)
            parents.append(parent)
            weights.append(w[parent])
        words = pa.concat_arrays([f.cast(pa.string()) for f in flats]).dictionary_encode()
        tokens = words.dictionary.to_pylist()
        ids = words.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        parent = np.concatenate(parents)
        weight = np.concatenate(weights)
        extra_post, extra_tok, extra_w = _phrase_hits(ids, tokens, phrase_cols, terms)
        post = np.concatenate([row_post[parent], row_post[extra_post]])
        token = np.concatenate([ids, extra_tok])
        weight = np.concatenate([weight, extra_w])
        return cls(len(post_ids), post, token, weight, tokens), post_ids


def _phrase_hits(ids: np.ndarray, tokens: list[str], columns, terms: TermSpace):
    """Multi-word ontology forms as consecutive words of one list: (row, token id, weight) arrays.
    Phrase strings not yet in ``tokens`` are appended to it."""
    rows, toks, ws = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0, np.float64)]
    if not terms.phrases:
        return rows[0], toks[0], ws[0]
    index = {t: i for i, t in enumerate(tokens)}
    base = len(tokens) + 1
    by_first_pair: dict[int, list[tuple[tuple[int, ...], str]]] = {}
    for words, text in terms.phrases.items():
        word_ids = tuple(index.get(w, -1) for w in words)
        if min(word_ids) >= 0:
            by_first_pair.setdefault(word_ids[0] * base + word_ids[1], []).append((word_ids, text))
    if not by_first_pair:
        return rows[0], toks[0], ws[0]
    firsts = np.fromiter(by_first_pair, dtype=np.int64, count=len(by_first_pair))
    for offset, length, parent, weight in columns:
        if length < 2:
            continue
        col_ids = ids[offset:offset + length]
        same = parent[1:] == parent[:-1]                                  # [length-1] same list
        keys = col_ids[:-1] * base + col_ids[1:]
        for i in np.flatnonzero(same & np.isin(keys, firsts)):
            for word_ids, text in by_first_pair[int(keys[i])]:
                n = len(word_ids)
                end = i + n
                if end <= length and parent[end - 1] == parent[i] and tuple(col_ids[i:end]) == word_ids:
                    tok = index.get(text)
                    if tok is None:
                        tok = index[text] = len(tokens)
                        tokens.append(text)
                    rows.append(np.array([parent[i]]))
                    toks.append(np.array([tok]))
                    ws.append(np.array([weight[parent[i]]], dtype=np.float64))
    return np.concatenate(rows), np.concatenate(toks), np.concatenate(ws)


class Ranker:
    """Scores batches of posts against every facet; ``formula`` in multiplicative|linear|edit_distance."""

    def __init__(self, terms: TermSpace, config: RankConfig, embedding: Embedding | None, formula: str | None = None):
        self.terms = terms
        self.config = config
        self.formula = formula or config.formula
        if self.formula not in FORMULAS + (BASELINE,):
            raise RankError(f"unknown formula {self.formula!r}")
        self.embedding = embedding if self.formula != BASELINE else None
        if self.formula != BASELINE and embedding is None:
            raise RankError(f"formula {self.formula!r} needs word vectors")
        # A cosine carries signal only above what random word pairs reach: on vectors from a small
        # corpus (one narrow cone) a fixed threshold passes nearly every pair.
        self.min_cosine = config.min_cosine
        if self.embedding is not None and config.min_cosine_quantile > 0:
            self.min_cosine = max(self.min_cosine, self.embedding.pair_cosine_quantile(config.min_cosine_quantile))
        # Formulas take a token without cosine support for a misspelt term only when it is long
        # enough and no word of its own: 1 edit turns "love" into the brand lole, "beach" into
        # bench, "kino" into kio. The baseline stays the paper's plain edit distance.
        may_correct = None if self.formula == BASELINE else self.may_correct
        self.table = PairTable(terms, self.embedding, self.min_cosine, config.max_edit_ratio,
                               may_correct=may_correct)
        self.term_len = np.array([len(t) for t in terms.term_text], dtype=np.float32)

    def may_correct(self, token: str) -> bool:
        """Whether a token may be a misspelling of a term: at least ``min_fuzzy_len`` characters
        (short words lie one edit from many others) and not itself a dictionary word."""
        return len(token) >= self.config.min_fuzzy_len and not is_dictionary_word(token)

    def score(self, posts: Sequence[PostText]) -> np.ndarray:
        """[P, L] label scores (0 = no signal)."""
        return self.score_occurrences(Occurrences.from_posts(posts, self.config, self.terms))

    def score_occurrences(self, occ: Occurrences) -> np.ndarray:
        """[P, L] label scores of a batch given as token occurrences."""
        terms, cfg = self.terms, self.config
        n_posts, n_terms = occ.n_posts, len(terms.term_text)
        empty = np.zeros((n_posts, len(terms.label_keys)), dtype=np.float64)
        if len(occ.post) == 0:
            return empty
        n_tok = max(len(occ.tokens), 1)
        # tf per (post, token) over all its occurrences
        pt_key, pt_inverse, pt_count = np.unique(occ.post * n_tok + occ.token, return_inverse=True, return_counts=True)
        total = np.bincount(occ.post, minlength=n_posts).astype(np.float64)
        tf_occ = pt_count[pt_inverse] / total[occ.post]
        # one entry per (post, token, weight)
        weights, w_code = np.unique(occ.weight, return_inverse=True)
        e_key, first = np.unique((occ.post * n_tok + occ.token) * len(weights) + w_code, return_index=True)
        e_post, e_tok, e_wc = occ.post[first], occ.token[first], w_code[first]
        tfidf = tf_occ[first]
        # (token, weight) pairs
        tw_key, e_tw = np.unique(e_tok * len(weights) + e_wc, return_inverse=True)
        tw_tok = tw_key // len(weights)
        tw_w = weights[tw_key % len(weights)]
        tokens = occ.tokens
        if self.embedding is not None:
            tfidf = tfidf * self.embedding.idf([tokens[t] for t in tw_tok])[e_tw]

        # Candidate pairs of every (token, weight): concatenated rows of the pair table.
        used = np.unique(tw_tok)
        rows = dict(zip(used.tolist(), self.table.get([tokens[t] for t in used])))
        sizes = np.array([len(rows[t][0]) for t in tw_tok.tolist()], dtype=np.int64)
        if sizes.sum() == 0:
            return empty
        c_tw = np.repeat(np.arange(len(tw_tok)), sizes)
        nonempty = [rows[t] for t, n in zip(tw_tok.tolist(), sizes.tolist()) if n]
        cols = np.concatenate([r[0] for r in nonempty])
        cos = np.concatenate([r[1] for r in nonempty]).astype(np.float64)
        lev = np.concatenate([r[2] for r in nonempty]).astype(np.float64)
        exact = np.concatenate([r[3] for r in nonempty])
        w = tw_w[c_tw]
        tok_len = np.array([len(tokens[t]) for t in tw_tok.tolist()], dtype=np.float64)[c_tw]
        value = self._pair_values(w, cols, cos, lev, exact, tok_len)

        # Each (token, weight) keeps its best `per_token_terms` terms per facet.
        facet = terms.term_facet[cols]
        order = np.lexsort((cols, -value, facet, c_tw))
        group = c_tw[order] * len(terms.facets) + facet[order]
        starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
        rank_in_group = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        keep = order[(rank_in_group < cfg.per_token_terms) & (value[order] > 0)]
        pair_matrix = sp.csr_matrix((value[keep], (c_tw[keep], cols[keep])), shape=(len(tw_tok), n_terms))

        if self.formula == "linear":
            return self._concepts(self._linear_max(n_posts, e_post, e_tw, tfidf, tw_w, c_tw[keep], cols[keep],
                                                   value[keep]))
        # multiplicative and edit distance: each (token, weight) adds its kept pairs, one sparse product
        post_weights = self._entry_weights(tfidf, e_tw, tw_tok, tokens)
        posts_matrix = sp.csr_matrix((post_weights, (e_post, e_tw)), shape=(n_posts, len(tw_tok)))  # [P, TW]
        term_scores = (posts_matrix @ pair_matrix).toarray()                                         # [P, T]
        return self._concepts(terms.label_scores(term_scores))

    def _entry_weights(self, tfidf, e_tw, tw_tok, tokens) -> np.ndarray:
        """Weight of each (post, token, field weight) entry in the multiplicative sum (1 for the
        baseline). ``tfidf`` is the authors' max(tf * idf, 1e-4); ``idf`` drops tf, since every
        field a word appears in already adds it once; ``none`` also drops idf, which otherwise
        ranks a category's own head nouns ("dress", "bag": frequent *because* they name it)
        below rarer loosely similar words."""
        weighting = self.config.term_weighting if self.formula == "multiplicative" else "none"
        if weighting == "tfidf":
            return np.maximum(tfidf, 1e-4)
        if weighting == "idf":
            return self.embedding.idf([tokens[t] for t in tw_tok])[e_tw].astype(np.float64)
        return np.ones(len(e_tw))

    def _linear_max(self, n_posts, e_post, e_tw, tfidf, tw_w, k_tw, k_col, k_val) -> np.ndarray:
        """Linear formula: a term scores the best (max) over the post's (token, weight) entries of
        pair value + w_f * w_tfidf * tfidf / post max tfidf. Entries are expanded against their
        kept pairs (sorted by token-weight) and reduced with a scatter-max. -> [P, L]"""
        terms, cfg = self.terms, self.config
        n_terms = len(terms.term_text)
        post_max = np.zeros(n_posts)
        np.maximum.at(post_max, e_post, tfidf)
        scaled = tfidf / np.where(post_max[e_post] > 0, post_max[e_post], 1.0)
        order = np.argsort(k_tw, kind="stable")
        k_tw, k_col, k_val = k_tw[order], k_col[order], k_val[order]
        counts = np.bincount(k_tw, minlength=len(tw_w))
        first = np.r_[0, np.cumsum(counts)[:-1]]             # first kept pair of each (token, weight)
        per_entry = counts[e_tw]
        entry = np.repeat(np.arange(len(e_tw)), per_entry)   # [X] entry of each expanded pair
        within = np.arange(per_entry.sum()) - np.repeat(np.r_[0, np.cumsum(per_entry)[:-1]], per_entry)
        pair = first[e_tw][entry] + within                   # [X] kept pair
        value = k_val[pair] + (tw_w[e_tw] * cfg.w_tfidf * scaled)[entry]
        flat = np.zeros(n_posts * n_terms)
        np.maximum.at(flat, e_post[entry].astype(np.int64) * n_terms + k_col[pair], value)
        return terms.label_scores(flat.reshape(n_posts, n_terms))

    def _pair_values(self, w, cols, cos, lev, exact, tok_len) -> np.ndarray:
        cfg = self.config
        is_vec = ~np.isnan(cos)
        if self.formula == "multiplicative":
            boost = np.where(exact, cfg.exact_boost, 1.0)
            return np.where(is_vec, w * boost * np.nan_to_num(cos) ** 2, 1.0 / (1.0 + (w * np.maximum(lev, 0)) ** 2))
        longer = np.maximum(np.maximum(tok_len, self.term_len[cols]), 1.0)
        string_sim = 1.0 - np.maximum(lev, 0) / longer
        if self.formula == BASELINE:
            return w * string_sim
        similarity = np.where(is_vec, np.maximum(np.nan_to_num(cos), 0.0), string_sim)
        return w * (cfg.w_cosine * similarity + cfg.w_term * exact)

    def _concepts(self, labels: np.ndarray) -> np.ndarray:
        terms, cfg = self.terms, self.config
        if self.formula == "multiplicative":
            rerank = np.isin(terms.label_facet, [terms.facets.index(f) for f in RERANK_KINDS if f in terms.facets])
            factor = np.where(np.isnan(terms.rerank_concept), 0.5, 1.0 + np.nan_to_num(terms.rerank_concept))
            return labels * np.where(rerank, factor, 1.0)[None, :]
        if self.formula == "linear" and cfg.w_concept:
            return labels + np.where(labels > 0, cfg.w_concept * terms.linear_concept[None, :], 0.0)
        return labels


# -- top-k rows -----------------------------------------------------------------------------------
def top_k_arrays(scores: np.ndarray, terms: TermSpace, k: int, facets: Iterable[str] | None = None,
                 min_relative: float = 0.0) -> dict[str, tuple[np.ndarray, ...]]:
    """facet -> (post index, rank 1.., label index, score, share %) arrays of the top-k labels with
    signal and at least ``min_relative`` x the facet's best score. Ties break by ontology order
    (stable sort); share = score / sum of the post's listed scores in that facet * 100."""
    out = {}
    for facet in facets or terms.facets:
        sl = terms.facet_slice(facet)
        block = scores[:, sl]                                                   # [P, L_f]
        if block.shape[1] == 0:
            continue
        order = np.argsort(-block, axis=1, kind="stable")[:, :k]                 # [P, k]
        best = np.take_along_axis(block, order, axis=1)
        listed = (best > 0) & (best >= min_relative * best[:, :1])
        totals = np.where(listed, best, 0.0).sum(axis=1, keepdims=True)
        shares = 100.0 * best / np.where(totals > 0, totals, 1.0)
        post, rank = np.nonzero(listed)
        out[facet] = (post, rank + 1, order[post, rank] + sl.start, best[post, rank], shares[post, rank])
    return out


def top_k(scores: np.ndarray, terms: TermSpace, k: int, facets: Iterable[str] | None = None,
          min_relative: float = 0.0) -> list[dict[str, list[tuple[str, float, float]]]]:
    """Per post: facet -> [(label key, score, share %)] best first; facets without signal absent."""
    out: list[dict] = [{} for _ in range(scores.shape[0])]
    for facet, (post, _, label, score, share) in top_k_arrays(scores, terms, k, facets, min_relative).items():
        for p, j, s, sh in zip(post.tolist(), label.tolist(), score.tolist(), share.tolist()):
            out[p].setdefault(facet, []).append((terms.label_keys[j], s, sh))
    return out
