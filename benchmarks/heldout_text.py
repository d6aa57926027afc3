"""Text mining on the hand-written held-out posts (tests/data/heldout_posts.jsonl), never tuned on.

    python benchmarks/heldout_text.py                      # after `dvc repro rank` (trained demo vectors)
    python benchmarks/heldout_text.py --vectors V.kv --out heldout.json --show-errors

The posts go through the stage's own code: written as ingest-shaped posts/comments Parquet (comment
threads keep their parent ids), normalised by normalize_corpus, ranked by rank_corpus with the
params.yaml `rank` section, scored by fashion.text.evaluate against the hand-written truth (every
post counts; a label for a post whose truth is empty is a false positive). Printed, as the issue
asks: brands P@1 (posts naming an ontology brand) and false-brand rate (posts naming none),
categories micro F1@k, materials and patterns P@1; then the language detector's accuracy on the
captions beside lingua-language-detector's (restricted to the six languages).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fashion.ontology import load_ontology  # noqa: E402

POSTS = ROOT / "tests" / "data" / "heldout_posts.jsonl"
FACETS = ("categories", "brands", "material", "pattern")
LINGUA_CODES = {"ENGLISH": "en", "SWEDISH": "sv", "GERMAN": "de", "FRENCH": "fr", "SPANISH": "es", "ITALIAN": "it"}


def load_posts(path: Path = POSTS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_ingest_tables(posts: list[dict], folder: Path) -> None:
    """posts.parquet / comments.parquet in ingest's shape (hashtags as ingest extracts them)."""
    from fashion.text.normalize import TextNormalizer

    tags = []
    for post in posts:
        tokens = TextNormalizer.prepare(post["caption"]).split()
        tags.append([t.lstrip("#") for t in tokens if t.startswith("#") and len(t) > 1])
    pq.write_table(pa.table({"post_id": [p["id"] for p in posts], "caption": [p["caption"] for p in posts],
                             "hashtags": pa.array(tags, pa.list_(pa.string())),
                             "usertags": pa.array([p.get("usertags", []) for p in posts], pa.list_(pa.string()))}),
                   folder / "posts.parquet")
    rows = {"post_id": [], "comment_id": [], "parent_id": [], "text": []}
    for post in posts:
        for c in post.get("comments", []):
            rows["post_id"].append(post["id"])
            rows["comment_id"].append(f"{post['id']}/{c['id']}")
            rows["parent_id"].append(f"{post['id']}/{c['reply_to']}" if c.get("reply_to") else None)
            rows["text"].append(c["text"])
    pq.write_table(pa.table(rows, schema=pa.schema([(k, pa.string()) for k in rows])), folder / "comments.parquet")


def mine(posts: list[dict], vectors: Path, config, ontology) -> dict[str, dict[str, list[str]]]:
    """post id -> facet -> top-k labels, through normalize_corpus and rank_corpus."""
    from fashion.text.corpus import normalize_corpus
    from fashion.text.normalize import NormalizeConfig
    from fashion.text.pipeline import rank_corpus

    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        folder = Path(tmp)
        write_ingest_tables(posts, folder)
        normalize_corpus(folder / "posts.parquet", folder / "comments.parquet", folder / "tokens.parquet", ontology,
                         NormalizeConfig(workers=1), progress=False)
        rank_corpus(folder / "tokens.parquet", vectors, ontology, folder / "annotations.parquet", config,
                    progress=False)
        predictions: dict[str, dict[str, list[str]]] = {}
        for r in pq.read_table(folder / "annotations.parquet").to_pylist():
            predictions.setdefault(r["post_id"], {}).setdefault(r["facet"], []).append(r["term"])
    return predictions


def caption_words(posts: list[dict], ontology) -> list[list[str]]:
    """Per caption, the words the normaliser hands its language detector (no hashtags, handles, emoji)."""
    from fashion.text.normalize import TextNormalizer

    normalizer = TextNormalizer.from_ontology(ontology)
    tokens = normalizer.tokenize_many([normalizer.prepare(p["caption"]) for p in posts])
    return [normalizer.plain_words(t) for t in tokens]


