"""Recommend: metrics on hand-computed cases, ranking and baselines, the evaluation on a world
with structure, determinism, settings and errors."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import yaml

from fashion.profiles.config import ProfilesError, ProfilesSettings
from fashion.recommend.config import SEED, RecommendSettings
from fashion.recommend.evaluate import bootstrap_draws, ranking_metrics, summarise
from fashion.recommend.models import Popularity, Repeat, top
from fashion.recommend.stage import run_recommend
from tests.recommend_fixtures import taste_world

FAST = RecommendSettings(factors=8, iterations=10, bootstrap=200)


def test_metrics_by_hand():
    lists = np.array([[3, 1, 7], [5, 6, -1], [2, 0, 4]])
    relevant = [{1, 2}, {9}, {2, 0, 4, 8}]
    m = ranking_metrics(lists, relevant, k=3)
    assert m["hit_rate"].tolist() == [1.0, 0.0, 1.0]
    assert m["recall"].tolist() == pytest.approx([0.5, 0.0, 0.75])
    # row 0: one hit at rank 2 -> (1/log2 3) / (1 + 1/log2 3); row 2: three hits in three -> 1
    assert m["ndcg"][0] == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))
    assert m["ndcg"][1] == 0.0 and m["ndcg"][2] == pytest.approx(1.0)


def test_metrics_from_a_sparse_relevance_match_sets():
    lists = np.array([[0, 2], [1, -1]])
    dense = np.array([[1, 0, 1], [0, 0, 1]])
    a = ranking_metrics(lists, sp.csr_matrix(dense), k=2)
    b = ranking_metrics(lists, [{0, 2}, {2}], k=2)
    for name in a:
        assert a[name] == pytest.approx(b[name])


def test_top_excludes_pads_and_breaks_ties_by_code():
    scores = np.array([[0.5, 0.9, 0.5, -np.inf], [0.1, 0.1, 0.1, 0.1]])
    candidates = np.array([0, 1, 2, 3])
    assert top(scores, candidates, 3).tolist() == [[1, 0, 2], [0, 1, 2]]
    exclude = np.array([[False, True, False, False], [True, True, True, False]])
    assert top(scores, candidates, 3, exclude).tolist() == [[0, 2, -1], [3, -1, -1]]


def test_popularity_and_repeat_baselines():
    counts = sp.csr_matrix(np.array([[3, 0, 1, 0], [0, 2, 1, 0], [0, 0, 1, 5]]))
    pop = Popularity(counts).scores(np.array([0]))
    assert pop.tolist() == [[1.0, 1.0, 3.0, 1.0]]
    assert top(pop, np.arange(4), 2).tolist() == [[2, 0]]
    rep = Repeat(counts).scores(np.array([0, 2]))
    assert top(rep, np.arange(4), 3).tolist() == [[0, 2, -1], [3, 2, -1]]  # only worn labels, most worn first


def test_bootstrap_interval_of_a_constant_and_paired_difference():
    draws = bootstrap_draws(5, 100, 1)
    assert summarise(np.full(5, 0.4), draws) == {"mean": 0.4, "low": 0.4, "high": 0.4}
    assert summarise(np.zeros(0), draws)["mean"] is None


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return taste_world(tmp_path_factory.mktemp("taste"))


@pytest.fixture(scope="module")
def result(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    doc = run_recommend(*world, ProfilesSettings(), FAST, SEED, out / "recs.parquet", out / "recommend.json")
    return doc, out


def test_the_model_beats_popularity_where_tastes_differ(result):
    doc, _ = result
    for kind in ("brands", "items"):
        cell = doc["sources"]["predicted"]["kinds"][kind]["all"]
        assert cell["accounts"] == 12
        diff = cell["differences"]["als-popularity"]
        assert diff["ndcg"] > 0 and diff["ndcg_low"] > 0, (kind, diff)
    # styles: two of them per account, both always worn -> repeat is perfect, popularity is not
    styles = doc["sources"]["predicted"]["kinds"]["styles"]["all"]["models"]
    assert styles["repeat"]["recall"] == 1.0
    assert styles["popularity"]["ndcg"] < 1.0
    assert "repeat" not in doc["sources"]["predicted"]["kinds"]["items"]["new"]["models"]


def test_recommendations_are_unworn_with_reasons_and_similar_accounts(result, world):
    _, out = result
    recs = pd.read_parquet(out / "recs.parquet")
    assert set(recs.kind) == {"brands", "styles", "items", "account"}
    mine = recs[recs.account == "acc0_0"]
    similar = mine[mine.kind == "account"]
    assert len(similar) == FAST.similar_accounts
    # the most similar accounts share the taste group
    assert similar.label.str.startswith("acc0_").all()
    profiles = pd.read_parquet(world[0], columns=["post_id", "brands"])
    assert (mine[mine.kind == "brands"].label.isin(["b0_0", "b0_1", "b0_2"])).sum() == 0  # all worn: none again
    items = mine[mine.kind == "items"]
    assert items["rank"].tolist() == list(range(1, len(items) + 1))
    assert items.reason.str.startswith("Accounts with your profile wear").all()
    assert len(profiles) == 120


def test_two_runs_give_identical_outputs(result, world, tmp_path):
    doc, out = result
    again = run_recommend(*world, ProfilesSettings(), FAST, SEED, tmp_path / "recs.parquet", tmp_path / "r.json")
    assert (tmp_path / "recs.parquet").read_bytes() == (out / "recs.parquet").read_bytes()
    doc.pop("timing"), again.pop("timing")
    assert json.dumps(doc, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_bpr_runs_and_is_deterministic(world, tmp_path):
    settings = RecommendSettings(model="bpr", factors=8, iterations=4, bootstrap=50)
    a = run_recommend(*world, ProfilesSettings(), settings, SEED, tmp_path / "a.parquet", tmp_path / "a.json")
    run_recommend(*world, ProfilesSettings(), settings, SEED, tmp_path / "b.parquet", tmp_path / "b.json")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert "bpr-popularity" in a["sources"]["predicted"]["kinds"]["items"]["all"]["differences"]


def test_missing_predictions_are_named(world, tmp_path):
    with pytest.raises(ProfilesError, match="run the predict stage first"):
        run_recommend(tmp_path / "none.parquet", world[1], ProfilesSettings(), FAST, SEED,
                      tmp_path / "r.parquet", tmp_path / "r.json")


def test_settings_defaults_equal_the_committed_params():
    from fashion.lookbook.config import LookbookSettings

    committed = yaml.safe_load(open("params.yaml", encoding="utf-8"))
    assert RecommendSettings.from_params(committed) == RecommendSettings()
    assert ProfilesSettings.from_params(committed) == ProfilesSettings()
    assert LookbookSettings.from_params(committed) == LookbookSettings()
    assert committed["seed"] == SEED
    with pytest.raises(ValueError, match="recommend.model"):
        RecommendSettings(model="svd")


def test_top_equals_a_stable_full_sort_on_random_ties():
    rng = np.random.default_rng(0)
    for _ in range(200):
        rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 30))
        scores = rng.integers(0, 4, (rows, cols)).astype(float)
        scores[rng.random((rows, cols)) < 0.2] = -np.inf
        n = int(rng.integers(1, cols + 2))
        candidates = np.arange(cols) * 3
        order = np.argsort(-scores, axis=1, kind="stable")[:, :min(n, cols)]
        expected = np.where(np.isfinite(np.take_along_axis(scores, order, 1)), candidates[order], -1)
        assert (top(scores, candidates, n) == expected).all()
