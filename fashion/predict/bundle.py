"""Model bundles: everything needed to apply one training run, in one folder that loads alone.

    models/bundles/<dataset>/<backbone>-<head>/
        model.pt      the run's weights, byte for byte (torch.load(..., weights_only=True))
        bundle.json   format, label space, image preprocessing, backbone/head, alpha/beta, hint
                      rule, the weights' SHA-256 (docs/contracts.md "Model bundles")

`write_bundle` builds one from a training run folder (model.pt + model.json), the dataset's
section of ranges.json and the images stage's summary.json; `load_predictor` reads it back and
refuses, with one line naming the file and the reason, anything that does not fit.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from fashion.data.decode import decode_image
from fashion.data.transforms import Normalizer
from fashion.io import JsonFileError, atomic_path, read_json_object, write_json
from fashion.models import Hints, LabelSpace, LabelSpaceError, get_model

FORMAT = "fashion-model-bundle"
VERSION = 1
BUNDLE_FILE, WEIGHTS_FILE = "bundle.json", "model.pt"
# Instagram models are steered by the text of the post; DeepFashion ones by their own top-1 category
HINT_RULES = {"instagram": "text", "deepfashion": "predicted:top1"}


class BundleError(ValueError):
    """A bundle (or the run it is built from) that cannot be used; names the file and the reason."""


def _read_json(path: Path, made_by: str) -> dict[str, Any]:
    try:
        return read_json_object(path, made_by)
    except JsonFileError as error:
        raise BundleError(str(error)) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def space_json(space: LabelSpace) -> dict[str, Any]:
    return {
        "categories": list(space.categories),
        "attributes": list(space.attributes),
        "attribute_range": [list(r) for r in space.attribute_range],
        "subcategories": None if space.subcategories is None else list(space.subcategories),
        "subcategory_range": None if space.subcategory_range is None else [list(r) for r in space.subcategory_range],
    }


def space_digest(label_space: Mapping[str, Any]) -> str:
    """SHA-256 of the label space's canonical JSON: a reordered or edited label list (same shapes,
    so the weights would still load) is caught by it."""
    return hashlib.sha256(json.dumps(label_space, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def write_bundle(run_dir: str | os.PathLike, ranges_section: Mapping[str, Any], images_summary: Mapping[str, Any],
                 out_dir: str | os.PathLike, dataset: str) -> dict[str, Any]:
    """Bundle the training run in `run_dir` into `out_dir` (replaced whole); -> bundle.json's dict.
    The bundle is loaded back before it is kept, so a bundle on disk always loads."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    info = _read_json(run_dir / "model.json", "run the training stage first")
    weights = run_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise BundleError(f"{weights}: not found (run the training stage first)")
    config = info.get("config") or {}
    if config.get("dataset") != dataset:
        raise BundleError(f"{run_dir / 'model.json'}: a {config.get('dataset')!r} run, expected {dataset!r}")
    try:
        space = LabelSpace.from_ranges(ranges_section)
    except LabelSpaceError as error:
        raise BundleError(f"ranges.json {dataset}: not a label space ({error})") from None
    norm = info.get("normalization") or {}
    size = images_summary.get("image_size")
    if images_summary.get("dataset") != dataset or not isinstance(size, int):
        raise BundleError(f"images summary: not the {dataset} images stage's summary.json")
    bundle = {
        "format": FORMAT,
        "version": VERSION,
        "dataset": dataset,
        "run": f"{config['backbone']}-{config['head']}",
        "backbone": config["backbone"],
        "head": config["head"],
        "scenario": space.scenario,
        "label_space": space_json(space),
        "label_space_sha256": space_digest(space_json(space)),
        "preprocessing": {
            # uint8 RGB [H, W, 3] -> float [3, H, W]: (pixel / pixel_scale - mean) / std per channel
            "image_size": size,
            "center_width": float(images_summary.get("center_width", 1.0)),
            "exif_transpose": bool(images_summary.get("exif_transpose", False)),
            "crop_bbox": bool(images_summary.get("crop_bbox", False)),  # training only: a new image has no bbox
            "mean": [float(v) for v in norm.get("mean", [])],
            "std": [float(v) for v in norm.get("std", [])],
            "pixel_scale": int(norm.get("pixel_scale", 255)),
            "normalization": norm.get("kind"),
        },
        "model": {
            "fc_width": int(config["fc_width"]),
            "alpha": float(config.get("alpha", 0.0)),
            "beta": float(config.get("beta", 0.0)),
            "output_activation": "relu" if config.get("loss", "mse") == "mse" else "sigmoid",
            "dropout": float(config.get("dropout", 0.0)),
        },
        "hint_rule": HINT_RULES[dataset],
        "weights": {"file": WEIGHTS_FILE, "sha256": _sha256(weights), "bytes": weights.stat().st_size},
        "training": {"epochs_done": info.get("epochs_done"), "seed": config.get("seed"),
                     "hint_source": config.get("hint_source")},
    }
    scratch = out_dir.with_name(f".{out_dir.name}.building")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        with atomic_path(scratch / WEIGHTS_FILE, suffix=".pt") as tmp:
            shutil.copyfile(weights, tmp)
        write_json(scratch / BUNDLE_FILE, bundle)
        load_predictor(scratch)  # refuse to keep a bundle that does not load
        shutil.rmtree(out_dir, ignore_errors=True)
        os.replace(scratch, out_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return bundle


def bundle_run(dataset: str, run: str, root: str | os.PathLike = ".") -> Path:
    """The bundle stage: models/<dataset>/<run>/ + ranges.json + the images summary ->
    models/bundles/<dataset>/<run>/."""
    root = Path(root)
    ranges = _read_json(root / "data/processed/ranges.json", "run the ranges stage first")
    if dataset not in ranges:
        raise BundleError(f"{root / 'data/processed/ranges.json'}: no section {dataset!r}")
    summary = _read_json(root / "data/processed/images" / dataset / "summary.json", "run the images stage first")
    out = root / "models/bundles" / dataset / run
    write_bundle(root / "models" / dataset / run, ranges[dataset], summary, out, dataset)
    return out


@dataclass
class Predictor:
    """A loaded bundle: `prepare` turns image files or bytes into the model's pixels, `scores`
    runs the model on a batch of them with or without hints."""

    bundle: dict[str, Any]
    model: torch.nn.Module
    space: LabelSpace
    normalize: Normalizer
    directory: Path

    @property
    def run(self) -> str:
        return self.bundle["run"]

    @property
    def image_size(self) -> int:
        return int(self.bundle["preprocessing"]["image_size"])

    def prepare(self, source: str | os.PathLike | Any, max_pixels: int = 40_000_000) -> np.ndarray:
        """One image (path or binary file object) -> uint8 [S, S, 3], decoded as the images stage
        decoded the training pictures (EXIF turn, central width, resize); the pixel cap is checked
        on the header before decoding. Raises fashion.data.decode.ImageRejected."""
        pre = self.bundle["preprocessing"]
        # a copy: PIL's array is read-only, and torch warns on read-only input
        return np.array(decode_image(source, self.image_size, None, max_pixels, pre["center_width"],
                                     pre["exif_transpose"]))

    @torch.inference_mode()
    def scores(self, images: np.ndarray, hints: Hints | None = None) -> dict[str, np.ndarray]:
        """uint8 [B, S, S, 3] (+ hints on the CPU) -> output name -> float32 [B, n]."""
        if images.ndim != 4 or images.shape[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(f"images: expected uint8 [B,{self.image_size},{self.image_size},3], got {images.shape}")
        device = self.normalize.device
        outputs = self.model(self.normalize(images), None if hints is None else hints.to(device))
        return {name: value.float().cpu().numpy() for name, value in outputs.items()}

    def features(self, images: np.ndarray) -> torch.Tensor:
        """The bare backbone + FC forward (benchmarks compare the whole prediction with it)."""
        with torch.inference_mode():
            return self.model.encode(self.normalize(images))


def _label_space(bundle: Mapping[str, Any], where: Path) -> LabelSpace:
    raw = bundle.get("label_space")
    if not isinstance(raw, Mapping):
        raise BundleError(f"{where}: label_space missing")
    try:
        return LabelSpace(categories=raw["categories"], attributes=raw["attributes"],
                          attribute_range=raw["attribute_range"], subcategories=raw.get("subcategories"),
                          subcategory_range=raw.get("subcategory_range"))
    except (KeyError, TypeError, LabelSpaceError) as error:
        raise BundleError(f"{where}: label_space is not a label space ({error})") from None


def check_space(space: LabelSpace, expected: LabelSpace, where: Path) -> None:
    """The bundle's labels must be exactly the expected ones, in the same order (an output index
    means a label only through that order)."""
    for name in ("categories", "subcategories", "attributes", "attribute_range", "subcategory_range"):
        if getattr(space, name) != getattr(expected, name):
            raise BundleError(f"{where}: label space does not match: {name} differ "
                              f"(the bundle was made for other labels; rebuild it)")


def load_predictor(directory: str | os.PathLike, device: str = "cpu",
                   expected_space: LabelSpace | None = None) -> Predictor:
    """Load the bundle in `directory`. Refused with a BundleError naming the file: not a bundle,
    another format version, weights missing / altered (SHA-256) / not loadable with
    weights_only=True / not fitting the label space, or (given) a label space other than
    `expected_space`."""
    directory = Path(directory)
    where = directory / BUNDLE_FILE
    if not directory.is_dir():
        raise BundleError(f"{directory}: no such bundle folder (the bundle stage writes models/bundles/...)")
    bundle = _read_json(where, "not a model bundle: the bundle stage writes one")
    if bundle.get("format") != FORMAT:
        raise BundleError(f"{where}: not a model bundle (format {bundle.get('format')!r}, expected {FORMAT!r})")
    if bundle.get("version") != VERSION:
        raise BundleError(f"{where}: bundle version {bundle.get('version')!r}, this code reads {VERSION}; rebuild it")
    try:
        backbone, head, model_cfg, pre = bundle["backbone"], bundle["head"], bundle["model"], bundle["preprocessing"]
        mean, std = [float(v) for v in pre["mean"]], [float(v) for v in pre["std"]]
        size = pre["image_size"]
    except (KeyError, TypeError, ValueError) as error:
        raise BundleError(f"{where}: incomplete bundle ({error})") from None
    if len(mean) != 3 or len(std) != 3 or min(std) <= 0 or not isinstance(size, int) or size < 8:
        raise BundleError(f"{where}: preprocessing needs 3 means, 3 positive stds and an image size >= 8")
    space = _label_space(bundle, where)
    if space_digest(space_json(space)) != bundle.get("label_space_sha256"):
        raise BundleError(f"{where}: label space differs from the one the weights were bundled with "
                          "(label_space_sha256); rebuild the bundle")
    if expected_space is not None:
        check_space(space, expected_space, where)
    weights = directory / WEIGHTS_FILE
    if not weights.is_file():
        raise BundleError(f"{weights}: not found")
    if _sha256(weights) != bundle.get("weights", {}).get("sha256"):
        raise BundleError(f"{weights}: SHA-256 differs from bundle.json's (altered or replaced weights)")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as error:  # weights_only refuses pickled objects; a damaged zip raises RuntimeError
        raise BundleError(f"{weights}: not loadable with weights_only=True ({type(error).__name__}: {error})") from None
    try:
        model = get_model(backbone, head, space, fc_width=int(model_cfg["fc_width"]), alpha=float(model_cfg["alpha"]),
                          beta=float(model_cfg["beta"]), output_activation=model_cfg["output_activation"])
        model.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError, TypeError) as error:
        raise BundleError(f"{weights}: does not fit {backbone}-{head} over this label space ({error})") from None
    torch_device = torch.device(device)
    model = model.to(torch_device).eval()
    return Predictor(bundle, model, space, Normalizer(mean, std, torch_device), directory)


def hints_for(space: LabelSpace, categories: Sequence[Sequence[int]],
              subcategories: Sequence[Sequence[int]] | None = None) -> Hints:
    """Hints for a batch from per-sample category (and subcategory) index lists; no attribute hints."""
    hints = Hints.empty(len(categories), space)
    for i, chosen in enumerate(categories):
        hints.category[i, list(chosen)] = True
    if subcategories is not None and hints.subcategory is not None:
        for i, chosen in enumerate(subcategories):
            hints.subcategory[i, list(chosen)] = True
    return hints
