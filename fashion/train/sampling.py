"""Which samples each step sees: seeded per-epoch orders, per-rank batch shares, derived seeds."""
from __future__ import annotations

import math

import numpy as np

def derived_seed(seed: int, *keys: int) -> int:
    """A 32-bit seed fixed by (seed, keys): independent streams for orders and hints per epoch."""
    return int(np.random.SeedSequence([seed % 2**32, *keys]).generate_state(1)[0])


# Stream tags for derived_seed.
ORDER, TRAIN_HINTS, VAL_HINTS, AUGMENT, TEST_HINTS = 1, 2, 3, 4, 5


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """Sample order of one epoch (int64 [n]): a permutation fixed by (seed, epoch)."""
    return np.random.default_rng(derived_seed(seed, ORDER, epoch)).permutation(n).astype(np.int64)


def rank_batches(order: np.ndarray, batch_size: int, rank: int, world_size: int) -> list[np.ndarray]:
    """Split an epoch order into global batches and return this rank's share of each.

    A final batch that would give a rank a single sample joins the previous batch (BatchNorm
    cannot train on one sample). A global batch whose size is not a multiple of world_size is
    padded with its own first samples, so every rank gets equally many samples and a padded copy
    only ever repeats a sample of the same step (padding from the start of the epoch order would
    add the same few samples to every short batch).
    """
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if len(batches) > 1 and math.ceil(len(batches[-1]) / world_size) < 2:
        batches[-2:] = [np.concatenate(batches[-2:])]
    shares = []
    for batch in batches:
        short = (-len(batch)) % world_size
        if short:
            batch = np.resize(batch, len(batch) + short)
        shares.append(batch[rank::world_size])
    return shares

