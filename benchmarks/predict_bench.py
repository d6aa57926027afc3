"""Prediction speed (issue 19): run after `dvc repro` from the repo root, on an idle machine.

    PYTHONPATH=. python benchmarks/predict_bench.py [--run resnet18-pruning] [--posts 600] [--requests 40]

1. Batch throughput over the ingested posts: the whole prediction (text scores, hints, the
   hinted forward pass, fusion, the rows of predictions.parquet) beside the bare model forward
   (no hints, no text, no rows) on the same decoded batches; images/s, posts/s and the overhead.
   Decoding is timed apart (both would pay it).
2. One post: `fashion predict IMAGE --caption ...` as a subprocess (wall time), split by the
   command's own JSON into start-up (imports, bundle, vectors) and the post's work; and in one
   process, a second post after the first.
3. HTTP: `fashion serve`'s app under uvicorn on 127.0.0.1, p50 / p95 latency of POST /predict with
   1 and 8 concurrent clients.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from fashion.data.images import read_posts
from fashion.params import load_params
from fashion.predict.config import PredictSettings
from fashion.predict.fuse import mined_from_annotations
from fashion.predict.post import PostPredictor
from fashion.predict.stage import Timings, _items, predict_items, prediction_table

CAPTION = "My new wool coat and leather boots from Zara #winteroutfit"


def batch_throughput(service: PostPredictor, settings: PredictSettings, posts_limit: int, repeats: int) -> dict:
    import pandas as pd

    posts = read_posts("data/interim/ingest/posts.parquet").sort_values("post_id").head(posts_limit)
    mined = mined_from_annotations(pd.read_parquet("data/processed/annotations.parquet"))
    timings = Timings()
    items = _items(posts, service.predictor, settings, timings)
    pixels = np.stack([i.pixels for i in items if i.pixels is not None])
    bare, full = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        for start in range(0, len(pixels), settings.batch_size):
            service.predictor.scores(pixels[start:start + settings.batch_size], None)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        scored = predict_items(items, mined, service.predictor, settings, Timings())
        prediction_table(items, scored, mined, service.predictor, settings, lambda p: "val", set(), Timings())
        full.append(time.perf_counter() - started)
    bare_s, full_s = min(bare), min(full)
    return {"posts": len(posts), "images": len(pixels), "batch_size": settings.batch_size,
            "decode_seconds": round(timings.decode, 3), "bare_forward_seconds": round(bare_s, 3),
            "predict_seconds": round(full_s, 3), "bare_images_per_second": round(len(pixels) / bare_s, 1),
            "predict_images_per_second": round(len(pixels) / full_s, 1),
            "predict_posts_per_second": round(len(posts) / full_s, 1),
            "overhead": round(full_s / bare_s - 1.0, 4), "repeats": repeats}


def one_post(image: Path, model: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fashion", "predict", str(image), "--caption", CAPTION, "--model",
                           str(model), "--json"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    seconds = json.loads(done.stdout)["seconds"]
    return {"cli_wall_seconds": round(wall, 3), "cli_startup_seconds": seconds["startup"],
            "cli_post_seconds": seconds["total"], "cli_post_split": seconds}


def http_latency(service: PostPredictor, image_bytes: bytes, requests: int) -> dict:
    import httpx
    import uvicorn

    from fashion.predict.serve import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    out = {}
    try:
        for clients in (1, 8):
            def one(_):
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                    began = time.perf_counter()
                    answer = client.post("/predict", files=[("images", ("a.jpg", image_bytes, "image/jpeg"))],
                                         data={"caption": CAPTION})
                    answer.raise_for_status()
                    return time.perf_counter() - began
            one(0)  # warm-up
            with ThreadPoolExecutor(clients) as pool:
                began = time.perf_counter()
                latencies = sorted(pool.map(one, range(requests)))
                total = time.perf_counter() - began
            out[f"clients_{clients}"] = {"requests": requests, "p50_ms": round(1000 * statistics.median(latencies), 1),
                                         "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
                                         "requests_per_second": round(requests / total, 1)}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default=None)
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    params = load_params()
    settings = PredictSettings.from_params(params, run=args.run)
    started = time.perf_counter()
    service = PostPredictor.load(settings.bundle_dir(), "models/embeddings/vectors.npz", settings)
    loaded = time.perf_counter() - started
    posts = read_posts("data/interim/ingest/posts.parquet").sort_values("post_id")
    image = next(Path(r.dump_root) / m["path"] for r in posts.itertuples() for m in r.media if m["type"] == "image")
    first = time.perf_counter()
    service.predict([image], CAPTION)
    second = time.perf_counter()
    service.predict([image], CAPTION + " and a silk dress")
    report = {"run": settings.run, "torch_threads": torch.get_num_threads(),
              "in_process": {"load_seconds": round(loaded, 3), "first_post_seconds": round(second - first, 4),
                             "second_post_seconds": round(time.perf_counter() - second, 4)},
              "batch": batch_throughput(service, settings, args.posts, args.repeats),
              "one_post": one_post(image, settings.bundle_dir()),
              "http": http_latency(service, image.read_bytes(), args.requests)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
