"""Paper-reproduction report: Table II arithmetic, claim verdicts, missing inputs, figures, determinism, CLI.

All inputs are synthetic files written here in the exact shapes of docs/contracts.md.
"""
from __future__ import annotations

import argparse
import json
import runpy
import shutil
from pathlib import Path

import pytest

from fashion.report import ReportConfig, build_report
from fashion.report.claims import FAILS, HOLDS, MIXED, UNKNOWN, ClaimConfig, evaluate_claims
from fashion.report.commands import register
from fashion.report.inputs import Missing, load_inputs, read_tsv_curve
from fashion.report.markdown import render_table, section_text_mining
from fashion.report.naming import paper_model_name, table2_comparisons
from fashion.report.tables import absolute_table, gain_rows, gains_table, learning_table, select_classes

SMALL = ReportConfig(vgg_backbone="vgg16", per_class_sample=6)  # fewer per-class rows keep the figure (and the tests) quick
STAGE_SCRIPT = Path(__file__).resolve().parents[1] / "stages" / "report.py"
METRICS = ("p@1", "p@3", "p@5", "r@1", "r@3", "r@5")
BACKBONES = ("vgg16", "resnet18")
HEADS = ("base", "pruning", "layers")
# Attribute scores of BaseVGG16; the other runs add a per-run shift (in rate units) to each metric.
BASE_ATTRIBUTES = {"p@1": 0.312, "p@3": 0.25, "p@5": 0.2, "r@1": 0.1, "r@3": 0.3, "r@5": 0.5}
# paper protocol: dynamic > base, layers ≈ pruning on VGG16 (+0.5 pp), layers > pruning on ResNet.
PAPER_SHIFT = {("vgg16", "base"): 0.0, ("vgg16", "pruning"): 0.05, ("vgg16", "layers"): 0.055,
               ("resnet18", "base"): 0.01, ("resnet18", "pruning"): 0.03, ("resnet18", "layers"): 0.07}
# leakage-free protocol: every dynamic model loses to its base; layers lose to pruning.
LEAKFREE_SHIFT = {("vgg16", "base"): 0.0, ("vgg16", "pruning"): -0.02, ("vgg16", "layers"): -0.05,
                  ("resnet18", "base"): 0.01, ("resnet18", "pruning"): -0.01, ("resnet18", "layers"): -0.03}
SUBCATEGORY_P5 = {"pruning": 0.20, "layers": 0.27}  # layers +7 pp = +35 % relative
SECONDS = {"base": 0.040, "pruning": 0.050, "layers": 0.060}
LOSS = {"paper": {"base": 0.10, "pruning": 0.12, "layers": 0.13},
        "leakage_free": {"base": 0.20, "pruning": 0.18, "layers": 0.19}}
CATEGORIES = ["bags", "coats", "dresses", "jeans", "shoes", "skirts"]
SUBCATEGORIES = [f"sub_{i:02d}" for i in range(20)]
ATTRIBUTES = [f"material:m{i:02d}" for i in range(25)]


def scores(shift: float) -> dict[str, float]:
    return {m: round(BASE_ATTRIBUTES[m] + shift, 6) for m in METRICS}


def run_doc(dataset: str, backbone: str, head: str) -> dict:
    def protocol(name: str, shift_table: dict) -> dict:
        shift = shift_table[(backbone, head)]
        gain = round(0.1 + shift, 6)  # the baseline is BaseVGG16 − 10 pp
        section = {"hint_source": "truth" if name == "paper" else "predicted", "loss": LOSS[name][head],
                   "attributes": scores(shift), "categories": scores(0.3 + shift),
                   "gain_over_baseline": {"attributes": {"p@3": gain, "p@3_low": round(gain - 0.06, 6),
                                                         "p@3_high": round(gain + 0.06, 6)}}}
        if dataset == "instagram":
            p5 = SUBCATEGORY_P5.get(head, 0.15) + (0.0 if name == "paper" else -0.05)
            section["subcategories"] = {**scores(shift), "p@5": p5}
        return section

    return {"dataset": dataset, "backbone": backbone, "head": head,
            "scenario": "multi" if dataset == "instagram" else "single", "epochs": 3, "train_loss": 0.09,
            "val_seconds_per_batch": SECONDS[head] * (2 if backbone == "vgg16" else 1), "val_batch_size": 32,
            "paper": protocol("paper", PAPER_SHIFT), "leakage_free": protocol("leakage_free", LEAKFREE_SHIFT),
            "baseline": {"attributes": scores(-0.1)}}


