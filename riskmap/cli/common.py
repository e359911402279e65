"""Helpers shared by the command-line verbs.

Kept light: this module imports nothing heavy at import time, so that ``python -m riskmap
--help`` stays fast. The verbs import geopandas, folium and the engine inside ``run()``.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.io import ProjectData
    from riskmap.pipeline import Study

PROJECT_HELP = "project.yaml, its folder, or a short name (wuhan)"


def progress(message: str, stream: TextIO | None = None) -> None:
    """Print a progress line to stderr (kept off stdout so output can be piped)."""
    stream = stream or sys.stderr
    print(message, file=stream, flush=True)


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    """The positional PROJECT argument."""
    parser.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)


def add_assess_arguments(parser: argparse.ArgumentParser) -> None:
    """PROJECT and the grid and register options: every verb that assesses a project.

    The verbs then call :func:`build_study` with the parsed arguments, so every verb
    assesses the same data (the project's layers plus the register's open hazards).
    """
    add_project_argument(parser)
    parser.add_argument("--cell-size", type=float, default=None, metavar="M",
                        help="square cell side in metres (default: the project's grid)")  # fmt: skip
    parser.add_argument("--grid", choices=("square", "h3"), default=None,
                        help="grid kind (default: the project's)")  # fmt: skip
    parser.add_argument("--h3-resolution", type=int, default=None, metavar="N",
                        help="H3 resolution (with --grid h3)")  # fmt: skip
    parser.add_argument("--tile-size", type=float, default=None, metavar="M",
                        help="tile side in metres (default: the project's)")  # fmt: skip
    parser.add_argument("--register", type=Path, default=None, metavar="PATH",
                        help="hidden-hazard register database; its open hazards are assessed "
                        "(default: the project's, when it exists)")  # fmt: skip
    parser.add_argument("--cluster", default=None, metavar="SPEC",
                        help="compute the tiles on dask.distributed: local:N (N worker "
                        "processes) or tcp://host:port (an existing scheduler); default: the "
                        "project's compute.cluster, else this machine")  # fmt: skip
    parser.add_argument("--as-of", default=None, metavar="DATE",
                        help="assess as of the end of this day (e.g. 2020-12-31): features by "
                        "their valid_from/valid_to, accidents of the window before it, register "
                        "hazards open that day")  # fmt: skip


def add_assess_verb(
    subparsers: Any,
    name: str,
    *,
    help: str,
    description: str,
    out: tuple[str, str],
    out_default: str | None = None,
    lang_help: str = "language (default: zh)",
    run: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    """A verb that assesses a project and writes to ``--out``: the shared PROJECT, grid and
    register arguments, ``--out`` (``out`` = metavar and help; required unless a default
    is given), ``--lang``, and ``run`` as the verb's function."""
    from riskmap.config.vocabulary import LANGS

    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=description
    )
    add_assess_arguments(parser)
    metavar, out_help = out
    parser.add_argument("--out", required=out_default is None, default=out_default,
                        type=Path, metavar=metavar, help=out_help)  # fmt: skip
    parser.add_argument("--lang", choices=LANGS, default="zh", help=lang_help)
    parser.set_defaults(run=run)
    return parser


def build_study(
    args: argparse.Namespace, stages: StageProgress | None = None, *, whole_squares: bool = True
) -> Study:
    """The :class:`~riskmap.Study` that the arguments of :func:`add_assess_arguments` name.

    Prints which layers were left out and how many open hazards the register added.
    ``whole_squares=False``: whole square cells without shapes until written (``assess``).
    """
    from riskmap.pipeline import Study

    study = Study.from_project(
        args.project,
        cell_size=args.cell_size,
        grid=args.grid,
        h3_resolution=args.h3_resolution,
        tile_size=args.tile_size,
        register=args.register if args.register is not None else "auto",
        progress=stages,
        as_of=getattr(args, "as_of", None),
        cluster=getattr(args, "cluster", None),
        whole_squares=whole_squares,
    )
    say = stages.line if stages is not None else progress
    for name, why in study.unavailable.items():
        say(f"layer '{name}' left out: {why}")
    if study.register_path is not None:
        from riskmap.register.database import safe_name

        when = f" on {study.as_of}" if study.as_of is not None else ""
        say(
            f"register: {study.n_hazards:,} open hidden hazards{when} from {safe_name(study.register_path)}"
        )
    if study.as_of is not None:
        say(f"as of {study.as_of}: features by their validity, accidents of the window before it")
    return study


@dataclass(frozen=True)
class Assessed:
    """What :func:`load_and_assess` read and computed.

    Attributes
    ----------
    study : the study (data, grid, fields).
    data : the project's data, with the register's open hazards as a layer when there are any.
    result : the assessment of ``data`` with the project's weights and level rule.
    register : the register database used, or None when there is none.
    """

    study: Study
    data: ProjectData
    result: Assessment
    register: Path | str | None


def load_and_assess(args: argparse.Namespace) -> Assessed:
    """Build the study named by ``args`` (see :func:`build_study`) and score it."""
    t0 = time.perf_counter()
    study = build_study(args)
    progress(f"read {len(study.data.layers)} layers ({time.perf_counter() - t0:.1f} s)")
    t1 = time.perf_counter()
    result = study.score()
    progress(f"assessed {len(result.cells):,} cells ({time.perf_counter() - t1:.1f} s)")
    return Assessed(study, study.data, result, study.register_path)


class StageProgress:
    """Stage lines on stderr; on a terminal, a progress bar (tqdm) of the tiles done.

    Called as ``progress(stage, done, total)`` by the engine, also as tiles come back from
    a dask cluster; :meth:`line` prints a line. Off a terminal (a pipe, a log file) each
    stage is one line and there is no bar; ``TQDM_DISABLE=1`` turns the bar off too.
    """

    def __init__(self, stream: TextIO | None = None, *, bar: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if bar is None else bar
        self.stage = ""
        self.t0 = time.perf_counter()
        self._bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.t0
        if stage != self.stage:
            self._close()
            self.stage = stage
            if not self.tty or total <= 1:
                self.stream.write(f"[{elapsed:6.1f}s] {stage} ...\n")
        if self.tty and total > 1:
            if self._bar is None and done < total:
                from tqdm import tqdm

                self._bar = tqdm(
                    total=total,
                    desc=f"[{elapsed:6.1f}s] {stage}",
                    unit="tile",
                    file=self.stream,
                    dynamic_ncols=True,
                    leave=True,
                )
            if self._bar is not None:
                self._bar.update(max(done - self._bar.n, 0))
                if done >= total:
                    self._close()
        self.stream.flush()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def line(self, text: str) -> None:
        """Print one line (closing a progress bar first)."""
        self._close()
        self.stage = ""
        self.stream.write(f"[{time.perf_counter() - self.t0:6.1f}s] {text}\n")
        self.stream.flush()


def text_width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (right-aligned if asked)."""
    fill = " " * max(width - text_width(text), 0)
    return fill + text if right else text + fill


def format_table(rows: Sequence[Sequence[str]], *, right: Collection[int] = ()) -> str:
    """A plain-text table that lines up Chinese characters: header, a rule, then the rows.

    Parameters
    ----------
    rows
        The header row first, then the data rows; every cell already text.
    right
        Indexes of the columns aligned to the right (numbers).
    """
    if not rows:
        return ""
    widths = [max(text_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                pad(v, w, right=i in right)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
