"""Profiles: shares, counts, intervals and trend on hand-made tables; the temporal split; bad
input named; the demo world's preference drift."""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from fashion.profiles.build import build_sources, profiles, wilson
from fashion.profiles.config import ProfilesError, ProfilesSettings, display, item_label
from fashion.profiles.posts import temporal_split
from fashion.profiles.stage import run_profiles
from tests.recommend_fixtures import post, prediction, write_tables


@pytest.fixture
def hand_made(tmp_path):
    posts = [post("1", "ann", 0), post("2", "ann", 10), post("3", "ann", 40), post("4", "ann", 45), post("5", "bob", 3)]
    preds = [
        prediction("1", 0, categories=[("dresses", 0.9), ("shoes", 0.2)], subcategories=[("dress", 0.9)],
                   attributes=[("material", "cotton", 0.8), ("material", "silk", 0.5)], styles=["chic"]),
        prediction("1", 1, styles=["chic"], brands=["zara"]),          # the carousel's second image
        prediction("2", 0, styles=["chic"]),
        prediction("3", 0, styles=["boho"]),
        prediction("4", 0),
        prediction("5", 0, styles=["chic"]),
    ]
    truth = [{"post_id": "1", "item": 0, "category": "dresses", "subcategory": "dress", "brand": "mango",
              "styles": ["chic"], "material": ["silk"], "pattern": ["plain"]}]
    return write_tables(tmp_path, posts, preds, truth, annotated=["1", "2"])


def _row(table: pd.DataFrame, source, account, facet, label):
    rows = table[(table.source == source) & (table.account == account) & (table.facet == facet) & (table.label == label)]
    assert len(rows) == 1, (source, account, facet, label, rows)
    return rows.iloc[0]


def test_shares_counts_and_trend_by_hand(hand_made, tmp_path):
    predictions, ingest = hand_made
    out = tmp_path / "profiles.parquet"
    run_profiles(predictions, ingest, ProfilesSettings(), out)
    table = pd.read_parquet(out)
    chic = _row(table, "predicted", "ann", "style", "chic")
    assert (chic.posts, chic.account_posts, chic.share, chic.months) == (2, 4, 0.5, 2)
    # January: both posts chic (share 1); February: none (0) -> slope -1 per month
    assert chic.trend == pytest.approx(-1.0)
    assert _row(table, "predicted", "ann", "style", "boho").trend == pytest.approx(0.5)
    assert chic.share_low < 0.5 < chic.share_high
    # a label on the carousel's second image counts once for the post
    assert _row(table, "predicted", "ann", "brand", "zara").posts == 1
    # below min_score (0.3) a label is not shown
    assert not ((table.facet == "category") & (table.label == "shoes")).any()
    # the item: subcategory with the image's best material, no pattern
    assert _row(table, "predicted", "ann", "item", "dress|cotton|").posts == 1
    bob = _row(table, "predicted", "bob", "style", "chic")
    assert bob.share == 1.0 and math.isnan(bob.trend)  # one month: no trend
    # truth: over the annotated posts (2 of ann's), from truth.parquet's item
    mango = _row(table, "truth", "ann", "brand", "mango")
    assert (mango.posts, mango.account_posts) == (1, 2)
    assert _row(table, "truth", "ann", "item", "dress|silk|plain").posts == 1
    assert set(table.source) == {"predicted", "truth"}


def test_profiles_are_deterministic_and_sorted(hand_made, tmp_path):
    predictions, ingest = hand_made
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    run_profiles(predictions, ingest, ProfilesSettings(batch_rows=2), a)   # tiny batches: carry-over across them
    run_profiles(predictions, ingest, ProfilesSettings(), b)
    assert pq.read_table(a).equals(pq.read_table(b))
    assert a.read_bytes() == b.read_bytes()


def test_a_partitioned_predictions_folder_reads_the_same(hand_made, tmp_path):
    predictions, ingest = hand_made
    folder = tmp_path / "parts"
    folder.mkdir()
    table = pq.read_table(predictions)
    pq.write_table(table.slice(0, 3), folder / "part-0.parquet")
    pq.write_table(table.slice(3), folder / "part-1.parquet")
    settings = ProfilesSettings()
    assert profiles(build_sources(folder, ingest, settings)).equals(profiles(build_sources(predictions, ingest, settings)))


def test_wilson_interval_by_hand():
    low, high = wilson(np.array([5]), np.array([10]))
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[0] == pytest.approx(0.7634, abs=1e-4)


