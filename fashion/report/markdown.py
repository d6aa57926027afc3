"""Markdown rendering of the reproduction report (deterministic text: no dates, fixed ordering)."""
from __future__ import annotations

from dataclasses import dataclass

from fashion.report.claims import FAILS, HOLDS, MIXED, Claim
from fashion.report.inputs import JsonDoc, Missing, ReportInputs
from fashion.report.benchmark import section_benchmark
from fashion.report.predict import section_predict
from fashion.report.recommend import section_recommend
from fashion.report.naming import (DATASET_TITLES, DATASETS, DYNAMIC_HEADS, PROTOCOL_TITLES, PROTOCOLS,
                                   table2_comparisons)
from fashion.report.tables import (Table, absolute_table, curve_table, dataset_runs, fmt_pct, fmt_pp, gain_rows,
                                   gains_table, learning_table, loss_table, per_class_table,
                                   val_time_table)

TEXT_METRICS = ("precision@1", "precision@k", "recall@k", "f1@k")
INGEST_KEYS = ("posts", "comments", "duplicates", "rejects", "truth_items")
EMBED_KEYS = ("model", "corpus_tokens", "vocabulary", "train_seconds", "spearman")
STATUS_MARK = {HOLDS: "✅ holds", FAILS: "❌ does not hold", MIXED: "⚠️ mixed"}


@dataclass(frozen=True)
class FigureLinks:
    """Paths of the figures relative to the markdown file."""

    val_time: str
    loss: str
    multiclass: str
    per_class: str
    gains: str


def render_table(table: Table) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    width = len(table.headers)
    lines = ["| " + " | ".join(cell(h) for h in table.headers) + " |",
             "|" + "|".join("---" for _ in table.headers) + "|"]
    for row in table.rows:
        padded = tuple(row) + ("",) * (width - len(row))
        lines.append("| " + " | ".join(cell(c) for c in padded) + " |")
    if table.notes:
        lines += [""] + [f"- {note}" for note in table.notes]
    return "\n".join(lines)


def _scalar(value: object) -> str:
    if isinstance(value, Missing):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# ---------------------------------------------------------------- sections

def section_scale(inputs: ReportInputs) -> list[str]:
    posts, items = inputs.ingest.get("posts"), inputs.ingest.get("truth_items")
    epochs = sorted({run.metrics.data["epochs"] for run in inputs.runs.values()
                     if run.metrics.data and isinstance(run.metrics.data.get("epochs"), (int, float))})
    trained = sum(run.metrics.available for run in inputs.runs.values())
    return [
        "## Scale of this reproduction", "",
        f"- Instagram dump: {_scalar(posts)} posts, {_scalar(items)} human-annotated items (metrics/ingest.json).",
        f"- Runs with metrics: {trained} of {len(inputs.runs)} expected "
        f"({len(DATASETS)} datasets × backbones {', '.join(inputs.backbones)} × heads base/pruning/layers); "
        f"epochs trained: {', '.join(f'{e:g}' for e in epochs) or 'n/a'}.",
        "- The paper trained for 20 epochs on 224 px images of real posts (8,000 train / 2,000 validation). "
        "The pipeline's default input is the small synthetic demo world, trained for the epochs listed above. "
        "At that scale, differences of a few percentage points can be noise, and timings depend on the "
        "machine. The verdicts below describe these runs only. They neither confirm nor refute the paper's "
        "numbers on real data.", ""]


def section_learning(inputs: ReportInputs) -> list[str]:
    return ["## Does every run learn?", "",
            "Attribute precision@3 of each run minus the label-frequency baseline's (every image ranks the "
            "attributes by their training frequency), in percentage points, with a 95 % paired-bootstrap "
            "interval over the validation images. A run is clear of the baseline when the interval's lower "
            "end is above 0 under both protocols.", "",
            render_table(learning_table(inputs)), ""]


def section_claims(claims: list[Claim]) -> list[str]:
    lines = ["## Claim verdicts", "",
             render_table(Table(("Claim", "Paper says") + tuple(PROTOCOL_TITLES[p] for p in PROTOCOLS),
                                tuple((c.code, c.statement) + tuple(STATUS_MARK.get(c.verdicts[p].status,
                                                                                    c.verdicts[p].status)
                                                                    for p in PROTOCOLS) for c in claims))), ""]
    for claim in claims:
        lines += [f"### {claim.code}: {claim.statement}", "", f"Rule: {claim.rule}.", ""]
        for protocol in PROTOCOLS:
            verdict = claim.verdicts[protocol]
            lines.append(f"- **{PROTOCOL_TITLES[protocol]}: {verdict.status}**: {verdict.evidence}.")
            if verdict.missing:
                lines.append(f"  Missing inputs: {'; '.join(verdict.missing)}.")
        lines.append("")
    return lines


