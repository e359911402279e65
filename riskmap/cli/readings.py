"""``python -m riskmap readings ...``: monitoring readings and warnings (蓝黄橙红预警).

Sub-verbs: ``import FILE`` (CSV/XLSX; checked like a layer, one transaction), ``warnings
[--at TIME]`` (every warning, or those open at a moment), ``acknowledge ID --by NAME``,
``subscribe --broker mqtt://host:port --topic T [--count N] [--seconds S]`` (readings
from an MQTT broker). The store is the project's register database unless ``--db``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from riskmap.cli.common import format_table


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``readings`` verb."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "readings",
        help="monitoring readings and warnings: import, warnings, acknowledge, subscribe",
        description="Monitoring readings of the project's features (gas, water depth, "
        "tailings-pond saturation line ...) and the warnings they raise at the thresholds "
        "the layer kinds declare.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", required=True, metavar="PROJECT",
                        help="the project (a project.yaml, its folder, or a name: wuhan)")  # fmt: skip
    common.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help="the store (default: the project's register database)")  # fmt: skip
    sub = parser.add_subparsers(dest="readings_verb", metavar="ACTION", required=True)
    p = sub.add_parser("import", parents=[common], help="import a CSV/XLSX of readings")
    p.add_argument("file", type=Path)
    p = sub.add_parser("warnings", parents=[common], help="list warnings")
    p.add_argument("--at", default=None, metavar="TIME",
                   help="only those open at this moment (China Standard Time), e.g. "
                   "'2021-07-19 06:00'")  # fmt: skip
    p = sub.add_parser("acknowledge", parents=[common], help="acknowledge a warning")
    p.add_argument("id", type=int)
    p.add_argument("--by", required=True, help="who acknowledges")
    p = sub.add_parser("subscribe", parents=[common], help="store readings from an MQTT broker")
    p.add_argument("--broker", required=True, metavar="URL", help="mqtt://host:port")
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, default=None, help="stop after this many messages")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run one ``readings`` sub-verb; returns the exit code."""
    from riskmap.config import load_project
    from riskmap.io import load_project_data
    from riskmap.monitoring import (
        ReadingStore,
        feature_ids,
        project_quantities,
        read_readings,
        subscribe,
    )

    project = load_project(args.project)
    data = load_project_data(project)
    quantities = project_quantities(data)
    from riskmap.register import default_register_path

    db = args.db or default_register_path(project)
    with ReadingStore(db) as store:
        verb = args.readings_verb
        if verb == "import":
            readings = read_readings(args.file, quantities, feature_ids=feature_ids(data))
            added = store.add(readings)
            n = store.update_warnings(quantities)
            print(
                f"{args.file.name}: {added.stored:,} readings stored, {added.repeated:,} repeated "
                f"(skipped), {added.out_of_order:,} out of order; {n} warnings"
            )
        elif verb == "warnings":
            w = store.active_warnings(args.at) if args.at else store.warnings()
            cols = ["id", "layer", "feature_id", "quantity", "level", "start", "end_time", "peak",
                    "acknowledged_by"]  # fmt: skip
            rows = [cols, *([str(v) for v in r] for r in w[cols].itertuples(index=False))]
            print(format_table(rows) if len(w) else "(none)")
            print(f"{len(w)} warning(s)")
        elif verb == "acknowledge":
            store.acknowledge(args.id, args.by)
            print(f"warning {args.id} acknowledged by {args.by}")
        elif verb == "subscribe":
            got = subscribe(
                store, args.broker, args.topic, quantities,
                stop_after=args.count, timeout=args.seconds,
            )  # fmt: skip
            print(f"{got.stored} readings stored, {got.refused} messages refused")
    return 0
