"""fashion.train on tiny in-memory benchmarks (16 images, 32 px, CPU)."""
import dataclasses
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from fashion import train as T
from fashion.data import transforms as TX
from fashion.data.hints import HintSettings, plan_hints
from fashion.train import loop
from fashion.data.benchmark import Benchmark
from fashion.models import Hints, LabelSpace

CATEGORIES = ["c0", "c1", "c2", "c3"]
ATTRIBUTES = [f"material:m{i}" for i in range(5)] + [f"pattern:p{i}" for i in range(5)]
SUBCATEGORIES = [f"s{i}" for i in range(6)]
ATTRIBUTE_RANGE = [[0, 1, 2, 5], [2, 3, 6], [4, 7, 8], [1, 9]]
SUBCATEGORY_RANGE = [[0, 1], [2], [3, 4], [5]]
KS_KEYS = {"p@1", "p@3", "p@5", "r@1", "r@3", "r@5"}


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: on small shared CPUs extra OpenMP threads mostly wait for each other."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def make_space(multi: bool) -> LabelSpace:
    return LabelSpace(
        categories=CATEGORIES,
        attributes=ATTRIBUTES,
        attribute_range=ATTRIBUTE_RANGE,
        subcategories=SUBCATEGORIES if multi else None,
        subcategory_range=SUBCATEGORY_RANGE if multi else None,
    )


def make_bench(split: str, n: int, multi: bool, seed: int, size: int = 32) -> Benchmark:
    """Learnable toy data: the category decides which colour channel is bright; labels in range."""
    rng = np.random.default_rng(seed)
    category = rng.integers(0, len(CATEGORIES), n)
    images = rng.integers(0, 80, (n, size, size, 3)).astype(np.uint8)
    images[np.arange(n), :, :, category % 3] += 170
    attributes = np.zeros((n, len(ATTRIBUTES)), dtype=np.float32)
    subcategories = np.zeros((n, len(SUBCATEGORIES)), dtype=np.float32) if multi else None
    for i, k in enumerate(category):
        attributes[i, rng.choice(ATTRIBUTE_RANGE[k], size=2, replace=False)] = 1.0
        if multi:
            subcategories[i, rng.choice(SUBCATEGORY_RANGE[k])] = 1.0
    offset = 0 if split == "train" else 1000
    return Benchmark(
        dataset="instagram" if multi else "deepfashion",
        split=split,
        labels="truth",
        images=images,
        category=np.eye(len(CATEGORIES), dtype=np.float32)[category],
        attributes=attributes,
        subcategories=subcategories,
        rows=np.arange(n) + offset,
        image_names=[f"img_{offset + i}.jpg" for i in range(n)],
        post_ids=[str(offset + i) for i in range(n)] if multi else None,
        category_names=CATEGORIES,
        attribute_names=ATTRIBUTES,
        subcategory_names=SUBCATEGORIES if multi else None,
        attribute_range=ATTRIBUTE_RANGE,
        subcategory_range=SUBCATEGORY_RANGE if multi else None,
    )


def mined_annotations(*benches: Benchmark) -> pd.DataFrame:
    """Text-mined labels per post (annotations.parquet shape): the true category ranked 1, a wrong one 2."""
    rows = []
    for bench in benches:
        for i, post in enumerate(bench.post_ids):
            k = int(bench.category[i].argmax())
            rows.append((post, "categories", 1, CATEGORIES[k]))
            rows.append((post, "categories", 2, CATEGORIES[(k + 1) % len(CATEGORIES)]))
            rows.append((post, "subcategories", 1, SUBCATEGORIES[SUBCATEGORY_RANGE[k][0]]))
            group, value = ATTRIBUTES[ATTRIBUTE_RANGE[k][0]].split(":")
            rows.append((post, group, 1, value))
    frame = pd.DataFrame(rows, columns=["post_id", "facet", "rank", "term"])
    return frame.assign(score=1.0, share=100.0)


