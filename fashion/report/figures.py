"""The report's PNG figures (paper Figs. 6-12 and a Table II heatmap), drawn without pyplot state.

Every figure is written even when inputs are missing (the gap is written on the plot), so the
report's links never break; PNGs carry no software/date metadata, so reruns are byte-identical.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on CI or the pipeline machine
from matplotlib.figure import Figure  # noqa: E402

from fashion.io import atomic_path  # noqa: E402
from fashion.report.inputs import Missing, ReportInputs, RunInputs  # noqa: E402
from fashion.report.naming import (DATASET_TITLES, DATASETS, DYNAMIC_HEADS, HEADS, METRIC_LABELS,  # noqa: E402
                                   PROTOCOL_TITLES, PROTOCOLS, RANK_METRICS, RunKey,
                                   paper_model_name)
from fashion.report.tables import (GainRow, dataset_runs, epoch_of, per_class_scores, rank_metric,  # noqa: E402
                                   val_seconds)

DPI = 110
# Colour by head, light shade for the first backbone (VGG16), dark for the second (ResNet).
PALETTE = {"base": ("#bdbdbd", "#525252"), "pruning": ("#9ecae1", "#2171b5"), "layers": ("#fc9272", "#cb181d")}
MARKERS = {"base": "s", "pruning": "o", "layers": "^"}
MISSING_COLOUR = "#dddddd"
LEGEND_INCHES, FOOTER_LINE_INCHES = 0.45, 0.2


def run_colour(inputs: ReportInputs, key: RunKey) -> str:
    shades = PALETTE[key.head]
    return shades[min(inputs.backbones.index(key.backbone), len(shades) - 1)]


def save_figure(fig: Figure, target: Path) -> Path:
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    return target


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def missing_summary(reasons: list[str], limit: int = 2) -> str:
    unique = list(dict.fromkeys(reasons))
    if len(unique) == 1:
        return f"Missing input: {unique[0]}"
    more = f" (+{len(unique) - limit} more)" if len(unique) > limit else ""
    shown = "; ".join(unique[:limit])
    return f"Missing inputs ({len(unique)}): {shown}{more} — listed at the end of the report"


def _empty_panel(ax, text: str) -> None:
    """An axes without data: no ticks, just the reason."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, _wrap(text, 55), ha="center", va="center", transform=ax.transAxes, fontsize=8,
            color="#444444", bbox={"facecolor": "#f5f5f5", "edgecolor": "#bbbbbb"})


def _finish(fig: Figure, axes, title: str, missing: list[str]) -> None:
    """Suptitle, one shared legend under the plots, a footer naming missing inputs, tight layout."""
    height = fig.get_figheight()
    footer = _wrap(missing_summary(missing), 150) if missing else ""
    footer_frac = (FOOTER_LINE_INCHES * (footer.count("\n") + 1) + 0.05) / height if footer else 0.0
    if footer:
        fig.text(0.01, 0.01, footer, fontsize=8, color="#8b0000", ha="left", va="bottom")
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    # Legend in the runs' fixed order, whichever panel drew a run first.
    canonical = [paper_model_name(b, h) for b in ("vgg16", "resnet18") for h in HEADS]
    ordered = sorted(zip(labels, handles), key=lambda pair: (canonical.index(pair[0]) if pair[0] in canonical
                                                             else len(canonical), pair[0]))
    labels, handles = [label for label, _ in ordered], [handle for _, handle in ordered]
    legend_frac = 0.0
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9,
                   bbox_to_anchor=(0.5, footer_frac))
        legend_frac = LEGEND_INCHES / height
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, footer_frac + legend_frac, 1, 1))


# ---------------------------------------------------------------- Fig. 6: validation time

