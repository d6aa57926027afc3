"""Hint protocols (fashion.data.hints) on small in-memory benchmarks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fashion.data.benchmark import Benchmark
from fashion.data.hints import (hints_from_scores, leakage_free_source, make_hints, no_hints,
                                resolve_source)

N = 200


def deepfashion_bench(split: str = "train") -> Benchmark:
    rng = np.random.default_rng(1)
    category = np.zeros((N, 3), dtype=np.float32)
    category[np.arange(N), rng.integers(0, 3, N)] = 1
    ranges = [[0, 1, 2], [2, 3], [4, 5]]
    attributes = np.zeros((N, 6), dtype=np.float32)
    for i in range(N):
        c = int(category[i].argmax())
        attributes[i, rng.choice(ranges[c], size=2, replace=False)] = 1
    attributes[0] = 0  # a sample with no true attribute
    return Benchmark(dataset="deepfashion", split=split, labels="truth", images=np.zeros((N, 4, 4, 3), np.uint8),
                     category=category, attributes=attributes, subcategories=None, rows=np.arange(N),
                     image_names=[f"img/{i}.jpg" for i in range(N)], post_ids=None,
                     category_names=["Blouse", "Jeans", "Dress"], attribute_names=list("abcdef"),
                     subcategory_names=None, attribute_range=ranges, subcategory_range=None)


def instagram_bench() -> Benchmark:
    # categories dresses(0) shoes(1); subcategories maxi(0) heels(1) boots(2); attributes cotton(0) leather(1) stiletto(2)
    category = np.tile(np.array([[1, 1]], np.float32), (N, 1))
    subcategories = np.tile(np.array([[1, 1, 0]], np.float32), (N, 1))
    attributes = np.tile(np.array([[1, 1, 1]], np.float32), (N, 1))
    return Benchmark(dataset="instagram", split="val", labels="truth", images=np.zeros((N, 4, 4, 3), np.uint8),
                     category=category, attributes=attributes, subcategories=subcategories, rows=np.arange(N),
                     image_names=[f"a/{i}.jpg" for i in range(N)], post_ids=[str(1000 + i) for i in range(N)],
                     category_names=["dresses", "shoes"],
                     attribute_names=["material:cotton", "material:leather", "heel_type:stiletto"],
                     subcategory_names=["maxi", "heels", "boots"],
                     attribute_range=[[0], [1, 2]], subcategory_range=[[0], [1, 2]])


def test_resolve_and_leakage_free_sources():
    assert resolve_source("paper", "deepfashion") == "truth"
    assert resolve_source("paper", "instagram") == "text"
    assert resolve_source("none", "deepfashion") == "none"
    assert leakage_free_source("deepfashion") == "predicted" and leakage_free_source("instagram") == "text"
    with pytest.raises(ValueError, match="Instagram only"):
        resolve_source("text", "deepfashion")
    with pytest.raises(ValueError, match="hints.source"):
        resolve_source("oracle", "instagram")


def test_rate_one_hints_every_sample_with_its_true_category():
    bench = deepfashion_bench()
    hints = make_hints(bench, "truth", rate=1.0, attribute_rate=0.0, seed=3)
    assert hints.category.dtype == bool and hints.category.shape == (N, 3)
    assert np.array_equal(hints.category, bench.category.astype(bool))
    assert not hints.attribute.any() and hints.subcategory is None


def test_rate_zero_and_none_give_no_hints():
    bench = deepfashion_bench()
    assert not make_hints(bench, "truth", rate=0.0, attribute_rate=1.0, seed=3).category.any()
    none = make_hints(bench, "none", rate=1.0, attribute_rate=1.0, seed=3)
    assert not none.category.any() and not none.attribute.any()


def test_truth_attribute_hint_is_one_true_in_range_attribute_at_the_rate():
    bench = deepfashion_bench()
    hints = make_hints(bench, "paper", rate=0.5, attribute_rate=0.5, seed=3)
    hinted = hints.category.any(axis=1)
    assert 70 < hinted.sum() < 130
    assert hints.attribute.sum(axis=1).max() == 1
    assert not hints.attribute[~hinted].any()                       # only hinted samples get attributes
    assert (hints.attribute & ~bench.attributes.astype(bool)).sum() == 0  # only true attributes
    share = hints.attribute[hinted].any(axis=1).mean()
    assert 0.3 < share < 0.7
    for i in np.flatnonzero(hints.attribute.any(axis=1)):
        assert hints.attribute[i].argmax() in bench.attribute_range[hints.category[i].argmax()]
    assert not hints.attribute[0].any()                              # no true attribute, nothing to hint


def test_hints_are_deterministic_per_seed_and_split():
    first = make_hints(deepfashion_bench("train"), "truth", 0.5, 0.5, seed=3)
    again = make_hints(deepfashion_bench("train"), "truth", 0.5, 0.5, seed=3)
    val = make_hints(deepfashion_bench("val"), "truth", 0.5, 0.5, seed=3)
    other = make_hints(deepfashion_bench("train"), "truth", 0.5, 0.5, seed=4)
    assert np.array_equal(first.category, again.category) and np.array_equal(first.attribute, again.attribute)
    assert not np.array_equal(first.category, val.category)
    assert not np.array_equal(first.category, other.category)


def test_instagram_truth_hints_one_category_and_a_subcategory_in_its_range():
    bench = instagram_bench()
    hints = make_hints(bench, "truth", rate=1.0, attribute_rate=1.0, seed=5)
    assert (hints.category.sum(axis=1) == 1).all()
    assert (hints.subcategory.sum(axis=1) == 1).all()
    assert (hints.attribute.sum(axis=1) == 1).all()
    dresses = hints.category[:, 0]
    assert 60 < dresses.sum() < 140                           # either true category is drawn
    assert hints.subcategory[dresses, 0].all()                # dresses -> maxi, the only one in range
    assert not hints.subcategory[~dresses, 2].any()           # boots is not a true subcategory
    assert hints.subcategory[~dresses, 1].all()
    assert hints.attribute[dresses, 0].all()                  # cotton, the only in-range attribute
    assert hints.attribute[~dresses, 1:].any(axis=1).all()


def test_text_hints_come_from_mined_terms_and_skip_unmined_posts():
    bench = instagram_bench()
    rows = []
    for i, post_id in enumerate(bench.post_ids[:100]):  # posts 100..199 have nothing mined
        rows += [(post_id, "categories", 1, "shoes"), (post_id, "subcategories", 1, "boots"),
                 (post_id, "subcategories", 2, "maxi"), (post_id, "heel_type", 1, "stiletto"),
                 (post_id, "styles", 1, "chic")]
    annotations = pd.DataFrame(rows, columns=["post_id", "facet", "rank", "term"])
    hints = make_hints(bench, "paper", rate=1.0, attribute_rate=1.0, seed=5, annotations=annotations, text_groups=None)
    paper_groups = make_hints(bench, "paper", rate=1.0, attribute_rate=1.0, seed=5, annotations=annotations)
    assert not paper_groups.attribute.any()        # heel_type is not among the paper's text groups
    assert hints.category[:100, 1].all() and not hints.category[:100, 0].any()
    assert not hints.category[100:].any() and not hints.subcategory[100:].any()
    assert hints.subcategory[:100, 2].all()        # boots (mined, in the shoes range), never maxi (not in range)
    assert hints.subcategory.sum() == 100
    assert hints.attribute[:100, 2].all() and hints.attribute.sum() == 100
    leakage_free = make_hints(bench, leakage_free_source("instagram"), rate=1.0, attribute_rate=0.0, seed=5,
                              annotations=annotations, text_groups=None)
    assert np.array_equal(leakage_free.category, hints.category) and not leakage_free.attribute.any()


def test_text_hints_need_annotations_and_predicted_needs_scores():
    with pytest.raises(ValueError, match="annotations"):
        make_hints(instagram_bench(), "text", 1.0, 0.0, seed=1)
    with pytest.raises(ValueError, match="hints_from_scores"):
        make_hints(deepfashion_bench(), "predicted", 1.0, 0.0, seed=1)


def test_hints_from_scores():
    scores = np.array([[0.1, 0.7, 0.6], [0.2, 0.3, 0.1], [0.9, 0.1, 0.95]])
    assert hints_from_scores(scores, multi=False).tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert hints_from_scores(scores, multi=True).tolist() == [[0, 1, 1], [0, 1, 0], [1, 0, 1]]
    assert hints_from_scores(np.zeros((0, 3)), multi=True).shape == (0, 3)


def test_no_hints_shapes():
    hints = no_hints(instagram_bench())
    assert hints.category.shape == (N, 2) and hints.subcategory.shape == (N, 3) and hints.attribute.shape == (N, 3)
