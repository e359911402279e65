"""``python -m riskmap indicators PROJECT``: the safe-city scorecard.

Reads the project, assesses it (riskmap.assess), computes the indicators
(riskmap.indicators), writes ``DIR/indicators.json`` and ``DIR/indicators.csv`` (UTF-8
with BOM) and prints the city scorecard as a table. The hidden-hazard rows come from the
project's register when its database exists (or ``--register PATH``).
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

from riskmap.commands._common import progress


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``indicators`` verb."""
    parser = subparsers.add_parser(
        "indicators",
        help="safe-city scorecard (国家安全发展示范城市 indicators): JSON and CSV",
        description="Assess the project, compute the safe-city indicators for the city and each "
        "district (fire-station reach and districts, shelters, community stations, hazardous "
        "chemicals, risk levels, hidden hazards), write DIR/indicators.json and DIR/indicators.csv "
        "and print the city scorecard.",
    )
    parser.add_argument("project", metavar="PROJECT", help="project.yaml, its folder, or a short name (wuhan)")
    parser.add_argument("--out", metavar="DIR", default="out", help="output folder (default: ./out)")
    parser.add_argument("--cell-size", metavar="M", type=float, default=None,
                        help="square cell size in metres (default: the project's grid.cell_size)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the printed table")
    parser.add_argument("--register", metavar="PATH", default=None,
                        help="hidden-hazard register database (default: the project's, when it exists)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (0)."""
    from riskmap import assess as assess_mod
    from riskmap.config import load_layer_kinds, load_project
    from riskmap.indicators import compute_indicators, export_scorecard
    from riskmap.register import default_register_path, district_summary
    from riskmap.sources import load_project_data

    kinds = load_layer_kinds()
    project = load_project(args.project, kinds)
    progress(f"reading {project.name} ...")
    data = load_project_data(project, kinds)
    progress("assessing ...")
    assessment = assess_mod.assess(data, cell_size=args.cell_size)
    summary = None
    register = Path(args.register) if args.register else default_register_path(project)
    if register.exists():
        summary = district_summary(register)
    elif args.register:
        progress(f"register {register} not found: hidden-hazard indicators left out")
    progress("computing indicators ...")
    card = compute_indicators(data, assessment.cells, register_summary=summary, fields=assessment.fields)
    paths = export_scorecard(card, args.out)
    print(format_scorecard(card.city(), lang=args.lang))
    print()
    print(f"wrote {paths['json']}")
    print(f"wrote {paths['csv']}")
    return 0


def format_scorecard(rows: pd.DataFrame, lang: str = "zh") -> str:
    """A plain-text table of scorecard rows: indicator, value, target, pass mark.

    Parameters
    ----------
    rows
        Rows of :attr:`riskmap.indicators.Scorecard.table` (usually the city's).
    lang
        ``zh`` or ``en`` indicator names and headers.
    """
    zh = lang != "en"
    head = ("指标", "数值", "目标", "达标") if zh else ("Indicator", "Value", "Target", "Met")
    marks = {True: "✓" if zh else "yes", False: "✗" if zh else "NO", None: "–"}
    lines: list[tuple[str, str, str, str]] = []
    for rec in rows.to_dict("records"):
        unit = str(rec["unit"])
        target = "" if _missing(rec["target"]) or unit == "yes=1" else f"{rec['comparison']} {_num(float(rec['target']))}"
        passed = rec["passed"]
        lines.append((str(rec["name_zh"] if zh else rec["name_en"]), _value(rec["value"], unit, zh), target,
                      marks[None if passed is None else bool(passed)]))
    table: list[tuple[str, str, str, str]] = [head, *lines]
    widths = [max(_width(row[i]) for row in table) for i in range(4)]
    out = []
    for n, row in enumerate(table):
        out.append("  ".join(_pad(cell, widths[i], right=i in (1, 2)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _num(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v)}"


_COUNT_UNITS = {"stations": "座", "targets": "处", "hazards": "项", "people": "人"}


def _value(v: Any, unit: str, zh: bool) -> str:
    if _missing(v):
        return "n/a"
    if unit == "yes=1":
        return ("是" if v >= 1 else "否") if zh else ("yes" if v >= 1 else "no")
    if unit in _COUNT_UNITS:
        return f"{v:,.0f} {_COUNT_UNITS[unit] if zh else unit}"
    if unit == "m²/person":
        return f"{v:,.2f} {'m²/人' if zh else unit}"
    return f"{v:,.1f} {unit}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill
