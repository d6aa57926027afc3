"""The full model: backbone -> two FC layers -> category head + dependent (hinted) heads."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from fashion.models.heads import CategoryHead
from fashion.models.labels import Hints, LabelSpace

# (in_features, num_outputs, ranges) -> dependent head module
DependentHeadBuilder = Callable[[int, int, Sequence[Sequence[int]]], nn.Module]


def fc_block(in_features: int, width: int, dropout: float) -> nn.Sequential:
    """Two Linear+ReLU layers of `width` (the paper's FC layers), dropout after each when > 0."""
    layers: list[nn.Module] = []
    for fan_in in (in_features, width):
        layers += [nn.Linear(fan_in, width), nn.ReLU(inplace=True)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class FashionModel(nn.Module):
    """encode(images [B,3,H,W]) -> features [B,D]; decode(features, hints) -> outputs dict.

    Outputs: "category" [B,K] (never depends on hints), "attributes" [B,P] and, in the multi-class
    scenario, "subcategories" [B,M]. Both dependent heads read the same features D = fc_width
    (the released code fed category outputs into the subcategory layer; the paper does not).
    """

    def __init__(
        self,
        backbone: nn.Module,
        feature_dim: int,
        space: LabelSpace,
        head_builder: DependentHeadBuilder,
        fc_width: int = 256,
        dropout: float = 0.0,
        output_activation: str = "relu",
        backbone_name: str = "",
        head_name: str = "",
    ) -> None:
        super().__init__()
        self.space = space
        self.backbone_name = backbone_name
        self.head_name = head_name
        self.backbone = backbone
        self.fc = fc_block(feature_dim, fc_width, dropout)
        self.category_head = CategoryHead(fc_width, space.num_categories, output_activation)
        self.attribute_head = head_builder(fc_width, space.num_attributes, space.attribute_range)
        self.subcategory_head = (
            None
            if space.subcategory_range is None
            else head_builder(fc_width, space.num_subcategories, space.subcategory_range)
        )

    @property
    def scenario(self) -> str:
        return self.space.scenario

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"images: expected float [B,3,H,W], got shape {tuple(images.shape)}")
        if not images.is_floating_point():
            raise ValueError(f"images: expected a normalised float tensor, got {images.dtype}")
        return self.fc(self.backbone(images))  # [B,D]

    def decode(self, features: torch.Tensor, hints: Hints | None = None) -> dict[str, torch.Tensor]:
        batch = features.shape[0]
        if hints is None:
            hints = Hints.empty(batch, self.space, device=features.device)
        hints.validate(batch, self.space)
        outputs = {
            "category": self.category_head(features),  # [B,K]
            "attributes": self.attribute_head(features, hints.category, hints.attribute),  # [B,P]
        }
        if self.subcategory_head is not None:
            outputs["subcategories"] = self.subcategory_head(features, hints.category, hints.subcategory)  # [B,M]
        return outputs

    def forward(self, images: torch.Tensor, hints: Hints | None = None) -> dict[str, torch.Tensor]:
        return self.decode(self.encode(images), hints)

    def set_output_priors(self, priors: dict[str, torch.Tensor]) -> None:
        """Initialise output biases so each output starts at its label frequency (output name ->
        prior [n], e.g. train-split frequencies): the untrained model then ranks like the
        label-frequency baseline and training learns what the image adds. Names left out keep
        their initialisation."""
        heads = {"category": self.category_head, "attributes": self.attribute_head,
                 "subcategories": self.subcategory_head}
        unknown = sorted(set(priors) - {name for name, head in heads.items() if head is not None})
        if unknown:
            raise ValueError(f"set_output_priors: unknown outputs {unknown}")
        for name, prior in priors.items():
            head = heads[name]
            width = head.linear.out_features if hasattr(head, "linear") else head.num_outputs
            prior = torch.as_tensor(prior)
            if tuple(prior.shape) != (width,):
                raise ValueError(f"set_output_priors: {name} prior has shape {tuple(prior.shape)}, expected ({width},)")
            head.set_prior(prior)

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Named parameter groups, e.g. for per-group learning rates: backbone, fc, heads."""
        heads = [self.category_head, self.attribute_head] + (
            [] if self.subcategory_head is None else [self.subcategory_head]
        )
        return {
            "backbone": list(self.backbone.parameters()),
            "fc": list(self.fc.parameters()),
            "heads": [p for head in heads for p in head.parameters()],
        }

    def head_parameters(self) -> list[nn.Parameter]:
        return self.parameter_groups()["heads"]


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
