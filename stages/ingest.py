"""DVC stage `ingest`: params.yaml `ingest` (paths, max_image_pixels) -> data/interim/ingest/*.parquet
and metrics/ingest.json."""
from __future__ import annotations

import sys

from fashion.ingest.stage import METRICS, OUT_DIR, config_from_params, run_ingest
from fashion.params import load_params, value


def main() -> int:
    params = load_params()
    done = run_ingest(value(params, "ingest.paths"), OUT_DIR, config_from_params(params), METRICS,
                      warn=lambda line: print(f"ingest: {line}", file=sys.stderr))
    metrics = done.metrics
    print(f"ingest: {metrics['posts']} posts, {metrics['comments']} comments, "
          f"{metrics['rejects']} rejects, {metrics['truth_items']} truth items -> {OUT_DIR}")
    return done.exit_code  # a PATH with no post is a warning here (1 only for a PATH not found)


if __name__ == "__main__":
    raise SystemExit(main())
