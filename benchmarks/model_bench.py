"""Benchmark fashion.train on one backbone at a time (not a test). Three side-by-side measurements:

1. Validation seconds per batch (fashion.train.evaluate_protocol, paper protocol with truth hints,
   the number written to metrics/*.json) for base / pruning / layers, timed in interleaved rounds
   so machine-load drift hits all heads alike; ratio dynamic/base per round (target <= 1.03).
2. The dynamic attribute heads alone vs the literal per-sample implementations of
   tests/reference_heads.py on the same features and hints (target >= 100x faster), beside the
   floor: the matrix products alone that any batched version must do, and the speed-up bound
   literal / floor that follows.
3. Training images/s of fashion.train.train_one_epoch (uint8 batches indexed and normalised on the
   fly, hints, summed loss, SGD) vs a bare training loop over pre-normalised float tensors on the
   same model, resolution and batch (target ratio >= 0.95).

Synthetic DeepFashion-shaped label space: 50 categories, 1000 attributes, ranges of 30 %.
Medians over --repeats rounds (other processes share the CPU; see the printed thread count).

Usage: python benchmarks/model_bench.py [--backbone resnet18 vgg16] [--image-size 64] [--batch 32]
                                        [--repeats 5] [--threads 1] [--device auto]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # repo root: fashion/ and tests/

from fashion import train as T
from fashion.data import transforms as TX  # noqa: E402
from fashion.data.hints import HintSettings, plan_hints  # noqa: E402  # noqa: E402
from fashion.data.benchmark import Benchmark  # noqa: E402
from fashion.models import LabelSpace  # noqa: E402
from tests.reference_heads import reference_layers, reference_pruning  # noqa: E402

NUM_CATEGORIES, NUM_ATTRIBUTES, RANGE_SHARE = 50, 1000, 0.3
HEADS = ("base", "pruning", "layers")


def synthetic_benchmark(n: int, image_size: int, seed: int = 0, num_categories: int = NUM_CATEGORIES,
                        num_attributes: int = NUM_ATTRIBUTES) -> tuple[Benchmark, LabelSpace]:
    rng = np.random.default_rng(seed)
    categories = [f"category_{k}" for k in range(num_categories)]
    attributes = [f"attribute_{i}" for i in range(num_attributes)]
    ranges = [sorted(rng.choice(num_attributes, int(num_attributes * RANGE_SHARE), replace=False).tolist())
              for _ in categories]
    label = rng.integers(0, num_categories, n)
    attribute_targets = np.zeros((n, num_attributes), dtype=np.float32)
    for i, k in enumerate(label):
        attribute_targets[i, rng.choice(ranges[k], 3, replace=False)] = 1.0
    bench = Benchmark(
        dataset="deepfashion", split="val", labels="truth",
        images=rng.integers(0, 256, (n, image_size, image_size, 3), dtype=np.uint8),
        category=np.eye(num_categories, dtype=np.float32)[label], attributes=attribute_targets,
        subcategories=None, rows=np.arange(n), image_names=[str(i) for i in range(n)], post_ids=None,
        category_names=categories, attribute_names=attributes, subcategory_names=None,
        attribute_range=ranges, subcategory_range=None,
    )
    return bench, LabelSpace(categories=categories, attributes=attributes, attribute_range=ranges)


def config_for(backbone: str, head: str, batch: int, device: str) -> T.TrainConfig:
    return T.TrainConfig("deepfashion", backbone, head, batch_size=batch, device=device, progress=False)


def bench_validation(backbone, bench, space, plan, normalize, batch, repeats, device) -> dict:
    models = {head: T.build_model(config_for(backbone, head, batch, device), space).to(normalize.device).eval()
              for head in HEADS}  # same seed: identical backbone weights for the three heads
    # (a) whole validation passes as metrics/*.json measures them, heads interleaved per round
    seconds = {head: [] for head in HEADS}
    for _ in range(repeats):
        for head in HEADS:
            result = T.evaluate_protocol(models[head], bench, space, plan, normalize, batch, "mse", time_batches=True)
            seconds[head].append(result.seconds_per_batch)
    # (b) the same forward, heads interleaved per batch (rotating order): load drift cancels out
    per_batch = {head: [] for head in HEADS}
    starts = range(0, len(bench) - batch + 1, batch)
    prepared = [(normalize(bench.images[s : s + batch]), plan.batch(np.arange(s, s + batch), space, normalize.device))
                for s in starts]
    forwards = {head: T.HintedForward(models[head]).eval() for head in HEADS}
    with torch.inference_mode():
        for round_index in range(repeats + 1):
            for images, hints in prepared:
                order = HEADS[round_index % 3:] + HEADS[: round_index % 3]
                for head in order:
                    T.synchronize(normalize.device)
                    start = time.perf_counter()
                    forwards[head](images, hints)
                    T.synchronize(normalize.device)
                    if round_index:  # round 0 is the warm-up
                        per_batch[head].append(time.perf_counter() - start)
    # (c) decode alone (the only part that differs between heads) on fixed features
    with torch.inference_mode():
        images, hints = prepared[0]
        features = models["base"].encode(images)
        decode = {head: median_seconds(lambda h=head: models[h].decode(features, hints), repeats * 20, best=True)
                  for head in HEADS}
    print(f"\n1. validation seconds per batch, paper protocol (truth hints)")
    print(f"   (a) evaluate_protocol passes: median of {repeats} rounds of {len(starts)} batches (first = warm-up)")
    print(f"   (b) forward per batch, heads interleaved batch by batch: median / min of {len(per_batch['base'])}")
    print("   (c) ratio implied by the heads' own extra decode cost: (min base forward + decode - base decode) / min base")
    for head in HEADS:
        pass_ratio = statistics.median(s / b for s, b in zip(seconds[head], seconds["base"]))
        batch_ratio = statistics.median(s / b for s, b in zip(per_batch[head], per_batch["base"]))
        min_ratio = min(per_batch[head]) / min(per_batch["base"])
        base_min = min(per_batch["base"])
        implied = (base_min + decode[head] - decode["base"]) / base_min
        target = "" if head == "base" else f"  {'OK' if implied <= 1.03 else 'ABOVE'} target <= 1.03 (c)"
        print(f"   {head:8} (a) {statistics.median(seconds[head]) * 1000:8.2f} ms x{pass_ratio:.3f}   "
              f"(b) {statistics.median(per_batch[head]) * 1000:8.2f} / {min(per_batch[head]) * 1000:8.2f} ms "
              f"x{batch_ratio:.3f} / x{min_ratio:.3f}   (c) decode {decode[head] * 1000:6.2f} ms x{implied:.4f}{target}")
    return models


def bench_heads_alone(models, bench, space, plan, batch, repeats) -> None:
    """Vectorised attribute heads vs tests/reference_heads.py; the model's DeepFashion-shaped heads
    plus an Instagram-shaped pair (13 categories, 128 attributes) built with the same seed."""
    width = models["base"].fc[0].out_features
    small_bench, small_space = synthetic_benchmark(batch, 8, num_categories=13, num_attributes=128)
    small_plan = plan_hints(small_bench, "paper", HintSettings("paper", 1.0, 0.5), 0, None)
    cases = [(f"{space.num_categories} categories x {space.num_attributes} attributes",
              {h: models[h].attribute_head for h in ("pruning", "layers")}, plan, space)]
    small_config = {h: config_for("resnet18", h, batch, "cpu") for h in ("pruning", "layers")}
    cases.append((f"{small_space.num_categories} categories x {small_space.num_attributes} attributes",
                  {h: T.build_model(c, small_space).attribute_head for h, c in small_config.items()},
                  small_plan, small_space))
    features = torch.relu(torch.randn(batch, width, generator=torch.Generator().manual_seed(2)))
    print(f"\n2. attribute heads alone, batch {batch}, features {width}: vectorised vs literal per-sample "
          f"(median of {repeats * 20} / {repeats} calls; target judged on the medians)")
    with torch.inference_mode():
        for label, heads, case_plan, case_space in cases:
            hints = case_plan.batch(np.arange(batch), case_space, torch.device("cpu"))
            for head, reference in (("pruning", reference_pruning), ("layers", reference_layers)):
                module = heads[head].cpu()
                torch.testing.assert_close(module(features, hints.category, hints.attribute),
                                           reference(module, features, hints.category, hints.attribute))
                fast = timed_calls(lambda: module(features, hints.category, hints.attribute), repeats * 20)
                slow = timed_calls(lambda: reference(module, features, hints.category, hints.attribute), repeats)
                floor_name, floor_call = matmul_floor(module, head, features, hints.category)
                floor = timed_calls(floor_call, repeats * 20)
                fast_median, slow_median = statistics.median(fast), statistics.median(slow)
                speedup, bound = slow_median / fast_median, slow_median / statistics.median(floor)
                print(f"   {label:32} {head:8} vectorised {fast_median * 1000:8.3f} ms  "
                      f"literal {slow_median * 1000:9.1f} ms  x{speedup:,.0f} "
                      f"(fastest calls x{min(slow) / min(fast):,.0f})  {'OK' if speedup >= 100 else 'BELOW'} target >= 100x")
                print(f"   {'':32} {'':8} floor: {floor_name} {statistics.median(floor) * 1000:.3f} ms, "
                      f"so no implementation doing that work beats the literal one by more than x{bound:,.0f}")


def matmul_floor(module, head: str, features: torch.Tensor, category_hint: torch.Tensor):
    """(name, call) of the matrix products any batched implementation of the head must do, with
    nothing else (no masks, offsets or merging): an upper bound on its speed-up over the literal one.

    pruning: the base product of the same layer (pruning only adds element-wise work to it).
    layers: each hinted category's layer on the samples that hint it (one product per category),
    or one product over every packed row when that is faster; a sample hinting no category needs
    every layer (the product over all rows covers it)."""
    if head == "pruning":
        return "the layer's base product", lambda: module.linear(features)
    hinted = category_hint.any(dim=1)
    groups = []
    for k in range(category_hint.shape[1]):
        samples = (category_hint[:, k] | ~hinted).nonzero().flatten()
        weight, bias, outputs = module.category_layer(k)
        if len(samples) and outputs:
            groups.append((features.index_select(0, samples), weight, bias))
    per_category = lambda: [torch.addmm(b, rows, w.t()) for rows, w, b in groups]  # noqa: E731
    every_row = lambda: torch.addmm(module.bias[:, None], module.weight, features.t())  # noqa: E731
    if statistics.median(timed_calls(per_category, 20)) <= statistics.median(timed_calls(every_row, 20)):
        return f"the {len(groups)} hinted layers' products", per_category
    return "one product over all packed rows", every_row


def timed_calls(function, repeats: int) -> list[float]:
    """Seconds of each of `repeats` calls after a warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(function, repeats: int, best: bool = False) -> float:
    """Median (or, with best=True, the least disturbed) of `repeats` timed calls after a warm-up."""
    times = timed_calls(function, repeats)
    return min(times) if best else statistics.median(times)


