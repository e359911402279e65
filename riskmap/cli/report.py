"""``python -m riskmap report PROJECT --out report.html [--pdf]``: the printable report.

Assesses the project (with the open hazards of its hidden-hazard register when the
database exists) and writes one self-contained HTML page (A4 print styles, the
four-colour map as an embedded image, districts, top sources and areas, the safe-city
scorecard, parameters and input hashes); ``--pdf`` also prints it with headless Chromium.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from riskmap.cli.common import add_assess_verb, load_and_assess, progress


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``report`` verb."""
    parser = add_assess_verb(
        subparsers,
        "report",
        help="write the printable risk assessment report (HTML, optionally PDF)",
        description="Assess a project and write a self-contained, printable HTML report; with "
        "--pdf also print it to PDF next to it with headless Chromium.",
        out=("FILE", "HTML file to write"),
        run=run,
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also write FILE with .pdf (needs chromium)"
    )
    parser.add_argument("--no-indicators", action="store_true",
                        help="leave out the safe-city scorecard")  # fmt: skip
    parser.add_argument("--top", type=int, default=20, metavar="N",
                        help="rows of the top sources and areas tables (default: 20)")  # fmt: skip
    parser.add_argument("--district", metavar="ADCODE_OR_NAME", default=None,
                        help="the report of one district (adcode or name): its title, figures, "
                        "tables and maps zoomed to it (default: the whole city)")  # fmt: skip
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``report`` verb; returns the exit code."""
    from riskmap.config import ReportOptions
    from riskmap.products.report import build_report, write_pdf, write_report

    done = load_and_assess(args)
    t0 = time.perf_counter()
    options = ReportOptions(
        lang=args.lang,
        top_n=args.top,
        indicators=not args.no_indicators,
        district=args.district,
    )
    html_text = build_report(done.result, options, register_summary=done.study.register_summary())
    out = write_report(html_text, args.out)
    progress(f"report built ({time.perf_counter() - t0:.1f} s)")
    print(f"wrote {out}")
    if args.pdf:
        pdf = write_pdf(out, out.with_suffix(".pdf"))
        print(f"wrote {pdf}")
    return 0
