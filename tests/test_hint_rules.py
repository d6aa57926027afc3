"""benchmarks/hint_rules.py's rules for turning category scores into hints, on hand-made scores."""
import importlib.util
from pathlib import Path

import pytest
import torch

from fashion.models import LabelSpace

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "hint_rules.py"
SPACE = LabelSpace(categories=["a", "b", "c"], attributes=["x", "y"], attribute_range=[[0], [1], [0, 1]])
SCORES = torch.tensor([[0.1, 0.7, 0.2], [0.3, 0.3, 0.4], [0.0, 0.0, 0.0]])


@pytest.fixture(scope="module")
def hint_rules():
    spec = importlib.util.spec_from_file_location("hint_rules", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("rule, expected", [
    ("top1", [[0, 1, 0], [0, 0, 1], [1, 0, 0]]),  # ties: topk takes the first
    ("top2", [[0, 1, 1], [1, 0, 1], [1, 1, 0]]),
    ("share0.5", [[0, 1, 0], [0, 0, 0], [0, 0, 0]]),  # 0.7 of the sum; 0.4 is below; all-zero: no hint
    ("none", [[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
])
def test_rules_choose_the_expected_categories(hint_rules, rule, expected):
    hints = hint_rules.hints_by_rule(SCORES, rule, SPACE)
    assert hints.category.int().tolist() == expected
    assert not hints.attribute.any()  # never attribute hints (leakage-free)


def test_unknown_rule_is_refused(hint_rules):
    with pytest.raises(ValueError, match="unknown rule 'best'"):
        hint_rules.hints_by_rule(SCORES, "best", SPACE)