def figure_val_time(inputs: ReportInputs, target: Path) -> Path:
    fig = Figure(figsize=(10, 4.4))
    axes = fig.subplots(1, len(DATASETS), squeeze=False)[0]
    width = 0.8 / len(HEADS)
    missing: list[str] = []
    for ax, dataset in zip(axes, DATASETS):
        for b_index, backbone in enumerate(inputs.backbones):
            for h_index, head in enumerate(HEADS):
                run = inputs.runs[RunKey(dataset, backbone, head)]
                x = b_index + (h_index - (len(HEADS) - 1) / 2) * width
                seconds = val_seconds(run)
                if isinstance(seconds, Missing):
                    missing.append(seconds.reason)
                    ax.text(x, 0, "n/a", ha="center", va="bottom", fontsize=8, rotation=90)
                    continue
                bars = ax.bar(x, seconds, width, color=run_colour(inputs, run.key), label=run.key.paper_name,
                              edgecolor="black", linewidth=0.5)
                ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
        ax.set_xticks(range(len(inputs.backbones)), list(inputs.backbones))
        ax.set_xlim(-0.5, len(inputs.backbones) - 0.5)
        ax.set_xlabel("backbone")
        ax.set_ylabel("validation time per batch (s)")
        ax.set_title(DATASET_TITLES[dataset], fontsize=10)
        ax.margins(y=0.15)
        ax.grid(axis="y", alpha=0.3)
    _finish(fig, axes, "Fig. 6 — average validation time per batch", missing)
    return save_figure(fig, target)


# ---------------------------------------------------------------- Fig. 7: loss per epoch

def figure_loss(inputs: ReportInputs, target: Path, curve_name: str = "val/loss") -> Path:
    fig = Figure(figsize=(10, 4.4))
    axes = fig.subplots(1, len(DATASETS), squeeze=False)[0]
    missing: list[str] = []
    for ax, dataset in zip(axes, DATASETS):
        ax.set_title(DATASET_TITLES[dataset], fontsize=10)
        drawn = False
        for run in dataset_runs(inputs, dataset):
            curve = run.curve(curve_name)
            if isinstance(curve, Missing):
                missing.append(curve.reason)
                continue
            points = [(epoch_of(step), value) for step, value in curve if math.isfinite(value)]
            if not points:
                missing.append(f"{run.curves_root}/{curve_name}.tsv has no values")
                continue
            dashed = inputs.backbones.index(run.key.backbone) > 0
            ax.plot([p[0] for p in points], [p[1] for p in points], color=run_colour(inputs, run.key),
                    linestyle="--" if dashed else "-", marker=MARKERS[run.key.head], markersize=4,
                    label=run.key.paper_name)
            drawn = True
        if not drawn:
            _empty_panel(ax, f"no {curve_name}.tsv logs for {dataset}")
            continue
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation loss")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    _finish(fig, axes, f"Fig. 7 — validation loss per epoch (dvclive {curve_name})", missing)
    return save_figure(fig, target)


# ---------------------------------------------------------------- Figs. 8, 9: multi-class P/R@k

def _grouped_metric_bars(ax, inputs: ReportInputs, runs: list[RunInputs], protocol: str, task: str) -> list[str]:
    width = 0.8 / max(len(runs), 1)
    missing: list[str] = []
    for r_index, run in enumerate(runs):
        xs, ys = [], []
        for m_index, metric in enumerate(RANK_METRICS):
            value = rank_metric(run, protocol, task, metric)
            if isinstance(value, Missing):
                missing.append(value.reason)
                continue
            xs.append(m_index + (r_index - (len(runs) - 1) / 2) * width)
            ys.append(100.0 * value)
        if xs:
            ax.bar(xs, ys, width, color=run_colour(inputs, run.key), label=run.key.paper_name,
                   edgecolor="black", linewidth=0.4)
    ax.set_xticks(range(len(RANK_METRICS)), [METRIC_LABELS[m] for m in RANK_METRICS])
    ax.set_xlim(-0.5, len(RANK_METRICS) - 0.5)
    ax.set_ylabel("score (%)")
    return missing


def figure_multiclass(inputs: ReportInputs, target: Path) -> Path:
    tasks = ("categories", "subcategories")
    runs = dataset_runs(inputs, "instagram", DYNAMIC_HEADS)
    fig = Figure(figsize=(11, 7.5))
    grid = fig.subplots(len(PROTOCOLS), len(tasks), squeeze=False)
    missing: list[str] = []
    for row, protocol in enumerate(PROTOCOLS):
        for col, task in enumerate(tasks):
            ax = grid[row][col]
            gaps = _grouped_metric_bars(ax, inputs, runs, protocol, task)
            missing += gaps
            ax.set_title(f"{task} — {PROTOCOL_TITLES[protocol]}", fontsize=10)
            ax.grid(axis="y", alpha=0.3)
            if not ax.patches:
                _empty_panel(ax, f"no Instagram {task} scores")
    _finish(fig, grid.flat, "Figs. 8, 9 — Instagram categories and subcategories: DynamicPruning vs DynamicLayers",
            missing)
    return save_figure(fig, target)


