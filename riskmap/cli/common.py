"""Helpers shared by the command-line verbs.

Kept light: this module imports nothing heavy at import time, so that ``python -m riskmap
--help`` stays fast. The verbs import geopandas, folium and the engine inside ``run()``.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.io import ProjectData

PROJECT_HELP = "project.yaml, its folder, or a short name (wuhan)"


def progress(message: str, stream: TextIO | None = None) -> None:
    """Print a progress line to stderr (kept off stdout so output can be piped)."""
    stream = stream or sys.stderr
    print(message, file=stream, flush=True)


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    """The positional PROJECT argument."""
    parser.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)


def add_assess_arguments(parser: argparse.ArgumentParser) -> None:
    """PROJECT, ``--cell-size`` and ``--register``: every verb that assesses a project."""
    add_project_argument(parser)
    parser.add_argument("--cell-size", type=float, default=None, metavar="M",
                        help="square cell side in metres (default: the project's grid)")  # fmt: skip
    parser.add_argument("--register", type=Path, default=None, metavar="PATH",
                        help="hidden-hazard register database; its open hazards are assessed "
                        "(default: the project's, when it exists)")  # fmt: skip


@dataclass(frozen=True)
class Assessed:
    """What :func:`load_and_assess` read and computed.

    Attributes
    ----------
    data : the project's data, with the register's open hazards as a layer when there are any.
    result : the assessment of ``data``.
    register : the register database used, or None when there is none.
    """

    data: ProjectData
    result: Assessment
    register: Path | None


def load_and_assess(args: argparse.Namespace) -> Assessed:
    """Read the project named by ``args``, add the register's open hazards, assess it.

    Parameters
    ----------
    args
        Parsed arguments with ``project``, ``cell_size`` and ``register`` (see
        :func:`add_assess_arguments`).

    Returns
    -------
    Assessed
    """
    from riskmap.config import load_layer_kinds, load_project
    from riskmap.engine import assess
    from riskmap.io import load_project_data
    from riskmap.register import build_hazards_layer, default_register_path

    t0 = time.perf_counter()
    kinds = load_layer_kinds()
    project = load_project(args.project, kinds)
    progress(f"reading {project.name} ...")
    data = load_project_data(project, kinds)
    for name, why in data.unavailable.items():
        progress(f"layer '{name}' left out: {why}")
    register: Path | None = Path(args.register) if args.register else default_register_path(project)
    if register is not None and register.is_file():
        layer = build_hazards_layer(register, data.crs, kinds=kinds)
        if len(layer.gdf):
            data = data.with_layers({layer.name: layer})
        progress(f"register: {len(layer.gdf):,} open hidden hazards from {register}")
    else:
        if args.register:
            progress(f"register {register} not found: hidden hazards left out")
        register = None
    progress(f"read {len(data.layers)} layers ({time.perf_counter() - t0:.1f} s)")
    t1 = time.perf_counter()
    result = assess(data, cell_size=args.cell_size)
    progress(f"assessed {len(result.cells):,} cells ({time.perf_counter() - t1:.1f} s)")
    return Assessed(data, result, register)


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
        lines.append("  ".join(pad(v, w, right=i in right) for i, (v, w) in
                               enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
