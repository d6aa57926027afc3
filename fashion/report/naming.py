"""Run identities and the paper's vocabulary (model names, metric labels, comparisons)."""
from __future__ import annotations

from dataclasses import dataclass

DATASETS = ("deepfashion", "instagram")
DATASET_TITLES = {
    "deepfashion": "DeepFashion (single-class benchmark)",
    "instagram": "Instagram (multi-class benchmark)",
}
HEADS = ("base", "pruning", "layers")
DYNAMIC_HEADS = ("pruning", "layers")
PROTOCOLS = ("paper", "leakage_free")
PROTOCOL_TITLES = {
    "paper": "paper hint protocol",
    "leakage_free": "leakage-free hint protocol",
}
RANK_METRICS = ("p@1", "p@3", "p@5", "r@1", "r@3", "r@5")
METRIC_LABELS = {key: key.upper() for key in RANK_METRICS}  # "p@1" -> "P@1"


def paper_model_name(backbone: str, head: str) -> str:
    """The paper's name for a run: vgg16/pruning -> DynamicPruning16, resnet18/base -> BaseResNet."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; expected one of {HEADS}")
    if backbone in ("vgg16", "vgg16_bn"):  # vgg16_bn: the same VGG16 with batch norm (demo trains from scratch)
        family, base_name = "16", "BaseVGG16"
    elif backbone.startswith("resnet"):
        family, base_name = "Res", "BaseResNet"
    else:
        family, base_name = f"({backbone})", f"Base({backbone})"
    if head == "base":
        return base_name
    return ("DynamicPruning" if head == "pruning" else "DynamicLayers") + family


@dataclass(frozen=True)
class RunKey:
    """One trained model: metrics/<dataset>/<backbone>-<head>.json."""

    dataset: str
    backbone: str
    head: str

    @property
    def stem(self) -> str:
        return f"{self.backbone}-{self.head}"

    @property
    def paper_name(self) -> str:
        return paper_model_name(self.backbone, self.head)


@dataclass(frozen=True)
class Comparison:
    """minuend − subtrahend, e.g. DynamicPruning16 − BaseVGG16."""

    minuend: RunKey
    subtrahend: RunKey

    @property
    def label(self) -> str:
        return f"{self.minuend.paper_name} − {self.subtrahend.paper_name}"


def table2_comparisons(dataset: str, vgg_backbone: str, resnet_backbone: str) -> list[Comparison]:
    """The six rows of the paper's Table II, in the paper's order."""
    def run(backbone: str, head: str) -> RunKey:
        return RunKey(dataset, backbone, head)

    rows = []
    for backbone in (vgg_backbone, resnet_backbone):
        rows += [Comparison(run(backbone, "pruning"), run(backbone, "base")),
                 Comparison(run(backbone, "layers"), run(backbone, "base"))]
    # Paper order: the four dynamic−base rows, then layers−pruning for VGG16 and ResNet.
    rows += [Comparison(run(backbone, "layers"), run(backbone, "pruning"))
             for backbone in (vgg_backbone, resnet_backbone)]
    return rows
