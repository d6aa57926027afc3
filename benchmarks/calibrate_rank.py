"""Calibrate the ranker's per-facet score floors on the demo world's TRAINING split only.

    python benchmarks/calibrate_rank.py            # after `dvc repro rank`: prints floors, train and val F1
    python benchmarks/calibrate_rank.py --write    # also writes rank.min_score_<formula> into params.yaml

Posts are split as the image stages split them (fashion.data.split.post_split with params `seed`
and `images.val_share`); floors are chosen on the train posts (fashion.text.calibrate: best honest
micro F1@k per facet) and the val posts show what they do on posts they were not chosen on. The
hand-written held-out set is never used here.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fashion.data.split import TRAIN, post_split  # noqa: E402
from fashion.ontology import load_ontology  # noqa: E402
from fashion.params import load_params, section  # noqa: E402
from fashion.text.calibrate import calibrate  # noqa: E402
from fashion.text.config import config_from  # noqa: E402
from fashion.text.embed import load_vectors  # noqa: E402
from fashion.text.evaluate import evaluate, load_truth  # noqa: E402
from fashion.text.lexicon import Lexicon  # noqa: E402
from fashion.text.posts import iter_post_tables  # noqa: E402
from fashion.text.rank import Embedding, Occurrences, RankConfig, Ranker, top_k  # noqa: E402
from fashion.text.terms import TermSpace  # noqa: E402


def scores_by_post(config: RankConfig, tokens: Path, vectors: Path, ontology, wanted: set[str]):
    terms = TermSpace.build(ontology, Lexicon.from_ontology(ontology))
    ranker = Ranker(terms, config, Embedding(load_vectors(vectors), config.remove_components))
    ids, blocks = [], []
    for table in iter_post_tables(tokens, config.batch_posts, batch_rows=20_000):
        occ, post_ids = Occurrences.from_table(table, config, terms)
        scores = ranker.score_occurrences(occ)
        keep = [i for i, p in enumerate(post_ids) if p in wanted]
        ids += [post_ids[i] for i in keep]
        blocks.append(scores[keep])
    return terms, ids, np.concatenate(blocks)


def write_floors(params_path: Path, formula: str, floors: dict[str, float]) -> None:
    """Replace (or add under `rank:`) the one-line flow mapping rank.min_score_<formula>."""
    text = params_path.read_text(encoding="utf-8")
    line = f"  min_score_{formula}: {{{', '.join(f'{k}: {v}' for k, v in floors.items())}}}"
    pattern = re.compile(rf"^  min_score_{formula}:.*$", re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(line, text)
    else:  # at the end of the rank section (its first blank line)
        start = text.index("\nrank:\n")
        end = text.find("\n\n", start + 1)
        text = text[:end] + "\n" + line + text[end:] if end >= 0 else text.rstrip("\n") + "\n" + line + "\n"
    params_path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", default=str(ROOT / "data/interim/tokens.parquet"))
    ap.add_argument("--vectors", default=str(ROOT / "models/embeddings/vectors.npz"))
    ap.add_argument("--truth", default=str(ROOT / "data/interim/ingest/truth.parquet"))
    ap.add_argument("--formula", action="append", choices=("multiplicative", "linear"),
                    help="formula(s) to calibrate (default both)")
    ap.add_argument("--write", action="store_true", help="write the floors into params.yaml")
    args = ap.parse_args()
    params = load_params(ROOT / "params.yaml")
    seed, val_share = params["seed"], params["images"]["val_share"]
    ontology = load_ontology(str(ROOT / "ontology"))
    base = config_from(RankConfig, section(params, "rank"), "rank")
    base = replace(base, min_score_multiplicative={}, min_score_linear={})
    truth = load_truth(args.truth, ontology.facets())
    for formula in args.formula or ["multiplicative", "linear"]:
        config = replace(base, formula=formula)
        terms, ids, scores = scores_by_post(config, Path(args.tokens), Path(args.vectors), ontology, set(truth))
        split = np.array([post_split(p, seed, val_share) == TRAIN for p in ids])
        train = np.flatnonzero(split)
        result = calibrate(scores[train], terms, [truth[ids[i]] for i in train], config.top_k, config.min_relative_score)
        floors = {f: r["floor"] for f, r in result.items()}
        # what the floors do on the val posts (never used to choose them)
        val = np.flatnonzero(~split)
        val_truth = {ids[i]: truth[ids[i]] for i in val}
        before = _evaluate(scores[val], terms, ids, val, val_truth, config, {})
        after = _evaluate(scores[val], terms, ids, val, val_truth, config, floors)
        print(f"{formula}: {len(train)} train posts, {len(val)} val posts")
        for facet, r in result.items():
            b, a = before.get(facet, {}), after.get(facet, {})
            print(f"  {facet:14s} floor {r['floor']:9.4f}  train micro F1 {r['micro_f1_unfloored']:.3f} -> {r['micro_f1']:.3f}"
                  f"  val micro F1 {b.get('micro_f1@k', 0):.3f} -> {a.get('micro_f1@k', 0):.3f}"
                  f"  val FP rate {b.get('false_positive_rate')} -> {a.get('false_positive_rate')}")
        if args.write:
            write_floors(ROOT / "params.yaml", formula, floors)
    if args.write:
        print("params.yaml: rank.min_score_* written")


def _evaluate(scores, terms, ids, rows, truth, config, floors):
    floor = np.zeros(len(terms.label_keys))
    for facet, value in floors.items():
        floor[terms.facet_slice(facet)] = value
    floored = np.where(scores >= floor[None, :], scores, 0.0)
    tops = top_k(floored, terms, config.top_k, min_relative=config.min_relative_score)
    predictions = {ids[i]: {f: [t for t, _, _ in picked] for f, picked in facets.items()} for i, facets in zip(rows, tops)}
    return evaluate(predictions, truth, config.top_k, terms.facets)


if __name__ == "__main__":
    main()
