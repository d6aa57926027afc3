"""DVC stage `lookbook`: the static look-book site reports/lookbook/ (index of accounts, one page
per account: post thumbnails with predicted items / brands / styles, profile bar charts,
recommendations with reasons, similar accounts)."""
from __future__ import annotations

import sys

from fashion.lookbook.config import LookbookError
from fashion.lookbook.stage import run_stage
from fashion.params import load_params


def main() -> int:
    try:
        summary = run_stage(load_params())
    except LookbookError as error:
        print(f"stages/lookbook.py: error: {error}", file=sys.stderr)
        return 1
    print(f"lookbook: {summary['pages']} pages, {summary['thumbnails']} thumbnails"
          f" ({summary['missing_thumbnails']} posts without a usable image)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