# ---------------------------------------------------------------- Figs. 10-12: per-class top-5 precision

def figure_per_class(inputs: ReportInputs, target: Path, classes: dict[str, list[str]]) -> Path:
    """Dot plot per task (rows) and protocol (columns); `classes` = task -> class names shown."""
    runs = dataset_runs(inputs, "instagram", DYNAMIC_HEADS)
    tasks = list(classes)
    heights = [max(len(classes[task]), 3) for task in tasks]
    fig = Figure(figsize=(11, 1.8 + 0.27 * sum(heights) + 0.5 * len(tasks)))
    grid = fig.subplots(len(tasks), len(PROTOCOLS), squeeze=False, gridspec_kw={"height_ratios": heights})
    offsets = [(i - (len(runs) - 1) / 2) * 0.18 for i in range(len(runs))]
    missing: list[str] = []
    for row, task in enumerate(tasks):
        names = classes[task]
        for col, protocol in enumerate(PROTOCOLS):
            ax = grid[row][col]
            ax.set_title(f"{task} — {PROTOCOL_TITLES[protocol]}", fontsize=10)
            for run, offset in zip(runs, offsets):
                scores = per_class_scores(run, protocol, task)
                if isinstance(scores, Missing):
                    missing.append(scores.reason)
                    continue
                points = [(100.0 * scores[name], y + offset) for y, name in enumerate(names)
                          if name in scores and not isinstance(scores[name], Missing)]
                if points:
                    ax.scatter([p[0] for p in points], [p[1] for p in points], color=run_colour(inputs, run.key),
                               marker=MARKERS[run.key.head], s=22, label=run.key.paper_name, zorder=3,
                               edgecolors="black", linewidths=0.3)
            if not ax.collections:
                _empty_panel(ax, f"no per-class {task} scores" if not names
                             else "no class was ever in a top-5")
                continue
            ax.set_yticks(range(len(names)), names, fontsize=7)
            ax.set_ylim(len(names) - 0.5, -0.5)
            ax.set_xlim(-3, 103)
            ax.grid(alpha=0.3)
            ax.set_xlabel("top-5 precision (%)", fontsize=8)
    _finish(fig, grid.flat, "Figs. 10-12 — Instagram per-class top-5 precision "
            "(a class never in a top-5 has no dot)", missing)
    return save_figure(fig, target)


# ---------------------------------------------------------------- Table II as a heatmap

def figure_gains_heatmap(rows_by_protocol: dict[str, list[GainRow]], target: Path) -> Path:
    values = [row.deltas_pp[m] for rows in rows_by_protocol.values() for row in rows for m in RANK_METRICS]
    span = max([abs(v) for v in values if not isinstance(v, Missing)] + [1.0])
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    axes = fig.subplots(1, len(rows_by_protocol), squeeze=False)[0]
    cmap = matplotlib.colormaps["RdBu"].with_extremes(bad=MISSING_COLOUR)
    image = None
    for ax, (protocol, rows) in zip(axes, rows_by_protocol.items()):
        matrix = [[math.nan if isinstance(row.deltas_pp[m], Missing) else row.deltas_pp[m] for m in RANK_METRICS]
                  for row in rows]
        image = ax.imshow(matrix, cmap=cmap, vmin=-span, vmax=span, aspect="auto")
        for i, line in enumerate(matrix):
            for j, value in enumerate(line):
                text = "n/a" if math.isnan(value) else f"{value:+.1f}"
                dark = not math.isnan(value) and abs(value) > 0.6 * span
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
        ax.set_xticks(range(len(RANK_METRICS)), [METRIC_LABELS[m] for m in RANK_METRICS])
        ax.set_yticks(range(len(rows)), [row.comparison.label for row in rows], fontsize=8)
        ax.set_title(PROTOCOL_TITLES[protocol], fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=list(axes), label="gain (percentage points)", shrink=0.9)
    fig.suptitle("Table II — attribute gain (+) / loss (−) on DeepFashion, first model minus second "
                 "(grey n/a: run missing)", fontsize=12)
    return save_figure(fig, target)
