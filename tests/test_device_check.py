"""benchmarks/device_check.py (the prepared GPU check) runs its head and resume checks on the CPU
too; these keep it from rotting between sessions that have a GPU, and show its checks can fail."""
import importlib.util
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "device_check.py"


@pytest.fixture(scope="module")
def device_check():
    sys.path.insert(0, str(SCRIPT.parent))  # the script imports model_bench from its own folder
    spec = importlib.util.spec_from_file_location("device_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path.remove(str(SCRIPT.parent))


def test_head_check_passes_on_cpu_and_compares_every_head_path(device_check):
    result = device_check.check_heads(torch.device("cpu"), None)
    assert result["status"] == "PASS"
    assert set(result["cases"]) == {"pruning", "layers_grouped", "layers_dense"}
    for case in result["cases"].values():
        assert case["max_abs_vs_literal"] <= 1e-5 and case["max_abs_grad_vs_cpu"] == 0.0


def test_head_check_fails_when_a_head_disagrees_with_the_literal_version(device_check, monkeypatch):
    honest = device_check.reference_layers
    monkeypatch.setattr(device_check, "reference_layers", lambda *args: honest(*args) + 0.01)
    result = device_check.check_heads(torch.device("cpu"), None)
    assert result["status"] == "FAIL"
    assert result["cases"]["pruning"]["status"] == "PASS"
    assert result["cases"]["layers_dense"]["status"] == "FAIL"


def test_resume_check_passes_on_cpu(device_check, tmp_path):
    result = device_check.check_resume(torch.device("cpu"), tmp_path)
    assert result["status"] == "PASS", result
    assert result["resumed_from"] == 1 and result["max_abs_weight_difference"] == 0.0


def test_ddp_check_is_skipped_without_two_gpus(device_check, tmp_path):
    assert device_check.check_ddp(torch.device("cpu"), tmp_path)["status"] == "SKIP"


def test_fp16_check_is_the_cuda_path_only(device_check, tmp_path):
    assert device_check.check_fp16(torch.device("cpu"), tmp_path)["status"] == "SKIP"
