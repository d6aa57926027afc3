"""DVC stage `normalize`: ingest posts + comments + ontology -> data/interim/tokens.parquet."""
from __future__ import annotations

from pathlib import Path

from fashion.ontology import OntologyError, load_ontology
from fashion.params import load_params
from fashion.scale.engine import Engine, engine_config
from fashion.text.config import normalize_config
from fashion.text.corpus import normalize_corpus

INGEST = Path("data/interim/ingest")
OUT = Path("data/interim/tokens.parquet")


def main() -> None:
    params = load_params()
    config = normalize_config(params)
    try:
        stats = normalize_corpus(INGEST / "posts.parquet", INGEST / "comments.parquet", OUT,
                                 load_ontology("ontology"), config, engine=Engine(engine_config(params)))
    except (OntologyError, ValueError, OSError) as exc:
        raise SystemExit(f"normalize: {exc}") from None
    print(f"normalize: {stats['texts']} texts ({stats['normalized_texts']} normalised after dedupe) of "
          f"{stats['posts']} posts -> {OUT} ({stats['rows']} rows) in {stats['seconds']:.1f}s")


if __name__ == "__main__":
    main()
