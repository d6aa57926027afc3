"""Settings of the recommend stage (params.yaml section `recommend`, rules in fashion.params.SCHEMA)."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from fashion.params import ParamsError, check, value

RECOMMENDATIONS = Path("data/processed/recommendations.parquet")
METRICS = Path("metrics/recommend.json")

# what is recommended: kind -> the profile facet it comes from
KINDS = {"brands": "brand", "styles": "style", "items": "item"}
BASELINES = ("knn", "popularity", "repeat")
SEED = 7   # params.yaml `seed` (held equal by tests): implicit's random_state and the bootstrap draws


class RecommendError(RuntimeError):
    """Recommendation cannot proceed; the message names the file or setting and the reason."""


@dataclass(frozen=True)
class RecommendSettings:
    model: str = "als"              # als | bpr (implicit.cpu)
    factors: int = 32
    iterations: int = 20
    regularization: float = 0.05
    alpha: float = 2.0              # ALS confidence 1 + alpha * ln(1 + posts)
    learning_rate: float = 0.05     # BPR
    neighbours: int = 20            # item-kNN baseline K
    top_n: int = 10                 # recommendations per account and kind
    k: int = 10                     # evaluation cut-off
    holdout_share: float = 0.2
    bootstrap: int = 1000
    similar_accounts: int = 5

    def __post_init__(self) -> None:
        try:
            for field in fields(self):
                check(f"recommend.{field.name}", getattr(self, field.name), where="RecommendSettings")
        except ParamsError as error:
            raise ValueError(str(error)) from None

    @classmethod
    def from_params(cls, params: dict[str, Any] | None, **overrides: Any) -> "RecommendSettings":
        """params.yaml's `recommend` section (None: the defaults, held equal to params.yaml by tests)."""
        settings = {} if params is None else {f.name: value(params, f"recommend.{f.name}") for f in fields(cls)}
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**settings)


def single_threaded_blas() -> None:
    """implicit warns when OpenBLAS runs its own threads beside implicit's (and they fight for
    the cores); one BLAS thread, set before numpy's BLAS starts, keeps it quiet and repeatable."""
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    from threadpoolctl import threadpool_limits  # an implicit dependency

    threadpool_limits(1, "blas")
