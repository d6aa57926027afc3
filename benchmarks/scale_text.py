"""Scale-out benchmark (not a test): synthetic posts through normalise -> rank, partitioned by
account, on the local engine and on Dask LocalClusters of 1 and 2 worker processes.

    python benchmarks/scale_text.py --out report.json        # 1M posts, the issue's size: ~45 min on 2 cores
    python benchmarks/scale_text.py --posts 300000 --repeats 3      # three rounds of Dask 1 vs 2 workers
    python benchmarks/scale_text.py --posts 20000                   # a quick run (scaling is set-up bound)

Reports per engine the seconds of normalise and of rank (cluster start-up excluded, each worker's
one-off set-up included), posts/s, tokens/s, the Dask scaling time(1 worker) / time(2 workers),
and the peak RSS of each worker process (psutil, sampled every 0.2 s). The corpus is the demo
world's text model (fashion.demo.captions.generate_corpus via benchmarks/text_bench.py), with an
account per post (5,000 accounts) that partitions it as ingest does. Word vectors are trained once
(untimed, 5 epochs) on the local engine's tokens and used by every rank run. Numbers depend on
what else runs on the machine: the report gives the load average before and after.

Two figures say how much of the gap to 2x is the machine's and how much Dask's:
- ``ceiling``: the same normalise work (the first ``--ceiling-posts`` posts of parts 0 and 1) in
  one forked process alone, then in two at once, ``--ceiling-reps`` times; ceiling =
  (time alone of both) / (wall time together). No Dask, no set-up: what two processes of this
  workload get from this machine's two cores.
- ``tasks`` (per Dask run, from ``distributed.get_task_stream``): the seconds the workers spent
  computing each kind of task, and utilisation = compute seconds / (phase seconds x workers).
  Scaling = ceiling-like contention x utilisation; a low utilisation is Dask's (or the client's)
  serial time, a low ceiling is the machine's.
``--repeats R`` alternates the 1- and 2-worker runs R times (the machine's speed drifts between
minutes) and reports each round's scaling and the median.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fashion.ontology import load_ontology  # noqa: E402
from fashion.scale.dataset import bucket, part_name  # noqa: E402


def partition(workdir: Path, out: Path, partitions: int, accounts: int) -> None:
    """posts/comments.parquet -> out/{posts,comments}.parquet folders, by a synthetic account."""
    posts = pq.read_table(workdir / "posts.parquet")
    ids = posts.column("post_id").to_pylist()
    names = [f"account{int.from_bytes(pid.encode()[-6:], 'big') % accounts}" for pid in ids]
    buckets = np.array([bucket(a, partitions) for a in names])
    posts = posts.append_column("account", pa.array(names, pa.string()))
    posts = posts.append_column("usertags", pa.array([[]] * len(ids), pa.list_(pa.string())))  # as ingest writes
    of = dict(zip(ids, buckets.tolist()))
    comments = pq.read_table(workdir / "comments.parquet")
    cb = np.array([of[p] for p in comments.column("post_id").to_pylist()])
    for name, table, keys in (("posts", posts, buckets), ("comments", comments, cb)):
        (out / f"{name}.parquet").mkdir(parents=True)
        for i in range(partitions):
            pq.write_table(table.filter(pa.array(keys == i)), out / f"{name}.parquet" / part_name(i))


class RssSampler:
    """Peak RSS per process id, sampled in a thread."""

    def __init__(self, pids):
        import psutil

        self.procs = {pid: psutil.Process(pid) for pid in pids}
        self.peak = {pid: 0 for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid, proc in self.procs.items():
                try:
                    rss = proc.memory_info().rss
                    for child in proc.children(recursive=True):  # normalize's pool of the local engine
                        rss += child.memory_info().rss
                except Exception:  # a worker that restarted: keep its last peak
                    continue
                self.peak[pid] = max(self.peak[pid], rss)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False


def task_summary(records: list[dict], workers: int, result: dict) -> dict:
    """Compute seconds per kind of task (count, normalize, rank) and each phase's utilisation."""
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for record in records:
        kind = str(record["key"]).split("-")[0]
        spent = sum(s["stop"] - s["start"] for s in record["startstops"] if s["action"] == "compute")
        seconds[kind] = seconds.get(kind, 0.0) + spent
        counts[kind] = counts.get(kind, 0) + 1
    out = {kind: {"tasks": counts[kind], "compute_seconds": round(seconds[kind], 2),
                  "mean_task_seconds": round(seconds[kind] / counts[kind], 3)} for kind in sorted(seconds)}
    normalize = seconds.get("count_task", 0.0) + seconds.get("normalize_task", 0.0)
    out["normalize_utilisation"] = round(normalize / (result["normalize_seconds"] * workers), 3)
    out["rank_utilisation"] = round(seconds.get("rank_task", 0.0) / (result["rank_seconds"] * workers), 3)
    return out