def per_class_doc(head_index: int) -> dict:
    def section(names: list[str], offset: int) -> dict:
        # Every third class (shifted per run) was never in a top-5 -> null.
        return {name: (None if (i + offset) % 3 == 0 else round(0.05 * ((i + offset) % 20), 4))
                for i, name in enumerate(names)}

    return {protocol: {"categories": section(CATEGORIES, head_index + k), "subcategories":
                       section(SUBCATEGORIES, head_index + k), "attributes": section(ATTRIBUTES, head_index + k)}
            for k, protocol in enumerate(("paper", "leakage_free"))}


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True), encoding="utf-8")


def write_world(root: Path) -> tuple[Path, Path]:
    """metrics/ and dvclive/ exactly as the contract describes, for 2 datasets × 2 backbones × 3 heads."""
    metrics, dvclive = root / "metrics", root / "dvclive"
    for dataset in ("deepfashion", "instagram"):
        for backbone in BACKBONES:
            for h_index, head in enumerate(HEADS):
                stem = f"{backbone}-{head}"
                write_json(metrics / dataset / f"{stem}.json", run_doc(dataset, backbone, head))
                write_json(metrics / dataset / "per_class" / f"{stem}.json", per_class_doc(h_index))
                plots = dvclive / dataset / stem / "plots" / "metrics"
                for name, start in (("train/loss", 0.5), ("val/loss", 0.6), ("val/p@3", 0.1)):
                    path = plots / f"{name}.tsv"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    # BaseVGG16 val/loss: 0.6, 0.3, 0.2; other runs decay faster / start lower.
                    scale = 1.0 if backbone == "vgg16" else 0.8
                    rows = [f"{1700000000000 + step}\t{step}\t{scale * start / (step + 1 + h_index):.6f}"
                            for step in range(3)]
                    path.write_text("timestamp\tstep\t" + name.rsplit("/", 1)[1] + "\n" + "\n".join(rows) + "\n")
    write_json(metrics / "ingest.json", {"posts": 1200, "comments": 4100, "duplicates": 3, "rejects": 5,
                                         "rejects_by_reason": {"bad_json": 2, "no_media": 3}, "truth_items": 2300})
    write_json(metrics / "embed.json", {"corpus_tokens": 52000, "vocabulary": 3100, "train_seconds": 1.5,
                                        "spearman": 0.41, "model": "word2vec", "wordsim_covered": 40})
    write_json(metrics / "text_mining.json", {
        "formula": "multiplicative", "k": 4,
        "facets": {"categories": {"precision@1": 0.8, "precision@k": 0.5, "recall@k": 0.7, "f1@k": 0.6},
                   "brands": {"precision@1": 0.9, "precision@k": 0.4, "recall@k": 0.8, "f1@k": 0.5}},
        "baseline": {"categories": {"precision@1": 0.6, "precision@k": 0.4, "recall@k": 0.5, "f1@k": 0.45},
                     "brands": {"precision@1": 0.9, "precision@k": 0.4, "recall@k": 0.8, "f1@k": 0.55}}})
    point = {"p@1": 0.5, "p@1_low": 0.4, "p@1_high": 0.6, "p@3": 0.3, "p@3_low": 0.25, "p@3_high": 0.35,
             "r@3": 0.6, "r@3_low": 0.5, "r@3_high": 0.7, "f1": 0.4, "f1_low": 0.35, "f1_high": 0.45}
    facets = {f: point for f in ("categories", "subcategories", "attributes")}
    write_json(metrics / "predict.json", {
        "run": "resnet18-pruning", "base_run": "resnet18-base", "evaluated_posts": 272, "bootstrap": 1000,
        "text_weight": 0.5, "hint_categories": 1,
        "variants": {v: facets for v in ("text", "image", "dynamic", "fused")},
        "differences": {"fused-image": {f: {k: 0.1 for k in point} for f in facets}}})
    scores = {"hit_rate": 0.9, "hit_rate_low": 0.8, "hit_rate_high": 1.0, "recall": 0.5, "recall_low": 0.4,
              "recall_high": 0.6, "ndcg": 0.45, "ndcg_low": 0.35, "ndcg_high": 0.55}
    cell = {"accounts": 60, "models": {m: scores for m in ("als", "knn", "popularity", "repeat")},
            "differences": {"als-popularity": {k: 0.2 for k in scores}}}
    write_json(metrics / "recommend.json", {
        "model": "als", "k": 10, "holdout_share": 0.2, "bootstrap": 1000, "headline": "all",
        "sources": {"truth": {"kinds": {"brands": {"all": cell, "new": cell}}}}})
    return metrics, dvclive


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, Path]:
    return write_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def built(world, tmp_path_factory):
    metrics, dvclive = world
    return build_report(metrics, dvclive, tmp_path_factory.mktemp("reports") / "out", SMALL)


