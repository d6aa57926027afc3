"""Text-mining benchmark (not a test): normalize speed vs a naive loop, rank speed, and the whole
normalize -> embed -> rank chain at the paper's scale (197K posts, ~9M comments) with peak memory.

    python benchmarks/text_bench.py                 # paper scale (tens of minutes on 2 cores)
    python benchmarks/text_bench.py --quick         # 2,000 posts, a couple of minutes
    python benchmarks/text_bench.py --posts 50000 --comments-per-post 20 --out bench.json
    python benchmarks/text_bench.py --rank-only     # rank posts/s alone (3,000 posts, best of 3 runs)

The corpus comes from fashion.demo.captions.generate_corpus (the demo world's text model), generated
in two processes with seeds seed and seed+1 and written as ingest-shaped posts/comments Parquet.
Targets: normalize >= 2x the naive loop per core; chain <= 20 min and <= 4 GB peak on 2 cores.
Numbers depend on what else runs on the machine; the report says the load average.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fashion.ontology import load_ontology  # noqa: E402

PAPER_POSTS = 200_000
# generate_corpus's comments_per_post is the mean of top-level comments; owner replies add ~30%,
# so 34 gives the paper's ~9M comments for 200K posts.
PAPER_COMMENTS_PER_POST = 34.0


def _generate_part(args) -> tuple[int, int]:
    part, n_posts, cpp, seed, workdir, ontology_root = args
    from fashion.demo.captions import generate_corpus

    ontology = load_ontology(ontology_root)
    posts_schema = pa.schema([("post_id", pa.string()), ("caption", pa.string()), ("hashtags", pa.list_(pa.string()))])
    comments_schema = pa.schema([("post_id", pa.string()), ("comment_id", pa.string()), ("text", pa.string())])
    n_comments = 0
    with pq.ParquetWriter(Path(workdir) / f"posts-{part}.parquet", posts_schema) as pw, \
            pq.ParquetWriter(Path(workdir) / f"comments-{part}.parquet", comments_schema) as cw:
        posts: dict[str, list] = {"post_id": [], "caption": [], "hashtags": []}
        comments: dict[str, list] = {"post_id": [], "comment_id": [], "text": []}
        for post in generate_corpus(n_posts, cpp, seed + part, ontology):
            pid = f"{part}{post['post_id']}"  # parts restart numbering: keep ids unique
            posts["post_id"].append(pid)
            posts["caption"].append(post["caption"])
            posts["hashtags"].append(post["hashtags"])
            for i, text in enumerate(post["comments"]):
                comments["post_id"].append(pid)
                comments["comment_id"].append(f"{pid}_{i}")
                comments["text"].append(text)
            if len(comments["text"]) >= 200_000:
                pw.write_table(pa.table(posts, schema=posts_schema))
                cw.write_table(pa.table(comments, schema=comments_schema))
                n_comments += len(comments["text"])
                posts = {k: [] for k in posts}
                comments = {k: [] for k in comments}
        pw.write_table(pa.table(posts, schema=posts_schema))
        cw.write_table(pa.table(comments, schema=comments_schema))
        n_comments += len(comments["text"])
    return n_posts, n_comments


def generate(workdir: Path, n_posts: int, cpp: float, seed: int, ontology_root: str) -> dict:
    """posts.parquet + comments.parquet (ingest shape) in workdir, built by two processes."""
    halves = [n_posts // 2, n_posts - n_posts // 2]
    jobs = [(i, n, cpp, seed, str(workdir), ontology_root) for i, n in enumerate(halves) if n]
    with mp.get_context("fork").Pool(len(jobs)) as pool:
        counts = pool.map(_generate_part, jobs)
    for name in ("posts", "comments"):
        tables = [pq.read_table(workdir / f"{name}-{i}.parquet") for i in range(len(jobs))]
        with pq.ParquetWriter(workdir / f"{name}.parquet", tables[0].schema) as w:
            for t in tables:
                w.write_table(t, row_group_size=200_000)
        for i in range(len(jobs)):
            (workdir / f"{name}-{i}.parquet").unlink()
    return {"posts": sum(c[0] for c in counts), "comments": sum(c[1] for c in counts)}


def _subset(workdir: Path, out: Path, n_posts: int) -> None:
    """The first n_posts posts and their comments, for the throughput measurements."""
    out.mkdir(parents=True, exist_ok=True)
    posts = pq.read_table(workdir / "posts.parquet").slice(0, n_posts)
    pq.write_table(posts, out / "posts.parquet")
    ids = set(posts.column("post_id").to_pylist())
    kept = []
    for batch in pq.ParquetFile(workdir / "comments.parquet").iter_batches(batch_size=200_000):
        table = pa.Table.from_batches([batch])
        mask = pa.array([p in ids for p in table.column("post_id").to_pylist()])
        kept.append(table.filter(mask))
    comments = pa.concat_tables(kept)
    pq.write_table(comments, out / "comments.parquet")


def naive_loop(texts: list[str]) -> float:
    """texts/s of the naive baseline: TweetTokenizer + spaCy nlp(text) (blank + lookup lemmatizer)
    per text, lemmas of non-stop, non-punctuation tokens."""
    import spacy
    from nltk.tokenize import TweetTokenizer

    tokenizer = TweetTokenizer(reduce_len=True)
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    started = time.perf_counter()
    for text in texts:
        tokenizer.tokenize(text)
        [t.lemma_.lower() for t in nlp(text) if not t.is_stop and not t.is_punct]
    return len(texts) / (time.perf_counter() - started)


def chain(workdir: Path, workers: int, embed_workers: int) -> dict:
    """normalize -> embed -> rank on workdir's corpus (run in a child process for a clean maxrss)."""
    from fashion.text.corpus import normalize_corpus
    from fashion.text.embed import EmbedConfig, train_embeddings
    from fashion.text.normalize import NormalizeConfig
    from fashion.text.pipeline import rank_corpus
    from fashion.text.rank import RankConfig

    ontology = load_ontology(str(ROOT / "ontology"))
    times = {}
    t = time.perf_counter()
    norm = normalize_corpus(workdir / "posts.parquet", workdir / "comments.parquet", workdir / "tokens.parquet",
                            ontology, NormalizeConfig(workers=workers), progress=False)
    times["normalize_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    emb = train_embeddings(workdir / "tokens.parquet", workdir / "vectors.npz", EmbedConfig(workers=embed_workers),
                           wordsim_path=ROOT / "ontology" / "fashion_wordsim.tsv", progress=False)
    times["embed_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    rank = rank_corpus(workdir / "tokens.parquet", workdir / "vectors.npz", ontology, workdir / "annotations.parquet",
                       RankConfig(), progress=False)
    times["rank_s"] = round(time.perf_counter() - t, 1)
    times["total_s"] = round(sum(times.values()), 1)
    peak = _peak_mb()
    times["peak_rss_mb"] = max(peak["self_mb"], peak["children_mb"])  # this process or its workers
    return {**times, "normalize": norm, "embed": emb, "rank": {k: rank[k] for k in ("posts", "rows", "posts_per_second")}}


