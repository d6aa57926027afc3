"""Small, real inputs for the fashion.predict tests: a training run folder of an untrained model
over the ontology's Instagram label space, its bundle, word vectors and a tiny Instaloader dump."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from fashion.data.instagram import InstagramVocab
from fashion.data.ranges import instagram_ranges
from fashion.models import LabelSpace, get_model
from fashion.ontology import load_ontology
from fashion.predict.bundle import write_bundle

SIZE = 32


def ranges_section() -> dict:
    vocab = InstagramVocab.from_ontology(load_ontology("ontology"))
    return instagram_ranges(vocab, None, "ontology", 7, 0.2)


def make_run(root: Path, backbone: str = "resnet18", head: str = "pruning", seed: int = 0) -> Path:
    """models/instagram/<backbone>-<head>/ as training writes it (untrained weights, fc_width 8)."""
    section = ranges_section()
    torch.manual_seed(seed)
    model = get_model(backbone, head, LabelSpace.from_ranges(section), fc_width=8)
    run = root / "models" / "instagram" / f"{backbone}-{head}"
    run.mkdir(parents=True)
    torch.save(model.state_dict(), run / "model.pt")
    config = {"dataset": "instagram", "backbone": backbone, "head": head, "fc_width": 8, "loss": "mse",
              "seed": 7, "hint_source": "paper", "dropout": 0.0}
    if head != "base":
        config.update(alpha=0.1, beta=0.01)
    (run / "model.json").write_text(json.dumps({"config": config, "scenario": "multi", "epochs_done": 1,
                                                "normalization": {"kind": "train", "mean": [0.5, 0.5, 0.5],
                                                                  "std": [0.25, 0.25, 0.25], "pixel_scale": 255}}))
    return run


def summary() -> dict:
    return {"dataset": "instagram", "image_size": SIZE, "center_width": 0.5, "exif_transpose": True,
            "crop_bbox": True}


def make_bundle(root: Path, backbone: str = "resnet18", head: str = "pruning") -> Path:
    run = make_run(root, backbone, head)
    out = root / "models" / "bundles" / "instagram" / f"{backbone}-{head}"
    write_bundle(run, ranges_section(), summary(), out, "instagram")
    return out


def make_vectors(path: Path) -> Path:
    """Word vectors over a few fashion words, with the idf/count attributes embed writes."""
    from gensim.models import KeyedVectors

    from fashion.text.vectors import WordVectors

    words = ["dress", "red", "wool", "coat", "boots", "zara", "summer", "party", "silk", "shoes", "bag"]
    kv = KeyedVectors(vector_size=8)
    rng = np.random.default_rng(0)
    kv.add_vectors(words, rng.normal(size=(len(words), 8)).astype(np.float32))
    for word in words:
        kv.set_vecattr(word, "idf", 1.5)
        kv.set_vecattr(word, "count", 5)
    path.parent.mkdir(parents=True, exist_ok=True)
    WordVectors.from_keyed_vectors(kv, "word2vec").save(path)  # the embed stage's format (no pickle)
    return path


def jpeg_bytes(width: int = 48, height: int = 64, colour=(200, 30, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()
