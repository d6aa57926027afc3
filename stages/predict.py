"""DVC stage `predict`: every ingested post through the text, the chosen Instagram bundle
(params predict.run) and the fusion -> data/processed/predictions.parquet, and the four variants
(text / image / dynamic / fused) on the validation posts -> metrics/predict.json."""
from __future__ import annotations

import sys

from fashion.params import load_params
from fashion.predict.config import PredictError
from fashion.predict.stage import run_stage


def main() -> int:
    try:
        metrics = run_stage(load_params())
    except PredictError as error:
        print(f"stages/predict.py: error: {error}", file=sys.stderr)
        return 1
    print(f"predict: {metrics['rows']} rows of {metrics['posts']} posts ({metrics['images']} images) with "
          f"{metrics['run']}, {metrics.get('evaluated_posts', 0)} val posts evaluated")
    for variant, facets in metrics.get("variants", {}).items():
        print(f"  {variant:8s} " + "  ".join(f"{facet} P@1 {m['p@1']:.3f} F1 {m['f1']:.3f}" for facet, m in facets.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
