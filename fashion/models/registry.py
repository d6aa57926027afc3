"""Model registry: backbone builders and head types by name, and `get_model`."""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Sequence

from torch import nn

from fashion.choices import BACKBONES as BACKBONE_NAMES
from fashion.choices import HEADS as HEAD_NAMES

from fashion.models.backbones import build_resnet18, build_resnet34, build_resnet50, build_vgg16, build_vgg16_bn
from fashion.models.heads import OUTPUT_ACTIVATIONS, BaseHead, LayersHead, PruningHead
from fashion.models.labels import Hints, LabelSpace
from fashion.models.model import FashionModel

__all__ = ["BACKBONES", "HEADS", "Hints", "LabelSpace", "available_models", "get_model"]

# name -> (pretrained, vgg_pool) -> (feature extractor, feature dim)
BACKBONES: dict[str, Callable[..., tuple[nn.Module, int]]] = {
    "vgg16": build_vgg16,
    "vgg16_bn": build_vgg16_bn,
    "resnet18": build_resnet18,
    "resnet34": build_resnet34,
    "resnet50": build_resnet50,
}

HEADS: dict[str, type[nn.Module]] = {
    "base": BaseHead,
    "pruning": PruningHead,  # Algorithm 1
    "layers": LayersHead,  # Algorithm 2
}

# fashion.choices names them for params validation and the CLI (no torch import there)
if tuple(BACKBONES) != BACKBONE_NAMES or tuple(HEADS) != HEAD_NAMES:
    raise ImportError("fashion.models.registry and fashion.choices name different backbones or heads")


def available_models() -> dict[str, list[str]]:
    return {"backbones": sorted(BACKBONES), "heads": sorted(HEADS)}


def head_builder(
    head: str, alpha: float, beta: float, activation: str
) -> Callable[[int, int, Sequence[Sequence[int]]], nn.Module]:
    if head == "base":
        return lambda in_features, num_outputs, ranges: BaseHead(in_features, num_outputs, activation)
    return partial(HEADS[head], alpha=alpha, beta=beta, activation=activation)


def get_model(
    backbone: str,
    head: str,
    space: LabelSpace,
    fc_width: int = 256,
    alpha: float = 0.1,
    beta: float = 0.01,
    pretrained: bool = False,
    output_activation: str = "relu",
    dropout: float = 0.0,
    vgg_pool: int = 1,
) -> FashionModel:
    """Build backbone -> 2×FC(fc_width) -> category head + `head`-type dependent heads.

    Scenario is "multi" iff space.subcategories is not None. Random weights unless pretrained
    (then read from the local torch hub cache only; see backbones.pretrained_path). Seed torch
    before calling for reproducible initialisation.
    """
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}; choices: {sorted(BACKBONES)}")
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choices: {sorted(HEADS)}")
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"unknown output_activation {output_activation!r}; choices: {sorted(OUTPUT_ACTIVATIONS)}")
    if not isinstance(space, LabelSpace):
        raise TypeError(f"space must be a LabelSpace, got {type(space).__name__}")
    if isinstance(fc_width, bool) or not isinstance(fc_width, int) or fc_width < 1:
        raise ValueError(f"fc_width must be a positive integer, got {fc_width!r}")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be finite, got {value!r}")
    extractor, feature_dim = BACKBONES[backbone](pretrained=pretrained, vgg_pool=vgg_pool)
    return FashionModel(
        extractor,
        feature_dim,
        space,
        head_builder(head, alpha, beta, output_activation),
        fc_width=fc_width,
        dropout=float(dropout),
        output_activation=output_activation,
        backbone_name=backbone,
        head_name=head,
    )
