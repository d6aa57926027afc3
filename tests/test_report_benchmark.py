"""Report section "DeepFashion benchmark measures": published anchors beside the runs' test-split
benchmark measures, and a clear gap where a run has no test section."""
from __future__ import annotations

import json
from pathlib import Path

from fashion.report.benchmark import benchmark_tables, section_benchmark
from fashion.report.inputs import load_inputs
from fashion.report.markdown import render_table


def write_run(metrics: Path, backbone: str, head: str, with_test: bool) -> None:
    doc = {"dataset": "deepfashion", "backbone": backbone, "head": head}
    if with_test:
        doc["test"] = {"images": 40, "leakage_free": {"benchmark": {
            "category": {"top1": 0.5, "top3": 0.75, "top5": 0.875},
            "attributes": {"recall@3": 0.3125, "recall@5": 0.4},
            "attribute_types": {"texture": {"recall@3": 0.25, "recall@5": 0.5},
                                "fabric": {"recall@3": 0.1, "recall@5": 0.2}}}}}
    path = metrics / "deepfashion" / f"{backbone}-{head}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_table_puts_published_numbers_beside_the_runs(tmp_path):
    metrics = tmp_path / "metrics"
    write_run(metrics, "vgg16_bn", "base", with_test=True)
    write_run(metrics, "resnet18", "base", with_test=False)
    main, per_type = benchmark_tables(load_inputs(metrics, tmp_path / "dvclive", ("vgg16_bn", "resnet18")))
    rows = {row[0]: row for row in main.rows}
    assert rows["FashionNet"][2:] == ("82.58", "90.17", "45.52", "54.61")
    assert rows["Liu et al. (landmark-driven attention)"][2:] == ("91.16", "96.12", "54.69", "63.74")
    assert rows["mmfashion model zoo, VGG16"][2:] == ("—", "—", "—", "13.70")
    assert rows["mmfashion model zoo, ResNet50"][5] == "23.52"
    assert rows["BaseVGG16 (vgg16_bn)"][2:] == ("75.00", "87.50", "31.25", "40.00")
    assert "synthetic demo world" in rows["BaseVGG16 (vgg16_bn)"][1]
    assert rows["BaseResNet (resnet18)"][2].endswith("metrics/deepfashion/resnet18-base.json: no test)")
    assert rows["BaseResNet (resnet18)"][3:] == ("n/a",) * 3  # the reason once per row
    assert any("computed differently" in note for note in main.notes)
    types = {row[0]: row for row in per_type.rows}
    assert types["BaseVGG16 (vgg16_bn)"][1:5] == ("25.00", "50.00", "10.00", "20.00")
    assert types["BaseVGG16 (vgg16_bn)"][-1] == "n/a (no style attribute)"
    text = "\n".join(section_benchmark(load_inputs(metrics, tmp_path / "dvclive", ("vgg16_bn",)), render_table))
    assert "fill in by running this" in text and "docs/deepfashion_benchmark.md" in text
