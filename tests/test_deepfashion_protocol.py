"""The DeepFashion benchmark's own protocol: a layout with the real list sizes (50 categories,
1000 attributes of the five real types) and a train / val / test partition; the three splits
kept apart from the lists to the run metrics; the seeded stratified subset; and the paper's
configuration (docs/deepfashion_benchmark.md's `dvc exp run -S ...` set) end to end on CPU with
ImageNet weights from a temporary torch cache."""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
import yaml
from PIL import Image

from fashion.data.benchmark import load_benchmark
from fashion.data.deepfashion import ATTRIBUTE_TYPES, DeepFashionRecord, load_deepfashion
from fashion.data.errors import DataError
from fashion.data.stage import ImagesConfig, RangesConfig, run_images, run_ranges
from fashion.data.subset import quotas, stratified_subset
from fashion.demo.deepfashion_layout import CATEGORIES
from fashion.models import LabelSpace, PretrainedWeightsError, get_model, pretrained_path
from fashion.params import check, load_params
from fashion.train.inputs import load_inputs
from fashion.train.stage import run_stage

REPO = Path(__file__).resolve().parents[1]
# the real list_attr_cloth.txt's number of attributes per type (1 texture ... 5 style)
TYPE_SIZES = {1: 156, 2: 218, 3: 180, 4: 216, 5: 230}
USED_CATEGORIES = (41, 18, 33, 3, 26)  # 1-based ids: Dress, Tee, Skirt, Blouse, Jeans
SPLIT_SIZES = {"train": 20, "val": 8, "test": 8}


def attribute_list() -> list[tuple[str, int]]:
    """1000 (name, type) rows in the real file's shape: names with spaces, all five types."""
    rows = [(f"attr {t} {i:03d}", t) for t, size in TYPE_SIZES.items() for i in range(size)]
    return sorted(rows)


def write_list(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{len(rows)}\n{header}\n" + "".join(r + "\n" for r in rows), encoding="utf-8")


def make_real_size_layout(root: Path) -> Path:
    attributes = attribute_list()
    assert len(CATEGORIES) == 50 and len(attributes) == 1000
    write_list(root / "Anno/list_category_cloth.txt", "category_name  category_type",
               [f"{name:<15}{kind}" for name, kind in CATEGORIES])
    write_list(root / "Anno/list_attr_cloth.txt", "attribute_name  attribute_type",
               [f"{name:<29}{kind}" for name, kind in attributes])
    rng = np.random.default_rng(0)
    cat_rows, attr_rows, part_rows, bbox_rows = [], [], [], []
    number = 0
    for split, size in SPLIT_SIZES.items():
        for i in range(size):
            number += 1
            category = USED_CATEGORIES[i % len(USED_CATEGORIES)]
            name = f"img/{CATEGORIES[category - 1][0]}_Item/img_{number:08d}.jpg"
            values = -np.ones(1000, dtype=int)
            # every image has an attribute of each of the first two types that train also sees
            values[[category, 200 + category, int(rng.integers(400, 1000))]] = 1
            cat_rows.append(f"{name:<60}{category}")
            attr_rows.append(f"{name:<60}" + " ".join(f"{v:2d}" for v in values))
            part_rows.append(f"{name:<60}{split}")
            bbox_rows.append(f"{name:<60}002 002 030 022")
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (32, 24), (10 * category % 256, 7 * number % 256, 90)).save(path, quality=90)
    write_list(root / "Anno/list_category_img.txt", "image_name  category_label", cat_rows)
    write_list(root / "Anno/list_attr_img.txt", "image_name  attribute_labels", attr_rows)
    write_list(root / "Anno/list_bbox.txt", "image_name  x_1  y_1  x_2  y_2", bbox_rows)
    write_list(root / "Eval/list_eval_partition.txt", "image_name  evaluation_status", part_rows)
    return root


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return make_real_size_layout(tmp_path / "deepfashion")


