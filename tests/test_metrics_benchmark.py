"""The DeepFashion benchmark's measures (docs/metrics.md) on cases computed by hand."""
from __future__ import annotations

import numpy as np
import pytest

from fashion.metrics import attribute_top_k_recall, category_top_k_accuracy, precision_recall_at_k

# 3 images x 4 attributes; rankings: x1 a0 a2 a3 a1 | x2 a1 a3 a0 a2 | x3 a0 a1 a2 a3
SCORES = np.array([[0.9, 0.1, 0.5, 0.3],
                   [0.2, 0.8, 0.1, 0.7],
                   [0.4, 0.3, 0.2, 0.1]])
TARGETS = np.array([[1, 1, 0, 0],    # x1: a0, a1
                    [0, 0, 0, 1],    # x2: a3
                    [0, 0, 1, 1]])   # x3: a2, a3
TYPES = ["texture", "texture", "fabric", "shape"]


def test_pooled_recall_counts_true_attributes_found_over_all_true_attributes():
    got = attribute_top_k_recall(SCORES, TARGETS, TYPES, ks=(1, 2))
    # k=1: found a0 in x1 only -> 1 of the 5 true attributes; k=2: a0 (x1) and a3 (x2) -> 2 of 5
    assert got["recall@1"] == pytest.approx(1 / 5)
    assert got["recall@2"] == pytest.approx(2 / 5)


def test_mean_per_attribute_recall_weighs_every_attribute_alike():
    got = attribute_top_k_recall(SCORES, TARGETS, ks=(1, 2))
    # k=2: a0 1/1, a1 0/1, a2 0/1, a3 1/2 (x2 yes, x3 no) -> (1 + 0 + 0 + 0.5) / 4
    assert got["mean_per_attribute_recall@2"] == pytest.approx(0.375)
    assert got["mean_per_attribute_recall@1"] == pytest.approx(0.25)
    assert "types" not in got
    # the project's per-image recall is a third number on the same case: (1/2 + 1/1 + 0/2) / 3
    assert precision_recall_at_k(SCORES, TARGETS, ks=(2,))["r@2"] == pytest.approx(0.5)


def test_per_type_recall_ranks_within_the_type():
    types = attribute_top_k_recall(SCORES, TARGETS, TYPES, ks=(1, 2))["types"]
    assert list(types) == ["texture", "fabric", "shape"]
    # texture (a0, a1): x1 ranks a0 first -> 1 of its 2 true texture attributes at k=1, both at k=2;
    # x2's top texture attribute a1 is false but x2 has no true texture, so adds nothing below the line
    assert types["texture"] == {"recall@1": pytest.approx(0.5), "recall@2": pytest.approx(1.0)}
    # fabric (a2) alone: x3's only fabric attribute is its top fabric one
    assert types["fabric"]["recall@1"] == pytest.approx(1.0)
    # shape (a3): true for x2 and x3, the only shape attribute -> always first within the type
    assert types["shape"]["recall@1"] == pytest.approx(1.0)


def test_attribute_never_true_is_left_out_of_the_per_attribute_mean():
    targets = TARGETS.copy()
    targets[:, 1] = 0  # a1 never true: 3 attributes averaged, a0 1, a2 0, a3 1/2 at k=2
    got = attribute_top_k_recall(SCORES, targets, ks=(2,))
    assert got["mean_per_attribute_recall@2"] == pytest.approx(0.5)
    assert got["recall@2"] == pytest.approx(2 / 4)


def test_category_top_k_accuracy_by_hand_with_ties_to_the_lower_index():
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4]])
    targets = np.eye(3)[[2, 0, 1]]
    # x1 true 2 ranked second; x2 true 0 first; x3 true 1 ranked third (tie 0.3: index 0 first)
    assert category_top_k_accuracy(scores, targets, ks=(1, 2, 3)) == pytest.approx(
        {"top1": 1 / 3, "top2": 2 / 3, "top3": 1.0})


def test_types_must_name_every_attribute():
    with pytest.raises(ValueError, match="types names 2 attributes"):
        attribute_top_k_recall(SCORES, TARGETS, TYPES[:2])
