"""`fashion lookbook [--out DIR]`: the look-book stage's orchestration with paths of your choosing."""
from __future__ import annotations

import sys
from pathlib import Path

from fashion.lookbook.config import INGEST, PREDICTIONS, PROFILES, RECOMMENDATIONS, SITE
from fashion.params import add_params_flag, load_optional


def register(sub) -> None:
    p = sub.add_parser("lookbook", help="static HTML look-book of the accounts -> reports/lookbook/")
    p.add_argument("--profiles", default=str(PROFILES))
    p.add_argument("--recommendations", default=str(RECOMMENDATIONS))
    p.add_argument("--predictions", default=str(PREDICTIONS))
    p.add_argument("--ingest", default=str(INGEST))
    p.add_argument("--out", default=str(SITE))
    add_params_flag(p)
    p.set_defaults(func=_lookbook)


def _lookbook(args) -> int:
    from fashion.lookbook.build import build_lookbook
    from fashion.lookbook.config import LookbookError, LookbookSettings
    from fashion.profiles.config import ProfilesSettings
    from fashion.recommend.config import RecommendSettings

    params = load_optional(args.params)
    try:
        summary = build_lookbook(Path(args.profiles), Path(args.recommendations), Path(args.predictions),
                                 Path(args.ingest), Path(args.out), LookbookSettings.from_params(params),
                                 ProfilesSettings.from_params(params).min_score,
                                 RecommendSettings.from_params(params).model)
    except LookbookError as error:
        print(f"fashion lookbook: {error}", file=sys.stderr)
        return 1
    print(f"{args.out}/index.html: {summary['pages']} pages, {summary['thumbnails']} thumbnails")
    return 0
