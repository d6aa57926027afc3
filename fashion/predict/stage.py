"""The predict stage and `fashion predict --dump`: every post of an ingest (every image of a
carousel) through the text, the models and the fusion -> predictions.parquet + metrics.

One orchestration (`predict_corpus`) for both: the stage passes the pipeline's own ingest and
annotations (split by the training split, evaluated on the validation posts); a new dump passes
its own (split "new", evaluated on every annotated post)."""
from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from fashion.data.benchmark import read_annotations
from fashion.data.decode import ImageRejected, safe_join
from fashion.data.errors import DataError
from fashion.data.images import read_posts
from fashion.data.instagram import post_labels, read_truth, truth_item_labels
from fashion.data.split import post_split
from fashion.io import write_json, write_parquet
from fashion.params import value
from fashion.predict.bundle import BundleError, Predictor, hints_for, load_predictor
from fashion.predict.config import METRICS, PREDICTIONS, PredictError, PredictSettings
from fashion.predict.evaluate import evaluate_variants
from fashion.predict.fuse import OUTPUTS, LabelIndex, Mined, describe, fuse, mined_from_annotations, text_hints, text_scores
from fashion.scale.dataset import DatasetWriter, part_files
from fashion.scale.engine import Engine, engine_config, worker_cache

INGEST = Path("data/interim/ingest")
ANNOTATIONS = Path("data/processed/annotations.parquet")

_LABEL = pa.struct([("label", pa.string()), ("score", pa.float64()), ("image", pa.float64()),
                    ("text", pa.float64()), ("source", pa.string())])
_ATTRIBUTE = pa.struct([("group", pa.string()), ("label", pa.string()), ("score", pa.float64()),
                        ("image", pa.float64()), ("text", pa.float64()), ("source", pa.string())])
_TEXT_LABEL = pa.struct([("label", pa.string()), ("score", pa.float64())])
SCHEMA = pa.schema([
    ("post_id", pa.string()), ("image", pa.int32()), ("media", pa.string()), ("image_status", pa.string()),
    ("split", pa.string()), ("annotated", pa.bool_()), ("run", pa.string()),
    ("hint_categories", pa.list_(pa.string())), ("hint_subcategory", pa.string()),
    ("categories", pa.list_(_LABEL)), ("subcategories", pa.list_(_LABEL)), ("attributes", pa.list_(_ATTRIBUTE)),
    ("brands", pa.list_(_TEXT_LABEL)), ("styles", pa.list_(_TEXT_LABEL)),
])


def _stem(path: str) -> str:
    return str(PurePosixPath(path).with_suffix(""))


def post_images(media) -> list[str]:
    """A post's image media paths in order; a video's thumbnail (x.jpg beside x.mp4) is no photo."""
    entries = [] if media is None else list(media)
    videos = {_stem(e["path"]) for e in entries if e.get("type") == "video" and e.get("path")}
    return [str(e["path"]) for e in entries
            if e.get("type") == "image" and e.get("path") and _stem(e["path"]) not in videos]


@dataclass
class Timings:
    decode: float = 0.0
    model: float = 0.0
    text_and_fusion: float = 0.0
    images: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class Item:
    """One predictions row before scoring: a post's image (or the post alone, without one)."""
    post_id: str
    image: int | None
    media: str | None
    status: str
    pixels: np.ndarray | None


def _items(posts: pd.DataFrame, predictor: Predictor, settings: PredictSettings, timings: Timings) -> list[Item]:
    """Decode every image of every post (paths may not leave their dump root); an image that
    cannot be used keeps its row with the reason and text-only predictions."""
    items: list[Item] = []
    started = time.perf_counter()
    for post in posts.itertuples(index=False):
        paths = post_images(post.media)[: settings.max_images]
        if not paths:
            items.append(Item(str(post.post_id), None, None, "no_image", None))
            continue
        for number, relative in enumerate(paths):
            path = safe_join(post.dump_root, relative)
            if path is None:
                items.append(Item(str(post.post_id), number, relative, "unsafe_path", None))
                continue
            try:
                pixels = predictor.prepare(path, settings.max_image_pixels)
                items.append(Item(str(post.post_id), number, relative, "ok", pixels))
            except ImageRejected as rejected:
                items.append(Item(str(post.post_id), number, relative, rejected.reason, None))
    timings.decode += time.perf_counter() - started
    timings.images += sum(item.pixels is not None for item in items)
    return items