def section_table2(inputs: ReportInputs, vgg: str, resnet: str, gains_link: str) -> list[str]:
    comparisons = table2_comparisons("deepfashion", vgg, resnet)
    lines = ["## Table II: attribute gains on the single-class benchmark (DeepFashion)", "",
             "Rows are model pairs (first minus second). Values are differences in percentage points of "
             "attribute precision (P) and recall (R) at top 1/3/5 on the validation split.", "",
             f"![Table II as a heatmap of gains]({gains_link})", ""]
    for protocol in PROTOCOLS:
        lines += [f"### {PROTOCOL_TITLES[protocol].capitalize()}", "", "Gains (pp):", "",
                  render_table(gains_table(gain_rows(inputs, comparisons, protocol))), "",
                  "Absolute attribute scores (%) with the label-frequency baseline (every image ranks the "
                  "attributes by their training frequency):", "",
                  render_table(absolute_table(inputs, "deepfashion", protocol, "attributes", with_baseline=True)),
                  "", "Category scores (%):", "",
                  render_table(absolute_table(inputs, "deepfashion", protocol, "categories", with_baseline=False)),
                  ""]
    return lines


def section_multiclass(inputs: ReportInputs, vgg: str, resnet: str, link: str) -> list[str]:
    lines = ["## Multi-class benchmark (Instagram): Figs. 8, 9", "",
             f"![Categories and subcategories, DynamicPruning vs DynamicLayers]({link})", ""]
    for protocol in PROTOCOLS:
        lines += [f"### {PROTOCOL_TITLES[protocol].capitalize()}", ""]
        for task in ("categories", "subcategories"):
            lines += [f"{task.capitalize()} (%):", "",
                      render_table(absolute_table(inputs, "instagram", protocol, task, with_baseline=False)), ""]
        lines += ["Attributes (%), with the label-frequency baseline:", "",
                  render_table(absolute_table(inputs, "instagram", protocol, "attributes", with_baseline=True)), "",
                  "Attribute gains in the layout of Table II (pp). The paper reports this table only for "
                  "DeepFashion:", "",
                  render_table(gains_table(gain_rows(inputs, table2_comparisons("instagram", vgg, resnet),
                                                     protocol))), ""]
    return lines


def section_per_class(inputs: ReportInputs, classes: dict[str, list[str]], sample: int, link: str) -> list[str]:
    runs = dataset_runs(inputs, "instagram", DYNAMIC_HEADS)
    lines = ["## Per-class top-5 precision (Instagram): Figs. 10-12", "",
             "Top-5 precision of class c is the share of validation posts that truly have c, among the posts "
             "whose top 5 contains c. \"–\" means that c was never in a top 5. All categories are shown. "
             f"For subcategories and attributes the table shows {sample} classes, chosen without looking at "
             "which model wins: first the classes ranked by the most runs, then by name. The full lists are in "
             "metrics/instagram/per_class/*.json.", "",
             f"![Per-class top-5 precision]({link})", ""]
    for protocol in PROTOCOLS:
        lines += [f"### {PROTOCOL_TITLES[protocol].capitalize()}", ""]
        for task, names in classes.items():
            lines += [f"{task.capitalize()} ({len(names)} shown):", ""]
            lines += [render_table(per_class_table(runs, protocol, task, names)) if names
                      else "n/a: " + _per_class_gap(runs, protocol, task), ""]
    return lines


def _per_class_gap(runs, protocol: str, task: str) -> str:
    reasons = []
    for run in runs:
        value = run.per_class.get(protocol, task)
        reasons.append(value.reason if isinstance(value, Missing) else f"{run.per_class.path}: no classes")
    return "; ".join(dict.fromkeys(reasons)) or "no runs configured"


def section_time_and_loss(inputs: ReportInputs, links: FigureLinks) -> list[str]:
    lines = ["## Validation time per batch: Fig. 6", "",
             f"![Validation time per batch]({links.val_time})", "",
             "Each run is timed once, so the timing does not depend on the hint protocol. "
             "\"× base\" is the run's time divided by its base model's time.", "",
             render_table(val_time_table(inputs)), "",
             "## Loss: Fig. 7", "", f"![Validation loss per epoch]({links.loss})", "",
             "Final losses from the run metrics. The validation loss is given for each hint protocol:", "",
             render_table(loss_table(inputs)), ""]
    for dataset in DATASETS:
        lines += [f"Validation loss per epoch, {DATASET_TITLES[dataset]} (dvclive `val/loss.tsv`):", "",
                  render_table(curve_table(inputs, dataset, "val/loss")), ""]
    return lines


def _text_facets(section: object) -> dict | Missing:
    if isinstance(section, Missing):
        return section
    if isinstance(section, dict) and isinstance(section.get("facets"), dict):
        return section["facets"]  # a baseline written in the same {"facets": ...} shape
    return section if isinstance(section, dict) else Missing("not an object")


