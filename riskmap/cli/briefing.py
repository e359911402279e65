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


def _period_warnings(study: Any, period: tuple[str, str], lang: str) -> Any:
    """The monitoring warnings that started in the period, from the project's store (the
    register database), or None when the project has no readings."""
    import pandas as pd

    from riskmap.register import default_register_path
    from riskmap.register.database import register_exists

    db = default_register_path(study.project)
    if not register_exists(db):
        return None
    from riskmap.monitoring import LEVEL_NAMES, ReadingStore

    with ReadingStore(db) as store:
        w = store.warnings()
    if w.empty:
        return None
    start = pd.Timestamp(period[0]).tz_localize("Asia/Shanghai")
    end = pd.Timestamp(period[1]).tz_localize("Asia/Shanghai") + pd.Timedelta(days=1)
    w = w[(w["start"] >= start) & (w["start"] < end)]
    local = {
        c: w[c].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M")
        for c in ("start", "end_time")
    }
    names = {k: v[1 if lang == "en" else 0] for k, v in LEVEL_NAMES.items()}
    w = w.assign(**local, level=w["level"].map(names))
    return w[["layer", "feature_id", "quantity", "level", "start", "end_time", "peak"]]


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (0)."""
    from riskmap.products.briefing import build_briefing
    from riskmap.products.report import write_pdf, write_report

    study = build_study(args)
    progress(f"assessing {args.period[0]}..{args.period[1]} with the theme '{args.theme}' ...")
    warnings = _period_warnings(study, args.period, args.lang)
    inputs = study.briefing(args.period, args.theme, warnings=warnings)
    path = write_report(build_briefing(inputs, args.lang), args.out / "briefing.html")
    print(f"wrote {path}")
    if args.pdf:
        print(f"wrote {write_pdf(path, args.out / 'briefing.pdf')}")
    return 0
