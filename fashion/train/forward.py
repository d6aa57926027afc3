"""A hint plan (fashion.data.hints) on the device: per-batch Hints, and the forward pass that
hints a sample with the model's own prediction when the plan says "predicted"."""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from fashion.data.hints import HintPlan, predicted_rule
from fashion.models import Hints, LabelSpace


def hint_batch(plan: HintPlan, index: np.ndarray, space: LabelSpace, device: torch.device) -> Hints | None:
    """Hints for the samples `index`; None means "predict them in the forward pass"."""
    if plan.source == "predicted":
        return None
    if plan.arrays is None:  # "none": every sample unhinted
        return Hints.empty(len(index), space, device=device)

    def rows(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array[index], dtype=bool)).to(device)

    sub = plan.arrays.subcategory
    return Hints(rows(plan.arrays.category), rows(plan.arrays.attribute), None if sub is None else rows(sub))


class HintedForward(nn.Module):
    """model(images, hints); with hints=None the hints are the model's own predictions under
    `rule` (fashion.data.hints.PREDICTED_RULES) from a first decode without hints on the same
    features (one encode per batch)."""

    def __init__(self, model: nn.Module, rule: str = "top1"):
        super().__init__()
        self.model = model
        self.rule = rule

    def forward(self, images: torch.Tensor, hints: Hints | None) -> dict[str, torch.Tensor]:
        features = self.model.encode(images)  # [B,D]
        if hints is None:
            category = self.model.decode(features, None)["category"]  # [B,K], independent of hints
            hints = predicted_hints(category, self.model.space, self.rule)
        return self.model.decode(features, hints)


def predicted_hints(category_scores: torch.Tensor, space: LabelSpace, rule: str = "top1") -> Hints:
    """Category hints from scores [B,K] under `rule`; no attribute or subcategory hints (as the
    leakage_free protocol prescribes). No gradient flows through them."""
    device = category_scores.device
    scores = category_scores.detach().float().cpu().numpy()
    chosen = predicted_rule(rule)(scores, space.subcategories is not None)
    hints = Hints.empty(len(chosen), space, device=device)
    return dataclasses.replace(hints, category=torch.from_numpy(np.asarray(chosen, dtype=bool)).to(device))
