"""DVC stage `ranges`: DeepFashion lists + truth.parquet + ontology -> data/processed/ranges.json."""
from __future__ import annotations

import time

from fashion.data.errors import DataError
from fashion.data.stage import RANGES, TRUTH, RangesConfig, existing, run_ranges
from fashion.ontology import OntologyError
from fashion.params import load_params


def main() -> None:
    config = RangesConfig.from_params(load_params())
    started = time.perf_counter()
    try:
        ranges = run_ranges(config, truth=existing(TRUTH))
    except (DataError, OntologyError, ValueError) as exc:  # these name their file (or the param)
        raise SystemExit(f"ranges: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"ranges: {exc.filename or 'data/raw/deepfashion'}: {exc.strerror or exc}") from None
    for dataset, part in ranges.items():
        print(f"{dataset}: {len(part['categories'])} categories, {len(part['attributes'])} attributes")
    print(f"ranges: wrote {RANGES} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
