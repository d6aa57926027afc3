"""`fashion` command line: each pipeline step registers its own sub-commands lazily."""
from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes register(subparsers); the sub-command's handler is set via set_defaults(func=...).
COMMAND_MODULES = (
    "fashion.demo.commands",
    "fashion.ingest.commands",
    "fashion.text.commands",
    "fashion.data.commands",
    "fashion.train.commands",
    "fashion.report.commands",
    "fashion.predict.commands",
    "fashion.profiles.commands",
    "fashion.recommend.commands",
    "fashion.lookbook.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fashion", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
