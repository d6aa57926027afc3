"""fashion.scale: partitioned ingest, and normalise -> rank -> predict on the local engine and on a
Dask LocalCluster of 2 worker processes (same tables; a worker killed mid-run loses no row)."""
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from predict_fixtures import make_bundle, make_vectors  # noqa: E402

from fashion.data.split import post_split  # noqa: E402
from fashion.demo import DemoConfig, generate_demo  # noqa: E402
from fashion.ingest.pipeline import IngestConfig, ingest  # noqa: E402
from fashion.ontology import load_ontology  # noqa: E402
from fashion.predict.config import PredictSettings  # noqa: E402
from fashion.predict.stage import predict_corpus  # noqa: E402
from fashion.scale.dataset import bucket, part_files  # noqa: E402
from fashion.scale.engine import Engine, EngineConfig  # noqa: E402
from fashion.text.corpus import normalize_corpus  # noqa: E402
from fashion.text.normalize import NormalizeConfig  # noqa: E402
from fashion.text.pipeline import rank_corpus  # noqa: E402
from fashion.text.rank import RankConfig  # noqa: E402

TINY = dict(accounts=6, posts=40, deepfashion_images=10, image_size=48, comments_mean=3.0)
PARTS = 3
TOKEN_KEYS = ["post_id", "field", "text_id"]
ANNOTATION_KEYS = ["post_id", "facet", "rank"]


def test_bucket_is_a_fixed_hash_of_the_account_not_pythons_hash():
    expected = int.from_bytes(hashlib.blake2b(b"anna.style", digest_size=8).digest(), "big") % 7
    assert bucket("anna.style", 7) == expected
    assert bucket("anna.style", 1) == 0
    assert len({bucket(f"account{i}", 4) for i in range(40)}) == 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    ontology = load_ontology("ontology")
    generate_demo(DemoConfig(seed=5, **TINY), root / "raw", ontology, progress=False)
    for parts in (1, PARTS):
        ingest([str(root / "raw" / "instagram")], root / f"ingest{parts}", IngestConfig(partitions=parts, progress=False))
    vectors = make_vectors(root / "vectors.npz")
    bundles = {"pruning": make_bundle(root, head="pruning"), "base": make_bundle(root, head="base")}
    return {"root": root, "ontology": ontology, "vectors": vectors, "bundles": bundles}


def _chain(world, ingest_dir: Path, out: Path, engine: Engine) -> dict:
    """normalise -> rank -> predict of one ingest on one engine; -> the three output paths."""
    from fashion.predict.bundle import load_predictor

    ontology = world["ontology"]
    with engine:
        normalize_corpus(ingest_dir / "posts.parquet", ingest_dir / "comments.parquet", out / "tokens.parquet",
                         ontology, NormalizeConfig(workers=1), progress=False, engine=engine)
        rank_corpus(out / "tokens.parquet", world["vectors"], ontology, out / "annotations.parquet", RankConfig(),
                    truth_path=ingest_dir / "truth.parquet", progress=False, engine=engine)
        predictor, base = (load_predictor(world["bundles"][h]) for h in ("pruning", "base"))
        predict_corpus(ingest_dir / "posts.parquet", out / "annotations.parquet", None, predictor, base,
                       PredictSettings(bootstrap=10), lambda p: post_split(p, 7, 0.2), ("val",), 7,
                       out / "predictions.parquet", out / "predict.json", engine=engine)
    return {name: out / f"{name}.parquet" for name in ("tokens", "annotations", "predictions")}


@pytest.fixture(scope="module")
def local_runs(world):
    root = world["root"]
    return {parts: _chain(world, root / f"ingest{parts}", root / f"local{parts}", Engine()) for parts in (1, PARTS)}


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _sorted(path: Path, keys: list[str]) -> pd.DataFrame:
    return pd.read_parquet(path).sort_values(keys, kind="stable").reset_index(drop=True)


def test_ingest_partitions_by_account_and_keeps_every_row(world):
    root = world["root"]
    single = pd.read_parquet(root / "ingest1" / "posts.parquet")
    parts = part_files(root / f"ingest{PARTS}" / "posts.parquet")
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(PARTS)]
    for i, part in enumerate(parts):
        accounts = set(pq.read_table(part, columns=["account"]).column("account").to_pylist())
        assert accounts and all(bucket(a, PARTS) == i for a in accounts)
    whole = pd.read_parquet(root / f"ingest{PARTS}" / "posts.parquet")  # the folder reads as one table
    assert sorted(whole.post_id) == sorted(single.post_id) and list(whole.columns) == list(single.columns)
    comments = pd.read_parquet(root / f"ingest{PARTS}" / "comments.parquet")
    assert len(comments) == len(pd.read_parquet(root / "ingest1" / "comments.parquet"))
    owner = dict(zip(whole.post_id, whole.account))
    for i, part in enumerate(part_files(root / f"ingest{PARTS}" / "comments.parquet")):
        ids = pq.read_table(part, columns=["post_id"]).column("post_id").to_pylist()
        assert all(bucket(owner[p], PARTS) == i for p in ids)


