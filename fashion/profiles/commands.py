"""`fashion profiles [--predictions P] [--ingest DIR] [--out F]`: the profiles stage's
orchestration with paths of your choosing; settings from params.yaml (`--params`)."""
from __future__ import annotations

import sys
from pathlib import Path

from fashion.params import add_params_flag, load_optional
from fashion.profiles.config import INGEST, PREDICTIONS, PROFILES


def register(sub) -> None:
    p = sub.add_parser("profiles", help="per-account style profiles -> profiles.parquet")
    p.add_argument("--predictions", default=str(PREDICTIONS))
    p.add_argument("--ingest", default=str(INGEST), help="ingest folder (posts.parquet, truth.parquet, annotated.parquet)")
    p.add_argument("--out", default=str(PROFILES))
    add_params_flag(p)
    p.set_defaults(func=_profiles)


def _profiles(args) -> int:
    from fashion.profiles.config import ProfilesError, ProfilesSettings
    from fashion.profiles.stage import run_profiles

    params = load_optional(args.params)
    try:
        summary = run_profiles(Path(args.predictions), Path(args.ingest), ProfilesSettings.from_params(params),
                               Path(args.out))
    except ProfilesError as error:
        print(f"fashion profiles: {error}", file=sys.stderr)
        return 1
    print(f"{args.out}: {summary['rows']} rows")
    return 0
