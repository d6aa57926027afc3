"""The one Instagram train/val split, shared by the ranges and images stages.

Each post's split depends only on (seed, post id): a keyed hash maps the id to a number in [0, 1)
and the post is held out when that number is below `val_share`. So a post keeps its split whatever
other posts are present (video posts dropped by the images stage, posts without truth dropped by
the ranges stage), and the share of held-out posts is `val_share` in expectation.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

TRAIN, VAL, TEST = "train", "val", "test"
SPLITS = (TRAIN, VAL, TEST)  # a DeepFashion partition has all three; the Instagram split train and val only


def split_score(post_id: str, seed: int) -> float:
    """Uniform-looking number in [0, 1) fixed by (seed, post_id)."""
    digest = hashlib.blake2b(f"{seed}\x1f{post_id}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def post_split(post_id: str, seed: int, val_share: float) -> str:
    if not 0.0 <= val_share < 1.0:
        raise ValueError(f"val_share must be in [0, 1), got {val_share}")
    return VAL if split_score(str(post_id), seed) < val_share else TRAIN


def instagram_split(post_ids: Iterable[str], seed: int, val_share: float) -> dict[str, str]:
    """post id -> train | val."""
    return {str(p): post_split(str(p), seed, val_share) for p in post_ids}