def rank_only(workdir: Path, posts: int, comments_per_post: float, seed: int, repeats: int) -> dict:
    """Rank throughput alone: generate, normalize and embed once, then time rank_corpus ``repeats``
    times on the same tokens (best run counts: the machine is shared, the slower runs are noise)."""
    from fashion.text.corpus import normalize_corpus
    from fashion.text.embed import EmbedConfig, train_embeddings
    from fashion.text.normalize import NormalizeConfig
    from fashion.text.pipeline import rank_corpus
    from fashion.text.rank import RankConfig

    corpus = generate(workdir, posts, comments_per_post, seed, str(ROOT / "ontology"))
    ontology = load_ontology(str(ROOT / "ontology"))
    normalize_corpus(workdir / "posts.parquet", workdir / "comments.parquet", workdir / "tokens.parquet", ontology,
                     NormalizeConfig(workers=2), progress=False)
    train_embeddings(workdir / "tokens.parquet", workdir / "vectors.npz", EmbedConfig(workers=1), progress=False)
    from fashion.params import load_params, section
    from fashion.text.config import config_from

    config = config_from(RankConfig, section(load_params(ROOT / "params.yaml"), "rank"), "rank")  # as the stage ranks
    runs = []
    for _ in range(repeats):
        rank = rank_corpus(workdir / "tokens.parquet", workdir / "vectors.npz", ontology, workdir / "annotations.parquet",
                           config, progress=False)
        runs.append(rank["posts_per_second"])
    return {"corpus": corpus, "posts_per_s_runs": runs, "posts_per_s": max(runs), "load_average": os.getloadavg()}


