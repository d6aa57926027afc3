"""Benchmark the dynamic heads (not a test).

1. Heads alone, batch 64 and 256 (--batches): vectorised PruningHead / LayersHead vs the literal per-sample references
   (tests/reference_heads.py) and vs a plain base head, for D in {256, 4096} and P in {1000, 128}
   with 13 categories; forward (inference_mode) and forward + backward, the vectorised heads timed
   in interleaved rounds. Speed-up = literal / vectorised, from medians (and from minima).
2. Whole model, validation pass (torch.inference_mode): base / pruning / layers on resnet18 and
   vgg16, 64-px images, batch 32; the heads are timed in interleaved rounds so machine-load drift
   hits all of them alike. Reports the median of N and the dynamic/base ratio, both measured
   per round and implied by the heads' own extra cost (decode-only timing).

Usage: python benchmarks/heads_bench.py [--repeats 7] [--threads 1] [--batches 64,256] [--skip-models | --skip-heads]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # repo root: fashion/ and tests/

from fashion.models import BaseHead, Hints, LabelSpace, LayersHead, PruningHead, get_model  # noqa: E402
from tests.reference_heads import reference_layers, reference_pruning  # noqa: E402

NUM_CATEGORIES = 13


def synthetic_ranges(generator: torch.Generator, num_outputs: int, share: float = 0.25) -> list[list[int]]:
    """13 overlapping ranges, each about `share` of the outputs."""
    size = max(1, int(num_outputs * share))
    return [sorted(torch.randperm(num_outputs, generator=generator)[:size].tolist()) for _ in range(NUM_CATEGORIES)]


def synthetic_hints(generator: torch.Generator, batch: int, ranges: list[list[int]], num_outputs: int):
    """1/8 unhinted, 1/8 two categories, the rest one; half the hinted samples hint 1-3 in-range outputs."""
    category = torch.zeros(batch, NUM_CATEGORIES, dtype=torch.bool)
    target = torch.zeros(batch, num_outputs, dtype=torch.bool)
    for b in range(batch):
        if b % 8 == 0:
            continue
        chosen = torch.randperm(NUM_CATEGORIES, generator=generator)[: 2 if b % 8 == 1 else 1].tolist()
        category[b, chosen] = True
        if b % 2 == 0:
            pool = ranges[chosen[0]]
            picks = torch.randperm(len(pool), generator=generator)[: 1 + b % 3].tolist()
            target[b, [pool[i] for i in picks]] = True
    return category, target


@dataclass(frozen=True)
class Timing:
    median: float  # ms
    best: float  # ms; on a shared, overloaded machine the least disturbed run

    def __str__(self) -> str:
        return f"{self.median:.3f} ({self.best:.3f})"


def time_ms(function: Callable[[], object], repeats: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(1000 * (time.perf_counter() - start))
    return Timing(statistics.median(times), min(times))


def time_interleaved(functions: dict[str, Callable[[], object]], rounds: int) -> dict[str, Timing]:
    """One call of each function per round, so machine-load drift hits all of them alike."""
    for function in functions.values():  # warm-up
        function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(1000 * (time.perf_counter() - start))
    return {name: Timing(statistics.median(t), min(t)) for name, t in times.items()}


def forward_pass(head: torch.nn.Module, features, category, target) -> Callable[[], object]:
    def run() -> None:
        with torch.inference_mode():
            head(features, category, target)

    return run


def training_pass(head: Callable, parameters: list[torch.Tensor], features, category, target) -> Callable[[], object]:
    """Forward + backward of out.sum(): gradients for the parameters and the features (fresh each call)."""
    features = features.detach().requires_grad_()

    def run() -> None:
        for tensor in (*parameters, features):
            tensor.grad = None
        head(features, category, target).sum().backward()

    return run


def bench_heads(repeats: int, batch: int = 64) -> None:
    print(f"## Heads alone: batch {batch}, {NUM_CATEGORIES} categories; ms per batch as median (min)")
    print("fwd = forward under inference_mode; f+b = forward + backward of out.sum() (parameter and input grads)")
    print(f"{'':5}{'head':8} {'pass':5}{'vectorised':>18}{'literal':>20}{'speed-up':>16}{'vs base':>16}")
    generator = torch.Generator().manual_seed(0)
    for dim in (256, 4096):
        for num_outputs in (1000, 128):
            ranges = synthetic_ranges(generator, num_outputs)
            category, target = synthetic_hints(generator, batch, ranges, num_outputs)
            features = torch.relu(torch.randn(batch, dim, generator=generator))
            torch.manual_seed(0)
            heads = {
                "base": BaseHead(dim, num_outputs),
                "pruning": PruningHead(dim, num_outputs, ranges),
                "layers": LayersHead(dim, num_outputs, ranges),
            }
            literal = {"pruning": reference_pruning, "layers": reference_layers}
            with torch.inference_mode():
                for name, reference in literal.items():
                    expected = reference(heads[name], features, category, target)
                    torch.testing.assert_close(heads[name](features, category, target), expected)
            fast = {
                "fwd": time_interleaved(
                    {name: forward_pass(head, features, category, target) for name, head in heads.items()},
                    repeats * 5,
                ),
                "f+b": time_interleaved(
                    {
                        name: training_pass(head, list(head.parameters()), features, category, target)
                        for name, head in heads.items()
                    },
                    repeats * 2,
                ),
            }
            slow_repeats = max(2, repeats // 2)
            slow = {
                (name, "fwd"): time_ms(
                    forward_pass(lambda *a, r=reference, h=heads[name]: r(h, *a), features, category, target),
                    slow_repeats,
                )
                for name, reference in literal.items()
            }
            slow.update(
                {
                    (name, "f+b"): time_ms(
                        training_pass(
                            lambda *a, r=reference, h=heads[name]: r(h, *a),
                            list(heads[name].parameters()),
                            features,
                            category,
                            target,
                        ),
                        slow_repeats,
                    )
                    for name, reference in literal.items()
                }
            )
            print(f"D={dim} P={num_outputs} (layers: {heads['layers'].weight.shape[0]} packed rows)", flush=True)
            for name in heads:
                for kind in ("fwd", "f+b"):
                    timing, base = fast[kind][name], fast[kind]["base"]
                    row = f"{'':5}{name:8} {kind:5}{str(timing):>18}"
                    if name in literal:
                        reference_timing = slow[(name, kind)]
                        row += (
                            f"{reference_timing.median:>12.1f} ({reference_timing.best:.1f})"
                            f"{'x%.0f' % (reference_timing.median / timing.median):>9} "
                            f"({'x%.0f' % (reference_timing.best / timing.best)})"
                            f"{'x%.2f' % (timing.median / base.median):>9} (x{timing.best / base.best:.2f})"
                        )
                    print(row, flush=True)


def bench_models(repeats: int, image_size: int = 64, batch: int = 32) -> None:
    print(f"\n## Whole model, validation pass: {image_size} px, batch {batch}, fc_width 256, P=1000, 13 categories")
    generator = torch.Generator().manual_seed(1)
    attributes = [f"a{i}" for i in range(1000)]
    ranges = synthetic_ranges(generator, len(attributes))
    space = LabelSpace([f"c{k}" for k in range(NUM_CATEGORIES)], attributes, ranges)
    category, target = synthetic_hints(generator, batch, ranges, len(attributes))
    hints = Hints(category=category, attribute=target)
    images = torch.randn(batch, 3, image_size, image_size, generator=generator)
    heads = ("base", "pruning", "layers")
    for backbone in ("resnet18", "vgg16"):
        models = {}
        for head in heads:
            torch.manual_seed(0)  # identical backbone weights for the three heads
            models[head] = get_model(backbone, head, space).eval()
        forward: dict[str, list[float]] = {head: [] for head in heads}
        with torch.inference_mode():
            features = models["base"].encode(images)
            decode = {head: time_ms(lambda: models[head].decode(features, hints), repeats * 10) for head in heads}
            for head in heads:  # warm-up
                models[head](images, hints)
            for _ in range(repeats):  # interleaved rounds: one machine-load level per round
                for head in heads:
                    start = time.perf_counter()
                    models[head](images, hints)
                    forward[head].append(1000 * (time.perf_counter() - start))
        base_best = min(forward["base"])
        for head in heads:
            paired = statistics.median(t / b for t, b in zip(forward[head], forward["base"]))
            # ratio implied by the heads' own extra cost (least-disturbed runs), immune to backbone noise
            implied = (base_best + decode[head].best - decode["base"].best) / base_best
            print(
                f"{backbone:>8} {head:>7}: "
                f"forward {statistics.median(forward[head]):8.1f} ({min(forward[head]):.1f}) ms"
                f"  decode {decode[head]} ms  ratio to base: per round x{paired:.3f}, from head cost x{implied:.4f}",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per measurement (median reported)")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0 = torch default)")
    parser.add_argument("--skip-models", action="store_true", help="only benchmark the heads")
    parser.add_argument("--skip-heads", action="store_true", help="only benchmark the whole models")
    parser.add_argument("--batches", default="64,256",
                        help="comma-separated batch sizes for the heads-alone table (default 64,256): the literal "
                             "versions cost a weight copy per sample, the vectorised ones read each weight once per batch")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    if not args.skip_heads:
        for batch in (int(b) for b in args.batches.split(",")):
            bench_heads(args.repeats, batch)
    if not args.skip_models:
        bench_models(args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
