"""Scale-out benchmark (not a test): synthetic posts through normalise -> rank, partitioned by
account, on the local engine and on Dask LocalClusters of 1 and 2 worker processes.

    python benchmarks/scale_text.py                          # 1M posts (the issue's size; hours on 2 cores)
    python benchmarks/scale_text.py --posts 20000 --out bench.json   # a reduced run

Reports per engine the seconds of normalise and of rank (cluster start-up excluded, each worker's
one-off set-up included), posts/s, tokens/s, the Dask scaling time(1 worker) / time(2 workers),
and the peak RSS of each worker process (psutil, sampled every 0.2 s). The corpus is the demo
world's text model (fashion.demo.captions.generate_corpus via benchmarks/text_bench.py), with an
account per post (5,000 accounts) that partitions it as ingest does. Word vectors are trained once
(untimed, 5 epochs) on the local engine's tokens and used by every rank run. Numbers depend on
what else runs on the machine: the report gives the load average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
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
    ap.add_argument("--out", type=Path, default=None, help="JSON report (default: stdout only)")
    args = ap.parse_args()

    from distributed import Client, LocalCluster
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
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                pids = list(client.run(os.getpid).values())
                engine = Engine(EngineConfig(engine="dask", workers=workers), client)
                result, _ = run_chain(tmp / "data", tmp / f"dask{workers}", vectors, engine, 1, pids)
            report[f"dask_{workers}_workers"] = result
            print(f"dask {workers}", json.dumps(result), flush=True)
            same = all((tmp / f"dask{workers}" / "tokens.parquet" / part_name(i)).read_bytes()
                       == (tmp / "local" / "tokens.parquet" / part_name(i)).read_bytes() for i in range(args.partitions))
            report[f"dask_{workers}_tokens_equal_local"] = same
    one, two = report["dask_1_workers"], report["dask_2_workers"]
    report["scaling_2_over_1"] = {key: round(one[key] / two[key], 2)
                                  for key in ("normalize_seconds", "rank_seconds", "text_chain_seconds")}
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