def batched_scores(predictor: Predictor, pixels: np.ndarray, hints: tuple[list, list] | None,
                   batch_size: int) -> dict[str, np.ndarray]:
    """Scores of uint8 [N,S,S,3] in batches; hints = (category lists, subcategory lists) per image."""
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, len(pixels), batch_size):
        stop = min(start + batch_size, len(pixels))
        batch_hints = None if hints is None else hints_for(predictor.space, hints[0][start:stop], hints[1][start:stop])
        parts.append(predictor.scores(pixels[start:stop], batch_hints))
    if not parts:
        return {}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _zeros(space, n: int) -> dict[str, np.ndarray]:
    widths = {"category": space.num_categories, "attributes": space.num_attributes}
    if space.subcategories is not None:
        widths["subcategories"] = space.num_subcategories
    return {name: np.zeros((n, width), np.float32) for name, width in widths.items()}


def predict_items(items: list[Item], mined: dict[str, Mined], predictor: Predictor, settings: PredictSettings,
                  timings: Timings, base: Predictor | None = None) -> dict[str, Any]:
    """Scores of every item: text [N, n], image with hints ("dynamic"), fused, and (given a base
    predictor) the base model without hints ("image"), each output name -> [N, n]."""
    space, index = predictor.space, LabelIndex.of(predictor.space)
    started = time.perf_counter()
    text = _zeros(space, len(items))
    hints: list[tuple[list[int], list[int]]] = []
    for row, item in enumerate(items):
        post_text = mined.get(item.post_id, {})
        for name, scores in text_scores(post_text, index, space).items():
            text[name][row] = scores
        hints.append(text_hints(post_text, index, space, settings.hint_categories))
    timings.text_and_fusion += time.perf_counter() - started
    usable = np.array([item.pixels is not None for item in items], dtype=bool)
    pixels = np.stack([item.pixels for item in items if item.pixels is not None]) if usable.any() else None
    dynamic, image = _zeros(space, len(items)), _zeros(space, len(items))
    started = time.perf_counter()
    if pixels is not None:
        chosen = [hints[i] for i in np.flatnonzero(usable)]
        scores = batched_scores(predictor, pixels, ([c for c, _ in chosen], [s for _, s in chosen]), settings.batch_size)
        for name in dynamic:
            dynamic[name][usable] = scores[name]
        if base is not None:
            check_same_space(predictor, base)
            for name, values in batched_scores(base, pixels, None, settings.batch_size).items():
                image[name][usable] = values
    timings.model += time.perf_counter() - started
    started = time.perf_counter()
    fused = {name: fuse(dynamic[name], text[name], settings.text_weight) for name in dynamic}
    timings.text_and_fusion += time.perf_counter() - started
    return {"text": text, "dynamic": dynamic, "image": image, "fused": fused, "hints": hints, "usable": usable}


def check_same_space(predictor: Predictor, base: Predictor) -> None:
    if predictor.space != base.space:
        raise PredictError(f"{base.directory}: label space differs from {predictor.directory}'s; "
                           "both must come from the same ranges.json")


def prediction_table(items: list[Item], scored: dict[str, Any], mined: dict[str, Mined], predictor: Predictor,
                     settings: PredictSettings, split_of: Callable[[str], str], annotated: set[str],
                     timings: Timings) -> pa.Table:
    space, index = predictor.space, LabelIndex.of(predictor.space)
    started = time.perf_counter()
    rows = []
    for row, item in enumerate(items):
        image = {name: scored["dynamic"][name][row] for name in scored["dynamic"]}
        text = {name: scored["text"][name][row] for name in scored["text"]}
        post_text = mined.get(item.post_id, {})
        fields = describe(image, text, post_text, space, index, settings.text_weight, settings.top_k)
        categories, subs = scored["hints"][row]
        rows.append({
            "post_id": item.post_id, "image": item.image, "media": item.media, "image_status": item.status,
            "split": split_of(item.post_id), "annotated": item.post_id in annotated, "run": predictor.run,
            "hint_categories": [space.categories[c] for c in categories],
            "hint_subcategory": space.subcategories[subs[0]] if subs else None, **fields,
        })
    timings.text_and_fusion += time.perf_counter() - started
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def truth_targets(truth_file: Path, predictor: Predictor) -> dict[str, tuple[list[int], list[int], list[int]]]:
    """post id -> (category, subcategory, attribute) indices of its truth items, in the bundle's space."""
    space = predictor.space
    groups = list(dict.fromkeys(a.split(":", 1)[0] for a in space.attributes))
    truth = read_truth(truth_file, groups)
    items = truth_item_labels(truth, list(space.categories), list(space.subcategories or ()), list(space.attributes),
                              str(truth_file))
    return post_labels(items)


