"""DVC stage `embed`: data/interim/tokens.parquet -> models/embeddings/vectors.kv + metrics/embed.json."""
from __future__ import annotations

from pathlib import Path

from fashion.io import write_json
from fashion.params import load_params, section
from fashion.text.config import config_from
from fashion.text.embed import EmbedConfig, train_embeddings

TOKENS = Path("data/interim/tokens.parquet")
OUT = Path("models/embeddings/vectors.kv")
METRICS = Path("metrics/embed.json")


def main() -> None:
    params = load_params()
    values = dict(section(params, "embed"))
    wordsim = values.pop("similarity_tsv", None)
    config = config_from(EmbedConfig, {**values, "seed": int(params["seed"])}, "embed")
    try:
        metrics = train_embeddings(TOKENS, OUT, config, wordsim_path=wordsim)
    except ValueError as exc:
        raise SystemExit(f"embed: {exc}") from None
    write_json(METRICS, metrics)
    print(f"embed: {metrics['model']} on {metrics['corpus_tokens']} tokens, vocabulary {metrics['vocabulary']}, "
          f"spearman {metrics['spearman']} ({metrics.get('wordsim_covered', 0)} pairs) -> {OUT}")


if __name__ == "__main__":
    main()
