"""DDP on CPU: `torchrun --nproc_per_node 2` (gloo) runs this file as the worker script."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from fashion import train as T
from fashion.train import loop
from fashion.data.benchmark import Benchmark
from fashion.models import LabelSpace

CATEGORIES = ["a", "b", "c"]
ATTRIBUTES = [f"material:m{i}" for i in range(6)]
RANGES = [[0, 1], [2, 3], [4, 5]]


def tiny_bench(split: str, n: int, seed: int) -> Benchmark:
    rng = np.random.default_rng(seed)
    category = rng.integers(0, 3, n)
    images = rng.integers(0, 90, (n, 32, 32, 3)).astype(np.uint8)
    images[np.arange(n), :, :, category] += 160
    attributes = np.zeros((n, len(ATTRIBUTES)), dtype=np.float32)
    attributes[np.arange(n), [RANGES[k][0] for k in category]] = 1.0
    return Benchmark(
        dataset="deepfashion", split=split, labels="truth", images=images,
        category=np.eye(3, dtype=np.float32)[category], attributes=attributes, subcategories=None,
        rows=np.arange(n), image_names=[str(i) for i in range(n)], post_ids=None,
        category_names=CATEGORIES, attribute_names=ATTRIBUTES, subcategory_names=None,
        attribute_range=RANGES, subcategory_range=None,
    )


def worker(out: Path) -> None:
    """One rank: train 2 epochs on 14 images (global batch 6 -> 3 per rank, last batch padded)."""
    rank = int(os.environ["RANK"])
    writes = []
    for name in ("save_checkpoint", "save_torch", "write_json", "open_live"):  # every writer the loop calls
        original = getattr(loop, name)
        setattr(loop, name, lambda *a, _name=name, _f=original, **k: writes.append(_name) or _f(*a, **k))
    space = LabelSpace(categories=CATEGORIES, attributes=ATTRIBUTES, attribute_range=RANGES)
    inputs = T.RunInputs(space, tiny_bench("train", 14, 0), tiny_bench("val", 6, 1))
    config = T.TrainConfig("deepfashion", "resnet18", "layers", epochs=2, batch_size=6, fc_width=8,
                           device="cpu", progress=False)
    paths = T.RunPaths.standard(out / "run", config.dataset, config.run_name)
    fitted = T.fit(config, inputs, paths)
    torch.save(fitted.model.state_dict(), out / f"rank{rank}.pt")
    (out / f"rank{rank}.json").write_text(json.dumps({"history": fitted.history, "writes": writes}))


@pytest.mark.slow  # two interpreters importing torch: ~40 s on 2 shared cores
def test_ddp_two_gloo_processes_stay_in_sync_and_only_rank0_writes(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("WORLD_SIZE", None)
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         __file__, str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    states = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    logs = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    initial_model = T.build_model(
        T.TrainConfig("deepfashion", "resnet18", "layers", fc_width=8),
        LabelSpace(categories=CATEGORIES, attributes=ATTRIBUTES, attribute_range=RANGES),
    )
    initial = initial_model.state_dict()
    parameters = {name for name, _ in initial_model.named_parameters()}
    for name in parameters:
        assert torch.equal(states[0][name], states[1][name]), name  # gradients were all-reduced every step
    # BatchNorm statistics are per rank (DDP re-broadcasts rank 0's before every forward)
    assert not torch.equal(states[0]["backbone.bn1.running_mean"], states[1]["backbone.bn1.running_mean"])
    assert not torch.equal(states[0]["backbone.conv1.weight"], initial["backbone.conv1.weight"])
    # the epoch loss is reduced over both ranks; only rank 0 validates and writes anything
    assert [h["train_loss"] for h in logs[0]["history"]] == [h["train_loss"] for h in logs[1]["history"]]
    assert "val_loss" in logs[0]["history"][0] and "val_loss" not in logs[1]["history"][0]
    assert logs[1]["writes"] == []
    assert logs[0]["writes"].count("save_checkpoint") == 2 and "open_live" in logs[0]["writes"]
    run_dir = tmp_path / "run" / "models" / "deepfashion" / "resnet18-layers"
    checkpoint = tmp_path / "run" / "checkpoints" / "deepfashion" / "resnet18-layers" / "checkpoint.pt"
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 2
    assert set(torch.load(run_dir / "model.pt", weights_only=True)) == set(states[0])


if __name__ == "__main__":
    worker(Path(sys.argv[1]))
