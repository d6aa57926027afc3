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

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from fashion.text.lexicon import is_dictionary_word
from fashion.text.occurrences import Occurrences, post_occurrences  # noqa: F401  (re-exported)
from fashion.text.pairs import Embedding, PairTable  # noqa: F401  (re-exported)
from fashion.text.posts import PostText
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
    term_weighting: str = "none"     # multiplicative: tfidf (authors: max(tf*idf, 1e-4)) | idf | none
    min_cosine_quantile: float = 0.999  # > 0: cosine threshold at least this quantile of word-pair cosines
    min_relative_score: float = 0.4  # list a label only at >= this x the facet's best score (0: authors)
    remove_components: int = 2       # all-but-the-top: mean + this many principal directions removed
    caption_weight: float = 2.0
    comment_weight: float = 1.0
    usertags_weight: float = 1.0
    hashtags_weight: float = 3.0
    batch_posts: int = 1000
    brand_cosine: bool = False       # brands also from cosine pairs (authors); False: spelling only
    brand_concept_min: float = 0.7   # a brand term below this P(brand | term) scores only through evidence
    # label listed only at >= this score, per facet and formula (benchmarks/calibrate_rank.py, training split)
    min_score_multiplicative: Mapping[str, float] = field(default_factory=dict)
    min_score_linear: Mapping[str, float] = field(default_factory=dict)

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
        for name in ("min_score_multiplicative", "min_score_linear"):
            table = getattr(self, name)
            if not isinstance(table, Mapping) or not all(isinstance(v, (int, float)) and v >= 0 for v in table.values()):
                raise RankError(f"rank.{name}: must map facets to scores >= 0, got {table!r}")

    def min_score(self, formula: str) -> Mapping[str, float]:
        """Calibrated per-facet score floors of ``formula`` (none for the edit-distance baseline)."""
        return {"multiplicative": self.min_score_multiplicative, "linear": self.min_score_linear}.get(formula, {})

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
        # Brands match by spelling only: a cosine makes "jeans" a mention of Tommy Jeans, "bags" of
        # Spiral Bags, "zara" of Mango. A brand whose name is an everyday word (the concept lexicon
        # says it is mostly not a brand: guess, coach, next, gap, boss) is left to the evidence cues.
        brand = (terms.term_facet == terms.facets.index("brands") if "brands" in terms.facets
                 else np.zeros(len(terms.term_text), dtype=bool))
        string_only = brand if self.embedding is not None and not config.brand_cosine else None
        blocked = None
        if self.formula != BASELINE and terms.term_concept is not None:
            blocked = brand & (np.nan_to_num(terms.term_concept, nan=1.0) < config.brand_concept_min)
        self.table = PairTable(terms, self.embedding, self.min_cosine, config.max_edit_ratio,
                               may_correct=may_correct, string_only=string_only, blocked=blocked)
        self.term_len = np.array([len(t) for t in terms.term_text], dtype=np.float32)
        self.brand_label = ({terms.label_keys[j]: j for j in range(terms.facet_slice("brands").start,
                                                                   terms.facet_slice("brands").stop)}
                            if "brands" in terms.facets and self.formula != BASELINE else {})
        floors = config.min_score(self.formula)
        unknown = sorted(set(floors) - set(terms.facets))
        if unknown:
            raise RankError(f"rank.min_score_{self.formula}: unknown facet(s) {', '.join(unknown)}")
        self.floor = np.zeros(len(terms.label_keys))
        for facet, value in floors.items():
            self.floor[terms.facet_slice(facet)] = value

    def may_correct(self, token: str) -> bool:
        """Whether a token may be a misspelling of a term: at least ``min_fuzzy_len`` characters
        (short words lie one edit from many others) and not itself a dictionary word."""
        return len(token) >= self.config.min_fuzzy_len and not is_dictionary_word(token)

    def score(self, posts: Sequence[PostText]) -> np.ndarray:
        """[P, L] label scores (0 = no signal)."""
        return self.score_occurrences(Occurrences.from_posts(posts, self.config, self.terms))

    def score_occurrences(self, occ: Occurrences) -> np.ndarray:
        """[P, L] label scores of a batch given as token occurrences (and brand cues); a score under
        its facet's calibrated floor is 0."""
        labels = self._concepts(self._with_cues(self._token_scores(occ), occ))
        return np.where(labels >= self.floor[None, :], labels, 0.0)

    def _with_cues(self, labels: np.ndarray, occ: Occurrences) -> np.ndarray:
        """Brand cues (fashion.text.mentions) score the labels the tokens gave nothing (brands that
        need evidence, names normalisation breaks up: "Other Stories", "H&M"); each counts as an exact
        mention at its row's weight, w_f * exact_boost (multiplicative, summed) or w_f * (w_cosine +
        w_term) (linear, max)."""
        if not self.brand_label or not len(occ.cue_post):
            return labels
        label = np.array([self.brand_label.get(k, -1) for k in occ.cue_keys], dtype=np.int64)[occ.cue_key]
        ok = label >= 0
        post, label, w = occ.cue_post[ok], label[ok], occ.cue_weight[ok]
        cued = np.zeros_like(labels)
        if self.formula == "linear":
            np.maximum.at(cued, (post, label), w * (self.config.w_cosine + self.config.w_term))
        else:
            np.add.at(cued, (post, label), w * self.config.exact_boost)
        # a brand the tokens already found is not counted twice ("#zara" is a token and a cue)
        return np.where(labels > 0, labels, cued)

    def _token_scores(self, occ: Occurrences) -> np.ndarray:
        """[P, L] label scores from the token pairs, before the concept re-ranking."""
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
            return self._linear_max(n_posts, e_post, e_tw, tfidf, tw_w, c_tw[keep], cols[keep], value[keep])
        # multiplicative and edit distance: each (token, weight) adds its kept pairs, one sparse product
        post_weights = self._entry_weights(tfidf, e_tw, tw_tok, tokens)
        posts_matrix = sp.csr_matrix((post_weights, (e_post, e_tw)), shape=(n_posts, len(tw_tok)))  # [P, TW]
        term_scores = (posts_matrix @ pair_matrix).toarray()                                         # [P, T]
        return terms.label_scores(term_scores)

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
