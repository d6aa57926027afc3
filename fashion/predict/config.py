"""Settings of prediction (params.yaml section `predict`, rules in fashion.params.SCHEMA) and
where the files go."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from fashion.params import ParamsError, check, value

BUNDLES = Path("models/bundles")
VECTORS = Path("models/embeddings/vectors.npz")
PREDICTIONS = Path("data/processed/predictions.parquet")
METRICS = Path("metrics/predict.json")


class PredictError(RuntimeError):
    """Prediction cannot proceed; the message names the file or setting and the reason."""


@dataclass(frozen=True)
class PredictSettings:
    run: str = "resnet18-pruning"       # the Instagram run that predicts (image with text hints)
    base_run: str = "resnet18-base"     # the "image only" variant of metrics/predict.json
    top_k: int = 3                      # labels listed per output (attribute group)
    text_weight: float = 0.5            # w in fused = (1 - w) image + w text
    hint_categories: int = 1            # mined categories hinted, best first (0: no hints)
    bootstrap: int = 1000               # resamples of the 95 % intervals
    batch_size: int = 64
    max_image_pixels: int = 40_000_000  # checked on the header, before decoding
    max_images: int = 10                # per post (serve, fashion predict)
    max_upload_bytes: int = 20_000_000  # serve: one request's body
    max_caption_chars: int = 10_000     # serve: caption and each comment
    max_comments: int = 200             # serve: comments per request

    def __post_init__(self) -> None:
        try:
            for field in fields(self):
                check(f"predict.{field.name}", getattr(self, field.name), where="PredictSettings")
        except ParamsError as error:
            raise ValueError(str(error)) from None

    @classmethod
    def from_params(cls, params: dict[str, Any] | None, **overrides: Any) -> "PredictSettings":
        """params.yaml's `predict` section (None: the defaults, held equal to params.yaml by tests)."""
        settings = {} if params is None else {f.name: value(params, f"predict.{f.name}") for f in fields(cls)}
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**settings)

    def bundle_dir(self, run: str | None = None, root: str | Path = ".") -> Path:
        return Path(root) / BUNDLES / "instagram" / (run or self.run)
