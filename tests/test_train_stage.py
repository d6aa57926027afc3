"""stages/train.py end to end on a tiny data/processed folder built here per docs/contracts.md."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

REPO = Path(__file__).resolve().parents[1]
STAGE = REPO / "stages" / "train.py"
SIZE = 32
CATEGORIES = ["dress", "coat", "shoes"]
SUBCATEGORIES = ["maxi", "mini", "wool_coat", "heels", "boots"]
ATTRIBUTES = ["material:wool", "material:silk", "pattern:striped", "pattern:floral", "heel_type:stiletto"]
ATTRIBUTE_RANGE = {"dress": [1, 2, 3], "coat": [0, 2], "shoes": [4]}
SUBCATEGORY_RANGE = {"dress": [0, 1], "coat": [2], "shoes": [3, 4]}


def write_processed(root: Path, dataset: str, n_train: int = 12, n_val: int = 6) -> None:
    """ranges.json + images/<dataset>/{images.npy, index.parquet} (+ annotations.parquet)."""
    rng = np.random.default_rng(5)
    multi = dataset == "instagram"
    section = {"categories": CATEGORIES, "attributes": ATTRIBUTES, "counts": {}}
    if multi:
        section.update(subcategories=SUBCATEGORIES, attribute_range=ATTRIBUTE_RANGE,
                       subcategory_range=SUBCATEGORY_RANGE, source="truth")
    else:
        section["range"] = ATTRIBUTE_RANGE
    processed = root / "data" / "processed"
    images_dir = processed / "images" / dataset
    images_dir.mkdir(parents=True)
    (processed / "ranges.json").write_text(json.dumps({dataset: section}))
    n = n_train + n_val
    categories = rng.integers(0, len(CATEGORIES), n)
    pixels = rng.integers(0, 256, (n, SIZE, SIZE, 3)).astype(np.uint8)
    np.save(images_dir / "images.npy", pixels)
    index = pd.DataFrame({
        "row": np.arange(n, dtype=np.int64),
        "image": [f"img/{i:04d}.jpg" for i in range(n)],
        "split": ["train"] * n_train + ["val"] * n_val,
        "categories": [[int(k)] for k in categories],
        "subcategories": [[SUBCATEGORY_RANGE[CATEGORIES[k]][0]] for k in categories] if multi else [None] * n,
        "attributes": [ATTRIBUTE_RANGE[CATEGORIES[k]][:1] for k in categories],
    })
    if multi:
        index["post_id"] = [str(100 + i) for i in range(n)]
        index["annotated"] = True
        mined = [(str(100 + i), "categories", 1, CATEGORIES[k]) for i, k in enumerate(categories)]
        mined += [(str(100 + i), "material", 1, "wool") for i in range(n)]
        frame = pd.DataFrame(mined, columns=["post_id", "facet", "rank", "term"]).assign(score=1.0, share=100.0)
        frame.to_parquet(processed / "annotations.parquet")
    index.to_parquet(images_dir / "index.parquet")


def write_params(root: Path, **train_overrides) -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["images"]["image_size"] = SIZE
    params["train"].update(epochs=1, batch_size=6, fc_width=16, device="cpu", **train_overrides)
    (root / "params.yaml").write_text(yaml.safe_dump(params))


def run_stage(root: Path, dataset: str, backbone: str = "resnet18", head: str = "pruning") -> subprocess.CompletedProcess:
    """The stage as DVC runs it: a fresh interpreter in the workspace root."""
    # the checkout under test first: a venv shared by several worktrees may have another installed
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(STAGE.parents[1]), os.environ.get("PYTHONPATH")])))
    return subprocess.run(
        [sys.executable, str(STAGE), "--dataset", dataset, "--backbone", backbone, "--head", head],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture
def one_thread():
    """One intra-op thread: on small shared CPUs extra OpenMP threads mostly wait for each other."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def stage_main(monkeypatch, one_thread):
    """stages/train.py's main() in this process (no interpreter start-up)."""
    spec = importlib.util.spec_from_file_location("train_stage", STAGE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def call(root: Path, *argv: str) -> int:
        monkeypatch.chdir(root)
        return module.main(list(argv))

    return call


def test_stage_script_runs_as_dvc_would(tmp_path):
    write_processed(tmp_path, "deepfashion")
    write_params(tmp_path)
    done = run_stage(tmp_path, "deepfashion")
    assert done.returncode == 0, done.stderr[-3000:]
    check_outputs(tmp_path, "deepfashion")


def test_stage_on_instagram_uses_text_hints_and_subcategories(tmp_path, stage_main):
    write_processed(tmp_path, "instagram")
    write_params(tmp_path)
    assert stage_main(tmp_path, "--dataset", "instagram", "--backbone", "resnet18", "--head", "pruning") == 0
    check_outputs(tmp_path, "instagram")


def check_outputs(tmp_path: Path, dataset: str) -> None:
    run_metrics = json.loads((tmp_path / "metrics" / dataset / "resnet18-pruning.json").read_text())
    per_class = json.loads((tmp_path / "metrics" / dataset / "per_class" / "resnet18-pruning.json").read_text())
    multi = dataset == "instagram"
    assert run_metrics["scenario"] == ("multi" if multi else "single")
    assert run_metrics["paper"]["hint_source"] == ("text" if multi else "truth")
    assert run_metrics["leakage_free"]["hint_source"] == ("text" if multi else "predicted")
    assert run_metrics["epochs"] == 1 and run_metrics["val_batch_size"] == 6
    assert ("subcategories" in run_metrics["paper"]) == multi
    assert set(per_class["paper"]["categories"]) == set(CATEGORIES)
    model_dir = tmp_path / "models" / dataset / "resnet18-pruning"
    assert {p.name for p in model_dir.iterdir()} == {"model.pt", "model.json"}
    assert (tmp_path / "checkpoints" / dataset / "resnet18-pruning" / "checkpoint.pt").is_file()
    assert torch.load(model_dir / "model.pt", weights_only=True)
    live = tmp_path / "dvclive" / dataset / "resnet18-pruning" / "plots" / "metrics"
    assert (live / "train" / "loss.tsv").is_file() and (live / "val" / "r@5.tsv").is_file()
    assert not (tmp_path / "dvc.yaml").exists()


ARGS = ("--dataset", "deepfashion", "--backbone", "resnet18", "--head", "base")


def test_stage_rejects_images_of_another_size(tmp_path, stage_main, capsys):
    write_processed(tmp_path, "deepfashion")
    write_params(tmp_path)
    params = yaml.safe_load((tmp_path / "params.yaml").read_text())
    params["images"]["image_size"] = 64
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    assert stage_main(tmp_path, *ARGS) == 1
    message = capsys.readouterr().err
    assert "images.npy" in message and "32x32" in message and "64" in message


def test_stage_reports_a_missing_ranges_file(tmp_path, stage_main, capsys):
    write_params(tmp_path)
    assert stage_main(tmp_path, *ARGS) == 1
    assert "ranges.json: not found" in capsys.readouterr().err


def test_stage_names_a_missing_param(tmp_path, stage_main):
    write_processed(tmp_path, "deepfashion")
    write_params(tmp_path)
    params = yaml.safe_load((tmp_path / "params.yaml").read_text())
    del params["train"]["lr"]
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(SystemExit, match="missing key train.lr"):
        stage_main(tmp_path, *ARGS)


def test_cli_flags_cover_every_train_config_field():
    import dataclasses

    from fashion.train.config import TrainConfig
    from fashion.train.commands import FLAGS, REQUIRED

    from fashion.train.config import PARAM_KEYS

    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    assert list(FLAGS) == list(fields)
    for name, (kind, choices, help_text) in FLAGS.items():
        if name in REQUIRED:
            continue
        default = fields[name].default
        assert kind is type(default), name
        if choices:
            assert default in choices, name
        if name in PARAM_KEYS:  # the default is the params key's value: the help names the key
            assert f"(params: {PARAM_KEYS[name]})" in help_text, name
        elif kind is bool:
            assert f"default {'on' if default else 'off'}" in help_text, name
        else:
            assert f"(default {default})" in help_text, name


def test_train_config_defaults_are_the_committed_params():
    """One source of defaults: a library default that drifts from params.yaml fails here."""
    import dataclasses

    from fashion.params import load_params, value
    from fashion.train.config import PARAM_KEYS, TrainConfig

    params = load_params(Path(__file__).resolve().parents[1] / "params.yaml")
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    assert {name: defaults[name] for name in PARAM_KEYS} == {name: value(params, key) for name, key in PARAM_KEYS.items()}


def test_cli_without_flags_writes_what_the_stage_writes(tmp_path, stage_main, one_thread):
    from fashion.cli import main as cli_main

    write_processed(tmp_path, "deepfashion")
    write_params(tmp_path)
    stage_main(tmp_path, *ARGS)
    out = tmp_path / "cli"
    code = cli_main(["train", "--params", str(tmp_path / "params.yaml"), "--processed",
                     str(tmp_path / "data" / "processed"), "--out", str(out), *ARGS])
    assert code == 0
    run = "metrics/deepfashion/resnet18-base.json"
    stage_metrics, cli_metrics = (json.loads((root / run).read_text()) for root in (tmp_path, out))
    for timed in (stage_metrics, cli_metrics):
        timed.pop("val_seconds_per_batch")  # wall time, the only field allowed to differ
    assert cli_metrics == stage_metrics
    model = "models/deepfashion/resnet18-base/model.pt"
    assert (out / model).read_bytes() == (tmp_path / model).read_bytes()


def test_cli_train_command_runs_with_flags(tmp_path, one_thread):
    from fashion.cli import main as cli_main

    write_processed(tmp_path, "deepfashion")
    out = tmp_path / "out"
    code = cli_main([
        "train", "--processed", str(tmp_path / "data" / "processed"), "--out", str(out),
        "--dataset", "deepfashion", "--backbone", "resnet18", "--head", "layers", "--epochs", "1",
        "--batch-size", "6", "--fc-width", "8", "--device", "cpu", "--no-progress", "--hint-source", "none",
    ])
    assert code == 0
    run_metrics = json.loads((out / "metrics" / "deepfashion" / "resnet18-layers.json").read_text())
    assert run_metrics["paper"]["hint_source"] == "none" and run_metrics["epochs"] == 1
    saved = json.loads((out / "models" / "deepfashion" / "resnet18-layers" / "model.json").read_text())
    committed_lr = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())["train"]["lr"]
    assert saved["config"]["fc_width"] == 8 and saved["config"]["lr"] == committed_lr  # flag given / params kept


def test_cli_reports_bad_settings_without_traceback(tmp_path, capsys):
    from fashion.cli import main as cli_main

    write_processed(tmp_path, "deepfashion")
    code = cli_main(["train", "--processed", str(tmp_path / "data" / "processed"), "--dataset", "deepfashion",
                     "--backbone", "resnet18", "--head", "base", "--epochs", "0"])
    assert code == 1
    assert "train.epochs: expected an integer >= 1, got 0" in capsys.readouterr().err
