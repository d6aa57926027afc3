"""params.yaml is the one source of defaults and is checked for meaning, whole, before any work."""
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fashion.data.stage import ImagesConfig, RangesConfig
from fashion.demo import DemoConfig
from fashion.ingest import IngestConfig
from fashion.params import SCHEMA, ParamsError, load_params, validate
from fashion.report import ReportConfig

REPO = Path(__file__).resolve().parents[1]
COMMITTED = yaml.safe_load((REPO / "params.yaml").read_text())


def test_committed_params_validate_and_every_key_has_a_rule():
    validate(COMMITTED)
    flat = set()
    for name, section in COMMITTED.items():
        flat.update(f"{name}.{key}" for key in section) if isinstance(section, dict) else flat.add(name)
    assert flat <= set(SCHEMA)


@pytest.mark.parametrize("config", [DemoConfig(), RangesConfig(), ImagesConfig(), ReportConfig()],
                         ids=lambda c: type(c).__name__)
def test_library_defaults_equal_the_committed_params(config):
    """A library default that drifts from params.yaml fails here (TrainConfig: test_train_stage)."""
    from_params = type(config).from_params(COMMITTED["demo"] if isinstance(config, DemoConfig) else COMMITTED)
    assert from_params == config


def test_ingest_default_pixel_cap_is_the_committed_one():
    assert IngestConfig().max_image_pixels == COMMITTED["ingest"]["max_image_pixels"]


@pytest.mark.parametrize("key, bad, message", [
    ("beta", "abc", "params.yaml: beta: expected a number >= 0, got 'abc'"),
    ("alpha", -5, "params.yaml: alpha: expected a number >= 0 (a boost for the hinted attribute; negative values "
                  "would demote it), got -5"),
    ("hints.rate", 1.5, "params.yaml: hints.rate: expected a number >= 0 and <= 1, got 1.5"),
    ("train.epochs", 0, "params.yaml: train.epochs: expected an integer >= 1, got 0"),
    ("train.epochs", 2.5, "params.yaml: train.epochs: expected an integer >= 1, got 2.5"),
    ("train.amp", 1, "params.yaml: train.amp: expected true or false, got 1"),
    ("train.loss", "l1", "params.yaml: train.loss: expected one of mse, bce, got 'l1'"),
    ("rank.formula", "sum", "params.yaml: rank.formula: expected one of multiplicative, linear"),
    ("hints.source", "oracle", "params.yaml: hints.source: expected one of paper, truth, text, predicted, none"),
    ("ingest.paths", [], "params.yaml: ingest.paths: expected a non-empty list of paths"),
    ("images.val_share", 1.0, "params.yaml: images.val_share: expected a number > 0 and < 1"),
    ("train.lr", float("nan"), "params.yaml: train.lr: expected a number > 0"),
    ("train.epoch", 3, "params.yaml: train.epoch: unknown key (did you mean train.epochs?)"),
])
def test_a_bad_value_names_its_key(tmp_path, key, bad, message):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    node = params
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    node[last] = bad
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(SystemExit) as raised:
        load_params(path)
    assert str(raised.value).startswith(f"{path}: " + message.removeprefix("params.yaml: "))
    with pytest.raises(ParamsError):
        validate(params)


def test_first_stage_refuses_a_bad_training_value(tmp_path):
    """demo_data reads only `demo`, yet a negative beta stops it: the whole file is checked first."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["beta"] = -0.01
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    done = subprocess.run([sys.executable, "-m", "stages.demo_data"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("params.yaml: beta: expected a number >= 0")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("flags, message", [
    (["--alpha", "-5"], "alpha: expected a number >= 0"),
    (["--hint-rate", "2"], "hints.rate: expected a number >= 0 and <= 1, got 2.0"),
    (["--lr", "0"], "train.lr: expected a number > 0, got 0.0"),
])
def test_cli_flags_keep_the_rule_of_the_key_they_override(tmp_path, capsys, flags, message):
    from fashion.cli import main as cli_main

    code = cli_main(["train", "--processed", str(tmp_path), "--dataset", "deepfashion", "--backbone", "resnet18",
                     "--head", "pruning", *flags])
    assert code == 1
    assert message in capsys.readouterr().err  # refused before any input is read


def test_an_explicit_params_file_must_exist(tmp_path):
    from fashion.cli import main as cli_main

    with pytest.raises(SystemExit, match="nowhere.yaml: not found"):
        cli_main(["train", "--params", str(tmp_path / "nowhere.yaml"), "--dataset", "deepfashion",
                  "--backbone", "resnet18", "--head", "base"])


def test_dataclass_fields_of_train_config_have_rules():
    from fashion.train.config import PARAM_KEYS, TrainConfig

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(PARAM_KEYS) <= names and all(key in SCHEMA for key in PARAM_KEYS.values())
