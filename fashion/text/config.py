"""Dataclass configs from a params.yaml section (called by the stage scripts, which own the params)."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, TypeVar

T = TypeVar("T")


def config_from(cls: type[T], values: Mapping[str, Any], where: str, ignore: tuple[str, ...] = ()) -> T:
    """``cls(**values)``; an unknown key or a wrong value fails naming ``where.key``."""
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields - set(ignore))
    if unknown:
        raise SystemExit(f"params.yaml: {where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    try:
        return cls(**{k: v for k, v in values.items() if k in fields})
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"params.yaml: {where}: {exc}") from None
