"""The predicted-category rules (fashion.data.hints.PREDICTED_RULES) on hand-made scores, as the
protocols and benchmarks/hint_rules.py use them."""
import numpy as np
import pytest
import torch

from fashion.data.hints import hints_from_scores, predicted_rule
from fashion.models import LabelSpace
from fashion.train.forward import predicted_hints

SPACE = LabelSpace(categories=["a", "b", "c"], attributes=["x", "y"], attribute_range=[[0], [1], [0, 1]])
SCORES = np.array([[0.1, 0.7, 0.2], [0.3, 0.3, 0.4], [0.0, 0.0, 0.0]], dtype=np.float32)


@pytest.mark.parametrize("rule, expected", [
    ("top1", [[0, 1, 0], [0, 0, 1], [1, 0, 0]]),  # ties: the lower index first
    ("top2", [[0, 1, 1], [1, 0, 1], [1, 1, 0]]),
    ("share0.5", [[0, 1, 0], [0, 0, 0], [0, 0, 0]]),  # 0.7 of the sum; 0.4 is below; all-zero: no hint
    ("none", [[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
])
def test_rules_choose_the_expected_categories(rule, expected):
    assert predicted_rule(rule)(SCORES, False).astype(int).tolist() == expected
    hints = predicted_hints(torch.from_numpy(SCORES), SPACE, rule)  # what the forward pass hands the heads
    assert hints.category.int().tolist() == expected
    assert not hints.attribute.any()  # never attribute hints (leakage-free)


def test_multi_class_rules_add_every_category_scoring_half():
    scores = np.array([[0.6, 0.55, 0.1]])
    assert predicted_rule("top1")(scores, True).tolist() == [[True, True, False]]
    assert hints_from_scores(scores, True).tolist() == [[True, True, False]]  # the protocols' rule is top1
    assert predicted_rule("top1")(scores, False).tolist() == [[True, False, False]]


@pytest.mark.parametrize("name, message", [("best", "unknown predicted-hint rule 'best'"),
                                           ("top0", "k must be >= 1"), ("sharex", "bad argument 'x'")])
def test_unknown_rule_is_refused(name, message):
    with pytest.raises(ValueError, match=message):
        predicted_rule(name)
