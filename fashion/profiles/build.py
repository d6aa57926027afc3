"""The profile table (contract: docs/contracts.md "Profiles") from an Aggregate, and the one
orchestration that builds both sources' aggregates from the pipeline's files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fashion.profiles.aggregate import Aggregate, SourcePosts, accumulate
from fashion.profiles.config import FACETS, ProfilesSettings
from fashion.profiles.events import Vocabulary, prediction_events, read_truth, truth_events
from fashion.profiles.posts import PostIndex, read_post_index

Z95 = 1.959963984540054

SCHEMA = pa.schema([
    ("source", pa.string()), ("account", pa.string()), ("facet", pa.string()), ("label", pa.string()),
    ("posts", pa.int64()), ("account_posts", pa.int64()), ("share", pa.float64()), ("share_low", pa.float64()),
    ("share_high", pa.float64()), ("trend", pa.float64()), ("months", pa.int64()),
])


def wilson(k: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson score interval of k successes in n (n > 0)."""
    k, n = np.asarray(k, np.float64), np.asarray(n, np.float64)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def profile_table(agg: Aggregate, vocab: Vocabulary, accounts: np.ndarray, source: str) -> pa.Table:
    """One row per (account, label) the account's posts show: counts, share, interval, trend."""
    coo = agg.all.tocoo()
    acc, lab, k = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    n = agg.posts[acc].astype(np.float64)
    low, high = wilson(k, n)
    # least-squares slope of the monthly share over the account's months with posts (share 0 in
    # months the label is absent): (M Σ m s - Σ m Σ s) / (M Σ m² - (Σ m)²), per month
    s = np.asarray(agg.trend_s[acc, lab]).ravel()
    ms = np.asarray(agg.trend_ms[acc, lab]).ravel()
    months, sum_m, sum_m2 = agg.months[acc], agg.sum_m[acc], agg.sum_m2[acc]
    denominator = months * sum_m2 - sum_m * sum_m
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = np.where(denominator > 0, (months * ms - sum_m * s) / denominator, np.nan)
    keys = np.asarray(vocab.keys, dtype=object)[lab] if len(lab) else np.zeros(0, dtype=object)
    facet_label = pd.Series(keys, dtype=object).str.split(":", n=1, expand=True) if len(keys) else pd.DataFrame({0: [], 1: []})
    frame = pd.DataFrame({
        "source": source, "account": accounts[acc] if len(acc) else np.zeros(0, object),
        "facet": facet_label[0].to_numpy(object), "label": facet_label[1].to_numpy(object),
        "posts": k.astype(np.int64), "account_posts": n.astype(np.int64), "share": k / np.where(n > 0, n, 1),
        "share_low": low, "share_high": high, "trend": trend, "months": months.astype(np.int64),
    })
    frame["facet_order"] = frame["facet"].map({f: i for i, f in enumerate(FACETS)})
    frame = frame.sort_values(["account", "facet_order", "posts", "label"], ascending=[True, True, False, True],
                              kind="mergesort").drop(columns="facet_order")
    return pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)


@dataclass
class Sources:
    """Both sources' aggregates over one vocabulary and post index."""
    index: PostIndex
    vocab: Vocabulary
    aggregates: dict[str, Aggregate]     # predicted, truth
    truth_left_out: int                  # truth rows of posts not in the dump
    annotated_posts: int


def build_sources(predictions: Path, ingest: Path, settings: ProfilesSettings, holdout_share: float = 0.2,
                  progress=None) -> Sources:
    """Read the posts, stream the predictions and read the truth into aggregates (with the
    temporal split at `holdout_share`; the profile itself uses every post)."""
    index = read_post_index(ingest)
    vocab = Vocabulary()
    everything = np.ones(len(index), dtype=bool)
    pairs = prediction_events(predictions, index, vocab, settings.min_score, settings.batch_rows)
    if progress is not None:
        pairs = progress(pairs)
    predicted = accumulate(index, SourcePosts.build(index, everything, holdout_share), pairs, lambda: len(vocab))
    truth, annotated_ids = read_truth(ingest)
    annotated = np.zeros(len(index), dtype=bool)
    if len(annotated_ids):
        known = pd.Index(np.asarray([str(k) for k in index.post_ids], dtype=object)).get_indexer(annotated_ids)
        annotated[known[known >= 0]] = True
    posts, labels, left_out = truth_events(truth, index, vocab)
    truth_agg = accumulate(index, SourcePosts.build(index, annotated, holdout_share), [(posts, labels)],
                           lambda: len(vocab))
    # the predicted aggregate was closed before the truth added labels: widen it to the same columns
    for name in ("all", "fit", "hidden", "trend_s", "trend_ms"):
        m = getattr(predicted, name)
        setattr(predicted, name, type(m)((m.data, m.indices, m.indptr), shape=(m.shape[0], len(vocab))))
    return Sources(index, vocab, {"predicted": predicted, "truth": truth_agg}, left_out, int(annotated.sum()))


def profiles(sources: Sources) -> pa.Table:
    tables = [profile_table(sources.aggregates[name], sources.vocab, sources.index.accounts, name)
              for name in ("predicted", "truth")]
    return pa.concat_tables(tables)
