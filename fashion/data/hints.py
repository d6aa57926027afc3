"""Hint construction for the dynamic heads (docs/contracts.md, "Hint protocols").

A hinted sample gets exactly one category hint; optionally one subcategory hint and one attribute
hint, each drawn only among labels inside the hinted category's range (ranges.json), so a hint
never points at a row the dynamic head prunes for that category. The attribute hint is ONE
attribute, given to a share `attribute_rate` of the hinted samples (the authors' code draws random
truth attributes; one keeps the hint strength comparable across datasets and protocols).
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fashion.data.benchmark import PAPER_TEXT_ATTRIBUTE_GROUPS, Benchmark, mined_labels

SOURCES = ("truth", "text", "predicted", "none")
LEAKAGE_FREE_ATTRIBUTE_RATE = 0.0  # the leakage_free protocol never gives attribute hints


@dataclass
class HintArrays:
    category: np.ndarray              # bool [N, K]; an all-False row = unhinted sample
    attribute: np.ndarray             # bool [N, P]
    subcategory: np.ndarray | None    # bool [N, M]; None for single-class (DeepFashion)


def resolve_source(source: str, dataset: str) -> str:
    """"paper" -> truth (DeepFashion) / text (Instagram); other sources pass through, checked."""
    if source == "paper":
        return "truth" if dataset == "deepfashion" else "text"
    if source not in SOURCES:
        raise ValueError(f"hints.source must be paper or one of {SOURCES}, got {source!r}")
    if source == "text" and dataset != "instagram":
        raise ValueError("text hints exist for Instagram only")
    return source


def leakage_free_source(dataset: str) -> str:
    """The leakage_free protocol's category source (always with attribute_rate 0): the model's own
    top-1 (`predicted`, via hints_from_scores) for DeepFashion, text-mined for Instagram."""
    return "predicted" if dataset == "deepfashion" else "text"


def hint_rng(seed: int, split: str) -> np.random.Generator:
    """Generator fixed by (seed, split), so train and val hints differ but never change between runs."""
    return np.random.default_rng([seed, zlib.crc32(split.encode("utf-8"))])


def no_hints(bench: Benchmark) -> HintArrays:
    n = len(bench)
    return HintArrays(
        category=np.zeros((n, len(bench.category_names)), dtype=bool),
        attribute=np.zeros((n, len(bench.attribute_names)), dtype=bool),
        subcategory=np.zeros((n, len(bench.subcategory_names)), dtype=bool) if bench.multi else None,
    )


def _candidates(bench: Benchmark, source: str, annotations, top_k, text_groups) -> list[tuple[list, list, list]]:
    """Per sample: (categories, subcategories, attributes) the hints may be drawn from."""
    if source == "truth":
        subs = bench.subcategories if bench.multi else np.zeros((len(bench), 0))
        return [(list(np.flatnonzero(bench.category[i])), list(np.flatnonzero(subs[i])),
                 list(np.flatnonzero(bench.attributes[i]))) for i in range(len(bench))]
    if annotations is None:
        raise ValueError("text hints need annotations (annotations.parquet)")
    mined = mined_labels(annotations, bench.category_names, bench.subcategory_names, bench.attribute_names, top_k,
                         text_groups)
    empty = ([], [], [])
    return [(m.categories, m.subcategories, m.attributes) if (m := mined.get(pid)) else empty
            for pid in bench.post_ids]


def make_hints(bench: Benchmark, protocol_source: str, rate: float, attribute_rate: float, seed: int,
               annotations: str | os.PathLike | pd.DataFrame | None = None,
               top_k: int | None = None,
               text_groups: tuple[str, ...] | None = PAPER_TEXT_ATTRIBUTE_GROUPS) -> HintArrays:
    """Hints for every sample of bench under one source (truth | text | none, or paper).

    truth: drawn from the benchmark's own targets. text (Instagram): drawn from the post's text-mined
    labels (ranks <= top_k; attributes from `text_groups`, None = all groups); posts with no mined
    category get no hint. A share `rate` of samples is
    hinted; a share `attribute_rate` of those also gets one attribute. Deterministic in (seed, split).
    """
    source = resolve_source(protocol_source, bench.dataset)
    if source == "predicted":
        raise ValueError("predicted hints come from model scores: use hints_from_scores()")
    if not (0.0 <= rate <= 1.0 and 0.0 <= attribute_rate <= 1.0):
        raise ValueError(f"rates must lie in [0, 1], got rate={rate}, attribute_rate={attribute_rate}")
    hints = no_hints(bench)
    if source == "none" or len(bench) == 0:
        return hints

    rng = hint_rng(seed, bench.split)
    hinted = rng.random(len(bench)) < rate              # [N]
    with_attribute = rng.random(len(bench)) < attribute_rate  # [N]
    for i, (cats, subs, attrs) in enumerate(_candidates(bench, source, annotations, top_k, text_groups)):
        if not hinted[i] or not cats:
            continue
        category = int(cats[rng.integers(len(cats))])
        hints.category[i, category] = True
        if hints.subcategory is not None:
            allowed = set(bench.subcategory_range[category])
            in_range = [s for s in subs if s in allowed]
            if in_range:
                hints.subcategory[i, in_range[rng.integers(len(in_range))]] = True
        if with_attribute[i]:
            allowed = set(bench.attribute_range[category])
            in_range = [a for a in attrs if a in allowed]
            if in_range:
                hints.attribute[i, in_range[rng.integers(len(in_range))]] = True
    return hints


def hints_from_scores(category_scores: np.ndarray, multi: bool) -> np.ndarray:
    """Category hints from model scores [N, K] -> bool [N, K]: the top-1 category; for multi-class
    also every category scoring >= 0.5."""
    scores = np.asarray(category_scores)
    hints = np.zeros(scores.shape, dtype=bool)
    if scores.shape[0] == 0:
        return hints
    hints[np.arange(scores.shape[0]), scores.argmax(axis=1)] = True
    if multi:
        hints |= scores >= 0.5
    return hints