def build_processed(layout: Path, processed: Path, params: dict) -> dict:
    run_ranges(RangesConfig.from_params(params), layout, None, processed / "ranges.json", ontology_root=None)
    return run_images(ImagesConfig.from_params(params), ("deepfashion",), processed / "ranges.json",
                      layout, out=processed / "images", report=lambda _: None)["deepfashion"]


def test_real_size_lists_keep_train_val_and_test_apart(layout, tmp_path):
    data = load_deepfashion(layout)
    assert len(data.categories) == 50 and len(data.attributes) == 1000
    assert Counter(a.type for a in data.attributes) == Counter(TYPE_SIZES)
    assert Counter(r.split for r in data.records) == Counter(SPLIT_SIZES)
    params = load_params(REPO / "params.yaml")
    summary = build_processed(layout, tmp_path / "processed", params)
    assert summary["splits"] == SPLIT_SIZES
    ranges = json.loads((tmp_path / "processed/ranges.json").read_text())["deepfashion"]
    assert ranges["counts"]["images"] == SPLIT_SIZES
    assert len(ranges["attribute_types"]) == len(ranges["attributes"])
    assert set(ranges["attribute_types"]) <= set(ATTRIBUTE_TYPES.values())
    images = tmp_path / "processed/images/deepfashion"
    names = {split: set(load_benchmark(images, ranges, split).image_names) for split in SPLIT_SIZES}
    partition = {r.image: r.split for r in data.records}
    for split, kept in names.items():
        assert len(kept) == SPLIT_SIZES[split] and all(partition[n] == split for n in kept)
    inputs = load_inputs(tmp_path / "processed", "deepfashion")
    assert (len(inputs.train), len(inputs.val), len(inputs.test)) == (20, 8, 8)
    assert inputs.attribute_types == ranges["attribute_types"]


def test_an_attribute_type_outside_one_to_five_names_the_line(layout):
    path = layout / "Anno/list_attr_cloth.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][:-1] + "6"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"list_attr_cloth.txt: line 4: attribute type must be 1..5"):
        load_deepfashion(layout)


# ---------------------------------------------------------------- the subset

def test_quotas_are_proportional_and_sum_to_the_limit():
    assert quotas([50, 30, 20], 10) == [5, 3, 2]
    # exact shares 3.33 / 3.33 / 3.33: one extra place, to the first group (largest remainder, ties earlier)
    assert quotas([10, 10, 10], 10) == [4, 3, 3]
    assert quotas([7, 3], 0) == [7, 3] and quotas([7, 3], 99) == [7, 3]
    assert sum(quotas([101, 57, 3, 1], 40)) == 40


def records(n_per_group: dict[tuple[str, int], int]) -> list[DeepFashionRecord]:
    out = []
    for (split, category), n in n_per_group.items():
        out += [DeepFashionRecord(f"img/{split}_{category}_{i}.jpg", split, category, (), None) for i in range(n)]
    return out


def test_subset_keeps_split_and_category_shares_and_is_fixed_by_the_seed():
    pool = records({("train", 0): 60, ("train", 1): 20, ("val", 0): 10, ("test", 1): 10})
    subset = stratified_subset(pool, 20, seed=7)
    assert Counter((r.split, r.category) for r in subset) == {("train", 0): 12, ("train", 1): 4,
                                                              ("val", 0): 2, ("test", 1): 2}
    assert [r.image for r in subset] == [r.image for r in pool if r in subset]  # input order kept
    assert stratified_subset(pool, 20, seed=7) == subset
    assert stratified_subset(pool, 20, seed=8) != subset
    assert stratified_subset(pool, 0, seed=7) == pool
    with pytest.raises(ValueError, match="limit"):
        stratified_subset(pool, -1, seed=7)


def test_images_stage_draws_the_subset(layout, tmp_path):
    params = load_params(REPO / "params.yaml")
    params["images"]["deepfashion_limit"] = 18
    summary = build_processed(layout, tmp_path / "processed", params)
    assert summary["images"] == 18 and summary["splits"] == {"train": 10, "val": 4, "test": 4}
    assert summary["subset"] == {"limit": 18, "seed": params["seed"], "kept": 18, "of": 36}


