"""Claim-by-claim verdicts (C1-C6) for each hint protocol, computed from the run metrics."""
from __future__ import annotations

from dataclasses import dataclass

from fashion.report.inputs import Missing, ReportInputs, Value, first_missing
from fashion.report.naming import (DATASETS, DYNAMIC_HEADS, PROTOCOLS, RANK_METRICS, Comparison, RunKey,
                                   table2_comparisons)
from fashion.report.tables import delta_pp, final_loss, gain_rows, rank_metric, slowdown

HOLDS, FAILS, MIXED, UNKNOWN = "holds", "does not hold", "mixed", "not evaluable"
# Float noise from subtracting rates (0.3 - 0.2 - 0.1 != 0) must not flip a verdict at a boundary.
EPS = 1e-9


@dataclass(frozen=True)
class Verdict:
    status: str  # HOLDS | FAILS | MIXED | UNKNOWN
    evidence: str  # the numbers behind the status
    missing: tuple[str, ...] = ()  # inputs that were absent (verdict is then on the rest)


@dataclass(frozen=True)
class Claim:
    code: str
    statement: str  # what the paper says
    rule: str  # how the verdict is decided from the numbers
    verdicts: dict[str, Verdict]  # protocol -> verdict


@dataclass(frozen=True)
class ClaimConfig:
    vgg_backbone: str = "vgg16"
    resnet_backbone: str = "resnet18"
    tolerance_pp: float = 1.0  # C2: |mean Δ| over the six metrics that still counts as "about equal"


def _split(values: list[tuple[str, Value]]) -> tuple[list[tuple[str, float]], tuple[str, ...]]:
    present = [(label, value) for label, value in values if not isinstance(value, Missing)]
    gap = first_missing(*(value for _, value in values))
    return present, gap.reasons if gap else ()


def sign_verdict(values: list[tuple[str, Value]], threshold: float, describe) -> Verdict:
    """holds if every available value > threshold, does not hold if none is, mixed otherwise."""
    present, missing = _split(values)
    if not present:
        return Verdict(UNKNOWN, "no input available", missing)
    wins = sum(value > threshold + EPS for _, value in present)
    status = HOLDS if wins == len(present) else FAILS if wins == 0 else MIXED
    return Verdict(status, f"{wins} of {len(present)} comparisons in favour; " + describe(present), missing)


def _mean(numbers: list[float]) -> float:
    return sum(numbers) / len(numbers)


def _describe_pp(present: list[tuple[str, float]]) -> str:
    return ", ".join(f"{label} {value:+.2f} pp" for label, value in present)


def _grouped_deltas(inputs: ReportInputs, comparisons: list[Comparison], protocol: str,
                    task: str = "attributes") -> list[tuple[str, Value]]:
    """One (label, Δ pp) per comparison × metric, labelled "DynamicPruning16 − BaseVGG16 P@1"."""
    out: list[tuple[str, Value]] = []
    for row in gain_rows(inputs, comparisons, protocol, task):
        out += [(f"{row.comparison.label} {metric.upper()}", row.deltas_pp[metric]) for metric in RANK_METRICS]
    return out


def _per_comparison_summary(present: list[tuple[str, float]]) -> str:
    """Mean Δ and win count per model pair, so 24 numbers read as four lines."""
    groups: dict[str, list[float]] = {}
    for label, value in present:
        groups.setdefault(label.rsplit(" ", 1)[0], []).append(value)
    return "; ".join(f"{pair}: mean {_mean(vals):+.2f} pp, {sum(v > EPS for v in vals)}/{len(vals)} > 0"
                     for pair, vals in groups.items())


def claim_dynamic_beats_base(inputs: ReportInputs, config: ClaimConfig, protocol: str) -> Verdict:
    pairs = [c for c in table2_comparisons("deepfashion", config.vgg_backbone, config.resnet_backbone)
             if c.subtrahend.head == "base"]
    return sign_verdict(_grouped_deltas(inputs, pairs, protocol), 0.0, _per_comparison_summary)


def claim_layers_equal_pruning_vgg(inputs: ReportInputs, config: ClaimConfig, protocol: str) -> Verdict:
    pair = Comparison(RunKey("deepfashion", config.vgg_backbone, "layers"),
                      RunKey("deepfashion", config.vgg_backbone, "pruning"))
    present, missing = _split(_grouped_deltas(inputs, [pair], protocol))
    if len(present) < len(RANK_METRICS):
        return Verdict(UNKNOWN, "needs all six metrics of both runs", missing)
    deltas = [value for _, value in present]
    mean, worst = _mean(deltas), max(abs(v) for v in deltas)
    tol = config.tolerance_pp
    if abs(mean) > tol + EPS:
        status = FAILS
    else:
        status = HOLDS if worst <= tol + EPS else MIXED
    evidence = (f"{pair.label}: mean Δ {mean:+.2f} pp (tolerance ±{tol:g} pp), largest |Δ| {worst:.2f} pp; "
                + ", ".join(f"{label.rsplit(' ', 1)[1]} {value:+.2f}" for label, value in present))
    return Verdict(status, evidence, missing)


def claim_layers_beat_pruning_resnet(inputs: ReportInputs, config: ClaimConfig, protocol: str) -> Verdict:
    pair = Comparison(RunKey("deepfashion", config.resnet_backbone, "layers"),
                      RunKey("deepfashion", config.resnet_backbone, "pruning"))
    values = _grouped_deltas(inputs, [pair], protocol)
    return sign_verdict(values, 0.0, lambda present: f"mean {_mean([v for _, v in present]):+.2f} pp; "
                        + _describe_pp([(label.rsplit(" ", 1)[1], v) for label, v in present]))


