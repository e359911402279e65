"""``python -m riskmap briefing PROJECT --period A..B --theme flood --out DIR``: the period
risk briefing (重要时段风险研判报告).

Assesses the project as of the end of the period and of the previous period of the same
length with the theme's weights (``themes`` in project.yaml; flood, festival and
production by default), and writes DIR/briefing.html (one printable page: weight
profile, map, change, top cells and sources, major and overdue hazards, the period's
accidents, warnings, measures) and, with ``--pdf``, DIR/briefing.pdf.
"""

from __future__ import annotations

import argparse
from typing import Any

from riskmap.cli.backtest import _period
from riskmap.cli.common import add_assess_verb, build_study, progress


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``briefing`` verb."""
    parser = add_assess_verb(
        subparsers,
        "briefing",
        help="period risk briefing (重要时段风险研判报告) for a theme: HTML (and PDF)",
        description="Assess the project as of the end of the period and of the previous "
        "period with the theme's weights, and write a printable briefing: weights, map, "
        "change, top cells and sources, major and overdue hidden hazards, the period's "
        "accidents, monitoring warnings and measures.",
        out=("DIR", "output folder (default: ./out)"),
        out_default="out",
        lang_help="language of the briefing: zh (default) or en",
        run=run,
    )
    parser.add_argument("--period", type=_period, required=True, metavar="START..END",
                        help="the period, e.g. 2021-06-01..2021-09-30")  # fmt: skip
    parser.add_argument("--theme", required=True, metavar="THEME",
                        help="a theme of the project: flood, festival, production by default")  # fmt: skip
    parser.add_argument("--pdf", action="store_true", help="also print briefing.pdf (Chromium)")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (0)."""
    from riskmap.products.briefing import build_briefing
    from riskmap.products.report import write_pdf, write_report

    study = build_study(args)
    progress(f"assessing {args.period[0]}..{args.period[1]} with the theme '{args.theme}' ...")
    inputs = study.briefing(args.period, args.theme)
    path = write_report(build_briefing(inputs, args.lang), args.out / "briefing.html")
    print(f"wrote {path}")
    if args.pdf:
        print(f"wrote {write_pdf(path, args.out / 'briefing.pdf')}")
    return 0