# ---------------------------------------------------------------- names and Table II arithmetic

def test_paper_model_names():
    assert [paper_model_name(b, h) for b in BACKBONES for h in HEADS] == [
        "BaseVGG16", "DynamicPruning16", "DynamicLayers16", "BaseResNet", "DynamicPruningRes", "DynamicLayersRes"]
    assert [c.label for c in table2_comparisons("deepfashion", "vgg16", "resnet18")] == [
        "DynamicPruning16 − BaseVGG16", "DynamicLayers16 − BaseVGG16", "DynamicPruningRes − BaseResNet",
        "DynamicLayersRes − BaseResNet", "DynamicLayers16 − DynamicPruning16",
        "DynamicLayersRes − DynamicPruningRes"]


def test_table2_gains_are_percentage_point_differences(tmp_path):
    metrics, dvclive = write_world(tmp_path)
    # Hand-made pair: base 0.312/0.25/0.2/0.1/0.3/0.5 vs pruning 0.3456/0.25/0.1999/0.125/0.3/0.4875.
    doc = run_doc("deepfashion", "vgg16", "pruning")
    doc["paper"]["attributes"] = {"p@1": 0.3456, "p@3": 0.25, "p@5": 0.1999, "r@1": 0.125, "r@3": 0.3, "r@5": 0.4875}
    write_json(metrics / "deepfashion" / "vgg16-pruning.json", doc)
    inputs = load_inputs(metrics, dvclive, BACKBONES)
    rows = gain_rows(inputs, table2_comparisons("deepfashion", "vgg16", "resnet18"), "paper")
    table = gains_table(rows)
    assert table.headers == ("Model pair", "P@1", "P@3", "P@5", "R@1", "R@3", "R@5")
    # 0.3456-0.312 = 3.36 pp; 0; -0.01 pp; +2.5 pp; 0; 0.4875-0.5 = -1.25 pp
    assert table.rows[0] == ("DynamicPruning16 − BaseVGG16", "+3.36", "+0.00", "-0.01", "+2.50", "+0.00", "-1.25")
    # Layers16 (shift 0.055) − Base16 (0) = +5.5 pp; LayersRes (0.07) − PruningRes (0.03) = +4 pp on every metric.
    assert table.rows[1][1:] == ("+5.50",) * 6
    assert table.rows[5] == ("DynamicLayersRes − DynamicPruningRes",) + ("+4.00",) * 6
    # Leakage-free: PruningRes (-0.01) − BaseResNet (+0.01) = -2 pp.
    leak = gains_table(gain_rows(inputs, table2_comparisons("deepfashion", "vgg16", "resnet18"), "leakage_free"))
    assert leak.rows[2][1:] == ("-2.00",) * 6