def make_inputs(multi: bool, n_train: int = 16, n_val: int = 8) -> T.RunInputs:
    train, val = make_bench("train", n_train, multi, 0), make_bench("val", n_val, multi, 1)
    return T.RunInputs(make_space(multi), train, val, mined_annotations(train, val) if multi else None)


def make_config(multi: bool, backbone: str = "resnet18", head: str = "pruning", **overrides) -> T.TrainConfig:
    settings = dict(epochs=1, batch_size=8, fc_width=16, lr=0.01, progress=False)
    settings.update(overrides)
    return T.TrainConfig("instagram" if multi else "deepfashion", backbone, head, **settings)


def paths_for(root: Path, config: T.TrainConfig, live: bool = True) -> T.RunPaths:
    """Standard layout under root; live=False skips dvclive (its start-up costs seconds)."""
    paths = T.RunPaths.standard(root, config.dataset, config.run_name)
    return paths if live else dataclasses.replace(paths, live_dir=None)


def assert_contract_shape(run_metrics: dict, per_class: dict, config: T.TrainConfig, multi: bool) -> None:
    """docs/contracts.md "Run metrics": keys, types and value ranges."""
    outputs = {"attributes", "categories"} | ({"subcategories"} if multi else set())
    assert set(run_metrics) == {
        "dataset", "backbone", "head", "scenario", "epochs", "train_loss", "val_seconds_per_batch",
        "val_batch_size", "paper", "leakage_free", "baseline",
    }
    assert (run_metrics["dataset"], run_metrics["backbone"], run_metrics["head"]) == (
        config.dataset, config.backbone, config.head,
    )
    assert run_metrics["scenario"] == ("multi" if multi else "single")
    assert run_metrics["epochs"] == config.epochs
    assert run_metrics["val_batch_size"] == config.eval_batch_size
    assert run_metrics["train_loss"] > 0 and run_metrics["val_seconds_per_batch"] > 0
    sources = {"paper": "text" if multi else "truth", "leakage_free": "text" if multi else "predicted"}
    for protocol, source in sources.items():
        section = run_metrics[protocol]
        assert set(section) == {"hint_source", "loss", "gain_over_baseline"} | outputs
        assert section["hint_source"] == source
        assert section["loss"] > 0
        for output in outputs:
            assert set(section[output]) == KS_KEYS
            assert all(0.0 <= v <= 1.0 for v in section[output].values())
        gain = section["gain_over_baseline"]["attributes"]
        assert set(gain) == {"p@3", "p@3_low", "p@3_high"}
        assert gain["p@3"] == pytest.approx(section["attributes"]["p@3"] - run_metrics["baseline"]["attributes"]["p@3"],
                                            abs=2e-6)  # both rounded to 6 places
        assert -1.0 <= gain["p@3_low"] <= gain["p@3"] <= gain["p@3_high"] <= 1.0
    assert set(run_metrics["baseline"]) == {"attributes"}
    assert set(run_metrics["baseline"]["attributes"]) == KS_KEYS
    names = {"categories": CATEGORIES, "attributes": ATTRIBUTES, "subcategories": SUBCATEGORIES}
    assert set(per_class) == {"paper", "leakage_free"}
    for protocol in per_class.values():
        assert set(protocol) == outputs
        for output, values in protocol.items():
            assert list(values) == sorted(names[output])  # write_json sorts keys
            assert all(v is None or 0.0 <= v <= 1.0 for v in values.values())


# --------------------------------------------------------------------------------------------
# Building blocks


