"""The annotation tool's export (`annotations.json`) -> truth.parquet rows, names mapped to
ontology keys. Unknown category: item dropped; unknown value: value dropped, item kept; Colour,
otherdetails and important are known and ignored."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator

from fashion.ingest.fields import Fields, identifier
from fashion.ingest.load import Loaded
from fashion.ingest.rejects import Reject
from fashion.ingest.writer import TRUTH_GROUPS

if TYPE_CHECKING:
    from fashion.ontology import Ontology

# Tool keys that carry nothing for truth.parquet (compared case/space/underscore-insensitively).
IGNORED_KEYS = frozenset({"colour", "color", "otherdetails", "important"})
BRAND_KEY = "brand"


class AnnotatedPost(str):
    """Yielded once per well-formed annotation record, before its item rows: the post id of a
    post the annotators looked at, so one without any item (food, travel) still counts as seen."""


def _fold(key: str) -> str:
    return re.sub(r"[\s_\-]+", "", key).lower()


def _names(value: Any) -> list[Any]:
    """The tool stores value lists, with "" for unset slots; a lone string is tolerated."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if not (isinstance(v, str) and not v.strip())]


def read_annotations(source: str, loaded: Loaded, ontology: "Ontology", seen: set[str]
                     ) -> Iterator[dict | Reject | AnnotatedPost]:
    """truth.parquet rows, rejects and annotated post ids for one export. `seen` holds image ids
    already annotated (across exports): a repeated id is rejected, the first annotation kept."""
    if not isinstance(loaded.data, list):
        yield Reject(source, "", "bad_annotation", "annotation export is not a JSON array")
        return
    for position, record in enumerate(loaded.data):
        yield from _record(source, position, record, loaded.bad_utf8, ontology, seen)


def _record(source: str, position: int, record: Any, bad_utf8: str | None, ontology: "Ontology",
            seen: set[str]) -> Iterator[dict | Reject]:
    where = f"#{position}"
    if not isinstance(record, dict):
        yield Reject(source, where, "bad_annotation", f"element {position} is not an object")
        return
    info = record.get("imageinfo")
    if not isinstance(info, dict):
        yield Reject(source, where, "bad_annotation", "imageinfo missing or not an object")
        return
    # The top-level imageid names the post (the nested copy is stale in real exports).
    raw_id = record.get("imageid") if record.get("imageid") is not None else info.get("imageid")
    try:
        post_id = identifier(raw_id)
    except (TypeError, ValueError) as exc:
        yield Reject(source, where, "bad_annotation", f"imageid: {exc}")
        return
    if post_id in seen:
        yield Reject(source, post_id, "duplicate_annotation", f"image {post_id} annotated again at element {position}")
        return
    seen.add(post_id)
    items = info.get("annotateddatajson")
    if not isinstance(items, list):
        yield Reject(source, post_id, "bad_annotation", "imageinfo.annotateddatajson missing or not an array")
        return
    yield AnnotatedPost(post_id)
    fields = Fields(source, post_id, bad_utf8)
    styles = []
    for name in _names(fields.string_list(info.get("styles"), "styles")):
        key = ontology.resolve_style(name)
        if key is None:
            fields.reject("unknown_value", f"style {name!r} not in the ontology")
        elif key not in styles:
            styles.append(key)
    yield from fields.rejects
    for index, item in enumerate(items):
        yield from _item(source, post_id, index, item, styles, bad_utf8, ontology)


def _item(source: str, post_id: str, index: int, item: Any, styles: list[str], bad_utf8: str | None,
          ontology: "Ontology") -> Iterator[dict | Reject]:
    fields = Fields(source, f"{post_id}/{index}", bad_utf8)
    if not isinstance(item, dict):
        yield Reject(source, fields.record, "bad_annotation", f"item {index} is not an object")
        return
    category_name = fields.text(item.get("ItemCategory"), "ItemCategory")
    category = ontology.resolve_category(category_name) if category_name else None
    if category is None:
        yield from fields.rejects
        yield Reject(source, fields.record, "unknown_category",
                     f"ItemCategory {category_name!r} not in the ontology: item dropped")
        return
    row: dict[str, Any] = {"post_id": post_id, "item": index, "category": category, "subcategory": None,
                           "brand": None, "styles": list(styles), **{group: [] for group in TRUTH_GROUPS}}
    sub_name = fields.text(item.get("ItemSubCategory"), "ItemSubCategory")
    if sub_name and sub_name.strip():
        row["subcategory"] = _subcategory(fields, ontology, sub_name, category)
    attributes = item.get("FinalizeAnnotatedAttributes")
    if attributes is not None and not isinstance(attributes, dict):
        fields.reject("bad_annotation", "FinalizeAnnotatedAttributes is not an object: attributes dropped")
        attributes = None
    for key, value in (attributes or {}).items():
        _attribute(fields, ontology, row, key, value)
    yield from fields.rejects
    yield row


def _subcategory(fields: Fields, ontology: "Ontology", name: str, category: str) -> str | None:
    key = ontology.resolve_subcategory(name, category)
    if key is None:
        fields.reject("unknown_value", f"subcategory {name!r} not in the ontology")
        return None
    parent = next((s.parent for s in ontology.subcategories if s.key == key), None)
    if parent != category:
        fields.reject("unknown_value", f"subcategory {name!r} ({key}) belongs to {parent}, not {category}")
        return None
    return key


def _attribute(fields: Fields, ontology: "Ontology", row: dict, key: str, value: Any) -> None:
    folded = _fold(key)
    if folded in IGNORED_KEYS:
        return
    names = _names(fields.string_list([value] if isinstance(value, str) else value, key))
    if folded == BRAND_KEY:
        for name in names:
            brand = ontology.resolve_brand(name)
            if brand is None:
                fields.reject("unknown_value", f"Brand {name!r} not in the ontology")
            elif row["brand"] is None:
                row["brand"] = brand
            elif brand != row["brand"]:
                fields.reject("extra_brand", f"Brand {name!r} ({brand}) dropped: item already has {row['brand']}")
        return
    group = ontology.resolve_group(key)
    if group is None or group not in TRUTH_GROUPS:
        if names:
            fields.reject("unknown_group", f"attribute key {key!r} not in the ontology: {names} dropped")
        return
    for name in names:
        value_key = ontology.resolve_value(group, name)
        if value_key is None:
            fields.reject("unknown_value", f"{key} {name!r} not in the ontology")
        elif value_key not in row[group]:
            row[group].append(value_key)