def claim_layers_beat_pruning_subcategories(inputs: ReportInputs, config: ClaimConfig, protocol: str) -> Verdict:
    """Instagram subcategory P@5, layers − pruning, for each backbone (with the relative gain)."""
    values: list[tuple[str, Value]] = []
    relative: dict[str, str] = {}
    for backbone in (config.vgg_backbone, config.resnet_backbone):
        layers = inputs.runs[RunKey("instagram", backbone, "layers")]
        pruning = inputs.runs[RunKey("instagram", backbone, "pruning")]
        high = rank_metric(layers, protocol, "subcategories", "p@5")
        low = rank_metric(pruning, protocol, "subcategories", "p@5")
        label = f"{layers.key.paper_name} − {pruning.key.paper_name}"
        values.append((label, delta_pp(high, low)))
        if not first_missing(high, low):
            relative[label] = (f"{100 * high:.2f} % vs {100 * low:.2f} %, "  # type: ignore[operator]
                               + (f"{100 * (high - low) / low:+.1f} % relative" if low > 0  # type: ignore[operator]
                                  else "relative gain undefined (pruning at 0)"))

    def describe(present: list[tuple[str, float]]) -> str:
        return "; ".join(f"{label}: {value:+.2f} pp ({relative[label]})" for label, value in present)

    return sign_verdict(values, 0.0, describe)


def claim_dynamic_slower(inputs: ReportInputs, config: ClaimConfig, protocol: str) -> Verdict:
    """Seconds per validation batch, dynamic / base, per dataset × backbone × dynamic head."""
    values: list[tuple[str, Value]] = []
    for dataset in DATASETS:
        for backbone in (config.vgg_backbone, config.resnet_backbone):
            base = inputs.runs[RunKey(dataset, backbone, "base")]
            for head in DYNAMIC_HEADS:
                run = inputs.runs[RunKey(dataset, backbone, head)]
                values.append((f"{dataset} {run.key.paper_name}", slowdown(run, base)))
    return sign_verdict(values, 1.0, lambda present: ", ".join(f"{label} ×{v:.3f}" for label, v in present))


def claim_dynamic_higher_loss(inputs: ReportInputs, config: ClaimConfig, protocol: str) -> Verdict:
    """Validation loss under the protocol, dynamic − base, per dataset × backbone × dynamic head."""
    values: list[tuple[str, Value]] = []
    for dataset in DATASETS:
        for backbone in (config.vgg_backbone, config.resnet_backbone):
            base = inputs.runs[RunKey(dataset, backbone, "base")]
            for head in DYNAMIC_HEADS:
                run = inputs.runs[RunKey(dataset, backbone, head)]
                high, low = final_loss(run, protocol), final_loss(base, protocol)
                gap = first_missing(high, low)
                values.append((f"{dataset} {run.key.paper_name}", gap if gap else high - low))  # type: ignore[operator]
    return sign_verdict(values, 0.0, lambda present: ", ".join(f"{label} {v:+.4f}" for label, v in present))


def evaluate_claims(inputs: ReportInputs, config: ClaimConfig) -> list[Claim]:
    specs = [
        ("C1", "Dynamic models (pruning and layers) beat their base model on attribute P/R@1/3/5 "
               "(Table II, DeepFashion).", "holds if every available Δ over the 4 dynamic−base pairs × 6 "
               "metrics is > 0, does not hold if none is, mixed otherwise", claim_dynamic_beats_base),
        ("C2", "DynamicLayers16 ≈ DynamicPruning16 on attributes (DeepFashion).",
         f"holds if |Δ| ≤ {config.tolerance_pp:g} pp on each of the six metrics; mixed if only the mean "
         f"|Δ| is ≤ {config.tolerance_pp:g} pp; does not hold if the mean |Δ| is larger",
         claim_layers_equal_pruning_vgg),
        ("C3", "DynamicLayersRes beats DynamicPruningRes on attributes (DeepFashion).",
         "holds if Δ > 0 on all six metrics, does not hold if on none, mixed otherwise",
         claim_layers_beat_pruning_resnet),
        ("C4", "DynamicLayers beats DynamicPruning on multi-class subcategory top-5 precision "
               "(paper: by about 35 %).", "holds if subcategory P@5 of layers > pruning for every backbone, "
               "does not hold if for none, mixed otherwise (absolute and relative gains shown)",
         claim_layers_beat_pruning_subcategories),
        ("C5", "Dynamic models are slower per validation batch than base models (Fig. 6).",
         "holds if every dynamic run's seconds per validation batch exceed its base run's (ratio > 1), "
         "does not hold if none do, mixed otherwise; timing is measured once per run, so both "
         "protocols share it", claim_dynamic_slower),
        ("C6", "Dynamic models have a higher loss than base models (Fig. 7).",
         "holds if every dynamic run's validation loss under the protocol exceeds its base run's, "
         "does not hold if none does, mixed otherwise", claim_dynamic_higher_loss),
    ]
    return [Claim(code, statement, rule, {protocol: judge(inputs, config, protocol) for protocol in PROTOCOLS})
            for code, statement, rule, judge in specs]