def test_rank_batches_shard_each_global_batch_like_distributed_sampler():
    order = np.arange(10)
    assert [b.tolist() for b in T.rank_batches(order, 4, 0, 1)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    rank0 = [b.tolist() for b in T.rank_batches(np.arange(12), 4, 0, 2)]
    rank1 = [b.tolist() for b in T.rank_batches(np.arange(12), 4, 1, 2)]
    assert rank0 == [[0, 2], [4, 6], [8, 10]] and rank1 == [[1, 3], [5, 7], [9, 11]]
    # a global batch of 5 on 2 ranks is padded with its own first sample: equal shares
    assert [b.tolist() for b in T.rank_batches(order[:5], 5, 1, 2)] == [[1, 3, 0]]
    assert [b.tolist() for b in T.rank_batches(np.arange(10, 20), 5, 1, 2)] == [[11, 13, 10], [16, 18, 15]]
    # a last batch that would leave a rank one sample (BatchNorm cannot train on it) is merged
    assert [b.tolist() for b in T.rank_batches(order[:9], 4, 0, 1)] == [[0, 1, 2, 3], [4, 5, 6, 7, 8]]
    assert [b.tolist() for b in T.rank_batches(order, 4, 1, 2)] == [[1, 3], [5, 7, 9]]


@pytest.mark.parametrize("n, batch_size, world_size", [(100, 32, 3), (1000, 30, 4), (37, 5, 2), (64, 32, 1)])
def test_rank_batches_pad_no_sample_beyond_one_extra_copy(n, batch_size, world_size):
    order = np.random.default_rng(0).permutation(n)
    shares = [T.rank_batches(order, batch_size, rank, world_size) for rank in range(world_size)]
    used = np.concatenate([b for rank_shares in shares for b in rank_shares])
    counts = np.bincount(used, minlength=n)
    assert counts.min() == 1  # every sample trained on
    assert counts.max() <= 2 and counts.sum() - n < world_size * len(shares[0])  # at most world-1 pads a step
    for step in range(len(shares[0])):
        assert len({len(rank_shares[step]) for rank_shares in shares}) == 1  # equal shares per step


def test_epoch_order_is_a_seeded_permutation_per_epoch():
    first = T.epoch_order(50, 7, 0)
    assert sorted(first.tolist()) == list(range(50))
    assert np.array_equal(first, T.epoch_order(50, 7, 0))
    assert not np.array_equal(first, T.epoch_order(50, 7, 1))
    assert not np.array_equal(first, T.epoch_order(50, 8, 0))


def test_channel_stats_and_normalizer_match_a_float_computation():
    images = np.random.default_rng(3).integers(0, 256, (5, 6, 7, 3)).astype(np.uint8)
    mean, std = TX.channel_stats(images, chunk=2)
    as_float = images.astype(np.float64) / 255
    np.testing.assert_allclose(mean, as_float.mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(std, as_float.std(axis=(0, 1, 2)))
    x = TX.Normalizer(mean, std, torch.device("cpu"))(images[1:3])
    expected = (as_float[1:3].transpose(0, 3, 1, 2) - np.reshape(mean, (1, 3, 1, 1))) / np.reshape(std, (1, 3, 1, 1))
    assert x.shape == (2, 3, 6, 7) and x.dtype == torch.float32
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-5, atol=1e-5)
    # a constant channel is centred, not divided by zero
    flat = np.full((2, 4, 4, 3), 9, dtype=np.uint8)
    assert TX.channel_stats(flat)[1] == [1.0, 1.0, 1.0]


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="loss"):
        T.TrainConfig("deepfashion", "resnet18", "base", loss="l1")
    with pytest.raises(ValueError, match="epochs"):
        T.TrainConfig("deepfashion", "resnet18", "base", epochs=0)


def test_predicted_hints_cost_one_encode_per_batch():
    inputs = make_inputs(multi=False)
    config = make_config(False)
    model = T.build_model(config, inputs.space)
    calls = []
    original = model.encode
    model.encode = lambda images: calls.append(len(images)) or original(images)
    normalize = TX.Normalizer(*TX.channel_stats(inputs.train.images), torch.device("cpu"))
    plan = plan_hints(inputs.val, "leakage_free", HintSettings(), 0, None)
    assert plan.source == "predicted"
    result = T.evaluate_protocol(model, inputs.val, inputs.space, plan, normalize, 3, "mse")
    assert calls == [3, 3, 2]
    assert result.scores["attributes"].shape == (8, len(ATTRIBUTES))


# --------------------------------------------------------------------------------------------
# Training


