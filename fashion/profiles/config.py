"""Settings of the profiles stage (params.yaml section `profiles`, rules in fashion.params.SCHEMA)
and where its files go."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from fashion.params import ParamsError, check, value

PREDICTIONS = Path("data/processed/predictions.parquet")
INGEST = Path("data/interim/ingest")
PROFILES = Path("data/processed/profiles.parquet")

# profile facets, in display order; `item` = subcategory with its material and pattern
FACETS = ("category", "subcategory", "material", "pattern", "brand", "style", "item")
SOURCES = ("predicted", "truth")


class ProfilesError(RuntimeError):
    """Profiles cannot be built; the message names the file, record or setting and the reason."""


@dataclass(frozen=True)
class ProfilesSettings:
    min_score: float = 0.3       # a predicted label counts as shown when its score is at least this
    batch_rows: int = 65536      # prediction rows read at a time (memory bound at any size)

    def __post_init__(self) -> None:
        try:
            for field in fields(self):
                check(f"profiles.{field.name}", getattr(self, field.name), where="ProfilesSettings")
        except ParamsError as error:
            raise ValueError(str(error)) from None

    @classmethod
    def from_params(cls, params: dict[str, Any] | None, **overrides: Any) -> "ProfilesSettings":
        """params.yaml's `profiles` section (None: the defaults, held equal to params.yaml by tests)."""
        settings = {} if params is None else {f.name: value(params, f"profiles.{f.name}") for f in fields(cls)}
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**settings)


def item_label(subcategory: str, material: str | None, pattern: str | None) -> str:
    """The `item` facet's label: "boots|leather|plain" (an empty part when unknown)."""
    return f"{subcategory}|{material or ''}|{pattern or ''}"


def display(facet: str, label: str) -> str:
    """A label for people: item "boots|leather|plain" -> "leather plain boots"; "_" -> " "."""
    if facet == "item":
        sub, material, pattern = (label.split("|") + ["", ""])[:3]
        label = " ".join(part for part in (material, pattern, sub) if part)
    return label.replace("_", " ")
