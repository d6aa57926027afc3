"""Dataclass configs from params.yaml sections, shared by the stage scripts and the CLI commands, so
``fashion normalize | embed | rank | annotate`` without flags does what the stage does.

``params`` is the parsed params file, or None (no file: the library defaults, which
tests/test_text_cli.py holds equal to the committed params.yaml). The config classes are imported
inside the functions: importing this module costs nothing.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, TypeVar

T = TypeVar("T")

DEFAULT_WORDSIM = "ontology/fashion_wordsim.tsv"  # params.yaml embed.similarity_tsv


def config_from(cls: type[T], values: Mapping[str, Any], where: str, ignore: tuple[str, ...] = (),
                source: str = "params.yaml") -> T:
    """``cls(**values)``; an unknown key or a wrong value fails naming ``source: where.key``."""
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields - set(ignore))
    if unknown:
        raise SystemExit(f"{source}: {where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    try:
        return cls(**{k: v for k, v in values.items() if k in fields})
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"{source}: {where}: {exc}") from None


def _section(params: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    from fashion.params import section

    return dict(section(dict(params), name)) if params is not None else {}


def normalize_config(params: Mapping[str, Any] | None, source: str = "params.yaml"):
    from fashion.text.normalize import NormalizeConfig

    return config_from(NormalizeConfig, _section(params, "normalize"), "normalize", source=source)


def embed_config(params: Mapping[str, Any] | None, source: str = "params.yaml"):
    """(EmbedConfig, word-similarity TSV path): section ``embed`` with the global ``seed``."""
    from fashion.text.embed import EmbedConfig

    values = _section(params, "embed")
    wordsim = values.pop("similarity_tsv", DEFAULT_WORDSIM)
    if params is not None and "seed" in params:
        values["seed"] = int(params["seed"])
    return config_from(EmbedConfig, values, "embed", source=source), wordsim


def rank_config(params: Mapping[str, Any] | None, source: str = "params.yaml"):
    from fashion.text.rank import RankConfig

    return config_from(RankConfig, _section(params, "rank"), "rank", source=source)


def with_flags(config: T, **flags: Any) -> T:
    """``config`` with the flags that were given (not None) replacing its values; a bad value is the
    config's own error (ValueError) naming the key."""
    given = {k: v for k, v in flags.items() if v is not None}
    return dataclasses.replace(config, **given) if given else config
