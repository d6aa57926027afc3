"""The recommend stage and `fashion recommend`: one orchestration.

Both label sources (predicted, truth) are evaluated on the temporal hold-out (profiles and
models see only each account's fit posts); the production recommendations come from the
predicted labels of every post (the truth exists only where people annotated)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from fashion.io import write_json, write_parquet
from fashion.profiles.build import Sources, build_sources
from fashion.profiles.config import INGEST, PREDICTIONS, ProfilesSettings
from fashion.recommend.config import KINDS, METRICS, RECOMMENDATIONS, RecommendSettings
from fashion.recommend.evaluate import evaluate_kind
from fashion.recommend.explain import recommend_all
from fashion.recommend.models import Factorisation, build_models

HEADLINE = "all"   # every hidden label: the one relevance all three (model, popularity, repeat) can score


def evaluate_sources(sources: Sources, settings: RecommendSettings, seed: int, progress=None) -> dict[str, Any]:
    """metrics/recommend.json's `sources` part."""
    out: dict[str, Any] = {}
    facets = np.asarray([key.partition(":")[0] for key in sources.vocab.keys], dtype=object)
    for name, agg in sources.aggregates.items():
        evaluated = {"accounts": int((agg.posts > 0).sum()), "fit_posts": int(agg.fit_posts.sum()),
                     "hidden_posts": int(agg.hidden_posts.sum()), "labels": int((np.diff(agg.all.tocsc().indptr) > 0).sum())}
        if agg.fit.nnz == 0 or agg.hidden.nnz == 0:
            out[name] = {**evaluated, "kinds": {}, "note": "no labelled posts on one side of the split"}
            continue
        models = build_models(agg.fit, settings, seed)
        kinds = {}
        for kind, facet in KINDS.items():
            candidates = np.flatnonzero(facets == facet)
            if len(candidates):
                kinds[kind] = evaluate_kind(models, settings.model, agg.fit, agg.hidden, candidates, settings.k,
                                            settings.bootstrap, seed)
            if progress:
                progress(f"{name} {kind}")
        out[name] = {**evaluated, "kinds": kinds}
    return out


def run_recommend(predictions: Path, ingest: Path, profiles: ProfilesSettings, settings: RecommendSettings,
                  seed: int, out: Path = RECOMMENDATIONS, metrics: Path = METRICS, progress=None) -> dict[str, Any]:
    """Evaluate, fit on every post, recommend; write recommendations.parquet and recommend.json."""
    started = time.perf_counter()
    sources = build_sources(predictions, ingest, profiles, settings.holdout_share)
    read_seconds = time.perf_counter() - started
    evaluation = evaluate_sources(sources, settings, seed, progress)
    evaluate_seconds = time.perf_counter() - started - read_seconds
    predicted = sources.aggregates["predicted"]
    model = Factorisation(predicted.all, settings, seed)
    recs, similar = recommend_all(model, predicted.all, sources.vocab.keys, sources.index.accounts,
                                  settings.top_n, settings.similar_accounts)
    similar_rows = pa.table({
        "account": similar.column("account"), "kind": pa.array(["account"] * similar.num_rows, pa.string()),
        "rank": similar.column("rank"), "label": similar.column("similar"), "score": similar.column("cosine"),
        "reason": pa.array(["similar profile (cosine of the model's account factors)"] * similar.num_rows, pa.string()),
        "similar_wearing": pa.array([[] for _ in range(similar.num_rows)], pa.list_(pa.string())),
        "because": pa.array([None] * similar.num_rows, pa.string()),
    }, schema=recs.schema)
    table = pa.concat_tables([recs, similar_rows]).sort_by([("account", "ascending"), ("kind", "ascending"),
                                                            ("rank", "ascending")])
    write_parquet(out, table)
    doc = {"model": settings.model, "k": settings.k, "top_n": settings.top_n, "holdout_share": settings.holdout_share,
           "bootstrap": settings.bootstrap, "baselines": ["knn", "popularity", "repeat"], "headline": HEADLINE,
           "min_score": profiles.min_score, "sources": evaluation,
           "recommendations": {"accounts": int(len(sources.index.accounts)), "rows": int(recs.num_rows)},
           "timing": {"read_seconds": round(read_seconds, 3), "evaluate_seconds": round(evaluate_seconds, 3),
                      "seconds": round(time.perf_counter() - started, 3)}}
    write_json(metrics, doc)
    return doc


def run_stage(params: dict[str, Any]) -> dict[str, Any]:
    return run_recommend(PREDICTIONS, INGEST, ProfilesSettings.from_params(params),
                         RecommendSettings.from_params(params), int(params["seed"]))