def _peak_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self_mb": round(own), "children_mb": round(children)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=PAPER_POSTS)
    ap.add_argument("--comments-per-post", type=float, default=PAPER_COMMENTS_PER_POST)
    ap.add_argument("--quick", action="store_true", help="2,000 posts x 10 comments")
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--naive-sample", type=int, default=3000, help="texts timed in the naive loop")
    ap.add_argument("--throughput-posts", type=int, default=3000, help="posts in the 1-vs-2-worker runs")
    ap.add_argument("--workdir", default=None, help="keep files here (default: a temp folder)")
    ap.add_argument("--out", default=None, help="write the results JSON here")
    ap.add_argument("--chain-only", default=None, help=argparse.SUPPRESS)  # internal: child process
    ap.add_argument("--rank-only", action="store_true", help="only rank posts/s (--throughput-posts posts, 10 "
                                                            "comments each, best of --repeats runs)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if args.rank_only:
        with tempfile.TemporaryDirectory(prefix="text-bench-") as tmp:
            workdir = Path(args.workdir or tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            report = rank_only(workdir, args.throughput_posts, 10.0, args.seed, args.repeats)
        print(json.dumps(report, indent=2))
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        return
    if args.chain_only:
        print(json.dumps(chain(Path(args.chain_only), workers=2, embed_workers=2)))
        return
    if args.quick:
        args.posts, args.comments_per_post = 2000, 10.0
        args.throughput_posts = min(args.throughput_posts, 1000)

    with tempfile.TemporaryDirectory(prefix="text-bench-") as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report: dict = {"load_average_start": os.getloadavg(), "cpus": os.cpu_count()}
        t = time.perf_counter()
        report["corpus"] = generate(workdir, args.posts, args.comments_per_post, args.seed, str(ROOT / "ontology"))
        report["corpus"]["generate_s"] = round(time.perf_counter() - t, 1)
        print(f"corpus: {report['corpus']}", flush=True)

        # 1. normalize throughput, 1 and 2 workers, against the naive loop
        from fashion.text.corpus import normalize_corpus
        from fashion.text.normalize import NormalizeConfig

        sub = workdir / "subset"
        _subset(workdir, sub, args.throughput_posts)
        ontology = load_ontology(str(ROOT / "ontology"))
        texts = pq.read_table(sub / "comments.parquet", columns=["text"]).column("text").to_pylist()
        texts = (pq.read_table(sub / "posts.parquet", columns=["caption"]).column("caption").to_pylist() + texts)
        distinct_texts = list(dict.fromkeys(t for t in texts if t))
        sample = random.Random(args.seed).sample(distinct_texts, min(args.naive_sample, len(distinct_texts)))
        naive = naive_loop(sample)
        from fashion.text.lexicon import preload
        from fashion.text.normalize import TextNormalizer

        preload()
        fresh = TextNormalizer.from_ontology(ontology)  # cold word caches, no dedupe: per-text cost only
        started = time.perf_counter()
        fresh.normalize_many(sample)
        per_text = len(sample) / (time.perf_counter() - started)
        speeds = {}
        for workers in (1, 2):
            stats = normalize_corpus(sub / "posts.parquet", sub / "comments.parquet", sub / f"tokens-{workers}.parquet",
                                     ontology, NormalizeConfig(workers=workers), progress=False)
            busy = stats["seconds"] - stats["setup_seconds"]
            speeds[workers] = {"texts": stats["texts"], "unique_texts": stats["normalized_texts"],
                               "seconds": stats["seconds"], "setup_seconds": stats["setup_seconds"],
                               "texts_per_s": round(stats["texts"] / busy, 1)}
        # the same posts with every comment made distinct (a unique word appended): no dedupe help,
        # so this shows the per-text cost and how it scales with workers
        distinct = workdir / "distinct"
        distinct.mkdir(exist_ok=True)
        pq.write_table(pq.read_table(sub / "posts.parquet"), distinct / "posts.parquet")
        comments = pq.read_table(sub / "comments.parquet")
        unique_text = pa.array([f"{t or ''} n{i}" for i, t in enumerate(comments.column("text").to_pylist())])
        pq.write_table(comments.set_column(2, "text", unique_text), distinct / "comments.parquet")
        for workers in (1, 2):
            stats = normalize_corpus(distinct / "posts.parquet", distinct / "comments.parquet",
                                     distinct / f"tokens-{workers}.parquet", ontology, NormalizeConfig(workers=workers),
                                     progress=False)
            speeds[f"distinct_{workers}"] = {"texts": stats["texts"], "unique_texts": stats["normalized_texts"],
                                             "seconds": stats["seconds"],
                                             "texts_per_s": round(stats["texts"] / (stats["seconds"] - stats["setup_seconds"]), 1)}
        report["normalize"] = {"naive_texts_per_s": round(naive, 1), "naive_sample": len(sample),
                               "ours_same_sample_texts_per_s": round(per_text, 1),
                               "speedup_same_sample": round(per_text / naive, 2),
                               "workers_1": speeds[1], "workers_2": speeds[2],
                               "speedup_1_worker": round(speeds[1]["texts_per_s"] / naive, 2),
                               "speedup_2_workers": round(speeds[2]["texts_per_s"] / naive, 2),
                               "distinct_workers_1": speeds["distinct_1"], "distinct_workers_2": speeds["distinct_2"],
                               "distinct_speedup_1_worker": round(speeds["distinct_1"]["texts_per_s"] / naive, 2),
                               "distinct_speedup_2_workers": round(speeds["distinct_2"]["texts_per_s"] / naive, 2)}
        print(f"normalize: {report['normalize']}", flush=True)

        # 2. rank throughput on the subset (vectors trained on it)
        from fashion.text.embed import EmbedConfig, train_embeddings
        from fashion.text.pipeline import rank_corpus
        from fashion.text.rank import RankConfig

        train_embeddings(sub / "tokens-2.parquet", sub / "vectors.npz", EmbedConfig(workers=2), progress=False)
        rank = rank_corpus(sub / "tokens-2.parquet", sub / "vectors.npz", ontology, sub / "annotations.parquet",
                           RankConfig(), progress=False)
        report["rank"] = {"posts": rank["posts"], "seconds": rank["rank_seconds"],
                          "posts_per_s": rank["posts_per_second"]}
        print(f"rank: {report['rank']}", flush=True)

        # 3. the whole chain at scale, in a child process (its peak memory is RUSAGE_CHILDREN's)
        proc = subprocess.run([sys.executable, __file__, "--chain-only", str(workdir)], capture_output=True,
                              text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"chain failed:\n{proc.stderr[-4000:]}")
        report["chain"] = json.loads(proc.stdout.strip().splitlines()[-1])
        report["load_average_end"] = os.getloadavg()
        print(f"chain: {report['chain']}", flush=True)
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
