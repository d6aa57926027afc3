"""Honest text-mining metrics: every annotated post counts, a label for an empty truth is an error."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fashion.text.evaluate import evaluate, load_truth

TRUTH = {"a": {"brands": {"zara"}}, "b": {"brands": {"gucci", "prada"}}, "c": {"brands": set()}, "d": {}}


def test_a_label_for_a_post_without_truth_is_a_false_positive():
    predictions = {"a": {"brands": ["zara", "mango"]}, "b": {"brands": ["prada"]}, "c": {"brands": ["guess"]},
                   "d": {"brands": ["next"]}}
    m = evaluate(predictions, TRUTH, k=4, facets=["brands"])["brands"]
    # truth-only numbers (as before): posts a and b only
    assert (m["posts"], m["predicted_posts"]) == (2, 2)
    assert m["precision@1"] == 1.0 and m["precision@k"] == pytest.approx(0.75) and m["recall@k"] == pytest.approx(0.75)
    # honest: tp zara, prada; fp mango, guess, next; fn gucci
    assert (m["annotated_posts"], m["empty_posts"]) == (4, 2)
    assert m["micro_precision@k"] == pytest.approx(2 / 5, abs=1e-4)
    assert m["micro_recall@k"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["micro_f1@k"] == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3), abs=1e-4)
    assert m["false_positive_rate"] == 1.0 and m["hit@1"] == 1.0


def test_abstaining_costs_hit_at_1_not_precision():
    m = evaluate({"a": {"brands": ["zara"]}}, TRUTH, k=4, facets=["brands"])["brands"]
    assert m["precision@1"] == 1.0 and m["hit@1"] == 0.5  # b got nothing
    assert m["false_positive_rate"] == 0.0 and m["micro_precision@k"] == 1.0
    assert m["micro_recall@k"] == pytest.approx(1 / 3, abs=1e-4)


def test_facets_nobody_has_truth_for_are_left_out():
    assert evaluate({"c": {"pattern": ["floral"]}}, TRUTH, k=4, facets=["brands", "pattern"]).keys() == {"brands"}


def test_annotated_posts_without_items_join_the_truth(tmp_path):
    pq.write_table(pa.table({"post_id": ["1", "1"], "item": pa.array([0, 1], pa.int32()),
                             "category": ["shoes", "bags"], "brand": ["coach", None]}), tmp_path / "truth.parquet")
    truth = load_truth(tmp_path / "truth.parquet", ["categories", "brands"])
    assert truth == {"1": {"categories": {"shoes", "bags"}, "brands": {"coach"}}}
    pq.write_table(pa.table({"post_id": ["1", "2"]}), tmp_path / "annotated.parquet")
    truth = load_truth(tmp_path / "truth.parquet", ["categories", "brands"])
    assert truth["2"] == {} and len(truth) == 2
    m = evaluate({"2": {"categories": ["dresses"]}}, truth, k=4, facets=["categories"])["categories"]
    assert m["false_positive_rate"] == 1.0 and m["micro_precision@k"] == 0.0 and m["posts"] == 1