def language_accuracy(posts: list[dict], ontology) -> dict:
    """Caption language: the project's stop-word/trigram detector vs lingua (six languages)."""
    from lingua import Language, LanguageDetectorBuilder

    from fashion.text.langid import LanguageDetector
    from fashion.text.lexicon import Lexicon

    words = caption_words(posts, ontology)
    truth = [p["lang"] for p in posts]
    ours = LanguageDetector.from_resources(ontology.translations, Lexicon.from_ontology(ontology).protected)
    started = time.perf_counter()
    ours_pred = [ours.detect(w) for w in words]
    ours_s = time.perf_counter() - started
    lingua = LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in LINGUA_CODES)).build()

    def lingua_code(text: str) -> str:
        found = lingua.detect_language_of(text)
        return LINGUA_CODES[found.name] if found is not None else "und"

    started = time.perf_counter()
    lingua_words = [lingua_code(" ".join(w)) for w in words]
    lingua_s = time.perf_counter() - started
    lingua_raw = [lingua_code(p["caption"]) for p in posts]

    def score(pred):
        per_lang = {}
        for lang in sorted(set(truth)):
            idx = [i for i, t in enumerate(truth) if t == lang]
            per_lang[lang] = round(sum(pred[i] == lang for i in idx) / len(idx), 3)
        return {"accuracy": round(sum(p == t for p, t in zip(pred, truth)) / len(truth), 4), "per_language": per_lang,
                "errors": [(posts[i]["id"], truth[i], pred[i]) for i in range(len(truth)) if pred[i] != truth[i]]}

    return {"captions": len(posts), "current": {**score(ours_pred), "seconds": round(ours_s, 4)},
            "lingua_same_words": {**score(lingua_words), "seconds": round(lingua_s, 4)},
            "lingua_raw_caption": score(lingua_raw)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vectors", default=str(ROOT / "models" / "embeddings" / "vectors.npz"))
    ap.add_argument("--posts", default=str(POSTS))
    ap.add_argument("--formula", default=None, help="override rank.formula (multiplicative | linear)")
    ap.add_argument("--out", default=None, help="write the results JSON here")
    ap.add_argument("--show-errors", action="store_true", help="print each post's wrong or missing labels")
    ap.add_argument("--no-langid", action="store_true", help="skip the language-detector comparison")
    args = ap.parse_args()

    from dataclasses import replace

    from fashion.params import load_params, section
    from fashion.text.config import config_from
    from fashion.text.evaluate import evaluate
    from fashion.text.rank import RankConfig

    ontology = load_ontology(str(ROOT / "ontology"))
    config = config_from(RankConfig, section(load_params(ROOT / "params.yaml"), "rank"), "rank")
    if args.formula:
        config = replace(config, formula=args.formula)
    posts = load_posts(Path(args.posts))
    truth = {p["id"]: {f: set(p["truth"].get(f, [])) for f in FACETS} for p in posts}
    predictions = mine(posts, Path(args.vectors), config, ontology)
    metrics = evaluate(predictions, truth, config.top_k, FACETS)
    headline = {"brands_precision@1": metrics["brands"]["precision@1"], "brands_hit@1": metrics["brands"]["hit@1"],
                "false_brand_rate": metrics["brands"]["false_positive_rate"],
                "categories_micro_f1@k": metrics["categories"]["micro_f1@k"],
                "materials_precision@1": metrics["material"]["precision@1"],
                "patterns_precision@1": metrics["pattern"]["precision@1"]}
    report = {"posts": len(posts), "no_outfit_posts": sum(not p["outfit"] for p in posts), "formula": config.formula,
              "k": config.top_k, "headline": headline, "facets": metrics}
    print(f"held-out: {len(posts)} posts ({report['no_outfit_posts']} without an outfit), formula {config.formula}")
    for key, value in headline.items():
        print(f"  {key:24s} {value}")
    for facet in FACETS:
        m = metrics[facet]
        print(f"  {facet:11s} P@1 {m['precision@1']:.3f} hit@1 {m['hit@1']:.3f} micro P/R/F1 {m['micro_precision@k']:.3f}"
              f"/{m['micro_recall@k']:.3f}/{m['micro_f1@k']:.3f} FP rate {m['false_positive_rate']} "
              f"({m['posts']} with truth, {m['empty_posts']} without)")
    if args.show_errors:
        for p in posts:
            for facet in FACETS:
                got = predictions.get(p["id"], {}).get(facet, [])[:config.top_k]
                gold = truth[p["id"]][facet]
                if set(got) - gold or gold - set(got):
                    print(f"  {p['id']} {facet}: mined {got} truth {sorted(gold)}")
    if not args.no_langid:
        report["language"] = language_accuracy(posts, ontology)
        for name in ("current", "lingua_same_words", "lingua_raw_caption"):
            lang = report["language"][name]
            print(f"  language {name:19s} accuracy {lang['accuracy']:.3f} {lang['per_language']}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, default=sorted) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
