"""``python -m riskmap export PROJECT --out DIR --format csv|xlsx|geojson|gpkg``.

Reads the project (plus the open hazards of its hidden-hazard register when the database
exists), assesses it and writes the risk inventory (城市安全风险清单): risk sources with
unified numbers, risk areas, the district summary, the accident rankings and the
parameters with the input files' sha256; the cells with ``--cells``; only some districts
and levels with ``--district`` and ``--level`` (the file name and an about table say so).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from riskmap.cli.common import add_assess_verb, load_and_assess, progress

FORMATS = ("csv", "xlsx", "geojson", "gpkg")
ENCODINGS = ("utf-8", "gbk", "gb18030")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``export`` verb."""
    parser = add_assess_verb(
        subparsers,
        "export",
        help="export the risk inventory (sources, areas, districts, accidents): CSV, XLSX, GeoJSON, GPKG",
        description="Assess a project and export its risk inventory (城市安全风险清单). csv writes "
        "DIR/inventory.csv (sources) and DIR/inventory_<table>.csv for the other tables; xlsx "
        "one workbook with a sheet per table; geojson DIR/inventory.geojson (every source as a "
        "point) and DIR/inventory_<layer>.geojson (sources_lines, sources_polygons, areas, "
        "districts, cells), one geometry type per file; gpkg one GeoPackage with a layer per "
        "table and geometry type. With --district or --level the file names end with the "
        "filters (inventory_district-420102_level-major.xlsx) and an about table (说明) "
        "names them.",
        out=("DIR", "output folder"),
        lang_help="headers and texts: zh (default) or en",
        run=run,
    )
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="xlsx",
                        help="file format (default: xlsx)")  # fmt: skip
    parser.add_argument("--cells", action="store_true",
                        help="also export the assessed cells (level, score, components): a "
                        "layer, sheet or file 'cells'; large for a city")  # fmt: skip
    parser.add_argument("--district", action="append", default=[], metavar="NAME|ADCODE",
                        help="only this district (repeat for more)")  # fmt: skip
    parser.add_argument("--level", action="append", default=[], metavar="LEVEL",
                        help="only sources, areas and cells of this level: 4|3|2|1, 重大|较大|一般|低 "
                        "or major|significant|general|low (repeat for more)")  # fmt: skip
    parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8",
                        help="csv only: utf-8 (with BOM, default), gbk for older Excel (a "
                        "character GBK cannot encode is an error naming its cell; nothing is "
                        "replaced) or gb18030 (every character)")  # fmt: skip
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``export`` verb; returns the exit code."""
    from riskmap.errors import RiskmapError
    from riskmap.products.inventory import (
        build_inventory,
        export_file_name,
        export_inventory,
        filter_inventory,
    )

    if args.encoding != "utf-8" and args.fmt != "csv":
        raise RiskmapError(f"--encoding {args.encoding} applies to --format csv, not {args.fmt}")
    done = load_and_assess(args)
    t0 = time.perf_counter()
    inv = build_inventory(done.result)
    if args.district or args.level:
        inv = filter_inventory(inv, districts=args.district, levels=args.level)
    progress(
        f"inventory: {len(inv.sources):,} sources, {len(inv.areas):,} risk areas "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    out = Path(args.out) / export_file_name(inv, args.fmt)
    paths = export_inventory(
        inv, out, args.fmt, args.lang, cells=args.cells, encoding=args.encoding
    )
    for p in paths:
        print(f"wrote {p}")
    return 0
