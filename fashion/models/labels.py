"""Label space (categories, dependent labels and their per-category ranges) and hint batches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch


class LabelSpaceError(ValueError):
    """A label space or ranges section that cannot be used; the message names the field."""


def _as_range(field: str, category: str, indices: Any, size: int) -> tuple[int, ...]:
    """Validate one category's index list and return it sorted (order carries no meaning)."""
    if isinstance(indices, (str, bytes)) or not isinstance(indices, Sequence):
        raise LabelSpaceError(f"{field}: {category}: expected a list of indices, got {type(indices).__name__}")
    checked = []
    for index in indices:
        if isinstance(index, bool) or not isinstance(index, int):
            raise LabelSpaceError(f"{field}: {category}: index {index!r} is not an integer")
        if not 0 <= index < size:
            raise LabelSpaceError(f"{field}: {category}: index {index} outside 0..{size - 1}")
        checked.append(index)
    if len(set(checked)) != len(checked):
        raise LabelSpaceError(f"{field}: {category}: duplicate indices")
    return tuple(sorted(checked))


def _ranges_from_mapping(field: str, mapping: Any, categories: Sequence[str], size: int) -> list[list[int]]:
    """{category name: [indices]} -> one list per category in `categories` order (missing = empty)."""
    if not isinstance(mapping, Mapping):
        raise LabelSpaceError(f"{field}: expected a mapping category -> [indices]")
    unknown = sorted(set(mapping) - set(categories))
    if unknown:
        raise LabelSpaceError(f"{field}: unknown categories {unknown}")
    return [list(mapping.get(name, [])) for name in categories]


@dataclass(frozen=True)
class LabelSpace:
    """K categories, P attributes and (multi-class scenario) M subcategories.

    `attribute_range[k]` lists the attribute indices valid for category k (the paper's "range");
    `subcategory_range[k]` the subcategory indices of category k. Ranges may overlap.
    """

    categories: tuple[str, ...]
    attributes: tuple[str, ...]
    attribute_range: tuple[tuple[int, ...], ...]
    subcategories: tuple[str, ...] | None = None
    subcategory_range: tuple[tuple[int, ...], ...] | None = None

    def __post_init__(self) -> None:
        categories = _names("categories", self.categories)
        attributes = _names("attributes", self.attributes)
        if not categories:
            raise LabelSpaceError("categories: empty")
        object.__setattr__(self, "categories", categories)
        object.__setattr__(self, "attributes", attributes)
        object.__setattr__(
            self, "attribute_range", _ranges("attribute_range", self.attribute_range, categories, len(attributes))
        )
        if (self.subcategories is None) != (self.subcategory_range is None):
            raise LabelSpaceError(
                "subcategories and subcategory_range must be given together (multi-class) or not at all"
            )
        if self.subcategories is not None:
            subcategories = _names("subcategories", self.subcategories)
            object.__setattr__(self, "subcategories", subcategories)
            object.__setattr__(
                self,
                "subcategory_range",
                _ranges("subcategory_range", self.subcategory_range, categories, len(subcategories)),
            )

    @classmethod
    def from_ranges(cls, section: Mapping[str, Any]) -> "LabelSpace":
        """Build from one dataset section of data/processed/ranges.json.

        DeepFashion shape: {"categories", "attributes", "range": {category: [attribute idx]}}.
        Instagram shape: {"categories", "subcategories", "attributes",
        "subcategory_range": {category: [sub idx]}, "attribute_range": {category: [attr idx]}}.
        A category missing from a range mapping has an empty range.
        """
        if not isinstance(section, Mapping):
            raise LabelSpaceError("ranges section: expected a mapping")
        for key in ("categories", "attributes"):
            if key not in section:
                raise LabelSpaceError(f"ranges section: missing '{key}'")
        categories = _names("categories", section["categories"])
        attributes = _names("attributes", section["attributes"])
        if "subcategories" in section:
            for key in ("subcategory_range", "attribute_range"):
                if key not in section:
                    raise LabelSpaceError(f"ranges section: missing '{key}' (multi-class shape)")
            subcategories = _names("subcategories", section["subcategories"])
            return cls(
                categories=categories,
                attributes=attributes,
                attribute_range=_ranges_from_mapping(
                    "attribute_range", section["attribute_range"], categories, len(attributes)
                ),
                subcategories=subcategories,
                subcategory_range=_ranges_from_mapping(
                    "subcategory_range", section["subcategory_range"], categories, len(subcategories)
                ),
            )
        if "range" not in section:
            raise LabelSpaceError("ranges section: missing 'range' (or 'subcategories' + ranges for multi-class)")
        return cls(
            categories=categories,
            attributes=attributes,
            attribute_range=_ranges_from_mapping("range", section["range"], categories, len(attributes)),
        )

    @property
    def scenario(self) -> str:
        """"multi" when subcategories are predicted too, else "single"."""
        return "single" if self.subcategories is None else "multi"

    @property
    def num_categories(self) -> int:
        return len(self.categories)

    @property
    def num_attributes(self) -> int:
        return len(self.attributes)

    @property
    def num_subcategories(self) -> int:
        return 0 if self.subcategories is None else len(self.subcategories)

    def range_mask(self, field: str = "attribute") -> torch.Tensor:
        """bool [K, P] (field="attribute") or [K, M] (field="subcategory"): True where valid."""
        if field == "attribute":
            ranges, size = self.attribute_range, self.num_attributes
        elif field == "subcategory":
            if self.subcategory_range is None:
                raise LabelSpaceError("subcategory range requested from a single-class label space")
            ranges, size = self.subcategory_range, self.num_subcategories
        else:
            raise LabelSpaceError(f"range_mask: field must be 'attribute' or 'subcategory', got {field!r}")
        return ranges_to_mask(ranges, size)


