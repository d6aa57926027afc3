"""Reading params.yaml: only stage scripts call this; library functions take explicit arguments."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def load_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise SystemExit(f"{path}: not found (run from the repo root)")
    with path.open(encoding="utf-8") as fh:
        params = yaml.safe_load(fh) or {}
    if not isinstance(params, dict):
        raise SystemExit(f"{path}: top level must be a mapping")
    return params


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    """Return params[name], failing with a message that names the missing key."""
    if name not in params or not isinstance(params[name], dict):
        raise SystemExit(f"params.yaml: missing section '{name}'")
    return params[name]
