"""Ingest as the DVC stage runs it, shared with `fashion ingest`: read the PATHs, write the
tables and the metrics, warn about PATHs that gave no post, and decide the exit code."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from fashion.ingest.pipeline import IngestConfig, ingest, no_post_warnings
from fashion.io import write_json
from fashion.params import value

OUT_DIR = Path("data/interim/ingest")
METRICS = Path("metrics/ingest.json")


@dataclass(frozen=True)
class IngestRun:
    metrics: dict
    warnings: list[str]
    exit_code: int      # 1: a PATH not found, or (strict) a PATH with no post; else 0


def config_from_params(params: dict, **overrides) -> IngestConfig:
    return IngestConfig(max_image_pixels=int(value(params, "ingest.max_image_pixels")),
                        partitions=int(value(params, "ingest.partitions")), **overrides)


def run_ingest(paths: Sequence[str | os.PathLike], out: str | os.PathLike, config: IngestConfig,
               metrics_file: str | os.PathLike | None = None, strict: bool = False,
               warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> IngestRun:
    metrics = ingest(paths, out, config)
    if metrics_file is not None:
        write_json(metrics_file, metrics)
    warnings = no_post_warnings(metrics)
    for warning in warnings:
        warn(warning)
    missing = metrics["rejects_by_reason"].get("path_not_found", 0)
    if missing:
        warn(f"{missing} PATH(s) not found (see rejects.parquet)")
    code = 1 if missing or (strict and warnings) else 0
    if strict and warnings:
        warn(f"--strict: {len(warnings)} PATH(s) gave no post")
    return IngestRun(metrics, warnings, code)