def evaluation(items: list[Item], scored: dict[str, Any], labels: dict, eval_posts: set[str], predictor: Predictor,
               settings: PredictSettings, seed: int) -> dict:
    """The four variants on each evaluated post's first image (its truth describes that image)."""
    space = predictor.space
    rows = [i for i, item in enumerate(items) if item.post_id in eval_posts and item.image in (0, None)]
    facets = {"category": "categories", "subcategories": "subcategories", "attributes": "attributes"}
    truth = {}
    for output, facet in facets.items():
        if output == "subcategories" and space.subcategories is None:
            continue
        width = {"category": space.num_categories, "subcategories": space.num_subcategories,
                 "attributes": space.num_attributes}[output]
        target = np.zeros((len(rows), width), np.float32)
        slot = ("category", "subcategories", "attributes").index(output)
        for r, i in enumerate(rows):
            target[r, labels[items[i].post_id][slot]] = 1.0
        truth[facet] = target
    variants = {v: {facets[o]: scored[v][o][rows] for o in OUTPUTS if o in scored[v]}
                for v in ("text", "image", "dynamic", "fused")}
    result = evaluate_variants(variants, truth, settings.bootstrap, seed, k=3)
    result["evaluated_posts"] = len(rows)
    result["evaluated_without_image"] = int(sum(items[i].status != "ok" for i in rows))
    return result


def predict_corpus(posts_file: Path, annotations_file: Path, truth_file: Path | None, predictor: Predictor,
                   base: Predictor | None, settings: PredictSettings, split_of: Callable[[str], str],
                   eval_splits: tuple[str, ...], seed: int, out_table: Path, metrics_file: Path,
                   engine: Engine | None = None) -> dict:
    """Write predictions.parquet and the metrics JSON for one ingest; -> the metrics.

    A posts dataset folder gives a predictions folder, part i from posts part i (and annotations
    part i when annotations is a folder too), each written by ``predict_task`` on the engine; the
    evaluated posts' scores come back from the parts and are evaluated here, in post id order."""
    started = time.perf_counter()
    posts_file, annotations_file, out_table = Path(posts_file), Path(annotations_file), Path(out_table)
    try:
        posts_parts = part_files(posts_file)
        annotation_parts = part_files(annotations_file) if annotations_file.is_dir() else [annotations_file]
        read_posts(posts_parts[0])  # contract columns checked; damaged: one line
        read_annotations(annotation_parts[0])
        if len(annotation_parts) not in (1, len(posts_parts)):
            raise DataError(annotations_file, "parts", f"{len(annotation_parts)} parts for {len(posts_parts)} "
                                                       f"posts parts; rerun the rank stage")
        labels = truth_targets(truth_file, predictor) if truth_file is not None and truth_file.is_file() else {}
    except (DataError, OSError, ValueError) as error:
        raise PredictError(str(error)) from error
    eval_posts = {p for p in labels if split_of(p) in eval_splits}
    spec = PredictSpec(uuid.uuid4().hex, str(predictor.directory), None if base is None else str(base.directory), settings,
                       split_of, frozenset(labels), frozenset(eval_posts))
    writer = DatasetWriter(out_table) if posts_file.is_dir() else None
    tasks = [PredictTask(str(part), str(annotation_parts[i if len(annotation_parts) > 1 else 0]),
                         str(writer.part(i)) if writer else str(out_table)) for i, part in enumerate(posts_parts)]
    if writer is None and out_table.is_dir():  # a dataset folder of an earlier partitioned run
        shutil.rmtree(out_table)
    with engine or Engine() as run:
        if not run.distributed:  # the local engine uses the predictors already loaded
            worker_cache(("predictor", spec.token, "model"), lambda: predictor)
            if base is not None:
                worker_cache(("predictor", spec.token, "base"), lambda: base)
        try:
            done = run.map(predict_task, tasks, run.share(spec), desc="predict", progress=writer is not None)
            if writer is not None:
                writer.publish(len(tasks))
        finally:
            if writer is not None:
                writer.discard()
    statuses: dict[str, int] = {}
    for part in done:
        for status, n in part["image_status"].items():
            statuses[status] = statuses.get(status, 0) + n
    metrics: dict[str, Any] = {
        "run": predictor.run, "base_run": None if base is None else base.run, "k": 3, "top_k": settings.top_k,
        "text_weight": settings.text_weight, "hint_categories": settings.hint_categories,
        "bootstrap": settings.bootstrap, "posts": sum(p["posts"] for p in done), "rows": sum(p["rows"] for p in done),
        "images": sum(p["images"] for p in done), "image_status": dict(sorted(statuses.items())),
        "evaluated_splits": list(eval_splits),
    }
    if eval_posts:
        items, scored = _evaluated_rows(done)
        metrics.update(evaluation(items, scored, labels, eval_posts, predictor, settings, seed))
    seconds = time.perf_counter() - started
    metrics["timing"] = {"seconds": round(seconds, 3),
                         **{f"{name}_seconds": round(sum(p["timing"][name] for p in done), 3)
                            for name in ("decode", "model", "text_and_fusion")}}
    write_json(metrics_file, metrics)
    return metrics


