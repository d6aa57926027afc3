"""Numbers behind the report's tables: Table II gains, absolute scores, per-class precision, time, loss."""
from __future__ import annotations

import math
from dataclasses import dataclass

from fashion.report.inputs import NEVER_RANKED, Curve, Missing, ReportInputs, RunInputs, Value, first_missing
from fashion.report.naming import (DATASETS, HEADS, METRIC_LABELS, PROTOCOL_TITLES, PROTOCOLS, RANK_METRICS,
                                   Comparison, RunKey)


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()  # lines printed under the table (e.g. which run file is missing)


def format_row(values: list[Value], fmt) -> tuple[str, ...]:
    """Format a row; a missing-input reason is spelled out once per row, later cells just say n/a."""
    seen: set[str] = set()
    cells = []
    for value in values:
        if isinstance(value, Missing) and value.short is None:
            cells.append("n/a" if value.reason in seen else str(value))
            seen.add(value.reason)
        else:
            cells.append(fmt(value))
    return tuple(cells)


def fmt_pct(value: Value) -> str:
    """A rate in [0, 1] shown in percent."""
    return str(value) if isinstance(value, Missing) else f"{100.0 * value:.2f}"


def fmt_pp(value: Value) -> str:
    """A difference in percentage points, always signed."""
    return str(value) if isinstance(value, Missing) else f"{value:+.2f}"


def fmt_number(value: Value, digits: int = 4) -> str:
    return str(value) if isinstance(value, Missing) else f"{value:.{digits}f}"


# ---------------------------------------------------------------- Table II and absolute scores

def rank_metric(run: RunInputs, protocol: str, task: str, metric: str) -> Value:
    return run.metrics.rate(protocol, task, metric)


def delta_pp(minuend: Value, subtrahend: Value) -> Value:
    """(minuend − subtrahend) in percentage points, or Missing naming what is absent."""
    gap = first_missing(minuend, subtrahend)
    return gap if gap else 100.0 * (minuend - subtrahend)  # type: ignore[operator]


@dataclass(frozen=True)
class GainRow:
    comparison: Comparison
    deltas_pp: dict[str, Value]  # metric ("p@1", ...) -> difference in percentage points


def gain_rows(inputs: ReportInputs, comparisons: list[Comparison], protocol: str,
              task: str = "attributes") -> list[GainRow]:
    rows = []
    for comparison in comparisons:
        high, low = inputs.runs[comparison.minuend], inputs.runs[comparison.subtrahend]
        rows.append(GainRow(comparison, {
            metric: delta_pp(rank_metric(high, protocol, task, metric), rank_metric(low, protocol, task, metric))
            for metric in RANK_METRICS}))
    return rows


def gains_table(rows: list[GainRow]) -> Table:
    return Table(("Model pair",) + tuple(METRIC_LABELS[m] for m in RANK_METRICS),
                 tuple((row.comparison.label,) + format_row([row.deltas_pp[m] for m in RANK_METRICS], fmt_pp)
                       for row in rows))


def dataset_runs(inputs: ReportInputs, dataset: str, heads: tuple[str, ...] = HEADS) -> list[RunInputs]:
    return [inputs.runs[RunKey(dataset, backbone, head)] for backbone in inputs.backbones for head in heads]


def baseline_scores(inputs: ReportInputs, dataset: str, task: str = "attributes") -> tuple[dict[str, Value], str]:
    """The label-frequency baseline (same for every run of a dataset) and the file it was read from."""
    runs = dataset_runs(inputs, dataset)
    for run in runs:
        if run.metrics.available:
            return {m: run.metrics.rate("baseline", task, m) for m in RANK_METRICS}, run.metrics.path
    gap = first_missing(*(run.metrics.absent() for run in runs)) or Missing(f"no {dataset} runs configured")
    return {m: gap for m in RANK_METRICS}, ""


