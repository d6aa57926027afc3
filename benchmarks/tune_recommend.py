"""Choose the ALS settings on training data only: an inner temporal split of the fit posts.

    python benchmarks/tune_recommend.py [--ingest data/interim/ingest] [--predictions data/processed/predictions.parquet]
                                        [--source truth|predicted]

Each account's outer hold-out (the posts `recommend` scores on, `recommend.holdout_share`) is
dropped first; the remaining fit posts are split again the same way and every grid point is
scored (NDCG@k, relevance `all`) on that inner hold-out. The outer hold-out is never read.
Prints the best settings and the popularity baseline on the same inner split.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fashion.params import load_params  # noqa: E402
from fashion.profiles.aggregate import SourcePosts  # noqa: E402
from fashion.profiles.build import build_sources  # noqa: E402
from fashion.profiles.config import ProfilesSettings  # noqa: E402
from fashion.profiles.posts import read_post_index  # noqa: E402
from fashion.recommend.config import RecommendSettings  # noqa: E402
from fashion.recommend.stage import evaluate_sources  # noqa: E402

GRID = {"factors": (8, 16, 32), "regularization": (0.05, 1.0, 10.0), "alpha": (0.5, 2.0, 8.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ingest", default="data/interim/ingest")
    parser.add_argument("--predictions", default="data/processed/predictions.parquet")
    parser.add_argument("--source", default="truth", choices=("truth", "predicted"))
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args()
    params = load_params(args.params)
    profiles = ProfilesSettings.from_params(params)
    base = RecommendSettings.from_params(params)
    ingest = Path(args.ingest)
    index = read_post_index(ingest)
    posts = pd.read_parquet(ingest / "posts.parquet")
    annotated = pd.read_parquet(ingest / "annotated.parquet")
    included = posts["post_id"].isin(annotated["post_id"]).to_numpy() if args.source == "truth" \
        else np.ones(len(posts), dtype=bool)
    outer = SourcePosts.build(index, included, base.holdout_share).hidden
    fit_ids = set(posts.loc[~outer, "post_id"])
    with tempfile.TemporaryDirectory(prefix="tune_recommend.") as tmp:
        inner = Path(tmp)
        posts[~outer].to_parquet(inner / "posts.parquet")
        for name in ("truth.parquet", "annotated.parquet"):
            table = pd.read_parquet(ingest / name)
            table[table["post_id"].isin(fit_ids)].to_parquet(inner / name)
        predictions = pd.read_parquet(args.predictions)
        predictions[predictions["post_id"].isin(fit_ids)].to_parquet(inner / "predictions.parquet")
        sources = build_sources(inner / "predictions.parquet", inner, profiles, base.holdout_share)
    sources.aggregates = {args.source: sources.aggregates[args.source]}
    rows = []
    for values in itertools.product(*GRID.values()):
        settings = RecommendSettings(**{**base.__dict__, **dict(zip(GRID, values)), "bootstrap": 10})
        kinds = evaluate_sources(sources, settings, int(params["seed"]))[args.source]["kinds"]
        ndcg = {kind: cells["all"]["models"][settings.model]["ndcg"] for kind, cells in kinds.items()}
        popularity = {kind: cells["all"]["models"]["popularity"]["ndcg"] for kind, cells in kinds.items()}
        rows.append((float(np.mean(list(ndcg.values()))), dict(zip(GRID, values)), ndcg))
    rows.sort(key=lambda row: -row[0])
    for mean, setting, ndcg in rows[:5]:
        print(f"mean NDCG {mean:.4f}  {setting}  {ndcg}")
    print(f"popularity on the inner split: {popularity}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