def test_training_has_real_gradient_flow_and_lowers_the_loss(tmp_path):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="layers", epochs=4, lr=0.02, weight_decay=0.0)
    initial = {k: v.clone() for k, v in T.build_model(config, inputs.space).state_dict().items()}
    fitted = T.fit(config, inputs, paths_for(tmp_path, config, live=False))
    losses = [h["train_loss"] for h in fitted.history]
    assert losses[-1] < losses[0]
    model = fitted.model
    for name in ("backbone.conv1.weight", "fc.0.weight", "category_head.linear.weight", "attribute_head.weight"):
        grad = model.get_parameter(name).grad
        assert grad is not None and grad.abs().sum() > 0, name
        assert not torch.equal(model.get_parameter(name).detach(), initial[name]), name


ARCHITECTURES = [
    pytest.param(backbone, head, multi, marks=[pytest.mark.slow] if backbone == "vgg16" and (head, multi) != ("layers", True) else [])
    for backbone in ("resnet18", "vgg16")
    for head in ("base", "pruning", "layers")
    for multi in (False, True)
]


@pytest.mark.parametrize("backbone, head, multi", ARCHITECTURES)
def test_one_epoch_per_architecture_writes_contract_outputs(tmp_path, backbone, head, multi):
    inputs = make_inputs(multi)
    config = make_config(multi, backbone, head)
    paths = paths_for(tmp_path, config)
    returned = T.run(config, inputs, paths)
    run_metrics = json.loads(paths.metrics_file.read_text())
    per_class = json.loads(paths.per_class_file.read_text())
    assert run_metrics == returned
    assert_contract_shape(run_metrics, per_class, config, multi)
    state = torch.load(paths.model_file, weights_only=True)
    assert set(state) == set(T.build_model(config, inputs.space).state_dict())
    assert (paths.live_dir / "plots" / "metrics" / "val" / "p@3.tsv").is_file()


def test_bce_with_imagenet_normalisation_trains_on_sigmoid_outputs(tmp_path):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="base", loss="bce", normalization="imagenet")
    run_metrics = T.run(config, inputs, paths_for(tmp_path, config, live=False))
    assert T.build_model(config, inputs.space).category_head.activation_name == "sigmoid"
    assert math.isfinite(run_metrics["train_loss"]) and run_metrics["paper"]["loss"] > 0
    saved = json.loads((paths_for(tmp_path, config).model_dir / "model.json").read_text())
    assert saved["normalization"]["mean"] == list(TX.IMAGENET_MEAN)


def test_kill_and_resume_gives_the_same_weights(tmp_path):
    inputs = make_inputs(multi=False)
    # dropout makes the torch RNG matter: resuming without restoring it would change the masks
    config = make_config(False, head="pruning", epochs=2, dropout=0.5)
    straight = T.fit(config, inputs, paths_for(tmp_path / "straight", config))

    killed_paths = paths_for(tmp_path / "killed", config)

    def kill_in_second_epoch(epoch, step, loss):
        if epoch == 1 and step == 0:
            raise KeyboardInterrupt  # the process dies after one update of epoch 2

    with pytest.raises(KeyboardInterrupt):
        T.fit(config, inputs, killed_paths, on_batch_end=kill_in_second_epoch)
    assert not killed_paths.model_file.exists()
    checkpoint = torch.load(killed_paths.checkpoint, weights_only=True)
    assert checkpoint["epoch"] == 1

    resumed = T.fit(config, inputs, killed_paths)
    assert resumed.resumed_from == 1
    expected, got = straight.model.state_dict(), resumed.model.state_dict()
    assert expected.keys() == got.keys()
    for name in expected:
        assert torch.equal(expected[name], got[name]), name
    assert resumed.history == straight.history
    # byte for byte too (DVC hashes the files): nothing of the temp file names ends up inside
    straight_paths = paths_for(tmp_path / "straight", config)
    assert killed_paths.model_file.read_bytes() == straight_paths.model_file.read_bytes()
    loss_log = (killed_paths.live_dir / "plots" / "metrics" / "train" / "loss.tsv").read_text().splitlines()
    assert [row.split("\t")[0] for row in loss_log] == ["step", "0", "1"]


