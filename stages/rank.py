"""DVC stage `rank`: tokens + vectors + ontology -> data/processed/annotations.parquet + metrics/text_mining.json.

Evaluates against data/interim/ingest/truth.parquet when it exists (formula and edit-distance baseline).
"""
from __future__ import annotations

from pathlib import Path

from fashion.io import write_json
from fashion.ontology import OntologyError, load_ontology
from fashion.params import load_params
from fashion.scale.engine import Engine, engine_config
from fashion.text.config import rank_config
from fashion.text.pipeline import rank_corpus

TOKENS = Path("data/interim/tokens.parquet")
VECTORS = Path("models/embeddings/vectors.npz")
TRUTH = Path("data/interim/ingest/truth.parquet")
OUT = Path("data/processed/annotations.parquet")
METRICS = Path("metrics/text_mining.json")


def main() -> None:
    params = load_params()
    config = rank_config(params)
    try:
        metrics = rank_corpus(TOKENS, VECTORS, load_ontology("ontology"), OUT, config,
                              truth_path=TRUTH if TRUTH.is_file() else None, engine=Engine(engine_config(params)))
    except (OntologyError, ValueError, OSError) as exc:  # one line naming the file, never a traceback
        raise SystemExit(f"rank: {exc}") from None
    write_json(METRICS, metrics)
    print(f"rank: {metrics['posts']} posts -> {OUT} ({metrics['rows']} rows, {metrics['formula']})")
    for facet, m in metrics.get("facets", {}).items():
        base = metrics["baseline"].get(facet, {})
        print(f"  {facet:14s} P@1 {m['precision@1']:.3f} P@k {m['precision@k']:.3f} R@k {m['recall@k']:.3f} "
              f"F1@k {m['f1@k']:.3f}  (edit distance F1@k {base.get('f1@k', 0.0):.3f})")


if __name__ == "__main__":
    main()
