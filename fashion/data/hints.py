"""Hints for the dynamic heads: the protocols, the predicted-category rules and the per-sample
draws (docs/contracts.md, "Hint protocols"). Training and evaluation only ask `plan_hints` for a
plan; this module is the one place that knows where a protocol's hints come from.

A hinted sample gets exactly one category hint; optionally one subcategory hint and one attribute
hint, each drawn only among labels inside the hinted category's range (ranges.json), so a hint
never points at a row the dynamic head prunes for that category. The attribute hint is ONE
attribute, given to a share `attribute_rate` of the hinted samples (the authors' code draws random
truth attributes; one keeps the hint strength comparable across datasets and protocols).
"""
from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from fashion.choices import HINT_SOURCES as SOURCES
from fashion.data.benchmark import PAPER_TEXT_ATTRIBUTE_GROUPS, Benchmark, mined_labels


@dataclass(frozen=True)
class Protocol:
    """Where one evaluation protocol's hints come from. A field left None takes the run's own
    hint setting (params `hints.*`), so "paper" is the protocol the run trains under."""

    sources: Mapping[str, str] | None   # dataset -> source; None: the run's hints.source
    rate: float | None                  # share of samples hinted; None: hints.rate
    attribute_rate: float | None        # share of hinted samples with an attribute hint; None: hints.attribute_rate
    rule: str = "top1"                  # predicted-category rule (PREDICTED_RULES) for a "predicted" source


PROTOCOLS: dict[str, Protocol] = {
    # the run's settings; with hints.source "paper": truth for DeepFashion, text for Instagram
    "paper": Protocol(None, None, None),
    # never truth, never attribute hints: the model's own top-1 (DeepFashion) or the text (Instagram)
    "leakage_free": Protocol({"deepfashion": "predicted", "instagram": "text"}, 1.0, 0.0),
}
PAPER_SOURCES = {"deepfashion": "truth", "instagram": "text"}
LEAKAGE_FREE_ATTRIBUTE_RATE = PROTOCOLS["leakage_free"].attribute_rate


@dataclass
class HintArrays:
    category: np.ndarray              # bool [N, K]; an all-False row = unhinted sample
    attribute: np.ndarray             # bool [N, P]
    subcategory: np.ndarray | None    # bool [N, M]; None for single-class (DeepFashion)


def resolve_source(source: str, dataset: str) -> str:
    """"paper" -> truth (DeepFashion) / text (Instagram); other sources pass through, checked."""
    if source == "paper":
        return PAPER_SOURCES[dataset]
    if source not in SOURCES:
        raise ValueError(f"hints.source must be paper or one of {SOURCES}, got {source!r}")
    if source == "text" and dataset != "instagram":
        raise ValueError("text hints exist for Instagram only")
    return source


def leakage_free_source(dataset: str) -> str:
    """The leakage_free protocol's category source (always with attribute_rate 0): the model's own
    top-1 (`predicted`, via hints_from_scores) for DeepFashion, text-mined for Instagram."""
    return PROTOCOLS["leakage_free"].sources[dataset]


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
    also every category scoring >= 0.5 (the protocols' rule, "top1")."""
    return top_k_hints(category_scores, multi, 1)


# --------------------------------------------------------------------------------------------
# Predicted-category rules: category scores [N, K] -> bool hints [N, K]


def top_k_hints(category_scores: np.ndarray, multi: bool, k: int) -> np.ndarray:
    """The k best-scoring categories (ties: the lower index first); multi-class also every
    category scoring >= 0.5."""
    scores = np.asarray(category_scores)
    hints = np.zeros(scores.shape, dtype=bool)
    if scores.shape[0] == 0:
        return hints
    if k == 1:
        hints[np.arange(scores.shape[0]), scores.argmax(axis=1)] = True
    else:
        best = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # [N, k]
        np.put_along_axis(hints, best, True, axis=1)
    if multi:
        hints |= scores >= 0.5
    return hints


def share_hints(category_scores: np.ndarray, multi: bool, minimum: float) -> np.ndarray:
    """The top-1 category when its share of the summed scores is >= minimum, else no hint."""
    scores = np.asarray(category_scores, dtype=np.float64)
    hints = np.zeros(scores.shape, dtype=bool)
    if scores.shape[0] == 0:
        return hints
    share = scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)
    best = share.argmax(axis=1)
    confident = share[np.arange(len(share)), best] >= minimum
    hints[np.flatnonzero(confident), best[confident]] = True
    return hints


# rule family -> (argument parser, rule). A rule name is the family plus its argument: top1, top3, share0.3, none.
PREDICTED_RULES: dict[str, tuple[Callable[[str], Any], Callable[..., np.ndarray]]] = {
    "top": (int, top_k_hints),
    "share": (float, share_hints),
    "none": (lambda _: None, lambda scores, multi, _: np.zeros(np.shape(scores), dtype=bool)),
}


def predicted_rule(name: str) -> Callable[[np.ndarray, bool], np.ndarray]:
    """`name` (e.g. "top1", "share0.3", "none") -> rule(category_scores [N,K], multi) -> bool [N,K]."""
    match = re.fullmatch("(" + "|".join(PREDICTED_RULES) + ")(.*)", name)
    family = match.group(1) if match else ""
    if family not in PREDICTED_RULES:
        raise ValueError(f"unknown predicted-hint rule {name!r}: top<k>, share<min>, none")
    parse, rule = PREDICTED_RULES[family]
    try:
        argument = parse(match.group(2))
    except ValueError:
        raise ValueError(f"predicted-hint rule {name!r}: bad argument {match.group(2)!r}") from None
    if family == "top" and argument < 1:
        raise ValueError(f"predicted-hint rule {name!r}: k must be >= 1")
    return lambda scores, multi: rule(scores, multi, argument)


# --------------------------------------------------------------------------------------------
# Plans: what training and evaluation ask for


@dataclass(frozen=True)
class HintSettings:
    """A run's hint settings (params `hints.*`)."""

    source: str = "paper"
    rate: float = 1.0
    attribute_rate: float = 0.5


@dataclass(frozen=True)
class HintPlan:
    """One split's hints under one protocol: per-sample arrays (truth / text), the model's own
    predictions under `rule` ("predicted", computed in the forward pass), or nothing ("none")."""

    source: str
    arrays: HintArrays | None = None
    rule: str = "top1"


def plan_hints(bench: Benchmark, protocol: str, settings: HintSettings, seed: int, annotations: Any = None,
               rule: str | None = None) -> HintPlan:
    """The plan for `bench` under PROTOCOLS[protocol] with the run's `settings`; `rule` overrides
    the protocol's predicted-category rule."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown hint protocol {protocol!r}; choices: {sorted(PROTOCOLS)}")
    spec = PROTOCOLS[protocol]
    source = spec.sources[bench.dataset] if spec.sources is not None else settings.source
    rate = settings.rate if spec.rate is None else spec.rate
    attribute_rate = settings.attribute_rate if spec.attribute_rate is None else spec.attribute_rate
    resolved = resolve_source(source, bench.dataset)
    chosen_rule = rule or spec.rule
    predicted_rule(chosen_rule)  # an unknown rule fails here, not in the first forward pass
    if resolved in ("predicted", "none"):
        return HintPlan(resolved, None, chosen_rule)
    return HintPlan(resolved, make_hints(bench, resolved, rate, attribute_rate, seed, annotations=annotations),
                    chosen_rule)