def test_absolute_table_in_percent_with_frequency_baseline(world):
    inputs = load_inputs(*world, BACKBONES)
    table = absolute_table(inputs, "deepfashion", "paper", "attributes", with_baseline=True)
    assert table.rows[0][:4] == ("BaseVGG16", "vgg16-base", "truth", "31.20")
    assert table.rows[1][3:] == ("36.20", "30.00", "25.00", "15.00", "35.00", "55.00")  # base + 5 pp
    baseline = table.rows[-1]
    assert baseline[0] == "Label-frequency baseline" and baseline[1].endswith("deepfashion/vgg16-base.json")
    assert baseline[3:] == ("21.20", "15.00", "10.00", "0.00", "20.00", "40.00")  # base − 10 pp
    leak = absolute_table(inputs, "deepfashion", "leakage_free", "attributes", with_baseline=False)
    assert leak.rows[0][2] == "predicted" and len(leak.rows) == 6


def test_learning_table_gives_gains_with_intervals_and_says_which_runs_are_clear(world, tmp_path):
    inputs = load_inputs(*world, BACKBONES)
    rows = {(row[0], row[2]): row[3:] for row in learning_table(inputs).rows}
    assert len(rows) == 12
    assert rows[("deepfashion", "vgg16-base")] == ("+10.00 [+4.00, +16.00]", "+10.00 [+4.00, +16.00]", "yes")
    # leakage-free DynamicLayers16: +5 pp, interval [-1, +11] reaches 0
    assert rows[("instagram", "vgg16-layers")] == ("+15.50 [+9.50, +21.50]", "+5.00 [-1.00, +11.00]", "no")
    # a run file written before the gain existed: the cell names the missing key, and it is not "clear"
    metrics = tmp_path / "metrics"
    shutil.copytree(world[0], metrics)
    doc = json.loads((metrics / "deepfashion" / "resnet18-base.json").read_text())
    del doc["paper"]["gain_over_baseline"]
    write_json(metrics / "deepfashion" / "resnet18-base.json", doc)
    rows = {(row[0], row[2]): row[3:] for row in learning_table(load_inputs(metrics, world[1], BACKBONES)).rows}
    paper, _, clear = rows[("deepfashion", "resnet18-base")]
    assert "no paper.gain_over_baseline" in paper and clear == "no"


# ---------------------------------------------------------------- claim verdicts

def verdicts(inputs, tolerance: float = 1.0) -> dict[str, dict[str, str]]:
    claims = evaluate_claims(inputs, ClaimConfig("vgg16", "resnet18", tolerance))
    return {c.code: {p: v.status for p, v in c.verdicts.items()} for c in claims}


def test_claims_hold_under_paper_protocol_and_fail_leakage_free(world):
    inputs = load_inputs(*world, BACKBONES)
    status = verdicts(inputs)
    for code in ("C1", "C2", "C3", "C4", "C5", "C6"):
        assert status[code]["paper"] == HOLDS, code
    assert status["C1"]["leakage_free"] == FAILS
    assert status["C2"]["leakage_free"] == FAILS  # layers16 − pruning16 = -3 pp > 1 pp tolerance
    assert status["C3"]["leakage_free"] == FAILS
    assert status["C4"]["leakage_free"] == HOLDS  # subcategory P@5 gap kept (0.22 vs 0.15)
    assert status["C5"]["leakage_free"] == HOLDS  # one timing per run, shared by both protocols
    assert status["C6"]["leakage_free"] == FAILS  # dynamic losses 0.18/0.19 < base 0.20
    claims = {c.code: c for c in evaluate_claims(inputs, ClaimConfig())}
    c4 = claims["C4"].verdicts["paper"].evidence
    assert "DynamicLayers16 − DynamicPruning16: +7.00 pp (27.00 % vs 20.00 %, +35.0 % relative)" in c4
    assert "mean Δ +0.50 pp (tolerance ±1 pp)" in claims["C2"].verdicts["paper"].evidence
    assert "×1.250" in claims["C5"].verdicts["paper"].evidence  # 0.05 / 0.04


