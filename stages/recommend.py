"""DVC stage `recommend`: the temporal hold-out evaluation (model vs item-kNN, popularity and
repeat, truth and predicted labels) -> metrics/recommend.json, and per account the brands, styles
and items it does not wear yet, with reasons, and its most similar accounts ->
data/processed/recommendations.parquet."""
from __future__ import annotations

import sys

from fashion.params import load_params
from fashion.profiles.config import ProfilesError
from fashion.recommend.config import RecommendError
from fashion.recommend.stage import run_stage


def main() -> int:
    try:
        doc = run_stage(load_params())
    except (ProfilesError, RecommendError) as error:
        print(f"stages/recommend.py: error: {error}", file=sys.stderr)
        return 1
    print(f"recommend: {doc['recommendations']['rows']} recommendations for {doc['recommendations']['accounts']} accounts")
    for source, block in doc["sources"].items():
        for kind, cells in block.get("kinds", {}).items():
            cell = cells[doc["headline"]]
            print(f"  {source:9s} {kind:6s} ({cell['accounts']} accounts) hit@{doc['k']} " + "  ".join(
                f"{m} {v['hit_rate']:.2f}" for m, v in cell["models"].items() if v["hit_rate"] is not None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
