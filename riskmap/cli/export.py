"""``python -m riskmap export PROJECT --out DIR --format csv|xlsx|geojson|gpkg``.

Reads the project (plus the open hazards of its hidden-hazard register when the database
exists), assesses it and writes the risk inventory (城市安全风险清单): risk sources with
unified numbers, risk areas, the district summary, the accident rankings and the
parameters with the input files' sha256.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from riskmap.cli.common import add_assess_verb, load_and_assess, progress

_FILE_NAMES = {"csv": "inventory.csv", "xlsx": "inventory.xlsx", "geojson": "inventory.geojson",
               "gpkg": "inventory.gpkg"}  # fmt: skip


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``export`` verb."""
    parser = add_assess_verb(
        subparsers,
        "export",
        help="export the risk inventory (sources, areas, districts, accidents): CSV, XLSX, GeoJSON, GPKG",
        description="Assess a project and export its risk inventory (城市安全风险清单). csv writes "
        "DIR/inventory.csv (sources, UTF-8 with BOM) and DIR/inventory_<table>.csv for the other "
        "tables; xlsx one workbook with a sheet per table; geojson DIR/inventory.geojson "
        "(sources) and DIR/inventory_areas.geojson; gpkg one GeoPackage with a layer per table.",
        out=("DIR", "output folder"),
        lang_help="headers and texts: zh (default) or en",
        run=run,
    )
    parser.add_argument("--format", dest="fmt", choices=tuple(_FILE_NAMES), default="xlsx",
                        help="file format (default: xlsx)")  # fmt: skip
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``export`` verb; returns the exit code."""
    from riskmap.products.inventory import build_inventory, export_inventory

    done = load_and_assess(args)
    t0 = time.perf_counter()
    inv = build_inventory(done.result)
    progress(
        f"inventory: {len(inv.sources):,} sources, {len(inv.areas):,} risk areas "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    paths = export_inventory(inv, Path(args.out) / _FILE_NAMES[args.fmt], args.fmt, args.lang)
    for p in paths:
        print(f"wrote {p}")
    return 0
