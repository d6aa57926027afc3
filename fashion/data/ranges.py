"""Label vocabularies and per-category label ranges (ranges.json), from the TRAINING split only."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from fashion.choices import RANGE_SOURCES
from fashion.data.deepfashion import ATTRIBUTE_TYPES, DeepFashionData, load_deepfashion
from fashion.data.instagram import InstagramVocab, post_labels, read_truth, truth_item_labels
from fashion.data.split import TRAIN, post_split

INSTAGRAM_SOURCES = RANGE_SOURCES


def deepfashion_ranges(data: DeepFashionData) -> dict:
    """DeepFashion section of ranges.json.

    categories: cloth-list names of categories with at least one image (any split);
    attributes: attribute names positive on at least one TRAINING image (cloth-list order);
    attribute_types: each attribute's type name (texture, fabric, shape, part, style), aligned;
    range: category -> attribute indices seen with it on training images.
    """
    train = [r for r in data.records if r.split == TRAIN]
    used_categories = sorted({r.category for r in data.records})
    attribute_train_count = Counter(a for r in train for a in r.attributes)
    used_attributes = sorted(attribute_train_count)
    attr_position = {a: i for i, a in enumerate(used_attributes)}

    pair_count: dict[int, Counter] = defaultdict(Counter)
    for r in train:
        pair_count[r.category].update(attr_position[a] for a in r.attributes)
    category_images = Counter(r.category for r in train)

    names = [data.categories[c].name for c in used_categories]
    attribute_names = [data.attributes[a].name for a in used_attributes]
    attribute_range = {data.categories[c].name: sorted(pair_count[c]) for c in used_categories}
    split_sizes = Counter(r.split for r in data.records)
    return {
        "categories": names,
        "attributes": attribute_names,
        "attribute_types": [ATTRIBUTE_TYPES[data.attributes[a].type] for a in used_attributes],
        "range": attribute_range,
        "counts": {
            "images": {split: split_sizes.get(split, 0) for split in ("train", "val", "test")},
            "category_images": {data.categories[c].name: category_images.get(c, 0) for c in used_categories},
            "attribute_frequency": {data.attributes[a].name: attribute_train_count[a] for a in used_attributes},
            # occurrences of each range entry, aligned with "range"
            "range_counts": {data.categories[c].name: [pair_count[c][i] for i in sorted(pair_count[c])]
                             for c in used_categories},
        },
    }


def _ontology_ranges(vocab: InstagramVocab) -> tuple[dict, dict]:
    sub_range = {c: [i for i, s in enumerate(vocab.subcategories) if vocab.subcategory_parent.get(s) == c]
                 for c in vocab.categories}
    attr_range = {c: [i for i, a in enumerate(vocab.attributes)
                      if a.split(":", 1)[0] in vocab.allowed_groups.get(c, ())]
                  for c in vocab.categories}
    return sub_range, attr_range


def instagram_ranges(vocab: InstagramVocab, truth: pd.DataFrame | None, source: str, seed: int,
                     val_share: float, truth_name: str = "truth.parquet") -> dict:
    """Instagram section of ranges.json.

    source "truth": a category's subcategories/attributes are those seen with it on truth items
    of TRAINING posts; "ontology": the ontology's subcategories_of / allowed groups. Counts come
    from the truth items of training posts whenever truth is given (counted per post/image).
    """
    if source not in INSTAGRAM_SOURCES:
        raise ValueError(f"ranges.instagram_source must be one of {INSTAGRAM_SOURCES}, got {source!r}")
    if source == "truth" and truth is None:
        raise ValueError("ranges.instagram_source is 'truth' but no truth.parquet was given")

    section = {"categories": list(vocab.categories), "subcategories": list(vocab.subcategories),
               "attributes": list(vocab.attributes), "source": source}
    sub_range, attr_range = _ontology_ranges(vocab)
    counts: dict = {}
    if truth is not None:
        items = truth_item_labels(truth, list(vocab.categories), list(vocab.subcategories),
                                  list(vocab.attributes), truth_name)
        split_of = {pid: post_split(pid, seed, val_share) for pid in {i.post_id for i in items}}
        train_items = [i for i in items if split_of[i.post_id] == TRAIN]
        if source == "truth":
            seen_subs: dict[int, set] = defaultdict(set)
            seen_attrs: dict[int, set] = defaultdict(set)
            for item in train_items:
                if item.subcategory is not None:
                    seen_subs[item.category].add(item.subcategory)
                seen_attrs[item.category].update(item.attributes)
            sub_range = {c: sorted(seen_subs[i]) for i, c in enumerate(vocab.categories)}
            attr_range = {c: sorted(seen_attrs[i]) for i, c in enumerate(vocab.categories)}
        # label frequencies per training post (one image per post), as the benchmark sees them
        per_post = post_labels(train_items)
        category_posts = Counter(c for cats, _, _ in per_post.values() for c in cats)
        sub_posts = Counter(s for _, subs, _ in per_post.values() for s in subs)
        attr_posts = Counter(a for _, _, attrs in per_post.values() for a in attrs)
        splits = Counter(split_of.values())
        counts = {
            "posts": {"train": splits.get("train", 0), "val": splits.get("val", 0)},
            "train_items": len(train_items),
            "category_images": {c: category_posts.get(i, 0) for i, c in enumerate(vocab.categories)},
            "subcategory_frequency": {s: sub_posts[i] for i, s in enumerate(vocab.subcategories) if i in sub_posts},
            "attribute_frequency": {a: attr_posts[i] for i, a in enumerate(vocab.attributes) if i in attr_posts},
        }
    section.update(subcategory_range=sub_range, attribute_range=attr_range, counts=counts)
    return section


def build_ranges(deepfashion_root: str | Path | None, instagram_vocab: InstagramVocab | None,
                 truth_path: str | Path | None, instagram_source: str, seed: int, val_share: float) -> dict:
    """ranges.json content for the datasets given (DeepFashion root and/or the Instagram vocabulary)."""
    ranges: dict = {}
    if deepfashion_root is not None:
        ranges["deepfashion"] = deepfashion_ranges(load_deepfashion(deepfashion_root, with_bbox=False))
    if instagram_vocab is not None:
        truth = read_truth(truth_path, instagram_vocab.groups) if truth_path is not None else None
        ranges["instagram"] = instagram_ranges(instagram_vocab, truth, instagram_source, seed, val_share,
                                               truth_name=str(truth_path))
    if not ranges:
        raise ValueError("ranges: give a DeepFashion root and/or the Instagram vocabulary")
    return ranges
