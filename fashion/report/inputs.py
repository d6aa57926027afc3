"""Reading the report's inputs: the metric JSON files and dvclive TSV logs of docs/contracts.md.

Nothing here raises on a missing or malformed input: every lookup returns either a value or a
`Missing` that names the file (and key) and the reason, so each report cell can say what is absent.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from fashion.report.naming import DATASETS, HEADS, RunKey


@dataclass(frozen=True)
class Missing:
    """A value the report cannot show, with the reason (e.g. "metrics/x.json missing")."""

    reason: str
    short: str | None = None  # compact rendering for dense tables, e.g. "–"
    parts: tuple[str, ...] = ()  # the separate reasons when several inputs are absent

    def __str__(self) -> str:
        return self.short if self.short is not None else f"n/a ({self.reason})"

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.parts or (self.reason,)


Value = Union[float, Missing]

# Per-class precision is null when the class never appeared in any top-5 (contract).
NEVER_RANKED = "never in a top-5"


def is_missing(value: object) -> bool:
    return isinstance(value, Missing)


def first_missing(*values: object) -> Missing | None:
    """One Missing joining the distinct reasons of all Missing arguments (None if there are none)."""
    reasons: list[str] = []
    for value in values:
        if isinstance(value, Missing):
            reasons += [reason for reason in value.reasons if reason not in reasons]
    if not reasons:
        return None
    return Missing("; ".join(reasons), parts=tuple(reasons) if len(reasons) > 1 else ())


@dataclass(frozen=True)
class JsonDoc:
    """A JSON object read from `path` (display form, e.g. "metrics/embed.json"), or why it is absent."""

    path: str
    data: dict[str, Any] | None
    problem: str | None = None  # "missing", "unreadable: ...", ...

    @property
    def available(self) -> bool:
        return self.data is not None

    def absent(self) -> Missing:
        return Missing(f"{self.path} {self.problem}")

    def get(self, *keys: str) -> Any:
        """The value at keys (nested), or Missing naming the file and dotted key."""
        if self.data is None:
            return self.absent()
        node: Any = self.data
        for depth, key in enumerate(keys):
            if not isinstance(node, dict) or key not in node:
                return Missing(f"{self.path}: no {'.'.join(keys[: depth + 1])}")
            node = node[key]
        return node

    def number(self, *keys: str) -> Value:
        value = self.get(*keys)
        if isinstance(value, Missing):
            return value
        dotted = ".".join(keys)
        if value is None:
            return Missing(f"{self.path}: {dotted} is null")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Missing(f"{self.path}: {dotted} is not a number")
        if not math.isfinite(value):
            return Missing(f"{self.path}: {dotted} is {value}")
        return float(value)

    def rate(self, *keys: str) -> Value:
        """A precision/recall/share in [0, 1]."""
        value = self.number(*keys)
        if isinstance(value, float) and not 0.0 <= value <= 1.0:
            return Missing(f"{self.path}: {'.'.join(keys)} = {value:g} outside [0, 1]")
        return value


def read_json_doc(path: Path) -> JsonDoc:
    display = path.as_posix()
    if not path.exists():
        return JsonDoc(display, None, "missing")
    if not path.is_file():
        return JsonDoc(display, None, "is not a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return JsonDoc(display, None, "unreadable: not UTF-8")
    except json.JSONDecodeError as exc:
        return JsonDoc(display, None, f"unreadable: {exc.msg} at line {exc.lineno}")
    if not isinstance(data, dict):
        return JsonDoc(display, None, "unreadable: top level is not an object")
    return JsonDoc(display, data)


def _check_identity(doc: JsonDoc, run: RunKey) -> JsonDoc:
    """A run file that declares another dataset/backbone/head is unusable (misplaced file)."""
    if doc.data is None:
        return doc
    for name, expected in (("dataset", run.dataset), ("backbone", run.backbone), ("head", run.head)):
        declared = doc.data.get(name, expected)
        if declared != expected:
            return JsonDoc(doc.path, None, f"declares {name} {declared!r}, expected {expected!r}")
    return doc


Curve = list[tuple[int, float]]  # (step, value) per logged epoch


def read_tsv_curve(path: Path, display: str) -> Curve | Missing:
    """One dvclive metric log: columns [timestamp,] step, <name>; the value is the last column."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            header = next(reader, None)
            if not header or "step" not in header or len(header) < 2:
                return Missing(f"{display}: header must contain 'step' and a value column")
            step_col, value_col = header.index("step"), len(header) - 1
            curve: Curve = []
            for line_no, row in enumerate(reader, start=2):
                if not row:
                    continue
                try:
                    step, value = int(row[step_col]), float(row[value_col])
                except (IndexError, ValueError):
                    return Missing(f"{display}: line {line_no} is not '<step>\\t<number>'")
                curve.append((step, value))
    except UnicodeDecodeError:
        return Missing(f"{display}: not UTF-8")
    return sorted(curve)


