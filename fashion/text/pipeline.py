"""Rank a whole corpus (stage ``rank``) or one ad-hoc post (``fashion annotate``)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from fashion.io import atomic_path
from fashion.text.embed import load_vectors
from fashion.text.evaluate import evaluate, load_truth
from fashion.text.lexicon import Lexicon
from fashion.text.posts import PostText, iter_post_texts
from fashion.text.rank import BASELINE, Embedding, RankConfig, Ranker, top_k
from fashion.text.terms import TermSpace

ANNOTATIONS_SCHEMA = pa.schema([
    ("post_id", pa.string()),
    ("facet", pa.string()),
    ("rank", pa.int32()),
    ("term", pa.string()),
    ("score", pa.float64()),
    ("share", pa.float64()),
])

# `fashion annotate --json` keys -> facets
ANNOTATE_FACETS = (("categories", "categories"), ("subcategories", "subcategories"), ("materials", "material"),
                   ("patterns", "pattern"), ("styles", "styles"), ("brands", "brands"))


def _rows(post_ids: Sequence[str], tops: list[dict]) -> dict[str, list]:
    cols: dict[str, list] = {name: [] for name in ANNOTATIONS_SCHEMA.names}
    for pid, facets in zip(post_ids, tops):
        for facet, picked in facets.items():
            for rank, (term, score, share) in enumerate(picked, start=1):
                cols["post_id"].append(pid)
                cols["facet"].append(facet)
                cols["rank"].append(rank)
                cols["term"].append(term)
                cols["score"].append(score)
                cols["share"].append(share)
    return cols


def _batches(posts, size: int):
    batch: list[PostText] = []
    for post in posts:
        batch.append(post)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def predict(ranker: Ranker, posts: Sequence[PostText], k: int, batch_posts: int) -> dict[str, dict[str, list[str]]]:
    """post_id -> facet -> top-k label keys."""
    out: dict[str, dict[str, list[str]]] = {}
    for batch in _batches(posts, batch_posts):
        tops = top_k(ranker.score(batch), ranker.terms, k)
        for post, facets in zip(batch, tops):
            out[post.post_id] = {f: [term for term, _, _ in picked] for f, picked in facets.items()}
    return out


def rank_corpus(tokens_path: str | Path, vectors_path: str | Path, ontology, out_path: str | Path,
                config: RankConfig = RankConfig(), truth_path: str | Path | None = None,
                progress: bool = True) -> dict:
    """Write annotations.parquet; return metrics/text_mining.json (evaluation when truth exists)."""
    started = time.perf_counter()
    kv = load_vectors(vectors_path)
    lexicon = Lexicon.from_ontology(ontology)
    terms = TermSpace.build(ontology, lexicon)
    ranker = Ranker(terms, config, Embedding(kv))
    truth = None
    if truth_path is not None and Path(truth_path).exists():
        truth = load_truth(truth_path, terms.facets)
    kept: list[PostText] = []  # truth posts, for the baseline
    predictions: dict[str, dict[str, list[str]]] = {}
    posts = rows = 0
    with atomic_path(out_path, suffix=".parquet") as tmp:
        writer = pq.ParquetWriter(tmp, ANNOTATIONS_SCHEMA, compression="zstd")
        try:
            stream = tqdm(iter_post_texts(tokens_path), desc="rank", unit="post", disable=not progress,
                          mininterval=1.0)
            for batch in _batches(stream, config.batch_posts):
                tops = top_k(ranker.score(batch), terms, config.top_k)
                cols = _rows([p.post_id for p in batch], tops)
                if cols["post_id"]:
                    writer.write_table(pa.table(cols, schema=ANNOTATIONS_SCHEMA))
                rows += len(cols["post_id"])
                posts += len(batch)
                if truth is not None:
                    for post, facets in zip(batch, tops):
                        if post.post_id in truth:
                            kept.append(post)
                            predictions[post.post_id] = {f: [t for t, _, _ in picked] for f, picked in facets.items()}
        finally:
            writer.close()
    metrics = {"formula": config.formula, "k": config.top_k, "posts": posts, "rows": rows,
               "rank_seconds": round(time.perf_counter() - started, 3),
               "posts_per_second": round(posts / max(time.perf_counter() - started, 1e-9), 1)}
    if truth is not None:
        facets = terms.facets
        metrics["evaluated_posts"] = len(truth)
        metrics["facets"] = evaluate(predictions, truth, config.top_k, facets)
        baseline = Ranker(TermSpace.build(ontology, lexicon), config, None, formula=BASELINE)
        metrics["baseline"] = evaluate(predict(baseline, kept, config.top_k, config.batch_posts), truth,
                                       config.top_k, facets)
        metrics["baseline_method"] = BASELINE
    return metrics


def annotate(caption: str, comments: Sequence[str], hashtags: Sequence[str], vectors_path: str | Path, ontology,
             config: RankConfig = RankConfig()) -> dict[str, list[dict]]:
    """Rank one ad-hoc post: {"categories": [{"term", "score", "share"}...], "subcategories", "materials",
    "patterns", "styles", "brands"} (best first, at most ``config.top_k`` each)."""
    from fashion.text.normalize import TextNormalizer

    kv = load_vectors(vectors_path)
    counts = None
    if "count" in getattr(kv, "expandos", {}):
        counts = dict(zip(kv.index_to_key, np.asarray(kv.expandos["count"]).tolist()))
    normalizer = TextNormalizer.from_ontology(ontology, corpus_counts=counts)
    rows = []
    caption_tags: set[str] = set()
    lang = "en"
    if caption:
        text = normalizer.normalize(caption)
        rows.append(("caption", text.tokens, text.segmented, text.handles))
        caption_tags = set(text.hashtags)
        lang = text.lang
    extra = [t.lower().lstrip("#") for t in hashtags]
    extra = [t for t in dict.fromkeys(extra) if t and t not in caption_tags]
    if extra:
        rows.append(("hashtags", [], normalizer.normalize_hashtags(extra, lang), []))
    for comment in comments:
        text = normalizer.normalize(comment)
        rows.append(("comment", text.tokens, text.segmented, text.handles))
    terms = TermSpace.build(ontology, normalizer.lexicon)
    ranker = Ranker(terms, config, Embedding(kv))
    tops = top_k(ranker.score([PostText("annotate", rows)]), terms, config.top_k)[0]
    return {key: [{"term": term, "score": round(score, 6), "share": round(share, 2)}
                  for term, score, share in tops.get(facet, [])]
            for key, facet in ANNOTATE_FACETS}
