"""Settings of the look-book (params.yaml section `lookbook`) and where its files go."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from fashion.params import ParamsError, check, value

SITE = Path("reports/lookbook")
PROFILES = Path("data/processed/profiles.parquet")
RECOMMENDATIONS = Path("data/processed/recommendations.parquet")
PREDICTIONS = Path("data/processed/predictions.parquet")
INGEST = Path("data/interim/ingest")


class LookbookError(RuntimeError):
    """The look-book cannot be built; the message names the file and the reason."""


@dataclass(frozen=True)
class LookbookSettings:
    thumbnails: int = 12      # newest posts shown per account page
    thumb_size: int = 160     # thumbnail side (px)
    bars: int = 8             # labels per profile bar chart

    def __post_init__(self) -> None:
        try:
            for field in fields(self):
                check(f"lookbook.{field.name}", getattr(self, field.name), where="LookbookSettings")
        except ParamsError as error:
            raise ValueError(str(error)) from None

    @classmethod
    def from_params(cls, params: dict[str, Any] | None, **overrides: Any) -> "LookbookSettings":
        settings = {} if params is None else {f.name: value(params, f"lookbook.{f.name}") for f in fields(cls)}
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**settings)