# ---------------------------------------------------------------- the paper's configuration

def documented_paper_settings() -> dict[str, str]:
    """The -S set of docs/deepfashion_benchmark.md's `dvc exp run` line."""
    text = (REPO / "docs/deepfashion_benchmark.md").read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("dvc exp run -S"))
    return dict(pair.split("=", 1) for pair in re.findall(r"-S (\S+)", line))


def apply_settings(params: dict, settings: dict[str, str]) -> dict:
    params = copy.deepcopy(params)
    for key, raw in settings.items():
        node = params
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        parsed = yaml.safe_load(raw)  # dvc exp run -S parses values as YAML
        check(key, parsed, where="docs/deepfashion_benchmark.md")
        node[leaf] = parsed
    return params


def test_documented_paper_command_holds_the_paper_configuration():
    settings = documented_paper_settings()
    assert settings == {"images.deepfashion_limit": "10000", "images.image_size": "224",
                        "train.pretrained": "true", "train.normalization": "imagenet", "train.epochs": "20"}
    params = apply_settings(load_params(REPO / "params.yaml"), settings)
    assert params["images"]["deepfashion_limit"] == 10000 and params["train"]["pretrained"] is True
    assert "images.deepfashion_limit=10000" in (REPO / "README.md").read_text(encoding="utf-8")


def test_pretrained_weights_missing_from_the_cache_name_the_expected_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    expected = tmp_path / "torch/hub/checkpoints/resnet18-f37072fd.pth"
    assert pretrained_path("resnet18") == expected
    with pytest.raises(PretrainedWeightsError, match=re.escape(str(expected)) + ".*fetch https://"):
        torchvision_free_build()


def torchvision_free_build():
    space = LabelSpace.from_ranges({"categories": ["a"], "attributes": ["x"], "range": {"a": [0]}})
    return get_model("resnet18", "base", space, pretrained=True)


def test_paper_configuration_end_to_end_on_cpu(layout, tmp_path, monkeypatch):
    """The documented -S set on the real-size layout, with only the image count (limit 24 of 36)
    and the epochs (1) cut for CPU; ImageNet weights = a state dict written into a temporary
    torch cache under torchvision's file name."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    torch.manual_seed(0)
    saved = torchvision.models.resnet18(weights=None).state_dict()
    pretrained_path("resnet18").parent.mkdir(parents=True)
    torch.save(saved, pretrained_path("resnet18"))
    loaded = torchvision_free_build()
    assert torch.equal(loaded.backbone.conv1.weight, saved["conv1.weight"])  # the cache's weights, not random

    settings = documented_paper_settings() | {"images.deepfashion_limit": "24", "train.epochs": "1"}
    params = apply_settings(load_params(REPO / "params.yaml"), settings)
    params["train"]["device"] = "cpu"
    summary = build_processed(layout, tmp_path / "processed", params)
    assert summary["image_size"] == 224 and summary["images"] == 24
    assert summary["splits"] == {"train": 14, "val": 5, "test": 5}
    run_metrics, paths = run_stage(params, "deepfashion", "resnet18", "pruning",
                                   processed=tmp_path / "processed", out=tmp_path / "run")
    written = json.loads(paths.metrics_file.read_text())
    assert written == json.loads(json.dumps(run_metrics))
    assert json.loads((paths.model_dir / "model.json").read_text())["config"]["pretrained"] is True
    assert written["test"]["images"] == 5
    for section in (written["leakage_free"], written["test"]["leakage_free"], written["test"]["paper"]):
        bench = section["benchmark"]
        assert set(bench["category"]) == {"top1", "top3", "top5"}
        assert bench["category"]["top1"] <= bench["category"]["top3"] <= bench["category"]["top5"]
        assert bench["attributes"]["recall@3"] <= bench["attributes"]["recall@5"]
        assert set(bench["attribute_types"]) <= set(ATTRIBUTE_TYPES.values())
    # val and test are scored on different images: their losses differ
    assert written["leakage_free"]["loss"] != written["test"]["leakage_free"]["loss"]
