"""``python -m riskmap backtest PROJECT --train A..B --test C..D``: the map against later
accidents.

Assesses the project with the accidents of the training period only, then measures how the
score ranks the places of the test period's accidents (ROC AUC, the share of accidents in
the top 1/5/10 % of the area, per level), beside two plain baselines (population density;
nearness to a hazardous-chemical enterprise). Writes DIR/backtest.html (curves and
tables), DIR/backtest.json and DIR/backtest_curves.csv.
"""

from __future__ import annotations

import argparse
from typing import Any

from riskmap.cli.common import add_assess_verb, build_study, progress
from riskmap.errors import ConfigError


def _period(text: str) -> tuple[str, str]:
    start, sep, end = text.partition("..")
    if not sep or not start.strip() or not end.strip():
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a period: write START..END, e.g. 2019-01-01..2020-12-31"
        )
    return start.strip(), end.strip()


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``backtest`` verb."""
    parser = add_assess_verb(
        subparsers,
        "backtest",
        help="test the risk score against later accidents (AUC, hit rates, baselines)",
        description="Assess with the accidents of the training period only, then measure how the "
        "score ranks where the test period's accidents happened: ROC AUC, the share of "
        "accidents in the top 1/5/10 %% of the area and per level, beside two baselines "
        "(population density alone; nearness to a hazardous-chemical enterprise). Writes "
        "DIR/backtest.html, DIR/backtest.json and DIR/backtest_curves.csv.",
        out=("DIR", "output folder (default: ./out)"),
        out_default="out",
        lang_help="language of the page: zh (default) or en",
        run=run,
    )
    parser.add_argument("--train", type=_period, required=True, metavar="START..END",
                        help="training period, e.g. 2019-01-01..2020-12-31")  # fmt: skip
    parser.add_argument("--test", type=_period, required=True, metavar="START..END",
                        help="test period after it, e.g. 2021-01-01..2021-12-31")  # fmt: skip
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (0)."""
    from riskmap.products.backtest import write_backtest

    if args.register is not None:
        raise ConfigError(
            "backtest leaves the hidden-hazard register out (it would carry the test period "
            "into the assessment): drop --register"
        )
    study = build_study(args)
    progress(f"scoring with the accidents of {args.train[0]}..{args.train[1]} ...")
    result = study.backtest(args.train, args.test)
    paths = write_backtest(result, study.project, args.out, args.lang)
    for r in result.rankings:
        rates = ", ".join(f"top {k:.0%}: {v:.1%}" for k, v in r.hit_rates.items())
        print(f"{r.label_en:<45} AUC {r.auc:.3f}  ({rates})")
    print(f"{result.accidents} test accidents in {result.cells_with_accidents} cells")
    for p in paths:
        print(f"wrote {p}")
    return 0
