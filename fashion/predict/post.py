"""One post at a time (`fashion predict IMAGE...`, `fashion serve`): the bundle and the text
resources are loaded once, in `PostPredictor.load`; `predict` then costs only the post's own
work (decode, mine, one forward pass over its images, fuse)."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, BinaryIO, Sequence

import numpy as np

from fashion.data.decode import ImageRejected
from fashion.ontology import load_ontology
from fashion.predict.bundle import Predictor, hints_for, load_predictor
from fashion.predict.config import PredictSettings
from fashion.predict.fuse import LabelIndex, describe, text_hints, text_scores
from fashion.predict.text import TextMiner
from fashion.text.rank import RankConfig


class PostError(ValueError):
    """A post that cannot be predicted (too many images, an unusable image): the reason, for a 4xx."""

    def __init__(self, reason: str, detail: str, status: int = 422):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.status = reason, detail, status


class PostPredictor:
    def __init__(self, predictor: Predictor, miner: TextMiner, settings: PredictSettings):
        self.predictor, self.miner, self.settings = predictor, miner, settings
        self.index = LabelIndex.of(predictor.space)

    @classmethod
    def load(cls, bundle_dir: str | os.PathLike, vectors: str | os.PathLike, settings: PredictSettings,
             rank: RankConfig = RankConfig(), ontology_root: str | os.PathLike = "ontology") -> "PostPredictor":
        return cls(load_predictor(bundle_dir), TextMiner(vectors, load_ontology(str(ontology_root)), rank), settings)

    def prepare(self, images: Sequence[str | os.PathLike | BinaryIO]) -> np.ndarray:
        """Decode the post's images; the first unusable one is a PostError naming it."""
        if len(images) > self.settings.max_images:
            raise PostError("too_many_images", f"{len(images)} images > predict.max_images "
                            f"{self.settings.max_images}", 413)
        decoded = []
        for number, image in enumerate(images):
            try:
                decoded.append(self.predictor.prepare(image, self.settings.max_image_pixels))
            except ImageRejected as rejected:
                status = 413 if rejected.reason == "too_many_pixels" else 422
                raise PostError(rejected.reason, f"image {number}: {rejected.detail or rejected.reason}", status) from None
        size = self.predictor.image_size
        return np.stack(decoded) if decoded else np.zeros((0, size, size, 3), np.uint8)

    def predict(self, images: Sequence[str | os.PathLike | BinaryIO], caption: str = "",
                comments: Sequence[str] = (), hashtags: Sequence[str] = ()) -> dict[str, Any]:
        """The fields of a predictions row per image (one entry with "image": null without
        images: text only), plus the hint and the timings of this post."""
        started = time.perf_counter()
        pixels = self.prepare(images)
        decoded = time.perf_counter()
        mined = self.miner.mine(caption, comments, hashtags)
        space = self.predictor.space
        text = text_scores(mined, self.index, space)
        categories, subs = text_hints(mined, self.index, space, self.settings.hint_categories)
        mined_at = time.perf_counter()
        if len(pixels):
            hints = hints_for(space, [categories] * len(pixels), [subs] * len(pixels))
            scores = self.predictor.scores(pixels, hints)
        else:
            scores = {name: np.zeros((1, len(v)), np.float32) for name, v in text.items()}
        forward = time.perf_counter()
        entries = []
        for row in range(max(1, len(pixels))):
            image = {name: values[row] for name, values in scores.items()}
            fields = describe(image, text, mined, space, self.index, self.settings.text_weight, self.settings.top_k)
            entries.append({"image": row if len(pixels) else None, **fields})
        done = time.perf_counter()
        return {
            "run": self.predictor.run,
            "hint_categories": [space.categories[c] for c in categories],
            "hint_subcategory": space.subcategories[subs[0]] if subs else None,
            "images": entries,
            "seconds": {"decode": round(decoded - started, 6), "text": round(mined_at - decoded, 6),
                        "model": round(forward - mined_at, 6), "fusion": round(done - forward, 6),
                        "total": round(done - started, 6)},
        }


def default_bundle(settings: PredictSettings, root: str | os.PathLike = ".") -> Path:
    return settings.bundle_dir(root=root)