def test_resume_survives_dvc_deleting_the_stage_outputs(tmp_path):
    """`dvc repro` deletes a stage's outputs (model and dvclive folders) before rerunning a killed
    stage: the checkpoint lives outside them, and dvclive is rebuilt from its history."""
    inputs = make_inputs(multi=False)
    config = make_config(False, head="layers", epochs=2)
    straight = T.fit(config, inputs, paths_for(tmp_path / "straight", config))
    paths = paths_for(tmp_path / "killed", config)
    assert not paths.checkpoint.is_relative_to(paths.model_dir)

    def kill_in_second_epoch(epoch, step, loss):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        T.fit(config, inputs, paths, on_batch_end=kill_in_second_epoch)
    assert paths.checkpoint.is_file() and not paths.model_file.exists()
    shutil.rmtree(paths.live_dir)  # what dvc repro removes (the model folder has no files yet)
    resumed = T.fit(config, inputs, paths)
    assert resumed.resumed_from == 1
    assert paths.model_file.read_bytes() == paths_for(tmp_path / "straight", config).model_file.read_bytes()
    assert resumed.history == straight.history
    metrics_dir = paths.live_dir / "plots" / "metrics"
    for tsv in ("train/loss.tsv", "val/loss.tsv", "val/p@3.tsv"):
        rows = (metrics_dir / tsv).read_text().splitlines()
        assert [row.split("\t")[0] for row in rows] == ["step", "0", "1"], tsv
    train_losses = [float(row.split("\t")[-1]) for row in (metrics_dir / "train/loss.tsv").read_text().splitlines()[1:]]
    assert train_losses == pytest.approx([h["train_loss"] for h in straight.history])


def test_checkpoint_of_other_data_or_code_is_not_resumed(tmp_path, monkeypatch):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="base", epochs=1)
    paths = paths_for(tmp_path, config, live=False)
    T.fit(config, inputs, paths)
    longer = make_config(False, head="base", epochs=2)
    # same sample count and settings, one pixel changed: other data
    pixels = inputs.train.images.copy()
    pixels[3, 0, 0, 0] ^= 1
    other_data = dataclasses.replace(inputs, train=dataclasses.replace(inputs.train, images=pixels))
    assert T.fit(longer, other_data, paths).resumed_from == 0
    T.fit(config, inputs, paths)  # a checkpoint of these data again
    monkeypatch.setattr(loop, "code_fingerprint", lambda: "edited")
    assert T.fit(longer, inputs, paths).resumed_from == 0
    monkeypatch.undo()
    T.fit(config, inputs, paths)
    assert T.fit(longer, inputs, paths).resumed_from == 1  # unchanged: resumed


def test_code_fingerprint_follows_the_package_sources():
    assert T.code_fingerprint() == T.code_fingerprint()
    assert len(T.code_fingerprint()) == 32


def test_image_size_the_backbone_cannot_take_is_named(tmp_path):
    space = make_space(False)
    train = make_bench("train", 8, False, 0, size=16)
    inputs = T.RunInputs(space, train, make_bench("val", 4, False, 1, size=16))
    config = make_config(False, backbone="vgg16", head="base")
    with pytest.raises(T.TrainError, match="16x16 px are too small for this backbone"):
        T.fit(config, inputs, paths_for(tmp_path, config, live=False))


def test_bce_keeps_the_gradient_of_confidently_wrong_outputs():
    logits = torch.tensor([[15.0, -15.0, 5.0]], requires_grad=True)
    target = torch.tensor([[0.0, 1.0, 0.0]])
    loss = T.compute_loss({"x": torch.sigmoid(logits)}, {"x": target}, "bce")
    loss.backward()
    clamped = 2 * -math.log(T.BCE_EPS) - math.log(1 - torch.sigmoid(torch.tensor(5.0)).item())
    assert loss.item() == pytest.approx(clamped / 3, rel=1e-3)  # the values are still clamped; mean of 3
    assert (logits.grad.abs() > 1e-3).all()  # all three pull the right way, none clamped to 0
    assert logits.grad[0, 0] > 0 and logits.grad[0, 1] < 0


