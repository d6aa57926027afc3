"""The profiles stage and `fashion profiles`: one orchestration -> data/processed/profiles.parquet."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fashion.io import write_parquet
from fashion.profiles.build import build_sources, profiles
from fashion.profiles.config import INGEST, PREDICTIONS, PROFILES, ProfilesSettings


def run_profiles(predictions: Path, ingest: Path, settings: ProfilesSettings, out: Path = PROFILES) -> dict[str, Any]:
    """Build both sources' profiles from every post and write them; returns a summary."""
    sources = build_sources(predictions, ingest, settings)
    table = profiles(sources)
    write_parquet(out, table)
    by_source = {}
    for name, agg in sources.aggregates.items():
        by_source[name] = {"accounts": int((agg.posts > 0).sum()), "posts": int(agg.posts.sum()),
                           "rows": int(agg.all.nnz)}
    return {"rows": table.num_rows, "sources": by_source, "truth_rows_left_out": sources.truth_left_out}


def run_stage(params: dict[str, Any]) -> dict[str, Any]:
    return run_profiles(PREDICTIONS, INGEST, ProfilesSettings.from_params(params))