def section_text_mining(doc: JsonDoc) -> list[str]:
    lines = ["## Text mining (metrics/text_mining.json)", ""]
    facets, baseline = _text_facets(doc.get("facets")), _text_facets(doc.get("baseline"))
    if isinstance(facets, Missing):
        return lines + [str(facets), ""]
    lines += [f"Scoring formula: {_scalar(doc.get('formula'))}; k = {_scalar(doc.get('k'))}. Each facet is "
              "scored against the human annotations. The baseline matches by edit distance.", ""]
    rows = []
    for facet in facets:
        mined = [doc.rate("facets", facet, m) for m in TEXT_METRICS]
        if isinstance(baseline, Missing):
            base = [baseline] * len(TEXT_METRICS)
        else:
            base_doc = JsonDoc(doc.path, {"b": baseline})
            base = [base_doc.rate("b", facet, m) for m in TEXT_METRICS]
        gain = (Missing("", short="n/a") if isinstance(mined[3], Missing) or isinstance(base[3], Missing)
                else 100.0 * (mined[3] - base[3]))
        rows.append((facet,) + tuple(fmt_pct(v) for v in mined) + tuple(fmt_pct(v) for v in base) + (fmt_pp(gain),))
    headers = (("Facet",) + tuple(f"mined {m} %" for m in TEXT_METRICS)
               + tuple(f"baseline {m} %" for m in TEXT_METRICS) + ("Δ F1@k (pp)",))
    return lines + [render_table(Table(headers, tuple(rows))), ""]


def _summary_keys(doc: JsonDoc, contract_keys: tuple[str, ...]) -> list[str]:
    """The contract's keys first, then any further scalar keys the writer added, by name."""
    extra = sorted(key for key, value in (doc.data or {}).items()
                   if key not in contract_keys and (value is None or isinstance(value, (str, int, float))))
    return list(contract_keys) + extra


def _summary_table(doc: JsonDoc, contract_keys: tuple[str, ...], value_header: str) -> str:
    return render_table(Table(("Quantity", value_header),
                              tuple((key, _scalar(doc.get(key))) for key in _summary_keys(doc, contract_keys))))


def section_ingest_and_embed(ingest: JsonDoc, embed: JsonDoc) -> list[str]:
    lines = ["## Ingestion (metrics/ingest.json)", ""]
    if not ingest.available:
        lines += [str(ingest.absent()), ""]
    else:
        lines += [_summary_table(ingest, INGEST_KEYS, "Count"), ""]
        reasons = ingest.get("rejects_by_reason")
        if isinstance(reasons, dict) and reasons:
            rows = tuple((reason, _scalar(reasons[reason])) for reason in sorted(reasons))
            lines += ["Rejected records by reason:", "", render_table(Table(("Reason", "Records"), rows)), ""]
    lines += ["## Word embeddings (metrics/embed.json)", ""]
    if not embed.available:
        return lines + [str(embed.absent()), ""]
    return lines + [_summary_table(embed, EMBED_KEYS, "Value"), "",
                    "`spearman` is the rank correlation with the fashion word-similarity set "
                    "(null when too few pairs are in the vocabulary).", ""]


def section_inputs(problems: list[str]) -> list[str]:
    lines = ["## Missing or unusable inputs", ""]
    if not problems:
        return lines + ["None: every input file was found and read.", ""]
    return lines + [f"- {problem}" for problem in problems] + [""]


def render_report(inputs: ReportInputs, claims: list[Claim], links: FigureLinks, classes: dict[str, list[str]],
                  vgg: str, resnet: str, sample: int) -> str:
    lines = ["# Reproduction report: Dynamic CNN Models for Fashion Recommendation in Instagram", "",
             "Generated by `fashion report` from the metric files listed in docs/contracts.md. Precision and "
             "recall are percentages. Gains are percentage points (pp). \"n/a (...)\" names the missing input. "
             "Model names follow the paper: BaseVGG16, DynamicPruning16 and DynamicLayers16 use the vgg16 "
             f"backbone. BaseResNet, DynamicPruningRes and DynamicLayersRes use the {resnet} backbone. "
             "Every result is given under the paper's hint protocol and under the leakage-free one (no "
             "ground-truth or attribute hints).", ""]
    lines += section_scale(inputs)
    lines += section_learning(inputs)
    lines += section_claims(claims)
    lines += section_table2(inputs, vgg, resnet, links.gains)
    lines += section_multiclass(inputs, vgg, resnet, links.multiclass)
    lines += section_per_class(inputs, classes, sample, links.per_class)
    lines += section_time_and_loss(inputs, links)
    lines += section_benchmark(inputs, render_table)
    lines += section_text_mining(inputs.text_mining)
    if inputs.predict is not None:
        lines += section_predict(inputs.predict, render_table)
    if inputs.recommend is not None:
        lines += section_recommend(inputs.recommend, render_table)
    lines += section_ingest_and_embed(inputs.ingest, inputs.embed)
    lines += section_inputs(inputs.problems())
    return "\n".join(lines).rstrip() + "\n"
