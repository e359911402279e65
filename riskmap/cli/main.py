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
import os
import sqlite3
import sys
from collections.abc import Sequence

from riskmap import __version__
from riskmap.errors import LayerDataError, RiskmapError

VERBS = (
    "init",
    "validate",
    "assess",
    "map",
    "export",
    "indicators",
    "report",
    "backtest",
    "compare",
    "briefing",
    "hazards",
    "users",
    "readings",
)


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
        _say(f"error: {exc}")
        if exc.report.problems:
            _say(exc.report.to_text())
        return 1
    except RiskmapError as exc:
        _say(f"error: {exc}")
        return 1
    except OSError as exc:  # a path that cannot be read or written: a message, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"error: {where}{exc.strerror or exc}")
        return 1
    except sqlite3.Error as exc:
        _say(
            f"error: the hidden-hazard register database cannot be used ({exc}); check that "
            "the file is a riskmap register and can be written, or name another with --register/--db"
        )
        return 1
    except MemoryError:
        _say(
            "error: out of memory; use a larger --cell-size, a smaller area, or a machine "
            "with more memory"
        )
        return 1
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as exc:  # the last resort: one line, never a traceback
        if os.environ.get("RISKMAP_DEBUG"):
            raise
        if type(exc).__module__.split(".")[0] == "sqlalchemy":  # a database server's error
            text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            _say(
                "error: the hidden-hazard register database cannot be used "
                f"({text[0] if text else type(exc).__name__}); check the server, the URL and "
                "that its user may read and write, or name another with --register/--db"
            )
            return 1
        _say(
            f"error: unexpected {type(exc).__name__}: {exc} (a bug in riskmap: please report "
            "it with the command you ran; RISKMAP_DEBUG=1 shows the traceback)"
        )
        return 1


def _say(text: str) -> None:
    """Print to stderr whatever the text holds (arguments that are not valid UTF-8 too)."""
    stream = sys.stderr
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream)
