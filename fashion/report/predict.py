"""Report section "What the text buys at the moment of use" from metrics/predict.json."""
from __future__ import annotations

from fashion.report.inputs import JsonDoc, Missing
from fashion.report.tables import Table, fmt_pct, fmt_pp

VARIANTS = (("text", "text only"), ("image", "image only (base, no hint)"), ("dynamic", "image + text hints"),
            ("fused", "fused"))
FACETS = ("categories", "subcategories", "attributes")
METRICS = ("p@1", "p@3", "r@3", "f1")


def _with_interval(doc: JsonDoc, scale, *keys: str) -> str:
    point, low, high = (doc.number(*keys[:-1], keys[-1] + suffix) for suffix in ("", "_low", "_high"))
    if isinstance(point, Missing):
        return str(point)
    if isinstance(low, Missing) or isinstance(high, Missing):
        return scale(point)
    return f"{scale(point)} [{scale(low)}, {scale(high)}]"


def section_predict(doc: JsonDoc, render_table) -> list[str]:
    lines = ["## What the text buys at the moment of use (metrics/predict.json)", ""]
    if not doc.available:
        return lines + [str(doc.absent()), ""]
    if not isinstance(doc.get("variants"), dict):
        return lines + ["n/a (no validation post with truth was predicted)", ""]
    lines += [f"The `predict` stage applied run {doc.get('run')} (image only: {doc.get('base_run')}) to every "
              f"ingested post; {doc.get('evaluated_posts')} validation posts with truth are scored here, with 95 % "
              f"bootstrap intervals over posts ({doc.get('bootstrap')} resamples). Text weight "
              f"w = {doc.get('text_weight')}; {doc.get('hint_categories')} text-mined category hinted. "
              "Percentages; only labels scoring above 0 count as predicted.", ""]
    headers = ("Facet", "Variant") + tuple(f"{m} %" for m in METRICS)
    rows = []
    for facet in FACETS:
        for key, title in VARIANTS:
            rows.append((facet, title) + tuple(_with_interval(doc, fmt_pct, "variants", key, facet, m) for m in METRICS))
    lines += [render_table(Table(headers, tuple(rows))), ""]
    differences = doc.get("differences")
    if isinstance(differences, dict) and differences:
        rows = []
        for pair in differences:
            for facet in FACETS:
                cells = []
                for m in METRICS:
                    value = _with_interval(doc, lambda v: fmt_pp(100.0 * v), "differences", pair, facet, m)
                    cells.append(value)
                rows.append((pair.replace("-", " − "), facet) + tuple(cells))
        lines += ["Paired differences (pp; the same bootstrap draws for both variants):", "",
                  render_table(Table(("Variants", "Facet") + tuple(f"Δ {m}" for m in METRICS), tuple(rows))), ""]
    return lines
