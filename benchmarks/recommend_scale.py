"""Profiles + recommend + hold-out evaluation on a synthetic predictions table at scale.

    python benchmarks/recommend_scale.py [--accounts 100000] [--posts 10000000] [--dir DIR] [--keep]

Writes DIR/predictions.parquet (the predict contract's schema, one row per post) and
DIR/ingest/{posts,truth,annotated}.parquet in batches of --batch posts (memory bounded while
generating), then runs, timing each step and its peak RSS (VmHWM, reset before each step):
profiles (read the posts, stream the predictions into the account x label matrices, the profile
table), evaluation (fit ALS / item-kNN / popularity / repeat on the fit posts, score the hold-out),
recommend (fit on every post, top-N with reasons, similar accounts). Settings from params.yaml.
The world: accounts in taste groups (styles, brands, items of their own, drifting over time), so
the numbers printed are of a recommender with something to find.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fashion.params import load_params  # noqa: E402
from fashion.profiles.build import build_sources, profile_table  # noqa: E402
from fashion.profiles.config import ProfilesSettings  # noqa: E402
from fashion.recommend.config import RecommendSettings  # noqa: E402
from fashion.recommend.explain import recommend_all  # noqa: E402
from fashion.recommend.models import Factorisation  # noqa: E402
from fashion.recommend.stage import evaluate_sources  # noqa: E402

LABEL = pa.struct([("label", pa.string()), ("score", pa.float64()), ("image", pa.float64()),
                   ("text", pa.float64()), ("source", pa.string())])
ATTRIBUTE = pa.struct([("group", pa.string()), ("label", pa.string()), ("score", pa.float64()),
                       ("image", pa.float64()), ("text", pa.float64()), ("source", pa.string())])
TEXT_LABEL = pa.struct([("label", pa.string()), ("score", pa.float64())])
SCHEMA = pa.schema([
    ("post_id", pa.string()), ("image", pa.int32()), ("media", pa.string()), ("image_status", pa.string()),
    ("split", pa.string()), ("annotated", pa.bool_()), ("run", pa.string()),
    ("hint_categories", pa.list_(pa.string())), ("hint_subcategory", pa.string()),
    ("categories", pa.list_(LABEL)), ("subcategories", pa.list_(LABEL)), ("attributes", pa.list_(ATTRIBUTE)),
    ("brands", pa.list_(TEXT_LABEL)), ("styles", pa.list_(TEXT_LABEL)),
])
POSTS = pa.schema([("post_id", pa.string()), ("account", pa.string()), ("taken_at", pa.timestamp("us", tz="UTC"))])
GROUPS, STYLES, BRANDS, SUBS, MATERIALS, PATTERNS, CATEGORIES = 200, 20, 1000, 100, 30, 15, 13


def _labels(offsets: np.ndarray, names: np.ndarray, scores: np.ndarray, kind: pa.DataType) -> pa.Array:
    fields = [pa.array(names, pa.string()), pa.array(scores, pa.float64())]
    if kind == TEXT_LABEL:
        values = pa.StructArray.from_arrays(fields, names=["label", "score"])
    else:
        zeros = pa.array(np.zeros(len(names)), pa.float64())
        values = pa.StructArray.from_arrays(fields + [pa.array(scores, pa.float64()), zeros,
                                                      pa.array(["image"] * len(names), pa.string())],
                                            names=["label", "score", "image", "text", "source"])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def generate(root: Path, n_accounts: int, n_posts: int, batch: int, seed: int = 0) -> None:
    """Posts spread over accounts (Zipf-ish activity), in post_id order; each account's posts are
    consecutive ids in time order, so the predictions stay sorted by post_id."""
    rng = np.random.default_rng(seed)
    activity = rng.gamma(2.0, 1.0, n_accounts)
    per_account = np.maximum(1, np.floor(activity / activity.sum() * n_posts)).astype(np.int64)
    per_account[: n_posts - per_account.sum()] += 1 if per_account.sum() < n_posts else 0
    group = rng.integers(0, GROUPS, n_accounts)
    taste = np.random.default_rng(seed + 1)
    g_styles = taste.integers(0, STYLES, (GROUPS, 3))
    g_brands = taste.integers(0, BRANDS, (GROUPS, 6))
    g_subs = taste.integers(0, SUBS, (GROUPS, 8))
    g_mats = taste.integers(0, MATERIALS, (GROUPS, 3))
    g_pats = taste.integers(0, PATTERNS, (GROUPS, 2))
    (root / "ingest").mkdir(parents=True, exist_ok=True)
    preds = pq.ParquetWriter(root / "predictions.parquet", SCHEMA)
    posts = pq.ParquetWriter(root / "ingest" / "posts.parquet", POSTS)
    account_of = np.repeat(np.arange(n_accounts), per_account)[:n_posts]
    start_of = np.r_[0, np.cumsum(per_account)][:-1]
    t0 = np.datetime64("2017-01-01T00:00:00", "us").astype(np.int64)
    for lo in range(0, len(account_of), batch):
        acc = account_of[lo:lo + batch]
        n = len(acc)
        rank = np.arange(lo, lo + n) - start_of[acc]
        progress = rank / np.maximum(per_account[acc] - 1, 1)
        drift = rng.random(n) < 0.4 * progress                       # later posts: the next group's tastes
        g = np.where(drift, (group[acc] + 1) % GROUPS, group[acc])
        ids = (10**15 + np.arange(lo, lo + n)).astype(str)
        taken = t0 + (rank * 3 * 86400 + acc % 97 * 3600).astype(np.int64) * 1_000_000
        pick = lambda table, width: table[g, rng.integers(0, width, n)]  # noqa: E731
        n_subs = rng.integers(1, 3, n)
        sub_off = np.r_[0, np.cumsum(n_subs)]
        sub_rows = np.repeat(np.arange(n), n_subs)
        subs = g_subs[g[sub_rows], rng.integers(0, 8, len(sub_rows))]
        sub_names = np.char.add("sub", subs.astype(str))
        one = np.arange(n + 1)
        mats = np.char.add("mat", pick(g_mats, 3).astype(str))
        pats = np.char.add("pat", pick(g_pats, 2).astype(str))
        attr_names = np.empty(2 * n, dtype=object)
        attr_names[0::2], attr_names[1::2] = mats, pats
        attr_values = pa.StructArray.from_arrays(
            [pa.array(np.tile(["material", "pattern"], n), pa.string()), pa.array(attr_names, pa.string()),
             pa.array(np.full(2 * n, 0.8)), pa.array(np.full(2 * n, 0.8)), pa.array(np.zeros(2 * n)),
             pa.array(np.full(2 * n, "image", dtype=object), pa.string())],
            names=["group", "label", "score", "image", "text", "source"])
        has_brand = rng.random(n) < 0.6
        brand_off = np.r_[0, np.cumsum(has_brand)]
        brands = np.char.add("brand", pick(g_brands, 6)[has_brand].astype(str))
        table = pa.table({
            "post_id": pa.array(ids, pa.string()), "image": pa.array(np.zeros(n, np.int32)),
            "media": pa.nulls(n, pa.string()), "image_status": pa.array(np.full(n, "ok", dtype=object), pa.string()),
            "split": pa.array(np.full(n, "train", dtype=object), pa.string()), "annotated": pa.array(np.zeros(n, bool)),
            "run": pa.array(np.full(n, "resnet18-pruning", dtype=object), pa.string()),
            "hint_categories": pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string())),
            "hint_subcategory": pa.nulls(n, pa.string()),
            "categories": _labels(one, np.char.add("cat", (subs[sub_off[:-1]] % CATEGORIES).astype(str)), np.full(n, 0.9), LABEL),
            "subcategories": _labels(sub_off, sub_names, np.full(len(sub_rows), 0.7), LABEL),
            "attributes": pa.ListArray.from_arrays(pa.array(2 * one, pa.int32()), attr_values),
            "brands": _labels(brand_off, brands, np.ones(len(brands)), TEXT_LABEL),
            "styles": _labels(one, np.char.add("style", pick(g_styles, 3).astype(str)), np.ones(n), TEXT_LABEL),
        }, schema=SCHEMA)
        preds.write_table(table)
        posts.write_table(pa.table({"post_id": pa.array(ids, pa.string()),
                                    "account": pa.array(np.char.add("user", acc.astype(str)), pa.string()),
                                    "taken_at": pa.array(taken, pa.timestamp("us", tz="UTC"))}, schema=POSTS))
    preds.close()
    posts.close()
    truth = pa.schema([("post_id", pa.string()), ("item", pa.int32()), ("category", pa.string()),
                       ("subcategory", pa.string()), ("brand", pa.string()), ("styles", pa.list_(pa.string())),
                       ("material", pa.list_(pa.string())), ("pattern", pa.list_(pa.string()))])
    pq.write_table(truth.empty_table(), root / "ingest" / "truth.parquet")
    pq.write_table(pa.table({"post_id": pa.array([], pa.string())}), root / "ingest" / "annotated.parquet")


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")   # resets VmHWM (Linux)
    except OSError:
        pass


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=500_000, help="posts generated per batch")
    parser.add_argument("--dir", default=None, help="work folder (default: a temp folder, removed)")
    parser.add_argument("--keep", action="store_true", help="keep the generated tables")
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args()
    params = load_params(args.params)
    profiles_settings = ProfilesSettings.from_params(params)
    settings = RecommendSettings.from_params(params)
    seed = int(params["seed"])
    root = Path(args.dir or tempfile.mkdtemp(prefix="recommend_scale."))
    steps = {}

    def step(name, fn):
        _reset_peak()
        started = time.perf_counter()
        out = fn()
        steps[name] = {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mib": round(_peak_mib())}
        print(f"{name:10s} {steps[name]['seconds']:8.1f} s   peak RSS {steps[name]['peak_rss_mib']:7.0f} MiB", flush=True)
        return out

    try:
        step("generate", lambda: generate(root, args.accounts, args.posts, args.batch, seed))
        sources = step("aggregate", lambda: build_sources(root / "predictions.parquet", root / "ingest",
                                                          profiles_settings, settings.holdout_share))
        table = step("profiles", lambda: profile_table(sources.aggregates["predicted"], sources.vocab,
                                                       sources.index.accounts, "predicted"))
        sources.aggregates.pop("truth")   # no truth at this scale (nobody annotates 10M posts)
        evaluation = step("evaluate", lambda: evaluate_sources(sources, settings, seed))
        predicted = sources.aggregates["predicted"]

        def recommend():
            model = Factorisation(predicted.all, settings, seed)
            return recommend_all(model, predicted.all, sources.vocab.keys, sources.index.accounts, settings.top_n,
                                 settings.similar_accounts)

        recs, _ = step("recommend", recommend)
        headline = {kind: {m: v["ndcg"] for m, v in cells["all"]["models"].items()}
                    for kind, cells in evaluation["predicted"]["kinds"].items()}
        print(json.dumps({"accounts": args.accounts, "posts": args.posts, "labels": len(sources.vocab),
                          "profile_rows": table.num_rows, "recommendations": recs.num_rows,
                          "ndcg@k_all": headline, "steps": steps}, indent=1))
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
