"""Command line: ``python -m riskmap <verb> ...``.

Each verb lives in its own module under :mod:`riskmap.cli` with two functions,
``add_parser(subparsers)`` and ``run(args) -> int``; a verb module imports heavy libraries
only inside ``run`` so that ``--help`` is fast. Errors from riskmap and files that cannot
be read or written are printed as messages (never tracebacks) and give exit code 1; usage
errors give 2.
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
    """The top-level parser with one sub-parser per verb of :data:`VERBS`."""
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
        module = importlib.import_module(f"riskmap.cli.{verb}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        The arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit code: 0 on success, 1 on an error in the data, the project or a file,
        2 on a usage error (raised by argparse as ``SystemExit``), 130 when interrupted.
    """
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
    except OSError as exc:  # a path that cannot be read or written: a message, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
