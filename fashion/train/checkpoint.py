"""Resumable state of a run: atomic, weights_only-loadable checkpoints (tensors, numbers,
strings, lists, dicts only), RNG states, and the fingerprints that decide whether a checkpoint
may be resumed by this code on this data."""
from __future__ import annotations

import hashlib
import logging
import random
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from fashion.code_closure import import_closure
from fashion.io import atomic_path
from fashion.train.config import TrainConfig, TrainError
from fashion.train.sampling import epoch_order

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 1
TRAINING_CODE = "fashion.train.loop"  # the module whose import closure the code fingerprint covers


def rng_state(device: torch.device | None = None) -> dict[str, Any]:
    """RNG states to resume from. CUDA: the training device's generator only. Every rank seeds
    alike and runs the same ops on its own device, so rank 0's state is every rank's, and each
    rank restores it on its own device (all devices' states, as seen by rank 0, would hand rank
    r the untouched state of cuda:r)."""
    np_kind, np_keys, np_pos, np_has_gauss, np_cached = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": [torch.cuda.get_rng_state(device)] if device is not None and device.type == "cuda" else [],
        "numpy": {
            "kind": str(np_kind),
            "keys": torch.from_numpy(np.asarray(np_keys, dtype=np.int64)),
            "pos": int(np_pos),
            "has_gauss": int(np_has_gauss),
            "cached_gaussian": float(np_cached),
        },
        "python": {"version": int(py_version), "state": torch.tensor(py_state, dtype=torch.int64), "gauss": py_gauss},
    }


def set_rng_state(state: Mapping[str, Any], device: torch.device | None = None) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and device is not None and device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda"][0], device)
    np_state = state["numpy"]
    np.random.set_state(
        (
            np_state["kind"],
            np_state["keys"].numpy().astype(np.uint32),
            np_state["pos"],
            np_state["has_gauss"],
            np_state["cached_gaussian"],
        )
    )
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))


def save_torch(path: Path, obj: Any) -> None:
    """torch.save atomically, byte-reproducibly: saved through a file object, the zip's record
    prefix is the constant "archive" rather than the (random) temp file's name."""
    with atomic_path(path, suffix=".pt") as tmp, open(tmp, "wb") as handle:
        torch.save(obj, handle)


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    save_torch(path, state)


def code_fingerprint() -> str:
    """blake2b of the training code: the import closure of fashion.train.loop (the loop, its
    model, data, hint and loss code). A checkpoint written by other training code must not be
    resumed as if it were this code's; an edit to the report, the CLI or evaluation keeps it."""
    files = import_closure(TRAINING_CODE)
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.blake2b(digest_size=16)
    for source in files:
        digest.update(source.relative_to(root).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.hexdigest()


def data_fingerprint(bench: Any, chunk: int = 1024) -> str:
    """blake2b of a split's pixels, targets and label names (streamed over the uint8 images): a
    checkpoint of other data with the same sample count must start afresh."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((bench.images.shape, bench.category_names, bench.attribute_names,
                        bench.subcategory_names)).encode())
    for start in range(0, len(bench.images), chunk):
        digest.update(np.ascontiguousarray(bench.images[start : start + chunk]).tobytes())
    for targets in (bench.category, bench.attributes, bench.subcategories):
        if targets is not None:
            digest.update(np.ascontiguousarray(targets, dtype=np.float32).tobytes())
    return digest.hexdigest()


def load_checkpoint(
    path: Path, config: TrainConfig, n_train: int, fingerprint: Mapping[str, str]
) -> dict[str, Any] | None:
    """The checkpoint to resume from, or None to start afresh (missing, other settings, other
    data or code (`fingerprint`), or more epochs done than now requested). A file that cannot be
    read raises TrainError."""
    if path.is_dir():
        raise TrainError(f"{path}: is a folder, expected the resume checkpoint; remove it to train from scratch")
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated / foreign file: name it, do not guess
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]  # torch's messages run on
        raise TrainError(f"{path}: cannot load checkpoint ({reason}); delete it to train from scratch") from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise TrainError(f"{path}: not a checkpoint of this trainer (format {CHECKPOINT_FORMAT}); delete it")
    if state["config"] != config.resume_key():
        changed = sorted(k for k in config.resume_key() if state["config"].get(k) != config.resume_key()[k])
        logger.warning("%s: settings changed (%s); training from scratch", path, ", ".join(changed))
        return None
    if state.get("fingerprint") != dict(fingerprint):
        changed = sorted(k for k in fingerprint if (state.get("fingerprint") or {}).get(k) != fingerprint[k])
        logger.warning("%s: written for other %s; training from scratch", path, " and ".join(changed))
        return None
    if state["epoch"] > config.epochs:
        logger.warning("%s: %d epochs done but %d requested; training from scratch", path, state["epoch"], config.epochs)
        return None
    expected = torch.from_numpy(epoch_order(n_train, config.seed, state["epoch"]))
    if not torch.equal(state["next_order"], expected):
        raise TrainError(f"{path}: written for another train split (sample order differs); delete it")
    return state