@pytest.mark.parametrize("n, hidden", [(1, 0), (2, 1), (3, 1), (5, 1), (8, 2), (10, 2), (11, 2), (13, 3)])
def test_temporal_split_hides_the_last_share(n, hidden):
    account = np.zeros(n, dtype=np.int64)
    taken = np.arange(n)[::-1].copy()        # given newest first: the split sorts by time
    flags = temporal_split(account, taken, np.arange(n), 0.2)
    assert flags.sum() == hidden
    assert (flags == (taken >= n - hidden)).all()   # the newest ones


def test_temporal_split_per_account_and_ties():
    account = np.array([0, 0, 0, 0, 0, 1, 1])
    taken = np.array([1, 2, 3, 3, 0, 5, 6])
    flags = temporal_split(account, taken, np.arange(7), 0.2)
    # account 0: 5 posts -> 1 hidden, the later of the two at time 3 (tie broken by order)
    assert flags.tolist() == [False, False, False, True, False, False, True]
    with pytest.raises(ValueError, match="holdout share"):
        temporal_split(account, taken, np.arange(7), 1.0)


def test_unknown_post_is_named(tmp_path):
    predictions, ingest = write_tables(tmp_path, [post("1", "ann", 0)], [prediction("1"), prediction("99")])
    with pytest.raises(ProfilesError, match="post_id 99 is not in posts.parquet"):
        build_sources(predictions, ingest, ProfilesSettings())


def test_scattered_rows_of_a_post_are_refused(tmp_path):
    predictions, ingest = write_tables(tmp_path, [post("1", "ann", 0), post("2", "ann", 1)],
                                       [prediction("1", 0), prediction("2", 0), prediction("1", 1)])
    table = pq.read_table(predictions)
    pq.write_table(table.take([0, 2, 1]), predictions)   # 1, 2, 1: post 1's rows apart
    with pytest.raises(ProfilesError, match="rows of post 1 are not contiguous"):
        build_sources(predictions, ingest, ProfilesSettings(batch_rows=1))


def test_missing_inputs_and_columns_are_named(tmp_path, hand_made):
    predictions, ingest = hand_made
    with pytest.raises(ProfilesError, match="not found"):
        build_sources(tmp_path / "nope.parquet", ingest, ProfilesSettings())
    pq.write_table(pq.read_table(predictions).drop(["styles"]), predictions)
    with pytest.raises(ProfilesError, match="styles missing"):
        build_sources(predictions, ingest, ProfilesSettings())


def test_post_without_account_is_named(tmp_path):
    predictions, ingest = write_tables(tmp_path, [post("1", None, 0)], [prediction("1")])
    with pytest.raises(ProfilesError, match="post 1 has no account"):
        build_sources(predictions, ingest, ProfilesSettings())


def test_settings_hold_the_params_rules():
    with pytest.raises(ValueError, match="profiles.min_score"):
        ProfilesSettings(min_score=0.0)


def test_item_labels_read_for_people():
    assert item_label("boots", "leather", None) == "boots|leather|"
    assert display("item", "boots|leather|plain") == "leather plain boots"
    assert display("brand", "roberto_cavalli") == "roberto cavalli"


def test_demo_preference_drift_moves_late_posts_to_the_new_tastes():
    from fashion.demo.world import World
    from fashion.ontology import load_ontology

    world = World(load_ontology(), 2018)
    accounts = world.accounts(12)
    kwargs = dict(video_rate=0.0, carousel_rate=0.0, unnamed_item_rate=0.0, phantom_item_rate=0.0)
    still = world.posts(accounts, 600, **kwargs)
    drifting = world.posts(accounts, 600, preference_drift=0.6, **kwargs)
    assert world.posts(accounts, 600, preference_drift=0.6, **kwargs)[-1].styles == drifting[-1].styles  # repeatable
    assert [p.post_id for p in still] == [p.post_id for p in drifting]      # same posts, same times
    by_account = defaultdict(list)
    for s, d in zip(still, drifting):
        by_account[s.account.username].append((s, d))
    early = late = early_n = late_n = 0
    for account in accounts:
        new_style = world.drifted(account).styles[0]
        assert new_style not in account.styles
        pairs = by_account[account.username]
        assert repr(pairs[0][0].items) == repr(pairs[0][1].items)            # the first post never drifts (Item: eq=False)
        cut = int(0.8 * len(pairs))
        early += sum(new_style in d.styles for _, d in pairs[:cut])
        late += sum(new_style in d.styles for _, d in pairs[cut:])
        early_n, late_n = early_n + cut, late_n + len(pairs) - cut
        assert not any(new_style in s.styles for s, _ in pairs)               # without drift never
    assert late / late_n > early / early_n + 0.1
