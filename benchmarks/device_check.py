"""One short, prepared check of the models and training on an accelerator (not a test).

CI has no GPU, so the CUDA paths (device choice, AMP on CUDA, nccl DDP) are exercised only here.
Run it once on a machine with CUDA; it needs torch, torchvision, numpy, pandas, pyarrow, tqdm and
pytest (no install of the package, no dvclive, no data):

    PYTHONPATH=. python benchmarks/device_check.py [--device auto] [--out device_check.json] [--quick]

Checks, each printed PASS / FAIL / SKIP with its numbers and collected in the JSON report:
1. heads     PruningHead, LayersHead (grouped and dense paths) on the device equal the literal
             per-sample references (tests/reference_heads.py, float32 on the CPU); their weight and
             bias gradients equal CPU autograd's; under autocast (the AMP dtype fashion.train picks)
             outputs stay within that dtype's precision.
2. train     fashion.train.run, one epoch, for the 6 architectures (vgg16_bn / resnet18 x base /
             pruning / layers) on both scenarios, AMP on: parameters on the device, contract-shaped
             metrics (tests/test_train.assert_contract_shape), finite losses; seconds per run.
3. resume    kill in epoch 2 and resume on the device: final weights equal to an uninterrupted run
             (max |difference| reported; CUDA runs deterministic algorithms in warn-only mode).
4. fp16      fp16 autocast with GradScaler (the path for GPUs without bf16), forced on one run:
             finite losses, scaler state in the checkpoint. CUDA only.
5. ddp       with >= 2 GPUs: torchrun, 2 ranks, nccl; ranks end with equal weights. Skipped on one GPU
             (nccl wants one device per rank).
6. timing    benchmarks/model_bench.py's validation and training measurements on the device
             (resnet18, 64 px, batch 32), and the heads alone vs the literal versions ON the device.
Exit status 1 when a check fails. Without CUDA it runs the same checks on the CPU.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

# cuBLAS reads this when its first handle is made: before the head checks' products, not when
# fashion.train's deterministic mode sets it (the resume check compares weights exactly)
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # fashion/, tests/, benchmarks/

from fashion import train as T
from fashion.data import transforms as TX  # noqa: E402
from fashion.data.hints import HintSettings, plan_hints  # noqa: E402
from fashion.train import loop as train_loop  # noqa: E402
from fashion.models import LayersHead, PruningHead  # noqa: E402
from tests.reference_heads import reference_layers, reference_pruning  # noqa: E402
from tests.test_train import assert_contract_shape, make_config, make_inputs, paths_for  # noqa: E402

BACKBONES, HEADS = ("vgg16_bn", "resnet18"), ("base", "pruning", "layers")
GROUPED, DENSE = 0, 1 << 62  # LayersHead.dense_max_macs forcing either path
AMP_TOLERANCE = {torch.bfloat16: 3e-2, torch.float16: 5e-3}  # max |amp - fp32| / max |fp32|


def random_hints(batch: int, categories: int, outputs: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One category for most samples, two for some, none for a few; random target hints."""
    rng = np.random.default_rng(seed)
    category = np.zeros((batch, categories), dtype=bool)
    category[np.arange(batch), rng.integers(0, categories, batch)] = True
    category[: batch // 4, rng.integers(0, categories)] = True  # some samples hint two categories
    category[-3:] = False  # unhinted samples
    return torch.from_numpy(category), torch.from_numpy(rng.random((batch, outputs)) < 0.1)


def check_heads(device: torch.device, amp: torch.dtype | None) -> dict:
    features_dim, outputs, categories, batch = 64, 40, 5, 48
    rng = np.random.default_rng(0)
    ranges = [sorted(rng.choice(outputs, 12, replace=False).tolist()) for _ in range(categories)]
    features = torch.relu(torch.randn(batch, features_dim, generator=torch.Generator().manual_seed(1)))
    category, target = random_hints(batch, categories, outputs, 2)
    weights = torch.randn(batch, outputs, generator=torch.Generator().manual_seed(3))  # loss = sum(out * weights)
    cases = {
        "pruning": (lambda: PruningHead(features_dim, outputs, ranges), reference_pruning),
        "layers_grouped": (lambda: LayersHead(features_dim, outputs, ranges, dense_max_macs=GROUPED), reference_layers),
        "layers_dense": (lambda: LayersHead(features_dim, outputs, ranges, dense_max_macs=DENSE), reference_layers),
    }
    on_dev = [t.to(device) for t in (features, category, target, weights)]
    report, ok = {}, True
    for name, (build, reference) in cases.items():
        torch.manual_seed(4)
        cpu_head = build()
        dev_head = copy.deepcopy(cpu_head).to(device)
        out = dev_head(*on_dev[:3])
        (out * on_dev[3]).sum().backward()
        expected = cpu_head(features, category, target)
        (expected * weights).sum().backward()
        with torch.no_grad():
            literal = reference(cpu_head, features, category, target)
        entry = {
            "max_abs_vs_literal": float((out.detach().cpu() - literal).abs().max()),
            "max_abs_grad_vs_cpu": max(float((p.grad.cpu() - q.grad).abs().max())
                                       for p, q in zip(dev_head.parameters(), cpu_head.parameters())),
        }
        passed = entry["max_abs_vs_literal"] <= 1e-4 and entry["max_abs_grad_vs_cpu"] <= 1e-3
        if amp is not None:
            with torch.no_grad(), torch.autocast(device.type, dtype=amp):
                low = dev_head(*on_dev[:3]).float()
            entry["amp_relative_error"] = float((low - out.detach()).abs().max() / out.detach().abs().max())
            passed = passed and entry["amp_relative_error"] <= AMP_TOLERANCE[amp]
        entry["status"] = "PASS" if passed else "FAIL"
        ok = ok and passed
        report[name] = entry
    return {"status": "PASS" if ok else "FAIL", "cases": report}


def check_train(device: torch.device, root: Path) -> dict:
    runs, ok = {}, True
    for multi in (False, True):
        inputs = make_inputs(multi)
        for backbone in BACKBONES:
            for head in HEADS:
                config = make_config(multi, backbone, head, device=device.type, amp=True)
                start = time.perf_counter()
                fitted = T.fit(config, inputs, paths_for(root / "train", config, live=False))
                with T.deterministic_mode(config.deterministic, device):
                    run_metrics, per_class = T.evaluate(fitted.model, config, inputs, fitted.normalization,
                                                        fitted.train_loss)
                seconds = time.perf_counter() - start
                devices = {p.device.type for p in fitted.model.parameters()}
                try:
                    assert_contract_shape(run_metrics, per_class, config, multi)
                    problem = None if devices == {device.type} else f"parameters on {sorted(devices)}"
                except AssertionError as error:
                    problem = f"contract: {error}"
                runs[f"{config.dataset}/{config.run_name}"] = {
                    "seconds": round(seconds, 2), "train_loss": run_metrics["train_loss"],
                    "paper_p@3": run_metrics["paper"]["attributes"]["p@3"], "problem": problem,
                }
                ok = ok and problem is None
    return {"status": "PASS" if ok else "FAIL", "amp_dtype": str(T.amp_dtype(device, True)), "runs": runs}


def check_resume(device: torch.device, root: Path) -> dict:
    inputs = make_inputs(multi=False)
    config = make_config(False, head="pruning", epochs=2, dropout=0.5, device=device.type)
    straight = T.fit(config, inputs, paths_for(root / "straight", config, live=False))
    killed = paths_for(root / "killed", config, live=False)

    def kill_in_second_epoch(epoch, step, loss):
        if epoch == 1 and step == 0:
            raise KeyboardInterrupt

    try:
        T.fit(config, inputs, killed, on_batch_end=kill_in_second_epoch)
        return {"status": "FAIL", "problem": "the kill did not happen"}
    except KeyboardInterrupt:
        pass
    resumed = T.fit(config, inputs, killed)
    expected, got = straight.model.state_dict(), resumed.model.state_dict()
    difference = max(float((expected[k].float() - got[k].float()).abs().max()) for k in expected)
    passed = resumed.resumed_from == 1 and difference == 0.0 and resumed.history == straight.history
    return {"status": "PASS" if passed else "FAIL", "resumed_from": resumed.resumed_from,
            "max_abs_weight_difference": difference, "same_history": resumed.history == straight.history}


def check_fp16(device: torch.device, root: Path) -> dict:
    """fp16 autocast with its GradScaler (fashion.train uses it on GPUs without bf16, which an
    H100/H200 never takes): one resnet18-layers run with amp_dtype forced to float16."""
    if device.type != "cuda":
        return {"status": "SKIP", "reason": "fp16 autocast + GradScaler is the CUDA path"}
    original = train_loop.amp_dtype  # the name fit() looks up
    train_loop.amp_dtype = lambda dev, enabled: torch.float16 if enabled and dev.type == "cuda" else original(dev, enabled)
    try:
        config = make_config(False, head="layers", epochs=2, device="cuda", amp=True)
        fitted = T.fit(config, make_inputs(multi=False), paths_for(root, config, live=False))
        checkpoint = torch.load(paths_for(root, config, live=False).checkpoint, weights_only=True)
    finally:
        train_loop.amp_dtype = original
    losses = [record["train_loss"] for record in fitted.history]
    finite = all(np.isfinite(losses))
    scaler_saved = bool(checkpoint["scaler"]) and "scale" in checkpoint["scaler"]
    return {"status": "PASS" if finite and scaler_saved else "FAIL", "train_losses": losses,
            "scaler_state_in_checkpoint": scaler_saved}


def ddp_worker(out: Path) -> None:
    """One torchrun rank: 2 epochs of resnet18-layers on the rank's GPU, weights saved per rank."""
    config = make_config(False, head="layers", epochs=2, batch_size=6, device="cuda")
    fitted = T.fit(config, make_inputs(multi=False, n_train=14, n_val=6), paths_for(out / "run", config, live=False))
    torch.save({k: v.cpu() for k, v in fitted.model.state_dict().items()}, out / f"rank{os.environ['RANK']}.pt")


def check_ddp(device: torch.device, root: Path) -> dict:
    gpus = torch.cuda.device_count() if device.type == "cuda" else 0
    if gpus < 2:
        return {"status": "SKIP", "reason": f"{gpus} GPU(s): nccl needs one GPU per rank (gloo DDP is a CPU test)"}
    env = {k: v for k, v in os.environ.items() if k != "WORLD_SIZE"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           __file__, "--ddp-worker", str(root)], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return {"status": "FAIL", "stderr_tail": done.stderr[-2000:]}
    states = [torch.load(root / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    parameters = [k for k in states[0] if "running_" not in k and "num_batches" not in k]
    unequal = [k for k in parameters if not torch.equal(states[0][k], states[1][k])]
    return {"status": "PASS" if not unequal else "FAIL", "unequal_parameters": unequal[:10]}


def check_timing(device: torch.device, quick: bool) -> dict:
    """model_bench's validation/training measurements on the device, then the heads alone on it."""
    import model_bench as B  # benchmarks/ is on sys.path as this script's folder

    repeats, batch = (2 if quick else 5), 32
    bench, space = B.synthetic_benchmark(batch * 4, 64)
    plan = plan_hints(bench, "paper", HintSettings("paper", 1.0, 0.5), 0, None)
    normalize = TX.Normalizer(*TX.channel_stats(bench.images), device)
    models = B.bench_validation("resnet18", bench, space, plan, normalize, batch, repeats, device.type)
    B.bench_training("resnet18", bench, space, plan, normalize, batch, repeats, 3, device.type)
    features = torch.relu(torch.randn(batch, models["base"].fc[0].out_features, device=device))
    hints = plan.batch(np.arange(batch), space, device)
    ratios = {}
    with torch.inference_mode():
        for head, reference in (("pruning", reference_pruning), ("layers", reference_layers)):
            module = models[head].attribute_head

            def synced(function):  # model_bench times single calls; on CUDA each must wait for its kernels
                return lambda: (function(), T.synchronize(device))

            fast = statistics.median(B.timed_calls(
                synced(lambda: module(features, hints.category, hints.attribute)), repeats * 20))
            slow = statistics.median(B.timed_calls(
                synced(lambda: reference(module, features, hints.category, hints.attribute)), repeats))
            ratios[head] = {"vectorised_ms": round(fast * 1e3, 4), "literal_ms": round(slow * 1e3, 2),
                            "speedup": round(slow / fast, 1)}
            print(f"   heads on {device.type}, {space.num_categories} x {space.num_attributes}: {head:8} "
                  f"vectorised {fast * 1e3:.3f} ms, literal {slow * 1e3:.1f} ms, x{slow / fast:,.0f}")
    return {"status": "PASS", "heads_alone_on_device": ratios, "note": "validation/training ratios printed above"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--out", default=None, help="JSON report (default: $OUT/device_check.json when OUT is set)")
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    parser.add_argument("--skip", nargs="*", default=[], choices=("heads", "train", "resume", "fp16", "ddp", "timing"))
    parser.add_argument("--ddp-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ddp_worker is not None:
        ddp_worker(args.ddp_worker)
        return 0
    device = T.resolve_device(args.device)
    amp = T.amp_dtype(device, True)
    environment = {"torch": torch.__version__, "device": str(device), "amp_dtype": str(amp),
                   "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
                   "gpus": torch.cuda.device_count() if torch.cuda.is_available() else 0}
    print(json.dumps(environment))
    report, failed = {"environment": environment}, False
    with tempfile.TemporaryDirectory() as scratch:
        checks = {"heads": lambda: check_heads(device, amp), "train": lambda: check_train(device, Path(scratch)),
                  "resume": lambda: check_resume(device, Path(scratch) / "resume"),
                  "fp16": lambda: check_fp16(device, Path(scratch) / "fp16"),
                  "ddp": lambda: check_ddp(device, Path(scratch) / "ddp"), "timing": lambda: check_timing(device, args.quick)}
        for name, check in checks.items():
            if name in args.skip:
                continue
            print(f"\n== {name}", flush=True)
            start = time.perf_counter()
            try:
                result = check()
            except Exception as error:  # one broken check must not hide the others' results
                result = {"status": "FAIL", "error": f"{type(error).__name__}: {error}",
                          "traceback": traceback.format_exc()[-3000:]}
            result["seconds"] = round(time.perf_counter() - start, 1)
            report[name] = result
            failed = failed or result["status"] == "FAIL"
            print(f"== {name}: {result['status']} ({result['seconds']} s)\n{json.dumps(result, indent=1)[:4000]}",
                  flush=True)
    out = args.out or (str(Path(os.environ["OUT"]) / "device_check.json") if os.environ.get("OUT") else None)
    if out:
        Path(out).write_text(json.dumps(report, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
