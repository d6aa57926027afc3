"""DVC stage `embed`: data/interim/tokens.parquet -> models/embeddings/vectors.npz + metrics/embed.json."""
from __future__ import annotations

from pathlib import Path

from fashion.io import write_json
from fashion.params import load_params
from fashion.text.config import embed_config
from fashion.text.embed import train_embeddings

TOKENS = Path("data/interim/tokens.parquet")
OUT = Path("models/embeddings/vectors.npz")
METRICS = Path("metrics/embed.json")


def main() -> None:
    config, wordsim = embed_config(load_params())
    try:
        metrics = train_embeddings(TOKENS, OUT, config, wordsim_path=wordsim)
    except (ValueError, OSError) as exc:
        raise SystemExit(f"embed: {exc}") from None
    # gensim's pickled vectors.kv (and its .npy side files) from before vectors.npz: DVC would keep
    # them in the output folder, and a reader could still be pointed at them
    for stale in sorted(OUT.parent.glob("vectors.kv*")):
        stale.unlink()
    write_json(METRICS, metrics)
    print(f"embed: {metrics['model']} on {metrics['corpus_tokens']} tokens, vocabulary {metrics['vocabulary']}, "
          f"spearman {metrics['spearman']} ({metrics.get('wordsim_covered', 0)} pairs) -> {OUT}")


if __name__ == "__main__":
    main()
