"""The lookbook stage and `fashion lookbook`: one orchestration -> reports/lookbook/."""
from __future__ import annotations

from typing import Any

from fashion.lookbook.build import build_lookbook
from fashion.lookbook.config import INGEST, PREDICTIONS, PROFILES, RECOMMENDATIONS, SITE, LookbookSettings
from fashion.params import value


def run_stage(params: dict[str, Any]) -> dict[str, Any]:
    return build_lookbook(PROFILES, RECOMMENDATIONS, PREDICTIONS, INGEST, SITE, LookbookSettings.from_params(params),
                          float(value(params, "profiles.min_score")), str(value(params, "recommend.model")))
