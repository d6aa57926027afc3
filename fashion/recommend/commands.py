"""`fashion recommend [--predictions P] [--ingest DIR] [--out F] [--metrics F]`: the recommend
stage's orchestration (hold-out evaluation, then recommendations from every post)."""
from __future__ import annotations

import sys
from pathlib import Path

from fashion.params import add_params_flag, load_optional
from fashion.profiles.config import INGEST, PREDICTIONS
from fashion.recommend.config import METRICS, RECOMMENDATIONS


def register(sub) -> None:
    p = sub.add_parser("recommend", help="evaluate and recommend -> recommendations.parquet, recommend.json")
    p.add_argument("--predictions", default=str(PREDICTIONS))
    p.add_argument("--ingest", default=str(INGEST))
    p.add_argument("--out", default=str(RECOMMENDATIONS))
    p.add_argument("--metrics", default=str(METRICS))
    add_params_flag(p)
    p.set_defaults(func=_recommend)


def _recommend(args) -> int:
    from fashion.profiles.config import ProfilesError, ProfilesSettings
    from fashion.recommend.config import SEED, RecommendError, RecommendSettings
    from fashion.recommend.stage import run_recommend

    params = load_optional(args.params)
    seed = SEED if params is None else int(params["seed"])
    try:
        doc = run_recommend(Path(args.predictions), Path(args.ingest), ProfilesSettings.from_params(params),
                            RecommendSettings.from_params(params), seed, Path(args.out), Path(args.metrics))
    except (ProfilesError, RecommendError) as error:
        print(f"fashion recommend: {error}", file=sys.stderr)
        return 1
    print(f"{args.out}: {doc['recommendations']['rows']} recommendations; {args.metrics} written")
    return 0