@dataclass(frozen=True)
class PredictTask:
    posts: str
    annotations: str
    out: str


@dataclass(frozen=True)
class PredictSpec:
    """What every predict task needs besides its files (sent to each worker once)."""

    token: str                    # one per run: a worker never reuses another run's models
    model: str                    # bundle folders, loaded once per worker process
    base: str | None
    settings: PredictSettings
    split_of: Callable[[str], str]
    annotated: frozenset
    eval_posts: frozenset


def predict_task(task: PredictTask, spec: PredictSpec) -> dict:
    """The per-partition work of both engines: one posts file (+ its annotations) -> its predictions
    file; -> counts, timings and the evaluated posts' rows (first image) for the evaluation."""
    predictor = worker_cache(("predictor", spec.token, "model"), lambda: load_predictor(spec.model))
    base = None if spec.base is None else worker_cache(
        ("predictor", spec.base, spec.model), lambda: load_predictor(spec.base, expected_space=predictor.space))
    timings = Timings()
    posts = read_posts(task.posts).sort_values("post_id", kind="stable")
    mined = mined_from_annotations(read_annotations(task.annotations))
    items = _items(posts, predictor, spec.settings, timings)
    scored = predict_items(items, mined, predictor, spec.settings, timings, base)
    table = prediction_table(items, scored, mined, predictor, spec.settings, spec.split_of, set(spec.annotated), timings)
    write_parquet(task.out, table)
    keep = [i for i, item in enumerate(items) if item.post_id in spec.eval_posts and item.image in (0, None)]
    return {"posts": int(len(posts)), "rows": table.num_rows, "images": timings.images,
            "image_status": pd.Series([i.status for i in items], dtype=object).value_counts().astype(int).to_dict(),
            "timing": {"decode": timings.decode, "model": timings.model, "text_and_fusion": timings.text_and_fusion},
            "eval_items": [Item(items[i].post_id, items[i].image, None, items[i].status, None) for i in keep],
            "eval_scored": {v: {o: scored[v][o][keep] for o in scored[v]} for v in ("text", "image", "dynamic", "fused")}}


def _evaluated_rows(done: list[dict]) -> tuple[list[Item], dict[str, Any]]:
    """The evaluated rows of every part, in post id order (as one unpartitioned run has them)."""
    items = [item for part in done for item in part["eval_items"]]
    order = sorted(range(len(items)), key=lambda i: items[i].post_id)
    items = [items[i] for i in order]
    scored = {}
    for variant in ("text", "image", "dynamic", "fused"):
        names = done[0]["eval_scored"][variant].keys()
        scored[variant] = {name: np.concatenate([part["eval_scored"][variant][name] for part in done])[order]
                           for name in names}
    return items, scored


def load_pair(settings: PredictSettings, root: str | os.PathLike = ".") -> tuple[Predictor, Predictor]:
    """The chosen run's predictor and the base run's, checked to share one label space."""
    try:
        predictor = load_predictor(settings.bundle_dir(root=root))
        base = load_predictor(settings.bundle_dir(settings.base_run, root=root), expected_space=predictor.space)
    except BundleError as error:
        raise PredictError(str(error)) from error
    return predictor, base


def run_stage(params: dict[str, Any] | None, root: str | os.PathLike = ".") -> dict:
    """The predict stage: the pipeline's ingest + annotations + the chosen bundles ->
    data/processed/predictions.parquet + metrics/predict.json (evaluated on the val posts)."""
    root = Path(root)
    settings = PredictSettings.from_params(params)
    seed = 7 if params is None else int(value(params, "seed"))
    val_share = 0.2 if params is None else float(value(params, "images.val_share"))
    predictor, base = load_pair(settings, root)
    return predict_corpus(root / INGEST / "posts.parquet", root / ANNOTATIONS, root / INGEST / "truth.parquet",
                          predictor, base, settings, lambda p: post_split(p, seed, val_share), ("val",), seed,
                          root / PREDICTIONS, root / METRICS, engine=Engine(engine_config(params)))