def ranges_to_mask(ranges: Sequence[Sequence[int]], size: int) -> torch.Tensor:
    """Per-category index lists -> bool [K, size]."""
    mask = torch.zeros(len(ranges), size, dtype=torch.bool)
    for k, indices in enumerate(ranges):
        mask[k, list(indices)] = True
    return mask


def _names(field: str, names: Any) -> tuple[str, ...]:
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise LabelSpaceError(f"{field}: expected a list of names")
    names = tuple(names)
    for name in names:
        if not isinstance(name, str) or not name:
            raise LabelSpaceError(f"{field}: invalid name {name!r}")
    if len(set(names)) != len(names):
        raise LabelSpaceError(f"{field}: duplicate names")
    return names


def _ranges(field: str, ranges: Any, categories: Sequence[str], size: int) -> tuple[tuple[int, ...], ...]:
    if isinstance(ranges, (str, bytes)) or not isinstance(ranges, Sequence):
        raise LabelSpaceError(f"{field}: expected one index list per category")
    if len(ranges) != len(categories):
        raise LabelSpaceError(f"{field}: {len(ranges)} index lists for {len(categories)} categories")
    return tuple(_as_range(field, name, indices, size) for name, indices in zip(categories, ranges))


@dataclass(frozen=True)
class Hints:
    """Per-sample hints. category bool [B,K]; attribute bool [B,P]; subcategory None | bool [B,M].

    A sample whose category row is all False is unhinted: dependent heads treat it like the base head
    (all rows active, no offsets) and ignore its attribute/subcategory hints.
    """

    category: torch.Tensor
    attribute: torch.Tensor
    subcategory: torch.Tensor | None = None

    @classmethod
    def empty(cls, batch: int, space: LabelSpace, device: torch.device | str | None = None) -> "Hints":
        """All samples unhinted."""
        return cls(
            category=torch.zeros(batch, space.num_categories, dtype=torch.bool, device=device),
            attribute=torch.zeros(batch, space.num_attributes, dtype=torch.bool, device=device),
            subcategory=None
            if space.subcategories is None
            else torch.zeros(batch, space.num_subcategories, dtype=torch.bool, device=device),
        )

    def validate(self, batch: int, space: LabelSpace) -> None:
        """Raise ValueError naming the field when shapes/dtypes do not fit the batch and label space."""
        _check_hint("category", self.category, batch, space.num_categories)
        _check_hint("attribute", self.attribute, batch, space.num_attributes)
        if self.subcategory is not None:
            if space.subcategories is None:
                raise ValueError("hints.subcategory given but the label space has no subcategories (single-class)")
            _check_hint("subcategory", self.subcategory, batch, space.num_subcategories)

    def to(self, device: torch.device | str) -> "Hints":
        return Hints(
            category=self.category.to(device),
            attribute=self.attribute.to(device),
            subcategory=None if self.subcategory is None else self.subcategory.to(device),
        )


def _check_hint(field: str, tensor: Any, batch: int, width: int) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise ValueError(f"hints.{field}: expected a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dtype != torch.bool:
        raise ValueError(f"hints.{field}: expected dtype torch.bool, got {tensor.dtype}")
    if tuple(tensor.shape) != (batch, width):
        raise ValueError(f"hints.{field}: expected shape ({batch}, {width}), got {tuple(tensor.shape)}")
