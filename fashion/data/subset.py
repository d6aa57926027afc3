"""A seeded, stratified subset of DeepFashion records (params images.deepfashion_limit).

The paper trained on a 10,000-image subset of the benchmark. The subset keeps the partition
file's train / val / test shares and each split's category mix, in two steps of the
largest-remainder rule (totals exact): each split gets its share of `limit`, then each category
within the split its share of the split's places. Within a (split, category) group the places
go to images drawn without replacement by a generator seeded with `seed`. The kept records stay in their input order, so
the same (records, limit, seed) always gives the same subset.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence, TypeVar

import numpy as np

R = TypeVar("R")


def quotas(sizes: Sequence[int], limit: int) -> list[int]:
    """Places per group, proportional to `sizes`, summing to min(limit, sum(sizes))
    (largest remainder; ties go to the earlier group), never above a group's size."""
    total = sum(sizes)
    if limit <= 0 or limit >= total:
        return list(sizes)
    exact = [size * limit / total for size in sizes]
    out = [int(e) for e in exact]
    order = sorted(range(len(sizes)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: limit - sum(out)]:
        out[i] += 1
    return out


def stratified_subset(records: Sequence[R], limit: int, seed: int) -> list[R]:
    """`limit` records (all when limit is 0 or at least len(records)), stratified by split,
    then by category within the split; see the module docstring."""
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if limit == 0 or limit >= len(records):
        return list(records)
    groups: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for position, record in enumerate(records):
        groups[record.split][record.category].append(position)
    splits = sorted(groups)
    split_quotas = quotas([sum(len(m) for m in groups[s].values()) for s in splits], limit)
    rng = np.random.default_rng(seed)
    kept: list[int] = []
    for split, split_quota in zip(splits, split_quotas):
        categories = sorted(groups[split])
        sizes = [len(groups[split][c]) for c in categories]
        for category, quota in zip(categories, quotas(sizes, split_quota)):
            members = groups[split][category]
            kept.extend(members[i] for i in rng.choice(len(members), size=quota, replace=False))
    return [records[i] for i in sorted(kept)]
