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
from typing import TYPE_CHECKING, Any

from riskmap.commands._common import progress

if TYPE_CHECKING:
    from riskmap.assess import Assessment
    from riskmap.data import ProjectData

_FILE_NAMES = {"csv": "inventory.csv", "xlsx": "inventory.xlsx", "geojson": "inventory.geojson",
               "gpkg": "inventory.gpkg"}  # fmt: skip


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``export`` verb."""
    parser = subparsers.add_parser(
        "export",
        help="export the risk inventory (sources, areas, districts, accidents): CSV, XLSX, GeoJSON, GPKG",
        description="Assess a project and export its risk inventory (城市安全风险清单). csv writes "
        "DIR/inventory.csv (sources, UTF-8 with BOM) and DIR/inventory_<table>.csv for the other "
        "tables; xlsx one workbook with a sheet per table; geojson DIR/inventory.geojson "
        "(sources) and DIR/inventory_areas.geojson; gpkg one GeoPackage with a layer per table.",
    )
    add_project_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument("--format", dest="fmt", choices=tuple(_FILE_NAMES), default="xlsx",
                        help="file format (default: xlsx)")  # fmt: skip
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="headers and texts: zh (default) or en")  # fmt: skip
    parser.set_defaults(run=run)
    return parser


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    """PROJECT, --cell-size and --register: shared by the ``export`` and ``report`` verbs."""
    parser.add_argument(
        "project", metavar="PROJECT", help="project.yaml, its folder, or a short name (wuhan)"
    )
    parser.add_argument("--cell-size", type=float, default=None, metavar="M",
                        help="square cell side in metres (default: the project's grid)")  # fmt: skip
    parser.add_argument("--register", type=Path, default=None, metavar="PATH",
                        help="hidden-hazard register database (default: the project's, when it exists)")  # fmt: skip


def load_and_assess(args: argparse.Namespace) -> tuple[ProjectData, Assessment]:
    """Read the project named by ``args``, add the register's open hazards, assess it."""
    from riskmap.assess import assess
    from riskmap.config import load_layer_kinds, load_project
    from riskmap.register import build_hazards_layer, default_register_path
    from riskmap.sources import load_project_data

    t0 = time.perf_counter()
    kinds = load_layer_kinds()
    project = load_project(args.project, kinds)
    data = load_project_data(project, kinds)
    register = args.register if args.register else default_register_path(project)
    if register.exists():
        layer = build_hazards_layer(register, data.crs, kinds=kinds)
        data = data.with_layers({layer.name: layer})
        progress(f"register: {len(layer.gdf):,} open hidden hazards from {register}")
    elif args.register:
        progress(f"register {register} not found: hidden hazards left out")
    progress(f"read {len(data.layers)} layers ({time.perf_counter() - t0:.1f} s)")
    t1 = time.perf_counter()
    result = assess(data, cell_size=args.cell_size)
    progress(f"assessed {len(result.cells):,} cells ({time.perf_counter() - t1:.1f} s)")
    return data, result


def run(args: argparse.Namespace) -> int:
    """Run the ``export`` verb; returns the exit code."""
    from riskmap.inventory import build_inventory, export_inventory

    data, result = load_and_assess(args)
    t0 = time.perf_counter()
    inv = build_inventory(data, result.cells, result.params)
    progress(
        f"inventory: {len(inv.sources):,} sources, {len(inv.areas):,} risk areas "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    paths = export_inventory(inv, Path(args.out) / _FILE_NAMES[args.fmt], args.fmt, args.lang)
    for p in paths:
        print(f"wrote {p}")
    return 0
