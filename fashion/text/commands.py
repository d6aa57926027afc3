"""`fashion normalize | embed | rank | annotate`: the text-mining steps without DVC."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from fashion.text.embed import EmbedConfig
from fashion.text.normalize import NormalizeConfig
from fashion.text.rank import FORMULAS, RankConfig

DEFAULT_VECTORS = "models/embeddings/vectors.kv"


def register(sub) -> None:
    p = sub.add_parser("normalize", help="posts + comments Parquet -> tokens.parquet")
    p.add_argument("--posts", default="data/interim/ingest/posts.parquet")
    p.add_argument("--comments", default="data/interim/ingest/comments.parquet")
    p.add_argument("--out", default="data/interim/tokens.parquet")
    p.add_argument("--ontology", default="ontology")
    p.add_argument("--workers", type=int, default=NormalizeConfig.workers)
    p.set_defaults(func=_normalize)

    p = sub.add_parser("embed", help="tokens.parquet -> word vectors (.kv) + metrics JSON")
    p.add_argument("--tokens", default="data/interim/tokens.parquet")
    p.add_argument("--out", default=DEFAULT_VECTORS)
    p.add_argument("--metrics", default=None, help="write the metrics JSON here too")
    p.add_argument("--model", choices=("word2vec", "fasttext"), default=EmbedConfig.model)
    p.add_argument("--vector-size", type=int, default=EmbedConfig.vector_size)
    p.add_argument("--window", type=int, default=EmbedConfig.window)
    p.add_argument("--epochs", type=int, default=EmbedConfig.epochs)
    p.add_argument("--min-count", type=int, default=EmbedConfig.min_count)
    p.add_argument("--sg", type=int, choices=(0, 1), default=EmbedConfig.sg)
    p.add_argument("--workers", type=int, default=EmbedConfig.workers)
    p.add_argument("--seed", type=int, default=EmbedConfig.seed)
    p.add_argument("--wordsim", default="ontology/fashion_wordsim.tsv",
                   help="word-similarity pairs to score the vectors on ('' to skip)")
    p.set_defaults(func=_embed)

    p = sub.add_parser("rank", help="tokens + vectors -> annotations.parquet (+ evaluation with --truth)")
    p.add_argument("--tokens", default="data/interim/tokens.parquet")
    p.add_argument("--vectors", default=DEFAULT_VECTORS)
    p.add_argument("--out", default="data/processed/annotations.parquet")
    p.add_argument("--truth", default=None, help="truth.parquet to evaluate against")
    p.add_argument("--metrics", default=None, help="write the metrics JSON here too")
    p.add_argument("--ontology", default="ontology")
    p.add_argument("--formula", choices=FORMULAS, default=RankConfig.formula)
    p.add_argument("--top-k", type=int, default=RankConfig.top_k)
    p.set_defaults(func=_rank)

    p = sub.add_parser("annotate", help="rank ontology terms for one post given on the command line")
    p.add_argument("--caption", default="", help="caption text")
    p.add_argument("--comment", action="append", default=[], help="a comment (repeatable)")
    p.add_argument("--hashtag", action="append", default=[], help="a post hashtag, with or without # (repeatable)")
    p.add_argument("--vectors", default=DEFAULT_VECTORS, help="KeyedVectors from the embed stage")
    p.add_argument("--ontology", default="ontology")
    p.add_argument("--formula", choices=FORMULAS, default=RankConfig.formula)
    p.add_argument("--top-k", type=int, default=RankConfig.top_k)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_annotate)


def _fail(step: str, exc: Exception) -> int:
    print(f"fashion {step}: {exc}", file=sys.stderr)
    return 1


def _normalize(args) -> int:
    from fashion.ontology import OntologyError, load_ontology
    from fashion.text.corpus import normalize_corpus

    try:
        stats = normalize_corpus(args.posts, args.comments, args.out, load_ontology(args.ontology),
                                 NormalizeConfig(workers=args.workers))
    except (OntologyError, ValueError) as exc:
        return _fail("normalize", exc)
    print(json.dumps(stats))
    return 0


def _embed(args) -> int:
    from fashion.io import write_json
    from fashion.text.embed import train_embeddings

    try:
        config = EmbedConfig(model=args.model, vector_size=args.vector_size, window=args.window, epochs=args.epochs,
                             min_count=args.min_count, sg=args.sg, workers=args.workers, seed=args.seed)
        metrics = train_embeddings(args.tokens, args.out, config, wordsim_path=args.wordsim or None)
    except ValueError as exc:
        return _fail("embed", exc)
    if args.metrics:
        write_json(args.metrics, metrics)
    print(json.dumps(metrics))
    return 0


def _rank(args) -> int:
    from fashion.io import write_json
    from fashion.ontology import OntologyError, load_ontology
    from fashion.text.pipeline import rank_corpus

    try:
        metrics = rank_corpus(args.tokens, args.vectors, load_ontology(args.ontology), args.out,
                              RankConfig(formula=args.formula, top_k=args.top_k), truth_path=args.truth)
    except (OntologyError, ValueError) as exc:
        return _fail("rank", exc)
    if args.metrics:
        write_json(args.metrics, metrics)
    print(json.dumps(metrics))
    return 0


def _annotate(args) -> int:
    from fashion.ontology import OntologyError, load_ontology
    from fashion.text.pipeline import annotate

    if not Path(args.vectors).exists():
        print(f"fashion annotate: {args.vectors}: vectors not found; the embed stage makes them "
              f"(`python stages/embed.py`, `dvc repro embed` or `fashion embed`)", file=sys.stderr)
        return 1
    if not (args.caption or args.comment or args.hashtag):
        print("fashion annotate: give --caption, --comment or --hashtag", file=sys.stderr)
        return 2
    try:
        result = annotate(args.caption, args.comment, args.hashtag, args.vectors, load_ontology(args.ontology),
                          RankConfig(formula=args.formula, top_k=args.top_k))
    except (OntologyError, ValueError) as exc:
        return _fail("annotate", exc)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for facet, picked in result.items():
        shown = ", ".join(f"{p['term']} {p['share']:.0f}%" for p in picked) or "-"
        print(f"{facet:14s} {shown}")
    return 0