def test_base_model_json_leaves_out_the_dynamic_only_settings(tmp_path):
    inputs = make_inputs(multi=False)
    for head in ("base", "pruning"):
        config = make_config(False, head=head)
        paths = paths_for(tmp_path, config, live=False)
        T.fit(config, inputs, paths)
        saved = json.loads((paths.model_dir / "model.json").read_text())["config"]
        assert ("beta" in saved) == (head != "base") and ("hint_rate" in saved) == (head != "base")
        assert saved["hint_source"] == "paper" and saved["lr"] == 0.01


def test_resume_continues_for_more_epochs_but_not_after_a_settings_change(tmp_path):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="base")
    paths = paths_for(tmp_path, config, live=False)
    T.fit(config, inputs, paths)
    longer = T.fit(make_config(False, head="base", epochs=2), inputs, paths)
    assert longer.resumed_from == 1 and len(longer.history) == 2
    changed = T.fit(make_config(False, head="base", epochs=2, lr=0.05), inputs, paths)
    assert changed.resumed_from == 0


def test_unreadable_checkpoint_is_reported_with_its_path(tmp_path):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="base")
    paths = paths_for(tmp_path, config, live=False)
    paths.checkpoint.parent.mkdir(parents=True)
    paths.checkpoint.write_bytes(b"not a checkpoint")
    with pytest.raises(T.TrainError, match="checkpoint.pt"):
        T.fit(config, inputs, paths)


def test_checkpoint_holds_rng_states_and_sampler_order_and_loads_weights_only(tmp_path):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="base")
    paths = paths_for(tmp_path, config, live=False)
    T.fit(config, inputs, paths)
    state = torch.load(paths.checkpoint, weights_only=True)
    assert {"model", "optimizer", "epoch", "rng", "next_order", "config", "history"} <= set(state)
    assert set(state["rng"]) == {"torch", "cuda", "numpy", "python"}
    assert torch.equal(state["next_order"], torch.from_numpy(T.epoch_order(16, config.seed, 1)))
    assert state["config"] == config.resume_key()


def test_dvclive_leaves_dvc_files_and_experiments_alone(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], cwd=repo, check=True
    )
    monkeypatch.chdir(repo)
    inputs = make_inputs(multi=False)
    config = make_config(False, head="base")
    T.run(config, inputs, T.RunPaths.standard(Path("."), config.dataset, config.run_name))
    assert not (repo / "dvc.yaml").exists()
    assert not list(repo.rglob("dvc.yaml"))
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, check=True, capture_output=True, text=True)
    changed = {line[3:].split("/")[0] for line in status.stdout.splitlines()}
    assert {name.rstrip("/") for name in changed} == {"models", "metrics", "dvclive", "checkpoints"}
    refs = subprocess.run(["git", "for-each-ref"], cwd=repo, check=True, capture_output=True, text=True)
    assert "exps" not in refs.stdout


def test_bce_switched_off_rows_score_lowest():
    """Under bce a pruned row must output 0 (the lowest sigmoid score), not a logit of 0 that
    would outrank in-range rows with negative logits."""
    inputs = make_inputs(multi=False)
    config = make_config(False, head="pruning", loss="bce")
    model = T.build_model(config, inputs.space).eval()
    space = inputs.space
    hints = Hints.empty(4, space)
    hinted = torch.zeros(4, space.num_categories, dtype=torch.bool)
    hinted[:, 0] = True
    hints = dataclasses.replace(hints, category=hinted)
    with torch.no_grad():
        out = model(torch.randn(4, 3, 32, 32), hints)["attributes"]  # [4,P] probabilities
    in_range = torch.zeros(space.num_attributes, dtype=torch.bool)
    in_range[list(space.attribute_range[0])] = True
    assert (out[:, ~in_range] == 0).all()
    assert (out[:, in_range] > 0).all()
    target = torch.zeros_like(out)
    assert torch.isfinite(T.compute_loss({"attributes": out}, {"attributes": target}, "bce"))
