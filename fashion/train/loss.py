"""Targets and loss: the model's outputs against multi-hot targets, in float32 under any autocast."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch

BCE_EPS = 1e-6  # switched-off rows output exactly 0: the clamp keeps their (gradient-free) loss finite


def batch_targets(bench: Any, index: np.ndarray, device: torch.device, multi: bool) -> dict[str, torch.Tensor]:
    """Model-output name -> float32 target batch [B, n] on the device."""
    out = {
        "category": torch.from_numpy(np.asarray(bench.category[index], dtype=np.float32)),
        "attributes": torch.from_numpy(np.asarray(bench.attributes[index], dtype=np.float32)),
    }
    if multi:
        out["subcategories"] = torch.from_numpy(np.asarray(bench.subcategories[index], dtype=np.float32))
    return {k: v.to(device, non_blocking=True) for k, v in out.items()}


def compute_loss(
    outputs: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor], kind: str, reduction: str = "mean"
) -> torch.Tensor:
    """Sum over outputs of the per-element loss reduced over [B,n], in float32 (outputs may be
    bf16/fp16 under AMP). reduction "mean": mean over all B·n elements (each output weighs 1 however
    wide); "sum": summed over the n labels and averaged over the B samples, so every label's
    gradient keeps the same size in a 13-wide and a 131-wide output."""
    total = torch.zeros((), device=next(iter(targets.values())).device)
    for name, target in targets.items():
        prediction = outputs[name].float()
        if kind == "mse":
            elements = (prediction - target).square()
        else:
            # written out (not F.binary_cross_entropy) so it also runs inside CUDA autocast
            # clamped in value only: a confidently wrong output (|logit| > 13.8) keeps its gradient
            p = prediction + (prediction.clamp(BCE_EPS, 1.0 - BCE_EPS) - prediction).detach()
            elements = -(target * p.log() + (1.0 - target) * (1.0 - p).log())
        total = total + (elements.mean() if reduction == "mean" else elements.sum(dim=1).mean())
    return total

