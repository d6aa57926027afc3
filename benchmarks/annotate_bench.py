"""`fashion annotate` start-up and batch time, this tree beside another version of the code.

    python benchmarks/annotate_bench.py [--baseline DIR] [--posts 1000] [--repeat 3]

* start-up: wall time from launching `python -m fashion annotate --caption "wool coat" --json` to its
  first line of output, and the process' peak memory (median / max of ``--repeat`` runs);
* batch: wall time of one `fashion annotate --jsonl -` over ``--posts`` generated posts (a tree
  whose annotate has no --jsonl shows n/a: it needs one process per post).

``--baseline DIR`` is a source tree of the version to compare, e.g. the last commit:
``mkdir /tmp/base && git archive HEAD | tar -x -C /tmp/base``. Each tree trains its own vectors
(its own file format) from ``--tokens`` with the embed settings of this tree's params.yaml, unless
``--vectors`` / ``--baseline-vectors`` name files to use.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
ITEMS = ["coat", "dress", "jacket", "boots", "jeans", "blouse", "jumper", "skirt", "sneakers", "bag", "scarf", "heels"]
MATERIALS = ["wool", "silk", "leather", "denim", "cotton", "linen", "cashmere", "velvet"]
WORDS = ["love", "new", "my", "today", "perfect", "summer", "winter", "party", "office", "black", "red", "floral"]
FOREIGN = ["Новое шерстяное пальто", "فستان أحمر جميل", "红色连衣裙", "min nya röda klänning", "ein schönes Kleid"]


def posts(n: int, seed: int = 0) -> bytes:
    """``n`` JSON lines of made-up posts: fashion captions, a few comments, hashtags; 5 % foreign."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        words = rng.sample(WORDS, 3) + [rng.choice(MATERIALS), rng.choice(ITEMS)]
        caption = rng.choice(FOREIGN) if rng.random() < 0.05 else " ".join(words)
        comments = [f"{rng.choice(WORDS)} the {rng.choice(ITEMS)}!" for _ in range(rng.randint(0, 4))]
        hashtags = [f"#{rng.choice(MATERIALS)}{rng.choice(ITEMS)}" for _ in range(rng.randint(0, 2))]
        lines.append(json.dumps({"post_id": f"b{i}", "caption": caption, "comments": comments, "hashtags": hashtags},
                                ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def timed(cmd: list[str], tree: Path, stdin: bytes | None = None) -> dict:
    """Run ``cmd`` in ``tree``: seconds to the first output line and to exit, peak RSS (MB), lines."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin is not None:  # fed from a thread: output must be read while input is written, or both pipes fill
        threading.Thread(target=lambda: (proc.stdin.write(stdin), proc.stdin.close()), daemon=True).start()
    first = proc.stdout.readline()
    first_at = time.perf_counter() - started
    rest = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory (KB on Linux)
    total = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} in {tree}: exit {code}\n{err.decode(errors='replace')[-2000:]}")
    return {"first": first_at, "total": total, "rss_mb": usage.ru_maxrss / 1024,
            "lines": (first + rest).count(b"\n")}


def train(tree: Path, tokens: Path, out: Path) -> Path:
    """Vectors in ``tree``'s own format, with this tree's params.yaml embed settings."""
    embed = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["embed"]
    flags = ["--model", str(embed["model"]), "--vector-size", str(embed["vector_size"]), "--window",
             str(embed["window"]), "--epochs", str(embed["epochs"]), "--min-count", str(embed["min_count"]),
             "--sg", str(embed["sg"]), "--workers", str(embed["workers"]), "--wordsim", ""]
    subprocess.run([sys.executable, "-m", "fashion", "embed", "--tokens", str(tokens.resolve()), "--out", str(out),
                    *flags], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def measure(tree: Path, vectors: Path, batch: bytes, repeat: int) -> dict:
    base = [sys.executable, "-m", "fashion", "annotate", "--vectors", str(vectors)]
    runs = [timed(base + ["--caption", "wool coat", "--json"], tree) for _ in range(repeat)]
    out = {"startup": statistics.median(r["first"] for r in runs), "rss_mb": max(r["rss_mb"] for r in runs)}
    help_text = subprocess.run(base[:4] + ["--help"], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                               capture_output=True, text=True).stdout
    if "--jsonl" in help_text:
        run = timed(base + ["--jsonl", "-"], tree, stdin=batch)
        expected = batch.count(b"\n")
        if run["lines"] != expected:
            raise SystemExit(f"{tree}: {run['lines']} output lines for {expected} posts")
        out.update(batch=run["total"], batch_first=run["first"], batch_rss_mb=run["rss_mb"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="source tree of the version to compare")
    parser.add_argument("--tokens", type=Path, default=REPO / "data/interim/tokens.parquet")
    parser.add_argument("--vectors", type=Path, help="this tree's vectors.npz (default: trained from --tokens)")
    parser.add_argument("--baseline-vectors", type=Path, help="the baseline's vectors file (default: trained)")
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.tokens.is_file() and not (args.vectors and (args.baseline_vectors or not args.baseline)):
        raise SystemExit(f"{args.tokens}: not found; run the pipeline first (dvc repro rank) or pass --vectors")
    batch = posts(args.posts)
    trees = {"current": (REPO, args.vectors)}
    if args.baseline:
        trees = {"baseline": (args.baseline.resolve(), args.baseline_vectors), **trees}
    results = {}
    with tempfile.TemporaryDirectory(prefix="annotate-bench-") as tmp:
        for name, (tree, vectors) in trees.items():
            if vectors is None:
                suffix = ".npz" if (tree / "fashion/text/vectors.py").exists() else ".kv"
                vectors = train(tree, args.tokens, Path(tmp) / name / f"vectors{suffix}")
            results[name] = measure(tree, vectors.resolve(), batch, args.repeat)
    names = list(results)

    def row(label: str, key: str, unit: str, fmt: str = "{:.2f}") -> None:
        cells = [(fmt.format(results[n][key]) + f" {unit}") if key in results[n] else "n/a" for n in names]
        print(f"{label:38s}" + "".join(f"{c:>16s}" for c in cells))

    print(f"{'':38s}" + "".join(f"{n:>16s}" for n in names))
    row("start-up: first output, 1 tiny post", "startup", "s")
    row("start-up: peak memory", "rss_mb", "MB", "{:.0f}")
    row(f"batch: {args.posts} posts as JSON lines, wall", "batch", "s")
    row("batch: first output line", "batch_first", "s")
    row("batch: peak memory", "batch_rss_mb", "MB", "{:.0f}")


if __name__ == "__main__":
    main()