_CEILING: dict = {}


def _ceiling_job(index: int) -> float:
    from fashion.text.corpus import normalize_part
    from fashion.text.normalize import NormalizeConfig

    posts, comments, out = _CEILING["parts"][index]
    started = time.perf_counter()
    normalize_part(posts, comments, out.with_name(f"{out.stem}-{os.getpid()}.parquet"), _CEILING["normalizer"],
                   NormalizeConfig(workers=1))
    return time.perf_counter() - started


def ceiling(data: Path, work: Path, n_posts: int, reps: int) -> dict:
    """The normalise work of two part slices, each alone and both at once in forked processes."""
    from collections import Counter

    from fashion.text.corpus import NormalizerSpec, count_task, part_tasks
    from fashion.text.lexicon import preload
    from fashion.text.normalize import NormalizeConfig

    work.mkdir()
    parts = []
    for i in (0, 1):
        posts = pq.read_table(data / "posts.parquet" / part_name(i)).slice(0, n_posts)
        comments = pq.read_table(data / "comments.parquet" / part_name(i))
        comments = comments.filter(pa.compute.is_in(comments.column("post_id"), value_set=posts.column("post_id")))
        pq.write_table(posts, work / f"posts{i}.parquet")
        pq.write_table(comments, work / f"comments{i}.parquet")
        parts.append((work / f"posts{i}.parquet", work / f"comments{i}.parquet", work / f"tokens{i}.parquet"))
    total: Counter = Counter()
    for task in part_tasks(data / "posts.parquet", data / "comments.parquet", work / "unused"):
        total.update(count_task(task))
    _CEILING["parts"] = parts
    _CEILING["normalizer"] = NormalizerSpec("ceiling", load_ontology(str(ROOT / "ontology")), total,
                                            NormalizeConfig(workers=1)).build()
    preload()
    context = mp.get_context("fork")  # the children inherit the built normaliser: no set-up is timed
    rounds = []
    for _ in range(reps):
        with context.Pool(1) as pool:
            alone = [pool.apply(_ceiling_job, (0,)), pool.apply(_ceiling_job, (1,))]
        with context.Pool(2) as pool:
            started = time.perf_counter()
            both = pool.map(_ceiling_job, [0, 1], chunksize=1)
            wall = time.perf_counter() - started
        rounds.append({"alone_seconds": [round(t, 2) for t in alone], "together_seconds": [round(t, 2) for t in both],
                       "together_wall_seconds": round(wall, 2), "ceiling": round(sum(alone) / wall, 2)})
        print("ceiling", json.dumps(rounds[-1]), flush=True)
    _CEILING.clear()
    return {"posts_per_slice": n_posts, "rounds": rounds,
            "median": round(statistics.median(r["ceiling"] for r in rounds), 2)}


