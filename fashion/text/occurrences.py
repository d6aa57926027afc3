"""Token occurrences of posts (token, field weight) and their brand cues, as parallel arrays.

Built from PostText rows (``from_posts``) or straight from tokens.parquet batches
(``from_table``, vectorised); both give the same occurrences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fashion.text.posts import PostText, post_changes
from fashion.text.terms import TermSpace

if TYPE_CHECKING:
    from fashion.text.rank import RankConfig


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
    for field, tokens, segmented, handles, *_ in post.rows:
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
    # brand cues (tokens.parquet ``cues``: brand keys mentioned with evidence), one entry per cue
    cue_post: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cue_key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))    # index into ``cue_keys``
    cue_weight: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))  # the row's field weight
    cue_keys: list[str] = field(default_factory=list)

    @classmethod
    def from_posts(cls, posts: Sequence[PostText], config: RankConfig, terms: TermSpace) -> "Occurrences":
        """Rows are (field, tokens, segmented, handles) or, with brand cues, (..., cues)."""
        ids: dict[str, int] = {}
        post, token, weight = [], [], []
        keys: dict[str, int] = {}
        cue_post, cue_key, cue_weight = [], [], []
        for p, item in enumerate(posts):
            for tok, w in post_occurrences(item, config, terms.phrases, terms.max_phrase):
                post.append(p)
                token.append(ids.setdefault(tok, len(ids)))
                weight.append(w)
            for row in item.rows:
                for key in (row[4] if len(row) > 4 else ()):
                    cue_post.append(p)
                    cue_key.append(keys.setdefault(key, len(keys)))
                    cue_weight.append(config.field_weight(row[0]))
        return cls(len(posts), np.asarray(post, dtype=np.int64), np.asarray(token, dtype=np.int64),
                   np.asarray(weight, dtype=np.float64), list(ids), np.asarray(cue_post, dtype=np.int64),
                   np.asarray(cue_key, dtype=np.int64), np.asarray(cue_weight, dtype=np.float64), list(keys))

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
        occ = cls(len(post_ids), post, token, weight, tokens)
        if "cues" in table.column_names:
            lists = table.column("cues").combine_chunks()
            flat = pc.list_flatten(lists).cast(pa.string()).dictionary_encode()
            parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
            occ.cue_post = row_post[parent].astype(np.int64)
            occ.cue_key = flat.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            occ.cue_weight = row_w[parent]
            occ.cue_keys = flat.dictionary.to_pylist()
        return occ, post_ids


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


