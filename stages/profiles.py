"""DVC stage `profiles`: per account, the share of posts showing each category, subcategory,
material, pattern, brand, style and item (predicted, and from the truth where annotated), with
counts, intervals and a monthly trend -> data/processed/profiles.parquet."""
from __future__ import annotations

import sys

from fashion.params import load_params
from fashion.profiles.config import ProfilesError
from fashion.profiles.stage import run_stage


def main() -> int:
    try:
        summary = run_stage(load_params())
    except ProfilesError as error:
        print(f"stages/profiles.py: error: {error}", file=sys.stderr)
        return 1
    print(f"profiles: {summary['rows']} rows; " + "; ".join(
        f"{name} {s['accounts']} accounts, {s['posts']} posts" for name, s in summary["sources"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
