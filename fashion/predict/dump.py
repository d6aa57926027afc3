"""`fashion predict --dump PATH... --out DIR`: a new scrape through the whole pipeline without
retraining: ingest, normalise, mine with the trained word vectors (a word they never saw still
matches by spelling), then predict like the stage.

    DIR/ingest/{posts,comments,rejects,truth}.parquet, DIR/ingest.json
    DIR/tokens.parquet, DIR/annotations.parquet, DIR/text_mining.json (vs the dump's truth, if any)
    DIR/predictions.parquet, DIR/predict.json (the four variants on every annotated post)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from fashion.ingest.stage import config_from_params, run_ingest
from fashion.io import write_json
from fashion.ontology import load_ontology
from fashion.params import section
from fashion.predict.bundle import BundleError, load_predictor
from fashion.predict.config import PredictError, PredictSettings
from fashion.predict.stage import predict_corpus
from fashion.scale.engine import Engine, engine_config
from fashion.text.config import config_from
from fashion.text.corpus import normalize_corpus
from fashion.text.normalize import NormalizeConfig
from fashion.text.pipeline import rank_corpus
from fashion.text.rank import RankConfig

NEW = "new"  # the split of every post of a new dump: none was seen in training


def predict_dump(paths: Sequence[str | os.PathLike], out: str | os.PathLike, params: dict[str, Any] | None,
                 settings: PredictSettings, vectors: str | os.PathLike, model_dir: str | os.PathLike,
                 base_dir: str | os.PathLike | None = None, ontology_root: str = "ontology",
                 progress: bool = False) -> dict[str, Any]:
    """Everything above for the dumps `paths`; -> {"ingest", "text_mining", "predict"} metrics."""
    out = Path(out)
    try:
        predictor = load_predictor(model_dir)
        base = None if base_dir is None else load_predictor(base_dir, expected_space=predictor.space)
    except BundleError as error:
        raise PredictError(str(error)) from error
    if not Path(vectors).is_file():
        raise PredictError(f"{vectors}: word vectors not found (the embed stage writes them)")
    ontology = load_ontology(ontology_root)
    ingest_config = config_from_params(params) if params is not None else None
    if ingest_config is None:
        from fashion.ingest.pipeline import IngestConfig
        ingest_config = IngestConfig()
    ingested = run_ingest([str(p) for p in paths], out / "ingest", ingest_config, out / "ingest.json")
    if ingested.exit_code:
        raise PredictError(f"ingest of {', '.join(map(str, paths))} failed (see {out / 'ingest.json'})")
    normalize = NormalizeConfig() if params is None else config_from(NormalizeConfig, section(params, "normalize"),
                                                                     "normalize")
    rank = RankConfig() if params is None else config_from(RankConfig, section(params, "rank"), "rank")
    ingest = out / "ingest"
    with Engine(engine_config(params)) as engine:  # one cluster for the three steps
        normalize_corpus(ingest / "posts.parquet", ingest / "comments.parquet", out / "tokens.parquet", ontology,
                         normalize, progress=progress, engine=engine)
        truth = ingest / "truth.parquet"
        text_metrics = rank_corpus(out / "tokens.parquet", vectors, ontology, out / "annotations.parquet", rank,
                                   truth_path=truth if truth.is_file() else None, progress=progress, engine=engine)
        write_json(out / "text_mining.json", text_metrics)
        seed = 7 if params is None else int(params.get("seed", 7))
        metrics = predict_corpus(ingest / "posts.parquet", out / "annotations.parquet", truth, predictor, base,
                                 settings, lambda _post: NEW, (NEW,), seed, out / "predictions.parquet",
                                 out / "predict.json", engine=engine)
    return {"ingest": ingested.metrics, "text_mining": text_metrics, "predict": metrics}
