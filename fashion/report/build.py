"""Assemble the report: read inputs, judge claims, draw figures, write reports/paper.md atomically."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fashion.io import atomic_path
from fashion.report.claims import Claim, ClaimConfig, evaluate_claims
from fashion.report.figures import (figure_gains_heatmap, figure_loss, figure_multiclass, figure_per_class,
                                    figure_val_time)
from fashion.report.inputs import ReportInputs, load_inputs
from fashion.report.markdown import FigureLinks, render_report
from fashion.report.naming import DYNAMIC_HEADS, PROTOCOLS, table2_comparisons
from fashion.report.tables import dataset_runs, gain_rows, per_class_scores, select_classes

FIGURE_FILES = FigureLinks(val_time="figures/fig6_val_time.png", loss="figures/fig7_loss.png",
                           multiclass="figures/fig8_9_multiclass.png", per_class="figures/fig10_12_per_class.png",
                           gains="figures/table2_gains.png")


@dataclass(frozen=True)
class ReportConfig:
    vgg_backbone: str = "vgg16_bn"   # defaults: params.yaml `report` (a test holds them equal)
    resnet_backbone: str = "resnet18"
    tolerance_pp: float = 1.0  # C2: "about equal" band in percentage points
    per_class_sample: int = 15  # subcategories/attributes shown per table in Figs. 10-12

    @classmethod
    def from_params(cls, params: dict) -> "ReportConfig":
        report = params["report"]
        return cls(str(report["vgg_backbone"]), str(report["resnet_backbone"]), float(report["tolerance_pp"]),
                   int(report["per_class_sample"]))

    def __post_init__(self) -> None:
        if self.vgg_backbone == self.resnet_backbone:
            raise ValueError(f"vgg_backbone and resnet_backbone are both {self.vgg_backbone!r}")
        if not self.tolerance_pp >= 0:
            raise ValueError(f"tolerance_pp must be >= 0, got {self.tolerance_pp}")
        if self.per_class_sample < 1:
            raise ValueError(f"per_class_sample must be >= 1, got {self.per_class_sample}")


@dataclass(frozen=True)
class ReportResult:
    markdown: Path
    figures: tuple[Path, ...]
    claims: list[Claim]
    problems: list[str]


def per_class_selection(inputs: ReportInputs, sample: int) -> dict[str, list[str]]:
    """Classes shown in Figs. 10-12: all categories; a sample of subcategories and attributes.

    The same classes are used for both protocols so the two tables line up.
    """
    runs = dataset_runs(inputs, "instagram", DYNAMIC_HEADS)
    selection = {}
    for task, limit in (("categories", None), ("subcategories", sample), ("attributes", sample)):
        series = [per_class_scores(run, protocol, task) for run in runs for protocol in PROTOCOLS]
        selection[task] = select_classes(series, limit)
    return selection


def build_report(metrics_dir: str | Path, dvclive_dir: str | Path, out_dir: str | Path,
                 config: ReportConfig = ReportConfig()) -> ReportResult:
    out_dir = Path(out_dir)
    inputs = load_inputs(metrics_dir, dvclive_dir, (config.vgg_backbone, config.resnet_backbone))
    claims = evaluate_claims(inputs, ClaimConfig(config.vgg_backbone, config.resnet_backbone, config.tolerance_pp))
    classes = per_class_selection(inputs, config.per_class_sample)
    comparisons = table2_comparisons("deepfashion", config.vgg_backbone, config.resnet_backbone)
    figures = (
        figure_val_time(inputs, out_dir / FIGURE_FILES.val_time),
        figure_loss(inputs, out_dir / FIGURE_FILES.loss),
        figure_multiclass(inputs, out_dir / FIGURE_FILES.multiclass),
        figure_per_class(inputs, out_dir / FIGURE_FILES.per_class, classes),
        figure_gains_heatmap({p: gain_rows(inputs, comparisons, p) for p in PROTOCOLS},
                             out_dir / FIGURE_FILES.gains),
    )
    text = render_report(inputs, claims, FIGURE_FILES, classes, config.vgg_backbone, config.resnet_backbone,
                         config.per_class_sample)
    markdown = out_dir / "paper.md"
    with atomic_path(markdown, suffix=".md") as tmp:
        tmp.write_text(text, encoding="utf-8")
    return ReportResult(markdown, figures, claims, inputs.problems())