def read_curves(plots_root: Path) -> dict[str, Curve | Missing] | Missing:
    """All TSV logs under dvclive/<dataset>/<run>/plots/metrics, keyed "val/loss", "train/loss", ..."""
    display_root = plots_root.as_posix()
    if not plots_root.is_dir():
        return Missing(f"{display_root} missing")
    root = plots_root.resolve()
    curves: dict[str, Curve | Missing] = {}
    for tsv in sorted(plots_root.rglob("*.tsv")):
        if not tsv.resolve().is_relative_to(root):  # a link pointing outside the log folder
            continue
        name = tsv.relative_to(plots_root).with_suffix("").as_posix()
        curves[name] = read_tsv_curve(tsv, f"{display_root}/{name}.tsv")
    return curves


@dataclass(frozen=True)
class RunInputs:
    key: RunKey
    metrics: JsonDoc
    per_class: JsonDoc
    curves: dict[str, Curve | Missing] | Missing
    curves_root: str

    def curve(self, name: str) -> Curve | Missing:
        if isinstance(self.curves, Missing):
            return self.curves
        if name not in self.curves:
            return Missing(f"{self.curves_root}/{name}.tsv missing")
        return self.curves[name]


@dataclass(frozen=True)
class ReportInputs:
    runs: dict[RunKey, RunInputs]
    ingest: JsonDoc
    text_mining: JsonDoc
    embed: JsonDoc
    backbones: tuple[str, ...] = field(default=())
    predict: JsonDoc | None = None  # metrics/predict.json (the predict stage)
    recommend: JsonDoc | None = None  # metrics/recommend.json (the recommend stage)

    def run(self, dataset: str, backbone: str, head: str) -> RunInputs:
        return self.runs[RunKey(dataset, backbone, head)]

    def problems(self) -> list[str]:
        """Every input file that is missing or unusable, one line each, in a fixed order."""
        docs = [self.ingest, self.text_mining, self.embed] + ([self.predict] if self.predict else []) \
            + ([self.recommend] if self.recommend else [])
        for run in self.runs.values():
            docs += [run.metrics, run.per_class]
        lines = [f"{doc.path} {doc.problem}" for doc in docs if doc.problem]
        for run in self.runs.values():
            if isinstance(run.curves, Missing):
                lines.append(run.curves.reason)
            else:
                lines += [curve.reason for curve in run.curves.values() if isinstance(curve, Missing)]
        return lines


def load_inputs(metrics_dir: str | Path, dvclive_dir: str | Path, backbones: tuple[str, ...]) -> ReportInputs:
    """Read every file the report uses; absent files become documented gaps, never exceptions."""
    metrics_dir, dvclive_dir = Path(metrics_dir), Path(dvclive_dir)
    runs: dict[RunKey, RunInputs] = {}
    for dataset in DATASETS:
        for backbone in backbones:
            for head in HEADS:
                key = RunKey(dataset, backbone, head)
                plots_root = dvclive_dir / dataset / key.stem / "plots" / "metrics"
                runs[key] = RunInputs(
                    key=key,
                    metrics=_check_identity(read_json_doc(metrics_dir / dataset / f"{key.stem}.json"), key),
                    per_class=read_json_doc(metrics_dir / dataset / "per_class" / f"{key.stem}.json"),
                    curves=read_curves(plots_root),
                    curves_root=plots_root.as_posix(),
                )
    return ReportInputs(
        runs=runs,
        ingest=read_json_doc(metrics_dir / "ingest.json"),
        text_mining=read_json_doc(metrics_dir / "text_mining.json"),
        embed=read_json_doc(metrics_dir / "embed.json"),
        backbones=tuple(backbones),
        predict=read_json_doc(metrics_dir / "predict.json"),
        recommend=read_json_doc(metrics_dir / "recommend.json"),
    )
