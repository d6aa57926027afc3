"""Instagram label vocabulary (from the ontology) and truth-item labels (from truth.parquet)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fashion.data.errors import DataError
from fashion.scale.dataset import read_table


@dataclass(frozen=True)
class InstagramVocab:
    """Fixed label order for the Instagram benchmark: all ontology categories, subcategories and
    "group:value" attribute ids, plus what the ontology allows under each category."""

    categories: tuple[str, ...]
    subcategories: tuple[str, ...]
    attributes: tuple[str, ...]                       # "group:value"
    subcategory_parent: dict[str, str]                # subcategory key -> category key
    allowed_groups: dict[str, tuple[str, ...]]        # category key -> attribute groups

    @classmethod
    def from_ontology(cls, ontology) -> "InstagramVocab":
        return cls(
            categories=tuple(ontology.category_keys()),
            subcategories=tuple(ontology.subcategory_keys()),
            attributes=tuple(ontology.attribute_ids()),
            subcategory_parent={s.key: s.parent for s in ontology.subcategories},
            allowed_groups={k: tuple(v) for k, v in ontology.allowed_groups.items()},
        )

    @property
    def groups(self) -> list[str]:
        return attribute_groups(self.attributes)


def attribute_groups(attribute_ids) -> list[str]:
    """Groups of "group:value" ids, in first-seen order."""
    return list(dict.fromkeys(a.split(":", 1)[0] for a in attribute_ids))


@dataclass(frozen=True)
class ItemLabels:
    post_id: str
    category: int                 # index into vocab.categories
    subcategory: int | None       # index into vocab.subcategories
    attributes: tuple[int, ...]   # indices into vocab.attributes


def read_ingest_table(path: Path) -> pd.DataFrame:
    """An ingest Parquet file (posts, truth) or dataset folder (posts with ingest.partitions > 1,
    parts in bucket order) as a frame; missing or unreadable is a DataError."""
    if not path.is_file() and not path.is_dir():
        raise DataError(path, "file", "not found")
    try:
        return read_table(path).to_pandas() if path.is_dir() else pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # DatasetError is a ValueError  # pyarrow's errors are OSError / ValueError subclasses
        raise DataError(path, "file", f"not a readable parquet file ({type(exc).__name__}: {exc})") from None


def read_truth(path: str | Path, groups: list[str]) -> pd.DataFrame:
    """truth.parquet with its contract columns checked (one column per attribute group)."""
    path = Path(path)
    truth = read_ingest_table(path)
    required = ["post_id", "item", "category", "subcategory", *groups]
    missing = [c for c in required if c not in truth.columns]
    if missing:
        raise DataError(path, "columns", f"missing {missing}")
    truth["post_id"] = truth["post_id"].astype(str)
    return truth


def _values(cell) -> list[str]:
    """A list<string> cell as a Python list (parquet gives numpy arrays; null -> [])."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [str(v) for v in cell]


def truth_item_labels(truth: pd.DataFrame, categories: list[str], subcategories: list[str],
                      attributes: list[str], source: str = "truth.parquet") -> list[ItemLabels]:
    """Label indices (into the given vocabularies) per truth item; an unknown key is a contract
    violation -> DataError naming the post and item."""
    category_index = {k: i for i, k in enumerate(categories)}
    sub_index = {k: i for i, k in enumerate(subcategories)}
    attr_index = {k: i for i, k in enumerate(attributes)}
    groups = attribute_groups(attributes)
    items: list[ItemLabels] = []
    for row in truth.itertuples(index=False):
        record = f"post {row.post_id} item {row.item}"
        if row.category not in category_index:
            raise DataError(source, record, f"unknown category {row.category!r}")
        sub = row.subcategory
        if isinstance(sub, str):
            if sub not in sub_index:
                raise DataError(source, record, f"unknown subcategory {sub!r}")
            sub_idx = sub_index[sub]
        else:
            sub_idx = None
        attrs: list[int] = []
        for group in groups:
            for value in _values(getattr(row, group)):
                attribute = f"{group}:{value}"
                if attribute not in attr_index:
                    raise DataError(source, record, f"unknown attribute {attribute!r}")
                attrs.append(attr_index[attribute])
        items.append(ItemLabels(str(row.post_id), category_index[row.category], sub_idx,
                                tuple(sorted(set(attrs)))))
    return items


def post_labels(items: list[ItemLabels]) -> dict[str, tuple[list[int], list[int], list[int]]]:
    """post id -> sorted (categories, subcategories, attributes) index lists over all its items."""
    merged: dict[str, tuple[set, set, set]] = {}
    for item in items:
        cats, subs, attrs = merged.setdefault(item.post_id, (set(), set(), set()))
        cats.add(item.category)
        if item.subcategory is not None:
            subs.add(item.subcategory)
        attrs.update(item.attributes)
    return {pid: (sorted(c), sorted(s), sorted(a)) for pid, (c, s, a) in merged.items()}
