"""A run's inputs from the contract's files: ranges.json, images/<dataset>/ and (Instagram)
annotations.parquet. A missing or damaged file is a TrainError naming it and the reason."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fashion.data.benchmark import load_benchmark, read_annotations
from fashion.data.errors import DataError
from fashion.io import JsonFileError, read_json_object
from fashion.models import LabelSpace, LabelSpaceError
from fashion.train.config import TrainError


@dataclass
class RunInputs:
    space: LabelSpace
    train: Any                      # fashion.data Benchmark (train split)
    val: Any                        # fashion.data Benchmark (val split)
    annotations: Any = None         # text-mined annotations (Instagram text hints), or None
    test: Any = None                # fashion.data Benchmark (test split); None when the split is empty
    attribute_types: list[str] | None = None  # DeepFashion: each attribute's type (ranges.json), else None


def load_inputs(processed_dir: str | os.PathLike, dataset: str, labels: str = "truth") -> RunInputs:
    """ranges.json + images/<dataset>/ (+ annotations.parquet for Instagram) -> RunInputs."""
    processed = Path(processed_dir)
    ranges_file = processed / "ranges.json"
    try:
        ranges = read_json_object(ranges_file, "run the ranges stage first")
    except JsonFileError as error:
        raise TrainError(str(error)) from error
    if dataset not in ranges:
        raise TrainError(f"{ranges_file}: no section {dataset!r} (have {sorted(ranges)})")
    section = ranges[dataset]
    try:
        space = LabelSpace.from_ranges(section)
    except (LabelSpaceError, KeyError, TypeError, ValueError) as error:
        raise TrainError(f"{ranges_file}: section {dataset!r} is not a label space ({error})") from error
    annotations = None
    annotations_file = processed / "annotations.parquet"
    try:
        if dataset == "instagram":
            if not annotations_file.exists():  # a file, or a dataset folder (ingest.partitions > 1)
                raise TrainError(f"{annotations_file}: not found (Instagram text hints need the rank stage)")
            annotations = read_annotations(annotations_file)  # parsed once, reused by every hint draw
        images_dir = processed / "images" / dataset
        train = load_benchmark(images_dir, section, "train", labels, annotations)
        val = load_benchmark(images_dir, section, "val", labels, annotations)
        test = load_benchmark(images_dir, section, "test", labels, annotations)
    except DataError as error:
        raise TrainError(str(error)) from error
    types = section.get("attribute_types")
    if types is not None and (not isinstance(types, list) or len(types) != len(space.attributes)):
        raise TrainError(f"{ranges_file}: {dataset}.attribute_types must list one type per attribute "
                         f"({len(space.attributes)}); rerun the ranges stage")
    return RunInputs(space, train, val, annotations, test if len(test) else None, types)
