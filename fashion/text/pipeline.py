"""Rank a whole corpus (stage ``rank``) or one ad-hoc post (``fashion annotate``)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from fashion.io import atomic_path
from fashion.text.embed import load_vectors
from fashion.text.evaluate import evaluate, load_truth
from fashion.text.lexicon import Lexicon
from fashion.text.posts import PostText, iter_post_tables
from fashion.text.rank import BASELINE, Embedding, Occurrences, RankConfig, Ranker, top_k, top_k_arrays
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


def _annotation_table(post_ids: list[str], tops: dict, terms: TermSpace) -> pa.Table:
    parts = []
    ids = pa.array(post_ids, pa.string())
    keys = pa.array(terms.label_keys, pa.string())
    for facet, (post, rank, label, score, share) in tops.items():
        if len(post) == 0:
            continue
        parts.append(pa.table({"post_id": ids.take(pa.array(post)), "facet": pa.array([facet] * len(post), pa.string()),
                               "rank": pa.array(rank.astype(np.int32)), "term": keys.take(pa.array(label)),
                               "score": pa.array(score.astype(np.float64)), "share": pa.array(share.astype(np.float64))},
                              schema=ANNOTATIONS_SCHEMA))
    if not parts:
        return ANNOTATIONS_SCHEMA.empty_table()
    # post order within the batch, facets in ontology order, rank 1..k
    table = pa.concat_tables(parts)
    order = np.lexsort((table.column("rank").to_numpy(),
                        np.repeat(np.arange(len(parts)), [p.num_rows for p in parts]),
                        np.concatenate([tops[f][0] for f in tops if len(tops[f][0])])))
    return table.take(pa.array(order))


def _post_texts(table: pa.Table, wanted: set[str]) -> list[PostText]:
    mask = pc.is_in(table.column("post_id"), value_set=pa.array(sorted(wanted), pa.string()))
    posts: dict[str, PostText] = {}
    for row in table.filter(mask).to_pylist():
        post = posts.setdefault(row["post_id"], PostText(row["post_id"], []))
        post.rows.append((row["field"], row["tokens"] or [], row["segmented"] or [], row["handles"] or []))
    return list(posts.values())


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
        tops = top_k(ranker.score(batch), ranker.terms, k, min_relative=ranker.config.min_relative_score)
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
    ranker = Ranker(terms, config, Embedding(kv, config.remove_components))
    truth = None
    if truth_path is not None and Path(truth_path).exists():
        truth = load_truth(truth_path, terms.facets)
    kept: list[PostText] = []  # truth posts, for the baseline
    predictions: dict[str, dict[str, list[str]]] = {}
    posts = rows = 0
    with atomic_path(out_path, suffix=".parquet") as tmp:
        writer = pq.ParquetWriter(tmp, ANNOTATIONS_SCHEMA, compression="zstd")
        bar = tqdm(desc="rank", unit="post", disable=not progress, mininterval=1.0)
        try:
            for table in iter_post_tables(tokens_path, config.batch_posts, batch_rows=20_000):
                occ, post_ids = Occurrences.from_table(table, config, terms)
                tops = top_k_arrays(ranker.score_occurrences(occ), terms, config.top_k,
                                    min_relative=config.min_relative_score)
                out = _annotation_table(post_ids, tops, terms)
                if out.num_rows:
                    writer.write_table(out)
                rows += out.num_rows
                posts += len(post_ids)
                bar.update(len(post_ids))
                if truth is not None:
                    wanted = truth.keys() & set(post_ids)
                    if wanted:
                        kept.extend(_post_texts(table, wanted))
                        for r in out.filter(pc.is_in(out.column("post_id"),
                                                     value_set=pa.array(sorted(wanted), pa.string()))).to_pylist():
                            predictions.setdefault(r["post_id"], {}).setdefault(r["facet"], []).append(r["term"])
        finally:
            bar.close()
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
    rows = normalizer.post_rows(caption, comments, hashtags)
    terms = TermSpace.build(ontology, normalizer.lexicon)
    ranker = Ranker(terms, config, Embedding(kv, config.remove_components))
    tops = top_k(ranker.score([PostText("annotate", rows)]), terms, config.top_k,
                 min_relative=config.min_relative_score)[0]
    return {key: [{"term": term, "score": round(score, 6), "share": round(share, 2)}
                  for term, score, share in tops.get(facet, [])]
            for key, facet in ANNOTATE_FACETS}