def run_chain(data: Path, out: Path, vectors: Path | None, engine, normalize_workers: int, pids) -> dict:
    from fashion.text.corpus import normalize_corpus
    from fashion.text.embed import EmbedConfig, train_embeddings
    from fashion.text.normalize import NormalizeConfig
    from fashion.text.pipeline import rank_corpus
    from fashion.text.rank import RankConfig

    ontology = load_ontology(str(ROOT / "ontology"))
    result = {}
    with RssSampler(pids) as rss:
        started = time.perf_counter()
        stats = normalize_corpus(data / "posts.parquet", data / "comments.parquet", out / "tokens.parquet", ontology,
                                 NormalizeConfig(workers=normalize_workers), progress=False, engine=engine)
        result["normalize_seconds"] = round(time.perf_counter() - started, 2)
        if vectors is None:
            vectors = out / "vectors.npz"
            train_embeddings(out / "tokens.parquet", vectors, EmbedConfig(epochs=5, workers=1), progress=False)
        started = time.perf_counter()
        metrics = rank_corpus(out / "tokens.parquet", vectors, ontology, out / "annotations.parquet", RankConfig(),
                              progress=False, engine=engine)
        result["rank_seconds"] = round(time.perf_counter() - started, 2)
    tokens = pq.read_table(out / "tokens.parquet", columns=["tokens"]).column("tokens")
    n_tokens = int(pa.compute.sum(pa.compute.list_value_length(tokens)).as_py() or 0)
    seconds = result["normalize_seconds"] + result["rank_seconds"]
    result.update(posts=stats["posts"], texts=stats["texts"], tokens=n_tokens, rows=metrics["rows"],
                  text_chain_seconds=round(seconds, 2), posts_per_second=round(stats["posts"] / seconds, 1),
                  normalize_tokens_per_second=round(n_tokens / result["normalize_seconds"], 1),
                  normalize_texts_per_second=round(stats["texts"] / result["normalize_seconds"], 1),
                  peak_rss_mb_per_process=[round(v / 2**20, 1) for v in rss.peak.values()])
    return result, vectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--comments-per-post", type=float, default=3.0)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--repeats", type=int, default=1, help="rounds of Dask 1 worker then 2 workers")
    ap.add_argument("--ceiling-posts", type=int, default=8000, help="posts per part slice of the ceiling")
    ap.add_argument("--ceiling-reps", type=int, default=5, help="ceiling rounds (0: skip)")
    ap.add_argument("--out", type=Path, default=None, help="JSON report (default: stdout only)")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    from distributed import Client, LocalCluster, get_task_stream
    from text_bench import generate

    from fashion.scale.engine import Engine, EngineConfig

    report = {"load_before": os.getloadavg(), "cpus": os.cpu_count(), "partitions": args.partitions}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        (tmp / "flat").mkdir()
        report["corpus"] = generate(tmp / "flat", args.posts, args.comments_per_post, args.seed, str(ROOT / "ontology"))
        partition(tmp / "flat", tmp / "data", args.partitions, args.accounts)
        report["generate_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(report), flush=True)
        # local engine: parts one after the other, normalize's own pool of 2 inside each part
        local, vectors = run_chain(tmp / "data", tmp / "local", None, Engine(), 2, [os.getpid()])
        report["local_2_pool_workers"] = local
        print("local", json.dumps(local), flush=True)
        if args.ceiling_reps:
            report["ceiling"] = ceiling(tmp / "data", tmp / "ceiling", args.ceiling_posts, args.ceiling_reps)
        rounds = []
        for round_ in range(args.repeats):
            runs = {}
            for workers in (1, 2):
                name = f"dask{workers}-{round_}"
                with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, Client(cluster) as client:
                    pids = list(client.run(os.getpid).values())
                    engine = Engine(EngineConfig(engine="dask", workers=workers), client)
                    with get_task_stream(client) as stream:
                        result, _ = run_chain(tmp / "data", tmp / name, vectors, engine, 1, pids)
                    result["tasks"] = task_summary(stream.data, workers, result)
                result["tokens_equal_local"] = all(
                    (tmp / name / "tokens.parquet" / part_name(i)).read_bytes()
                    == (tmp / "local" / "tokens.parquet" / part_name(i)).read_bytes() for i in range(args.partitions))
                shutil.rmtree(tmp / name)
                runs[workers] = result
                print(f"dask {workers} round {round_}", json.dumps(result), flush=True)
            rounds.append({"dask_1_workers": runs[1], "dask_2_workers": runs[2],
                           "scaling_2_over_1": {key: round(runs[1][key] / runs[2][key], 2)
                                                for key in ("normalize_seconds", "rank_seconds", "text_chain_seconds")}})
    report["dask_rounds"] = rounds
    report["scaling_median"] = {key: statistics.median(r["scaling_2_over_1"][key] for r in rounds)
                                for key in rounds[0]["scaling_2_over_1"]}
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
