"""``python -m riskmap indicators PROJECT``: the safe-city scorecard.

Reads the project, assesses it (riskmap.engine), computes the indicators
(riskmap.products.indicators), writes ``DIR/indicators.json`` and ``DIR/indicators.csv`` (UTF-8
with BOM) and prints the city scorecard as a table. The hidden-hazard rows (and the open
hazards in the assessment) come from the project's register when its database exists (or
``--register PATH``).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from riskmap.cli.common import add_assess_verb, format_table, load_and_assess, progress

if TYPE_CHECKING:
    import pandas as pd


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``indicators`` verb."""
    parser = add_assess_verb(
        subparsers,
        "indicators",
        help="safe-city scorecard (国家安全发展示范城市 indicators): JSON and CSV",
        description="Assess the project, compute the safe-city indicators for the city and each "
        "district (fire-station reach and districts, shelters, community stations, hazardous "
        "chemicals, risk levels, hidden hazards), write DIR/indicators.json and DIR/indicators.csv "
        "and print the city scorecard.",
        out=("DIR", "output folder (default: ./out)"),
        out_default="out",
        lang_help="language of the printed table (names and evidence)",
        run=run,
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (0)."""
    from riskmap.products.indicators import compute_indicators, export_scorecard

    done = load_and_assess(args)
    summary = done.study.register_summary()
    if summary is None:
        progress("no hidden-hazard register: its indicators are left out")
    progress("computing indicators ...")
    card = compute_indicators(done.result, register_summary=summary)
    paths = export_scorecard(card, args.out)
    print(format_scorecard(card.city(), lang=args.lang))
    print()
    print(f"wrote {paths['json']}")
    print(f"wrote {paths['csv']}")
    return 0


def format_scorecard(rows: pd.DataFrame, lang: str = "zh") -> str:
    """A plain-text table of scorecard rows: indicator, value, target, pass mark, evidence.

    Parameters
    ----------
    rows
        Rows of :attr:`riskmap.products.indicators.Scorecard.table` (usually the city's).
    lang
        ``zh`` or ``en`` indicator names, evidence texts (``evidence_zh`` or ``evidence``)
        and headers.
    """
    zh = lang != "en"
    head = (
        ("指标", "数值", "目标", "达标", "说明")
        if zh
        else ("Indicator", "Value", "Target", "Met", "Evidence")
    )
    evidence = "evidence_zh" if zh and "evidence_zh" in rows.columns else "evidence"
    marks = {True: "✓" if zh else "yes", False: "✗" if zh else "NO", None: "–"}
    lines: list[tuple[str, str, str, str, str]] = []
    for rec in rows.to_dict("records"):
        unit = str(rec["unit"])
        target = (
            ""
            if _missing(rec["target"]) or unit == "yes=1"
            else f"{rec['comparison']} {_num(float(rec['target']))}"
        )
        passed = rec["passed"]
        lines.append(
            (
                str(rec["name_zh"] if zh else rec["name_en"]),
                _value(rec["value"], unit, zh),
                target,
                marks[None if passed is None else bool(passed)],
                str(rec.get(evidence) or ""),
            )
        )
    return format_table([head, *lines], right=(1, 2))


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
