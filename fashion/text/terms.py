"""Ontology facets as a flat term table: each label's keywords in token form, with vectors.

Terms are ordered facet by facet, label by label (ontology order), so a facet is a contiguous
column block and a label a contiguous run of terms; label scores are the max over their run.
A keyword's form is the phrase normalised exactly as post text is ("Boyfriend Jeans" ->
("boyfriend", "jeans")); duplicate forms within a label are dropped ("blouse", "blouses").
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fashion.text.lexicon import Lexicon, fold, is_dictionary_word
from fashion.text.normalize import phrase_pieces, phrase_tokens

# Concept-lexicon kind consulted per facet (ontology.concepts term -> {kind: probability}).
# The multiplicative formula re-ranks only brands and materials (as the authors did with
# Probase); the linear formula's concept score also uses "item" for categories/subcategories.
RERANK_KINDS = {"brands": "brand", "material": "material"}
LINEAR_KINDS = {"brands": "brand", "material": "material", "categories": "item", "subcategories": "item"}


@dataclass
class TermSpace:
    facets: list[str]
    label_keys: list[str]                 # [L]
    label_facet: np.ndarray               # [L] facet index
    facet_label_start: np.ndarray         # [F+1] label offsets per facet
    term_text: list[str]                  # [T] form, words joined by one space
    term_label: np.ndarray                # [T] label index (non-decreasing)
    term_facet: np.ndarray                # [T] facet index
    label_term_start: np.ndarray          # [L+1] term offsets per label
    rerank_concept: np.ndarray            # [L] max P(kind | keyword) for RERANK_KINDS, NaN if none
    linear_concept: np.ndarray            # [L] the same for LINEAR_KINDS, 0 when none
    term_concept: np.ndarray | None = None  # [T] brand terms: min P(brand | keyword) of the keywords with this form, NaN else
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # multi-word forms
    form_terms: dict[str, np.ndarray] = field(default_factory=dict)    # form -> term indices
    vectors: np.ndarray | None = None     # [T, D] unit vectors (float32), zero rows when missing
    has_vector: np.ndarray | None = None  # [T] bool

    def __post_init__(self):
        self.max_phrase = max((len(p) for p in self.phrases), default=1)
        # form id per term, so an exact match is an integer comparison
        form_id = {text: i for i, text in enumerate(self.form_terms)}
        self.term_form_id = np.array([form_id[t] for t in self.term_text], dtype=np.int64)
        self.form_id = form_id

    def facet_slice(self, facet: str) -> slice:
        f = self.facets.index(facet)
        return slice(int(self.facet_label_start[f]), int(self.facet_label_start[f + 1]))

    @classmethod
    def build(cls, ontology, lexicon: Lexicon, facets: list[str] | None = None) -> "TermSpace":
        facets = list(facets or ontology.facets())
        label_keys: list[str] = []
        label_facet: list[int] = []
        facet_label_start = [0]
        term_text: list[str] = []
        term_label: list[int] = []
        label_term_start = [0]
        rerank, linear, term_concept = [], [], []
        phrases: dict[tuple[str, ...], str] = {}
        for f, facet in enumerate(facets):
            for key, keywords in ontology.facet_terms(facet).items():
                label = len(label_keys)
                label_keys.append(key)
                label_facet.append(f)
                forms: dict[str, float] = {}
                for keyword in keywords:
                    words = keyword_form(keyword, lexicon)
                    if words:
                        text = " ".join(words)
                        p = _concept(ontology, (keyword,), "brand", missing=np.nan) if facet == "brands" else np.nan
                        # the least brand-like spelling decides: "hm" (a hesitation) beside "h&m"
                        forms[text] = np.nanmin([forms.get(text, np.nan), p]) if not np.isnan(p) else forms.get(text, p)
                        if len(words) > 1:
                            phrases[words] = text
                for text, p in forms.items():
                    term_text.append(text)
                    term_label.append(label)
                    term_concept.append(p)
                label_term_start.append(len(term_text))
                rerank.append(_concept(ontology, keywords, RERANK_KINDS.get(facet), missing=np.nan))
                linear.append(_concept(ontology, keywords, LINEAR_KINDS.get(facet), missing=0.0))
            facet_label_start.append(len(label_keys))
        term_label_arr = np.array(term_label, dtype=np.int64)
        label_facet_arr = np.array(label_facet, dtype=np.int64)
        form_terms: dict[str, list[int]] = {}
        for i, text in enumerate(term_text):
            form_terms.setdefault(text, []).append(i)
        return cls(facets=facets, label_keys=label_keys, label_facet=label_facet_arr,
                   facet_label_start=np.array(facet_label_start, dtype=np.int64), term_text=term_text,
                   term_label=term_label_arr, term_facet=label_facet_arr[term_label_arr],
                   label_term_start=np.array(label_term_start, dtype=np.int64),
                   rerank_concept=np.array(rerank, dtype=np.float64),
                   linear_concept=np.array(linear, dtype=np.float64), phrases=phrases,
                   term_concept=np.array(term_concept, dtype=np.float64),
                   form_terms={k: np.array(v, dtype=np.int64) for k, v in form_terms.items()})

    def attach_vectors(self, embed_fn) -> None:
        """Set term vectors from ``embed_fn(list[str]) -> (unit vectors [n, D], has [n])``."""
        self.vectors, self.has_vector = embed_fn(self.term_text)

    def label_scores(self, term_scores: np.ndarray) -> np.ndarray:
        """[P, T] term scores -> [P, L] label scores (max over each label's terms; 0 if it has none)."""
        n_labels = len(self.label_keys)
        out = np.zeros((term_scores.shape[0], n_labels), dtype=term_scores.dtype)
        starts = self.label_term_start[:-1]
        nonempty = np.flatnonzero(self.label_term_start[1:] > starts)
        if len(nonempty) and term_scores.shape[1]:
            out[:, nonempty] = np.maximum.reduceat(term_scores, starts[nonempty], axis=1)
        return out


def keyword_form(keyword: str, lexicon: Lexicon) -> tuple[str, ...]:
    """A keyword's words as post text normalises them, except for a keyword of several pieces
    that normalisation shrinks to one everyday word ("Cotton On" -> cotton, "t shirt" -> shirt,
    "studio75" -> studio) or to none ("and less"): in token form it would match every post using
    that word, so it stands as its letters and digits run together instead ("cottonon", as
    hashtags and handles spell it)."""
    words = phrase_tokens(keyword, lexicon)
    if len(phrase_pieces(keyword)) > 1 and (not words or (len(words) == 1 and is_dictionary_word(words[0]))):
        joined = "".join(ch for ch in fold(keyword) if ch.isalnum())
        return (joined,) if any(ch.isalpha() for ch in joined) else ()
    return words


def _concept(ontology, keywords, kind: str | None, missing: float) -> float:
    if kind is None:
        return missing
    best = missing
    for keyword in keywords:
        p = ontology.concepts.get(keyword.lower(), {}).get(kind, 0.0)
        if p > 0 and (np.isnan(best) or p > best):
            best = p
    return best