def test_claims_mixed_and_tolerance(tmp_path):
    metrics, dvclive = write_world(tmp_path)
    # Layers16 − Pruning16 under paper: +0.5 pp everywhere except P@1 at +3.5 pp -> mean 1.0 pp.
    doc = run_doc("deepfashion", "vgg16", "layers")
    doc["paper"]["attributes"]["p@1"] = round(doc["paper"]["attributes"]["p@1"] + 0.03, 6)
    # BaseResNet slower than DynamicPruningRes on DeepFashion only -> C5 mixed.
    base = run_doc("deepfashion", "resnet18", "base")
    base["val_seconds_per_batch"] = 0.055
    write_json(metrics / "deepfashion" / "vgg16-layers.json", doc)
    write_json(metrics / "deepfashion" / "resnet18-base.json", base)
    inputs = load_inputs(metrics, dvclive, BACKBONES)
    assert verdicts(inputs, tolerance=1.0)["C2"]["paper"] == MIXED  # mean within 1 pp, P@1 outside
    assert verdicts(inputs, tolerance=0.9)["C2"]["paper"] == FAILS  # mean 1.0 pp > 0.9 pp
    assert verdicts(inputs, tolerance=3.5)["C2"]["paper"] == HOLDS
    assert verdicts(inputs)["C5"]["paper"] == MIXED


# ---------------------------------------------------------------- missing and malformed inputs

def test_missing_run_is_named_in_cells_and_claims(tmp_path):
    metrics, dvclive = write_world(tmp_path)
    (metrics / "deepfashion" / "vgg16-pruning.json").unlink()
    shutil.rmtree(dvclive / "instagram" / "resnet18-layers")
    (metrics / "text_mining.json").unlink()
    result = build_report(metrics, dvclive, tmp_path / "reports", SMALL)
    text = result.markdown.read_text(encoding="utf-8")
    missing = f"n/a ({(metrics / 'deepfashion' / 'vgg16-pruning.json').as_posix()} missing)"
    assert f"| DynamicPruning16 − BaseVGG16 | {missing} | n/a | n/a | n/a | n/a | n/a |" in text
    assert f"n/a ({(metrics / 'text_mining.json').as_posix()} missing)" in text
    assert f"{(dvclive / 'instagram' / 'resnet18-layers').as_posix()}/plots/metrics missing" in text
    c1 = {c.code: c for c in result.claims}["C1"].verdicts["paper"]
    assert c1.status == HOLDS and c1.evidence.startswith("18 of 18")  # verdict on the 3 remaining pairs
    assert any("vgg16-pruning.json missing" in reason for reason in c1.missing)
    assert len(result.problems) == 3


