"""fashion.metrics on hand-computed cases (ties, empty label sets, k beyond the label count)."""
import math

import numpy as np
import pytest
import torch

from fashion import metrics

# 3 samples x 5 labels. Row 1 is all ties and has no true label; label 4 never reaches a top-2.
SCORES = np.array(
    [
        [0.9, 0.1, 0.5, 0.5, 0.0],  # order 0, 2, 3 (tie: lower index first), 1, 4
        [0.2, 0.2, 0.2, 0.2, 0.0],  # order 0, 1, 2, 3, 4
        [0.1, 0.8, 0.3, 0.7, 0.0],  # order 1, 3, 2, 0, 4
    ]
)
TARGETS = np.array(
    [
        [1, 0, 0, 1, 0],
        [0, 0, 0, 0, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype=np.float32,
)


def test_top_k_breaks_ties_by_label_index():
    np.testing.assert_array_equal(metrics.top_k_indices(SCORES, 3), [[0, 2, 3], [0, 1, 2], [1, 3, 2]])


def test_precision_recall_hand_computed():
    got = metrics.precision_recall_at_k(SCORES, TARGETS, ks=(1, 3, 5))
    # hits@1 = 1, 0, 1; hits@3 = 2, 0, 2; hits@5 = 2, 0, 2; |Y| = 2, 0, 2 (row 1 skipped in recall)
    expected = {
        "p@1": (1 + 0 + 1) / 3,
        "r@1": (1 / 2 + 1 / 2) / 2,
        "p@3": (2 / 3 + 0 + 2 / 3) / 3,
        "r@3": 1.0,
        "p@5": (2 / 5 + 0 + 2 / 5) / 3,
        "r@5": 1.0,
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


def test_k_larger_than_label_count_divides_by_label_count():
    scores = np.array([[0.3, 0.2, 0.1]])
    targets = np.array([[1, 0, 1]])
    got = metrics.precision_recall_at_k(scores, targets, ks=(5,))
    assert got == {"p@5": pytest.approx(2 / 3), "r@5": pytest.approx(1.0)}


def test_recall_is_nan_when_no_sample_has_labels():
    got = metrics.precision_recall_at_k(SCORES[1:2], TARGETS[1:2], ks=(1,))
    assert got["p@1"] == 0.0
    assert math.isnan(got["r@1"])


def test_torch_inputs_match_numpy():
    from_torch = metrics.precision_recall_at_k(torch.tensor(SCORES), torch.tensor(TARGETS))
    assert from_torch == metrics.precision_recall_at_k(SCORES, TARGETS)


def test_per_class_top_k_precision():
    got = metrics.per_class_top_k_precision(SCORES, TARGETS, k=2)
    # top-2 sets: {0,2}, {0,1}, {1,3}; label 0 picked twice, right once; label 4 never picked
    np.testing.assert_allclose(got[:4], [0.5, 0.5, 0.0, 0.0])
    assert math.isnan(got[4])
    # with k=5 every label is picked for every sample: precision = share of samples carrying it
    np.testing.assert_allclose(metrics.per_class_top_k_precision(SCORES, TARGETS), [1 / 3, 1 / 3, 1 / 3, 1 / 3, 0.0])


def test_frequency_baseline_ranks_by_frequency_then_index():
    frequency = np.array([1.0, 5.0, 5.0, 0.0, 2.0])  # ranking 1, 2, 4, 0, 3
    got = metrics.frequency_baseline(frequency, TARGETS, ks=(1, 3))
    assert got == {
        "p@1": pytest.approx(1 / 3),
        "r@1": pytest.approx((0 + 1 / 2) / 2),
        "p@3": pytest.approx((0 + 0 + 2 / 3) / 3),
        "r@3": pytest.approx((0 + 1) / 2),
    }
    same_scores = np.tile(frequency, (len(TARGETS), 1))
    assert got == metrics.precision_recall_at_k(same_scores, TARGETS, ks=(1, 3))


@pytest.mark.parametrize(
    "scores, targets, message",
    [
        (np.zeros((2, 3)), np.zeros((2, 4)), "differ in shape"),
        (np.zeros(3), np.zeros(3), "2-D"),
        (np.array([[np.nan, 1.0]]), np.zeros((1, 2)), "NaN"),
    ],
)
def test_bad_inputs_are_rejected(scores, targets, message):
    with pytest.raises(ValueError, match=message):
        metrics.precision_recall_at_k(scores, targets)


def test_frequency_baseline_checks_label_count():
    with pytest.raises(ValueError, match="labels"):
        metrics.frequency_baseline(np.ones(4), TARGETS)


def test_gain_over_baseline_hand_computed():
    frequency = np.array([1.0, 5.0, 5.0, 0.0, 2.0])  # baseline top-1 is label 1: hits [0, 0, 1]
    got = metrics.gain_over_frequency_baseline(SCORES, TARGETS, frequency, k=1, resamples=500, seed=3)
    assert got["p@1"] == pytest.approx(1 / 3)  # model top-1 hits [1, 0, 1]
    assert 0.0 <= got["p@1_low"] <= got["p@1"] <= got["p@1_high"] <= 1.0  # every paired difference is 0 or 1
    assert got == metrics.gain_over_frequency_baseline(SCORES, TARGETS, frequency, k=1, resamples=500, seed=3)


def test_gain_is_zero_when_the_model_ranks_like_the_baseline():
    frequency = np.array([1.0, 5.0, 5.0, 0.0, 2.0])
    same = np.tile(frequency, (len(TARGETS), 1))
    got = metrics.gain_over_frequency_baseline(same, TARGETS, frequency, k=3)
    assert got == {"p@3": 0.0, "p@3_low": 0.0, "p@3_high": 0.0}


def test_gain_interval_matches_the_normal_approximation():
    """400 samples, one true label each; the model finds it on 60 %, the baseline on 50 %, unpaired."""
    rng = np.random.default_rng(0)
    n, labels = 400, 4
    truth = rng.integers(1, labels, n)  # never label 0
    targets = np.zeros((n, labels))
    targets[np.arange(n), truth] = 1
    baseline_right = np.arange(n) % 2 == 0
    targets[baseline_right] = 0
    targets[baseline_right, 0] = 1  # the baseline (label 0 most frequent) is right on these
    frequency = np.array([9.0, 1.0, 1.0, 1.0])
    model_right = rng.random(n) < 0.6
    guess = np.where(model_right, targets.argmax(1), (targets.argmax(1) + 1) % labels)
    scores = np.zeros((n, labels))
    scores[np.arange(n), guess] = 1
    got = metrics.gain_over_frequency_baseline(scores, targets, frequency, k=1, resamples=4000, seed=1)
    difference = model_right.astype(float) - baseline_right
    assert got["p@1"] == pytest.approx(difference.mean())
    half_width = 1.96 * difference.std() / math.sqrt(n)
    assert (got["p@1_high"] - got["p@1_low"]) / 2 == pytest.approx(half_width, rel=0.1)
    assert got["p@1_low"] < difference.mean() < got["p@1_high"]


@pytest.mark.parametrize(
    "frequency, kwargs, message",
    [(np.ones(4), {}, "labels"), (np.ones(5), {"confidence": 1.0}, "confidence"), (np.ones(5), {"k": 0}, "k >= 1")],
)
def test_gain_rejects_bad_arguments(frequency, kwargs, message):
    with pytest.raises(ValueError, match=message):
        metrics.gain_over_frequency_baseline(SCORES, TARGETS, frequency, **kwargs)