def test_partitioned_tables_hold_the_single_file_rows(local_runs):
    single, parted = local_runs[1], local_runs[PARTS]
    assert single["tokens"].is_file() and single["tokens"].stat().st_size
    assert parted["tokens"].is_dir() and len(part_files(parted["tokens"])) == PARTS
    pd.testing.assert_frame_equal(_sorted(parted["tokens"], TOKEN_KEYS), _sorted(single["tokens"], TOKEN_KEYS))
    a, b = _sorted(parted["annotations"], ANNOTATION_KEYS), _sorted(single["annotations"], ANNOTATION_KEYS)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a.drop(columns=["score", "share"]), b.drop(columns=["score", "share"]))
    np.testing.assert_allclose(a.score, b.score, rtol=1e-6)  # float32 cosines: BLAS blocks round the last bit
    p, q = _sorted(parted["predictions"], ["post_id", "image"]), _sorted(single["predictions"], ["post_id", "image"])
    assert len(p) == len(q) > 0 and list(p.post_id) == list(q.post_id)


def _same_predictions(a: Path, b: Path) -> None:
    """Same rows, labels and statuses; model scores equal to float32 rounding (torch's intra-op
    threads differ between the driver and a one-thread Dask worker)."""
    p, q = _sorted(a, ["post_id", "image"]), _sorted(b, ["post_id", "image"])
    pd.testing.assert_frame_equal(p[["post_id", "image", "media", "image_status", "split", "run"]],
                                  q[["post_id", "image", "media", "image_status", "split", "run"]])
    for column in ("categories", "subcategories", "attributes"):
        for x, y in zip(p[column], q[column]):
            assert [e["label"] for e in x] == [e["label"] for e in y]
            np.testing.assert_allclose([e["score"] for e in x], [e["score"] for e in y], atol=1e-5)


def test_dask_engine_gives_the_local_engine_tables(world, local_runs, client):
    out = _chain(world, world["root"] / f"ingest{PARTS}", world["root"] / "dask", Engine(EngineConfig(engine="dask"), client))
    for name in ("tokens", "annotations"):  # per part, byte for byte
        mine, local = part_files(out[name]), part_files(local_runs[PARTS][name])
        assert [p.name for p in mine] == [p.name for p in local]
        assert all(m.read_bytes() == lo.read_bytes() for m, lo in zip(mine, local)), name
    _same_predictions(out["predictions"], local_runs[PARTS]["predictions"])


def test_a_worker_killed_after_writing_its_part_loses_and_doubles_no_row(world, local_runs, client, tmp_path):
    """The first normalize task to finish makes its worker process exit before the scheduler hears
    of the result: Dask reruns that partition on a restarted worker, which rewrites the same part."""
    from distributed import WorkerPlugin

    marker = tmp_path / "killed"

    class KillOnce(WorkerPlugin):  # defined here: cloudpickle ships it by value to the workers
        def __init__(self, path):
            self.path = path

        def transition(self, key, start, finish, **kwargs):
            if finish == "memory" and "normalize_task" in str(key):
                try:
                    os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    return
                os._exit(1)

    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        ingest_dir = world["root"] / f"ingest{PARTS}"
        out = tmp_path / "tokens.parquet"
        stats = normalize_corpus(ingest_dir / "posts.parquet", ingest_dir / "comments.parquet", out, world["ontology"],
                                 NormalizeConfig(workers=1), progress=False,
                                 engine=Engine(EngineConfig(engine="dask"), client))
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker did die
    local = local_runs[PARTS]["tokens"]
    assert [p.read_bytes() for p in part_files(out)] == [p.read_bytes() for p in part_files(local)]
    assert stats["rows"] == len(pd.read_parquet(local)) == len(pd.read_parquet(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed", "tokens.parquet"]  # no staging left
    assert sorted(p.name for p in out.iterdir()) == [f"part-{i:05d}.parquet" for i in range(PARTS)]