def absolute_table(inputs: ReportInputs, dataset: str, protocol: str, task: str,
                   with_baseline: bool) -> Table:
    """P/R@k in percent for every run of a dataset, optionally with the label-frequency baseline row."""
    rows = []
    for run in dataset_runs(inputs, dataset):
        hint = run.metrics.get(protocol, "hint_source")
        rows.append((run.key.paper_name, run.key.stem, hint if isinstance(hint, str) else "n/a")
                    + format_row([rank_metric(run, protocol, task, m) for m in RANK_METRICS], fmt_pct))
    if with_baseline:
        scores, source = baseline_scores(inputs, dataset, task)
        rows.append(("Label-frequency baseline", source or "n/a", "none")
                    + format_row([scores[m] for m in RANK_METRICS], fmt_pct))
    return Table(("Model", "Run", "Hints") + tuple(f"{METRIC_LABELS[m]} %" for m in RANK_METRICS), tuple(rows))


def fmt_gain(gain: Value, low: Value, high: Value) -> str:
    """A rate difference and its interval in pp, "+7.10 [+3.20, +11.00]", or the first missing input."""
    gap = first_missing(gain, low, high)
    return str(gap) if gap else f"{fmt_pp(100.0 * gain)} [{fmt_pp(100.0 * low)}, {fmt_pp(100.0 * high)}]"  # type: ignore[operator]


def learning_table(inputs: ReportInputs) -> Table:
    """Per run: attribute P@3 gain over the label-frequency baseline with its 95 % interval, per protocol.

    "clear" when the interval's lower end is above 0 under every protocol."""
    rows = []
    for dataset in DATASETS:
        for run in dataset_runs(inputs, dataset):
            cells, clear = [], True
            for protocol in PROTOCOLS:
                keys = (protocol, "gain_over_baseline", "attributes")
                gain, low, high = (run.metrics.number(*keys, name) for name in ("p@3", "p@3_low", "p@3_high"))
                cells.append(fmt_gain(gain, low, high))
                clear = clear and isinstance(low, float) and low > 0.0
            rows.append((dataset, run.key.paper_name, run.key.stem, *cells, "yes" if clear else "no"))
    return Table(("Dataset", "Model", "Run") + tuple(f"{PROTOCOL_TITLES[p]}: Δ P@3 pp [95 %]" for p in PROTOCOLS)
                 + ("Clear of baseline",), tuple(rows))


# ---------------------------------------------------------------- per-class top-5 precision

def per_class_scores(run: RunInputs, protocol: str, task: str) -> dict[str, Value] | Missing:
    """{class name: top-5 precision} for one run; null classes become Missing(NEVER_RANKED, "–")."""
    section = run.per_class.get(protocol, task)
    if isinstance(section, Missing):
        return section
    if not isinstance(section, dict):
        return Missing(f"{run.per_class.path}: {protocol}.{task} is not an object")
    scores: dict[str, Value] = {}
    for name, value in section.items():
        if value is None:
            scores[name] = Missing(NEVER_RANKED, short="–")
        else:
            scores[name] = run.per_class.rate(protocol, task, name)
    return scores


def select_classes(series: list[dict[str, Value] | Missing], limit: int | None) -> list[str]:
    """A deterministic, outcome-blind sample: classes ranked in the most runs first, then by name.

    Choosing by how often a class was ranked (not by which model wins) keeps the sample from
    favouring either head; limit None keeps every class.
    """
    ranked_in: dict[str, int] = {}
    for scores in series:
        if isinstance(scores, Missing):
            continue
        for name, value in scores.items():
            ranked_in[name] = ranked_in.get(name, 0) + (0 if isinstance(value, Missing) else 1)
    order = sorted(ranked_in, key=lambda name: (-ranked_in[name], name))
    chosen = order if limit is None else order[:limit]
    return sorted(chosen)


