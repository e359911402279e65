"""Command line: ``python -m riskmap <verb> ...``.

Each verb lives in its own module under :mod:`riskmap.commands` with two functions,
``add_parser(subparsers)`` and ``run(args) -> int``. Errors from riskmap are printed as
messages (never tracebacks) and give exit code 1; usage errors give 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from riskmap import __version__
from riskmap.errors import LayerDataError, RiskmapError

VERBS = ("validate", "assess", "map", "export", "indicators", "report", "hazards")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m riskmap",
        description="Urban safety risk map: validate data, assess risk, draw the four-colour map, "
        "export the risk inventory, keep the hidden-hazard register.",
        epilog="PROJECT is a path to a project.yaml, its folder, or a short name such as 'wuhan' "
        "(data/wuhan/project.yaml).",
    )
    parser.add_argument("--version", action="version", version=f"riskmap {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb in VERBS:
        module = importlib.import_module(f"riskmap.commands.{verb}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except LayerDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.report.problems:
            print(exc.report.to_text(), file=sys.stderr)
        return 1
    except RiskmapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
