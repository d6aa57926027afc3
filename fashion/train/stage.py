"""One orchestration of a training run, shared by the DVC stage (stages/train.py) and
`fashion train`: settings from params.yaml (plus CLI overrides), the labels rule, inputs, the
image-size check, fit + evaluate + metric files."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from fashion.io import write_json
from fashion.params import value
from fashion.train.config import RunPaths, TrainConfig, TrainError
from fashion.train.evaluate import evaluate
from fashion.train.inputs import RunInputs, load_inputs
from fashion.train.loop import fit
from fashion.train.runtime import deterministic_mode

PROCESSED = "data/processed"


def run(
    config: TrainConfig,
    inputs: RunInputs,
    paths: RunPaths,
    on_batch_end: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any] | None:
    """fit + evaluate + write metrics JSON and per-class JSON. Returns the run metrics on rank 0
    (None on other ranks, which only train)."""
    if inputs.val is None or len(inputs.val.images) == 0:
        raise TrainError(f"{config.dataset}: the val split is empty; nothing to evaluate")
    fitted = fit(config, inputs, paths, on_batch_end)
    if int(os.environ.get("RANK", "0")) != 0:
        return None
    with deterministic_mode(config.deterministic, next(fitted.model.parameters()).device):
        run_metrics, per_class = evaluate(fitted.model, config, inputs, fitted.normalization, fitted.train_loss)
    write_json(paths.metrics_file, run_metrics)
    write_json(paths.per_class_file, per_class)
    return run_metrics


def labels_for(dataset: str, labels: str) -> str:
    """Instagram trains on `labels` (params `labels`: truth | text); DeepFashion always on truth."""
    return labels if dataset == "instagram" else "truth"


def check_images_match_params(inputs: RunInputs, image_size: int, images_dir: Path) -> None:
    """The images stage's arrays must be of the size params.yaml now asks for."""
    height, width = inputs.train.images.shape[1:3]
    if (height, width) != (image_size, image_size):
        raise TrainError(
            f"{images_dir / 'images.npy'}: images are {height}x{width} px but images.image_size is "
            f"{image_size}; rerun the images stage"
        )


def run_stage(
    params: dict[str, Any] | None,
    dataset: str,
    backbone: str,
    head: str,
    overrides: dict[str, Any] | None = None,
    labels: str | None = None,
    processed: str | os.PathLike = PROCESSED,
    out: str | os.PathLike = ".",
) -> tuple[dict[str, Any] | None, RunPaths]:
    """One run as the stage makes it. `params` None: the library defaults (equal to the committed
    params.yaml); `overrides`: TrainConfig fields set on top (CLI flags); `labels` None: params."""
    overrides = dict(overrides or {})
    if params is None:
        config = TrainConfig(dataset=dataset, backbone=backbone, head=head, **overrides)
        chosen_labels, image_size = labels or "truth", None
    else:
        config = TrainConfig.from_params(params, dataset, backbone, head, **overrides)
        chosen_labels = labels or str(value(params, "labels"))
        image_size = int(value(params, "images.image_size"))
    inputs = load_inputs(processed, dataset, labels_for(dataset, chosen_labels))
    if image_size is not None:
        check_images_match_params(inputs, image_size, Path(processed) / "images" / dataset)
    paths = RunPaths.standard(out, dataset, config.run_name)
    return run(config, inputs, paths), paths
