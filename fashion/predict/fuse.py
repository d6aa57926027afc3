"""Text scores and hints over a model's label space, and the fusion of image and text scores.

Documented fusion (docs/contracts.md "Predictions"): for every label l of an output,

    fused(l) = (1 - w) * image(l) + w * text(l)

where image(l) is the dynamic model's score with the text hints (ReLU outputs trained against
0/1 targets, so roughly a probability), text(l) the label's share of its facet's mined scores
(0..1, 0 when the text does not name it) and w = params `predict.text_weight`. A listed label
came from "both" when the text names it and it is in the image's own top-k, from "text" when
only the text names it, else from "image".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from fashion.models import LabelSpace


Mined = dict[str, list[tuple[str, float]]]


def mined_from_annotations(annotations: pd.DataFrame) -> dict[str, Mined]:
    """annotations.parquet frame -> post id -> facet -> [(term, share 0..1)] in rank order."""
    frame = annotations.sort_values(["post_id", "facet", "rank"], kind="stable")
    out: dict[str, Mined] = {}
    for post_id, facet, term, share in zip(frame["post_id"].astype(str), frame["facet"], frame["term"],
                                           frame["share"].astype(float)):
        out.setdefault(post_id, {}).setdefault(facet, []).append((str(term), round(share / 100.0, 6)))
    return out


OUTPUTS = ("category", "subcategories", "attributes")  # model output names
FACET_OF = {"category": "categories", "subcategories": "subcategories", "attributes": "attributes"}
TEXT_ONLY_FACETS = ("brands", "styles")                 # no image output: text alone


@dataclass(frozen=True)
class LabelIndex:
    """Label key -> output index for one label space (attributes are "group:value")."""

    category: dict[str, int]
    subcategories: dict[str, int]
    attributes: dict[str, int]
    groups: tuple[str, ...]
    members: dict[str, np.ndarray]  # group -> its attribute indices

    @classmethod
    def of(cls, space: LabelSpace) -> "LabelIndex":
        group_of = [a.split(":", 1)[0] for a in space.attributes]
        groups = tuple(dict.fromkeys(group_of))
        members = {g: np.array([i for i, h in enumerate(group_of) if h == g], dtype=np.int64) for g in groups}
        return cls({k: i for i, k in enumerate(space.categories)},
                   {k: i for i, k in enumerate(space.subcategories or ())},
                   {k: i for i, k in enumerate(space.attributes)}, groups, members)


def text_scores(mined: Mined, index: LabelIndex, space: LabelSpace) -> dict[str, np.ndarray]:
    """Per output, float32 [n]: the share the text gives each label (0 when not named). Mined
    labels outside the label space (never seen in training) are left out."""
    out = {"category": np.zeros(space.num_categories, np.float32),
           "attributes": np.zeros(space.num_attributes, np.float32)}
    if space.subcategories is not None:
        out["subcategories"] = np.zeros(space.num_subcategories, np.float32)
    for term, share in mined.get("categories", []):
        if term in index.category:
            out["category"][index.category[term]] = share
    if "subcategories" in out:
        for term, share in mined.get("subcategories", []):
            if term in index.subcategories:
                out["subcategories"][index.subcategories[term]] = share
    for group in index.groups:
        for term, share in mined.get(group, []):
            key = f"{group}:{term}"
            if key in index.attributes:
                out["attributes"][index.attributes[key]] = share
    return out


def text_hints(mined: Mined, index: LabelIndex, space: LabelSpace, categories: int) -> tuple[list[int], list[int]]:
    """(category indices, subcategory indices) to hint: the `categories` best-ranked mined
    categories, and the best-ranked mined subcategory inside their ranges (none when the text
    names none there). No attribute hints: the leakage-free protocol gives none either."""
    chosen = [index.category[t] for t, _ in mined.get("categories", []) if t in index.category][:categories]
    subs: list[int] = []
    if chosen and space.subcategory_range is not None:
        allowed = {s for c in chosen for s in space.subcategory_range[c]}
        subs = [index.subcategories[t] for t, _ in mined.get("subcategories", [])
                if t in index.subcategories and index.subcategories[t] in allowed][:1]
    return chosen, subs


def fuse(image: np.ndarray, text: np.ndarray, weight: float) -> np.ndarray:
    """(1 - w) * image + w * text, float32, any shape."""
    return ((1.0 - weight) * np.asarray(image, np.float32) + weight * np.asarray(text, np.float32)).astype(np.float32)


def ranked(scores: np.ndarray, k: int, among: np.ndarray | None = None) -> list[int]:
    """Indices of the k best positive scores (ties: lower index first), optionally only `among`."""
    candidates = np.flatnonzero(scores > 0) if among is None else np.asarray(among)[scores[among] > 0]
    order = np.argsort(-scores[candidates], kind="stable")
    return [int(i) for i in candidates[order][:k]]


def source_of(named: bool, seen: bool) -> str:
    """Where a listed label came from: named by the text, seen in the image's own top-k, or both."""
    return "both" if named and seen else "text" if named else "image"


def listed(fused: np.ndarray, image: np.ndarray, text: np.ndarray, names: Sequence[str], k: int,
           among: np.ndarray | None = None) -> list[dict]:
    """The top-k fused labels as [{"label", "score", "image", "text", "source"}]."""
    seen = set(ranked(image, k, among))
    return [{"label": names[i], "score": round(float(fused[i]), 6), "image": round(float(image[i]), 6),
             "text": round(float(text[i]), 6), "source": source_of(bool(text[i] > 0), i in seen)}
            for i in ranked(fused, k, among)]


def describe(image: dict[str, np.ndarray], text: dict[str, np.ndarray], mined: Mined, space: LabelSpace,
             index: LabelIndex, weight: float, k: int) -> dict:
    """One image's prediction fields: categories, subcategories, attributes per group (top-k of
    each, fused), brands and styles (text)."""
    out: dict = {}
    for output in OUTPUTS:
        if output not in image:
            out[FACET_OF[output]] = []
            continue
        names = {"category": space.categories, "subcategories": space.subcategories,
                 "attributes": space.attributes}[output]
        fused = fuse(image[output], text[output], weight)
        if output != "attributes":
            out[FACET_OF[output]] = listed(fused, image[output], text[output], names, k)
            continue
        attributes = []
        for group in index.groups:
            for entry in listed(fused, image[output], text[output], names, k, index.members[group]):
                entry["group"], entry["label"] = group, entry["label"].split(":", 1)[1]
                attributes.append(entry)
        out["attributes"] = attributes
    for facet in TEXT_ONLY_FACETS:
        out[facet] = [{"label": term, "score": share} for term, share in mined.get(facet, [])[:k]]
    return out
