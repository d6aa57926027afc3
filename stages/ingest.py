"""DVC stage `ingest`: params.yaml `ingest` (paths, max_image_pixels) -> data/interim/ingest/*.parquet
and metrics/ingest.json."""
from __future__ import annotations

import sys
from pathlib import Path

from fashion.ingest import IngestConfig, ingest, no_post_warnings
from fashion.io import write_json
from fashion.params import load_params, section

OUT_DIR = Path("data/interim/ingest")
METRICS = Path("metrics/ingest.json")


def main() -> int:
    params = section(load_params(), "ingest")
    paths = params.get("paths")
    if not isinstance(paths, list) or not paths:
        raise SystemExit("params.yaml: ingest.paths must be a non-empty list")
    config = IngestConfig(max_image_pixels=int(params.get("max_image_pixels", 40_000_000)))
    metrics = ingest(paths, OUT_DIR, config)
    write_json(METRICS, metrics)
    print(f"ingest: {metrics['posts']} posts, {metrics['comments']} comments, "
          f"{metrics['rejects']} rejects, {metrics['truth_items']} truth items -> {OUT_DIR}")
    for warning in no_post_warnings(metrics):  # a warning only: the exit code stays as it was
        print(f"ingest: {warning}", file=sys.stderr)
    return 1 if metrics["rejects_by_reason"].get("path_not_found") else 0


if __name__ == "__main__":
    raise SystemExit(main())