def bench_training(backbone, bench, space, plan, normalize, batch, repeats, steps, device) -> None:
    config = config_for(backbone, "pruning", batch, device)
    model = T.build_model(config, space).to(normalize.device)
    forward = T.HintedForward(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9, weight_decay=1e-4)
    autocast_dtype = T.amp_dtype(normalize.device, config.amp)
    batches = [np.arange(s * batch, (s + 1) * batch) for s in range(steps)]
    # The bare loop gets everything prepared in advance: float images, targets, hints.
    prepared = [(normalize(bench.images[i]), T.batch_targets(bench, i, normalize.device, False),
                 plan.batch(i, space, normalize.device)) for i in batches]

    def fashion_step(index: np.ndarray) -> float:
        start = time.perf_counter()
        with T.deterministic_mode(config.deterministic, normalize.device):
            T.train_one_epoch(T.EpochContext(forward, optimizer, bench, space, normalize, "mse", autocast_dtype=autocast_dtype), [index], plan)
        T.synchronize(normalize.device)
        return time.perf_counter() - start

    def bare_step(images, targets, hints) -> float:
        model.train()
        start = time.perf_counter()
        with torch.autocast(normalize.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            outputs = model(images, hints)
        loss = sum(F.mse_loss(outputs[k].float(), t) for k, t in targets.items())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        T.synchronize(normalize.device)
        return time.perf_counter() - start

    def batch_preparation(index: np.ndarray) -> None:  # what fashion.train adds per step
        normalize(bench.images[index]), T.batch_targets(bench, index, normalize.device, False)
        plan.batch(index, space, normalize.device)

    fashion_step(batches[0]), bare_step(*prepared[0])  # warm-up
    seconds = {"fashion.train": [], "bare loop": []}
    for round_index in range(repeats):  # steps interleaved one by one, alternating which goes first
        for index, ready in zip(batches, prepared):
            if round_index % 2:
                seconds["bare loop"].append(bare_step(*ready))
                seconds["fashion.train"].append(fashion_step(index))
            else:
                seconds["fashion.train"].append(fashion_step(index))
                seconds["bare loop"].append(bare_step(*ready))
    preparation = median_seconds(lambda: batch_preparation(batches[0]), repeats * 5, best=True)
    ratio = statistics.median(b / f for f, b in zip(seconds["fashion.train"], seconds["bare loop"]))
    best_ratio = min(seconds["bare loop"]) / min(seconds["fashion.train"])
    implied = min(seconds["bare loop"]) / (min(seconds["bare loop"]) + preparation)
    print(f"\n3. training images/s, pruning head, batch {batch}: {len(seconds['bare loop'])} steps each, "
          f"interleaved step by step (median / best step)")
    for name, values in seconds.items():
        print(f"   {name:14} {batch / statistics.median(values):8.1f} / {batch / min(values):8.1f} images/s")
    print(f"   ratio fashion.train / bare: per step x{ratio:.3f}, best steps x{best_ratio:.3f}; implied by the "
          f"{preparation * 1000:.2f} ms batch preparation x{implied:.4f}  "
          f"{'OK' if ratio >= 0.95 else 'BELOW'} target >= 0.95 (per step)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", nargs="+", default=["resnet18", "vgg16"])
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per measurement (median reported)")
    parser.add_argument("--val-batches", type=int, default=4, help="batches per validation pass (first is warm-up)")
    parser.add_argument("--train-steps", type=int, default=3, help="optimizer steps per training round")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0 = torch default)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = T.resolve_device(args.device)
    n = args.batch * max(args.val_batches, args.train_steps)
    bench, space = synthetic_benchmark(n, args.image_size)
    plan = plan_hints(bench, "paper", HintSettings("paper", 1.0, 0.5), 0, None)  # truth hints
    normalize = TX.Normalizer(*TX.channel_stats(bench.images), device)
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} intra-op threads; "
          f"{args.image_size} px, batch {args.batch}, {NUM_CATEGORIES} categories, {NUM_ATTRIBUTES} attributes")
    for backbone in args.backbone:
        print(f"\n=== {backbone} ===")
        val_bench = bench if args.val_batches * args.batch == n else synthetic_benchmark(
            args.val_batches * args.batch, args.image_size)[0]
        val_plan = plan_hints(val_bench, "paper", HintSettings("paper", 1.0, 0.5), 0, None)
        models = bench_validation(backbone, val_bench, space, val_plan, normalize, args.batch, args.repeats, args.device)
        bench_heads_alone(models, val_bench, space, val_plan, args.batch, args.repeats)
        del models
        bench_training(backbone, bench, space, plan, normalize, args.batch, args.repeats, args.train_steps, args.device)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