def per_class_table(runs: list[RunInputs], protocol: str, task: str, classes: list[str]) -> Table:
    """Classes × runs; a run whose per-class file is unusable shows n/a, with the reason under the table."""
    columns = [per_class_scores(run, protocol, task) for run in runs]
    rows = []
    for name in classes:
        cells = []
        for scores in columns:
            if isinstance(scores, Missing):
                cells.append("n/a")
            else:
                cells.append(fmt_pct(scores.get(name, Missing(f"{name} not listed", short="not listed"))))
        rows.append((name,) + tuple(cells))
    notes = tuple(f"{run.key.paper_name}: {scores}" for run, scores in zip(runs, columns)
                  if isinstance(scores, Missing))
    return Table(("Class",) + tuple(f"{run.key.paper_name} %" for run in runs), tuple(rows), notes)


# ---------------------------------------------------------------- validation time and loss

def val_seconds(run: RunInputs) -> Value:
    value = run.metrics.number("val_seconds_per_batch")
    if isinstance(value, float) and value <= 0:
        return Missing(f"{run.metrics.path}: val_seconds_per_batch = {value:g} is not positive")
    return value


def slowdown(dynamic: RunInputs, base: RunInputs) -> Value:
    """Validation time of a dynamic run relative to its base run (1.25 = 25 % slower)."""
    fast, slow = val_seconds(base), val_seconds(dynamic)
    gap = first_missing(slow, fast)
    return gap if gap else slow / fast  # type: ignore[operator]


def val_time_table(inputs: ReportInputs) -> Table:
    rows = []
    for dataset in DATASETS:
        for backbone in inputs.backbones:
            base = inputs.runs[RunKey(dataset, backbone, "base")]
            for head in HEADS:
                run = inputs.runs[RunKey(dataset, backbone, head)]
                batch = run.metrics.number("val_batch_size")
                seconds, ratio = format_row([val_seconds(run), slowdown(run, base)], lambda v: f"{v:.4f}")
                rows.append((dataset, run.key.paper_name, run.key.stem, seconds,
                             "n/a" if isinstance(batch, Missing) else f"{batch:g}",
                             "1 (reference)" if head == "base" else ratio))
    return Table(("Dataset", "Model", "Run", "Seconds per val batch", "Batch size", "× base"), tuple(rows))


def final_loss(run: RunInputs, protocol: str) -> Value:
    return run.metrics.number(protocol, "loss")


def loss_table(inputs: ReportInputs) -> Table:
    rows = []
    for dataset in DATASETS:
        for run in dataset_runs(inputs, dataset):
            epochs = run.metrics.number("epochs")
            losses = [run.metrics.number("train_loss")] + [final_loss(run, p) for p in PROTOCOLS]
            rows.append((dataset, run.key.paper_name, run.key.stem,
                         "n/a" if isinstance(epochs, Missing) else f"{epochs:g}")
                        + format_row(losses, lambda v: f"{v:.4f}"))
    return Table(("Dataset", "Model", "Run", "Epochs", "Train loss")
                 + tuple(f"Val loss ({protocol})" for protocol in PROTOCOLS), tuple(rows))


def epoch_of(step: int) -> int:
    """dvclive counts steps from 0, one step per epoch."""
    return step + 1


def curve_table(inputs: ReportInputs, dataset: str, curve_name: str) -> Table:
    """One row per run: the logged value at each epoch of dvclive's <curve_name>.tsv."""
    curves: list[tuple[RunInputs, Curve | Missing]] = [(run, run.curve(curve_name))
                                                      for run in dataset_runs(inputs, dataset)]
    steps = sorted({step for _, curve in curves if not isinstance(curve, Missing) for step, _ in curve})
    rows = []
    for run, curve in curves:
        if isinstance(curve, Missing):
            rows.append((run.key.paper_name, str(curve)) + ("",) * max(len(steps) - 1, 0))
            continue
        by_step = dict(curve)
        rows.append((run.key.paper_name,) + tuple(
            fmt_number(by_step[s], 4) if s in by_step and math.isfinite(by_step[s]) else "–" for s in steps))
    headers = ("Model",) + (tuple(f"epoch {epoch_of(s)}" for s in steps) if steps else ("values",))
    return Table(headers, tuple(rows))
