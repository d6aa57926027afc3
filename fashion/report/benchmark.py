"""Report section "DeepFashion benchmark measures": the literature's published numbers on the
real benchmark beside this pipeline's runs (test split, leakage-free protocol; docs/metrics.md)."""
from __future__ import annotations

from fashion.report.inputs import Missing, ReportInputs
from fashion.report.naming import HEADS, RunKey
from fashion.report.tables import Table, fmt_pct, format_row

# (model, source, category top-3, top-5, attribute recall top-3, top-5); None = not published.
# Real DeepFashion Category and Attribute Prediction Benchmark, full benchmark, test split.
PUBLISHED = (
    ("FashionNet", "Liu et al., CVPR 2016", 82.58, 90.17, 45.52, 54.61),
    ("Liu et al. (landmark-driven attention)", "ECCV 2018 workshop", 91.16, 96.12, 54.69, 63.74),
    ("mmfashion model zoo, VGG16", "open-mmlab/mmfashion", None, None, None, 13.70),
    ("mmfashion model zoo, ResNet50", "open-mmlab/mmfashion", None, None, None, 23.52),
)
TYPES = ("texture", "fabric", "shape", "part", "style")
PROTOCOL = "leakage_free"  # the dynamic heads get their own predicted category, never the truth


def _published(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _run_cells(inputs: ReportInputs, key: RunKey, paths: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    doc = inputs.runs[key].metrics
    values = [doc.number("test", PROTOCOL, "benchmark", *path) for path in paths]
    return format_row(values, fmt_pct)


def _type_cells(inputs: ReportInputs, key: RunKey) -> tuple[str, ...]:
    """Per-type recall cells; a type the run's vocabulary lacks is a short "n/a (no <type> attribute)"."""
    types = inputs.runs[key].metrics.get("test", PROTOCOL, "benchmark", "attribute_types")
    if isinstance(types, Missing) or not isinstance(types, dict):
        return _run_cells(inputs, key, tuple(("attribute_types", t, f"recall@{k}") for t in TYPES for k in (3, 5)))
    cells: list[str] = []
    for name in TYPES:
        if name not in types:
            cells += [f"n/a (no {name} attribute)"] * 2
        else:
            cells += _run_cells(inputs, key, tuple(("attribute_types", name, f"recall@{k}") for k in (3, 5)))
    return tuple(cells)


def benchmark_tables(inputs: ReportInputs) -> tuple[Table, Table]:
    """(published vs this pipeline's runs, this pipeline's per-type recall)."""
    keys = [RunKey("deepfashion", backbone, head) for backbone in inputs.backbones for head in HEADS]
    headline = (("category", "top3"), ("category", "top5"), ("attributes", "recall@3"), ("attributes", "recall@5"))
    rows = [(name, f"published: {source}, real benchmark") + tuple(_published(v) for v in values)
            for name, source, *values in PUBLISHED]
    rows += [(f"{key.paper_name} ({key.backbone})", "this pipeline's input (synthetic demo world by default)")
             + _run_cells(inputs, key, headline) for key in keys]
    main = Table(("model", "data", "category top-3", "category top-5", "attributes top-3", "attributes top-5"),
                 tuple(rows), notes=(
        "Published rows: the real DeepFashion Category and Attribute Prediction Benchmark (whole benchmark, "
        "test partition). This pipeline's rows: metrics/deepfashion/<run>.json keys "
        f"`test.{PROTOCOL}.benchmark.*`; with the default params they come from the SYNTHETIC demo world "
        "(41 rendered attributes, 15 categories, small images) and are not comparable with the published ones. "
        "On the real benchmark, fill this table by running docs/deepfashion_benchmark.md's command.",
        "Attribute top-k recall here and in the FashionNet / ECCV 2018 rows: true attributes found in the images' "
        "top-k lists over all true attributes (pooled; docs/metrics.md).",
        "mmfashion's \"recall\" is computed differently: per-attribute recall tp / (tp + fn), then the mean of "
        "the 50 highest of them, on mmfashion's own annotation files; not comparable with the rows above.",
    ))
    type_rows = tuple((f"{key.paper_name} ({key.backbone})",) + _type_cells(inputs, key) for key in keys)
    per_type = Table(("model",) + tuple(f"{t} top-{k}" for t in TYPES for k in (3, 5)), type_rows, notes=(
        "Per attribute type (list_attr_cloth.txt's type column), top-k among that type's attributes only; "
        "test split, leakage-free protocol. A type without an attribute in the vocabulary is n/a "
        "(the demo world renders no style attribute).",))
    return main, per_type


def section_benchmark(inputs: ReportInputs, render_table) -> list[str]:
    main, per_type = benchmark_tables(inputs)
    return ["## DeepFashion benchmark measures: on the real benchmark, fill in by running this", "",
            "Category top-k accuracy and attribute top-k recall as the DeepFashion literature reports them "
            "(docs/metrics.md), in percent, beside the published numbers. The command for the paper's "
            "configuration on the real benchmark is in docs/deepfashion_benchmark.md.", "",
            render_table(main), "", render_table(per_type), ""]
