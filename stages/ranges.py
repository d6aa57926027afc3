"""DVC stage `ranges`: DeepFashion lists + truth.parquet + ontology -> data/processed/ranges.json."""
from __future__ import annotations

import time
from pathlib import Path

from fashion.data.errors import DataError
from fashion.data.instagram import InstagramVocab
from fashion.data.ranges import build_ranges
from fashion.io import write_json
from fashion.ontology import OntologyError, load_ontology
from fashion.params import load_params, section

DEEPFASHION = Path("data/raw/deepfashion")
TRUTH = Path("data/interim/ingest/truth.parquet")
OUT = Path("data/processed/ranges.json")


def main() -> None:
    params = load_params()
    source = section(params, "ranges")["instagram_source"]
    started = time.perf_counter()
    try:
        ranges = build_ranges(DEEPFASHION, InstagramVocab.from_ontology(load_ontology("ontology")),
                              TRUTH if TRUTH.is_file() else None, source, int(params["seed"]),
                              float(section(params, "images")["val_share"]))
    except (DataError, OntologyError, ValueError) as exc:  # these name their file (or the param)
        raise SystemExit(f"ranges: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"ranges: {exc.filename or DEEPFASHION}: {exc.strerror or exc}") from None
    write_json(OUT, ranges)
    for dataset, part in ranges.items():
        print(f"{dataset}: {len(part['categories'])} categories, {len(part['attributes'])} attributes")
    print(f"ranges: wrote {OUT} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