def test_stage_script_with_no_inputs_at_all(tmp_path, monkeypatch, capsys):
    (tmp_path / "params.yaml").write_text("report: {tolerance_pp: 0.5, per_class_sample: 4, "
                                          "vgg_backbone: vgg16_bn, resnet_backbone: resnet34}\n",
                                          encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    stage = runpy.run_path(str(STAGE_SCRIPT))
    assert stage["main"]() == 0
    out = capsys.readouterr().out
    assert all(f"C{i}: paper {UNKNOWN}, leakage_free {UNKNOWN}" in out for i in range(1, 7))
    assert "41 inputs missing or unusable" in out  # 5 summaries + 12 runs × (metrics, per_class, dvclive logs)
    text = (tmp_path / "reports" / "paper.md").read_text(encoding="utf-8")
    assert "Runs with metrics: 0 of 12 expected" in text and "|Δ| ≤ 0.5 pp on each of the six metrics" in text
    assert "n/a (metrics/deepfashion/resnet34-base.json missing)" in text
    figures = sorted((tmp_path / "reports" / "figures").glob("*.png"))
    assert len(figures) == 5 and all(path.stat().st_size > 10_000 for path in figures)


def test_malformed_inputs_become_explained_gaps(tmp_path):
    metrics, dvclive = write_world(tmp_path)
    (metrics / "deepfashion" / "vgg16-base.json").write_text("{not json", encoding="utf-8")
    misplaced = run_doc("deepfashion", "resnet18", "pruning")
    misplaced["head"] = "layers"
    write_json(metrics / "deepfashion" / "resnet18-pruning.json", misplaced)
    percent = run_doc("instagram", "vgg16", "pruning")
    percent["paper"]["subcategories"]["p@5"] = 20.0  # percent instead of a rate
    write_json(metrics / "instagram" / "vgg16-pruning.json", percent)
    inputs = load_inputs(metrics, dvclive, BACKBONES)
    assert "unreadable: Expecting property name" in inputs.run("deepfashion", "vgg16", "base").metrics.problem
    assert inputs.run("deepfashion", "resnet18", "pruning").metrics.problem == \
        "declares head 'layers', expected 'pruning'"
    value = inputs.run("instagram", "vgg16", "pruning").metrics.rate("paper", "subcategories", "p@5")
    assert isinstance(value, Missing) and "paper.subcategories.p@5 = 20 outside [0, 1]" in value.reason


def test_tsv_reader(tmp_path):
    good = tmp_path / "loss.tsv"
    good.write_text("timestamp\tstep\tloss\n5\t1\t0.5\n4\t0\t0.75\n", encoding="utf-8")
    assert read_tsv_curve(good, "loss.tsv") == [(0, 0.75), (1, 0.5)]
    plain = tmp_path / "plain.tsv"
    plain.write_text("step\tloss\n0\t0.25\n", encoding="utf-8")
    assert read_tsv_curve(plain, "plain.tsv") == [(0, 0.25)]
    bad = tmp_path / "bad.tsv"
    bad.write_text("step\tloss\n0\tnope\n", encoding="utf-8")
    assert read_tsv_curve(bad, "bad.tsv") == Missing("bad.tsv: line 2 is not '<step>\\t<number>'")


# ---------------------------------------------------------------- report content, figures, determinism, CLI

def test_predict_section_shows_variants_with_intervals(built):
    text = built.markdown.read_text(encoding="utf-8")
    assert "## What the text buys at the moment of use (metrics/predict.json)" in text
    assert "| categories | fused | 50.00 [40.00, 60.00] | 30.00 [25.00, 35.00] |" in text
    assert "| fused − image | attributes | +10.00 [+10.00, +10.00] |" in text


def test_recommend_section_shows_models_with_intervals(built):
    text = built.markdown.read_text(encoding="utf-8")
    assert "## Recommendations on the temporal hold-out (metrics/recommend.json)" in text
    assert "| truth labels | brands | 60 | popularity | 90.00 [80.00, 100.00] | 50.00 [40.00, 60.00] |" in text
    assert "| truth labels | brands | als − popularity | +20.00 [+20.00, +20.00] |" in text


def test_report_sections_and_numbers(built):
    text = built.markdown.read_text(encoding="utf-8")
    for heading in ("## Does every run learn?", "## Claim verdicts", "## Table II", "## Multi-class benchmark", "## Per-class top-5 precision",
                    "## Validation time per batch", "## Loss", "## Text mining", "## Ingestion",
                    "## Word embeddings"):
        assert heading in text
    assert text.count("### Paper hint protocol") == 3 and text.count("### Leakage-free hint protocol") == 3
    assert "| C1 | Dynamic models" in text and "✅ holds | ❌ does not hold |" in text
    assert "| categories | 80.00 | 50.00 | 70.00 | 60.00 | 60.00 | 40.00 | 50.00 | 45.00 | +15.00 |" in text
    assert "| brands | 90.00 | 40.00 | 80.00 | 50.00 | 90.00 | 40.00 | 80.00 | 55.00 | -5.00 |" in text
    assert "| posts | 1200 |" in text and "| bad_json | 2 |" in text
    assert "| spearman | 0.41 |\n| wordsim_covered | 40 |" in text  # extra writer keys follow the contract's
    assert "| deepfashion | DynamicPruning16 | vgg16-pruning | 0.1000 | 32 | 1.2500 |" in text
    assert "| BaseVGG16 | 0.6000 | 0.3000 | 0.2000 |" in text  # val/loss.tsv: 0.6 / (step + 1)
    assert text.count("Categories (6 shown):") == 2 and text.count("Subcategories (6 shown):") == 2
    # Class i of a run with offset o is null when (i + o) % 3 == 0, else 5 % × (i + o); offsets are
    # pruning 1 / layers 2 (paper) and 2 / 3 (leakage-free), so classes with i % 3 == 1 are ranked in
    # only 2 of 4 series and drop out of the sample: sub_00, 02, 03, 05, 06, 08 remain.
    assert "| sub_00 | 5.00 | 10.00 | 5.00 | 10.00 |\n| sub_02 | – | 20.00 | – | 20.00 |" in text
    assert "| sub_01 |" not in text and "| sub_08 |" in text and "| sub_09 |" not in text
    for link in ("figures/fig6_val_time.png", "figures/fig7_loss.png", "figures/fig8_9_multiclass.png",
                 "figures/fig10_12_per_class.png", "figures/table2_gains.png"):
        assert f"]({link})" in text and (built.markdown.parent / link).is_file()
    assert "None: every input file was found and read." in text and not built.problems


def test_figures_are_pngs_without_software_metadata(built):
    names = sorted(path.name for path in built.figures)
    assert names == ["fig10_12_per_class.png", "fig6_val_time.png", "fig7_loss.png", "fig8_9_multiclass.png",
                     "table2_gains.png"]
    for path in built.figures:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
        assert b"matplotlib" not in data.lower()


def test_per_class_sample_is_outcome_blind():
    series = [{"a": 0.1, "b": Missing("x", short="–"), "c": 0.9}, {"a": 0.2, "b": 0.0, "c": Missing("x")},
              Missing("file missing")]
    assert select_classes(series, 1) == ["a"]  # ranked in both runs
    assert select_classes(series, 2) == ["a", "b"]  # b and c tie on count; name breaks the tie
    assert select_classes(series, None) == ["a", "b", "c"]


def test_cli_run_is_deterministic(built, world, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    metrics, dvclive = world
    args = parser.parse_args(["report", "--metrics", str(metrics), "--dvclive", str(dvclive), "--out",
                              str(tmp_path / "again"), "--per-class-sample", "6", "--vgg-backbone", "vgg16"])
    assert args.func(args) == 0
    assert "C1 holds/does not hold" in capsys.readouterr().out
    assert (tmp_path / "again" / "paper.md").read_bytes() == built.markdown.read_bytes()
    for figure in built.figures:
        assert (tmp_path / "again" / "figures" / figure.name).read_bytes() == figure.read_bytes(), figure.name
    bad = parser.parse_args(["report", "--vgg-backbone", "resnet18", "--out", str(tmp_path / "bad")])
    assert bad.func(bad) == 2 and not (tmp_path / "bad").exists()
    assert "both 'resnet18'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="tolerance_pp must be >= 0"):
        ReportConfig(tolerance_pp=-1.0)


def test_report_command_is_wired_into_the_fashion_cli():
    from fashion.cli import build_parser

    args = build_parser().parse_args(["report", "--metrics", "m", "--dvclive", "d", "--out", "o"])
    assert (args.metrics, args.dvclive, args.out, args.tolerance_pp) == ("m", "d", "o", None)  # None: params decide
    assert args.func.__module__ == "fashion.report.commands"


def test_text_mining_section_accepts_nested_baseline(tmp_path):
    from fashion.report.inputs import JsonDoc

    facets = {"styles": {"precision@1": 0.5, "precision@k": 0.25, "recall@k": 0.5, "f1@k": 1 / 3}}
    doc = JsonDoc("metrics/text_mining.json", {"formula": "linear", "k": 4, "facets": facets,
                                               "baseline": {"facets": {"styles": {**facets["styles"], "f1@k": 0.3}}}})
    text = "\n".join(section_text_mining(doc))
    assert "| styles | 50.00 | 25.00 | 50.00 | 33.33 | 50.00 | 25.00 | 50.00 | 30.00 | +3.33 |" in text
    assert render_table(gains_table([])).count("\n") == 1  # header + separator only
