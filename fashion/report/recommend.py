"""Report section "Recommendations on the temporal hold-out" from metrics/recommend.json."""
from __future__ import annotations

from fashion.report.inputs import JsonDoc
from fashion.report.tables import Table, fmt_pct, fmt_pp

SOURCES = (("truth", "truth labels"), ("predicted", "predicted labels"))
KINDS = ("brands", "styles", "items")
METRICS = (("hit_rate", "hit-rate"), ("recall", "recall"), ("ndcg", "NDCG"))
RELEVANCE = (("all", "all hidden labels"), ("new", "new labels only (never in the fit posts)"))


def _cell(block: dict, name: str, scale) -> str:
    point, low, high = (block.get(name + suffix) for suffix in ("", "_low", "_high"))
    if point is None:
        return "n/a"
    if low is None or high is None:
        return scale(point)
    return f"{scale(point)} [{scale(low)}, {scale(high)}]"


def section_recommend(doc: JsonDoc, render_table) -> list[str]:
    lines = ["## Recommendations on the temporal hold-out (metrics/recommend.json)", ""]
    if not doc.available:
        return lines + [str(doc.absent()), ""]
    model, k = doc.get("model"), doc.get("k")
    lines += [f"Per account the last {100 * float(doc.get('holdout_share')):.0f} % of posts by `taken_at` are hidden; "
              f"profiles and recommenders see only the rest. Model: implicit {model}; baselines: item-kNN (implicit "
              "cosine), popularity (accounts wearing a label) and repeat (what the account wore, most worn first). "
              f"@{k}, percentages, 95 % bootstrap intervals over accounts ({doc.get('bootstrap')} resamples). "
              f"Headline: relevance `{doc.get('headline')}`; the repeat baseline cannot list unworn labels, so it "
              "has no `new` row.", ""]
    sources = doc.get("sources")
    if not isinstance(sources, dict):
        return lines + ["n/a (no sources evaluated)", ""]
    for relevance, title in RELEVANCE:
        rows, diffs = [], []
        for source, source_title in SOURCES:
            kinds = (sources.get(source) or {}).get("kinds") or {}
            for kind in KINDS:
                cell = (kinds.get(kind) or {}).get(relevance)
                if not cell:
                    continue
                for name, block in cell["models"].items():
                    rows.append((source_title, kind, str(cell["accounts"]), name)
                                + tuple(_cell(block, m, fmt_pct) for m, _ in METRICS))
                for pair, block in cell["differences"].items():
                    diffs.append((source_title, kind, pair.replace("-", " − "))
                                 + tuple(_cell(block, m, lambda v: fmt_pp(100.0 * v)) for m, _ in METRICS))
        if not rows:
            continue
        lines += [f"**Relevance: {title}.**", "",
                  render_table(Table(("Labels", "Kind", "Accounts", "Recommender")
                                     + tuple(f"{t}@{k} %" for _, t in METRICS), tuple(rows))), "",
                  "Paired differences (pp, the same bootstrap draws):", "",
                  render_table(Table(("Labels", "Kind", "Model − baseline")
                                     + tuple(f"Δ {t}@{k}" for _, t in METRICS), tuple(diffs))), ""]
    return lines



