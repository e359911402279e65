"""``python -m riskmap map PROJECT --out map.html``: a standalone, offline risk map.

Reads the project, assesses it, and writes one HTML file with Leaflet embedded: with the
default ``--basemap none`` the page makes no request to any other host.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from riskmap.commands._common import progress


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``map`` verb."""
    from riskmap.maps import BASEMAPS, OVERLAYS, VIEWS

    parser = subparsers.add_parser(
        "map",
        help="write the electronic risk map as one standalone offline HTML file",
        description="Assess a project and write its four-colour risk map (or a continuous view) "
        "as one HTML file with Leaflet embedded. With --basemap none the page works offline.",
    )
    parser.add_argument("project", metavar="PROJECT", help="project.yaml, its folder, or a short name (wuhan)")
    parser.add_argument("--out", required=True, type=Path, help="HTML file to write")
    parser.add_argument("--cell-size", type=float, default=None, metavar="M",
                        help="square cell side in metres (default: the project's grid)")
    parser.add_argument("--view", choices=VIEWS, default="level", help="what the cells show (default: level)")
    parser.add_argument("--basemap", choices=BASEMAPS, default="none",
                        help="none (offline, default), osm, or amap (GCJ-02 tiles; overlays shifted)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="labels (default: zh)")
    parser.add_argument("--show", nargs="*", choices=OVERLAYS, default=None, metavar="OVERLAY",
                        help=f"overlays shown on opening (default: detail districts); one of: {', '.join(OVERLAYS)}")
    parser.add_argument("--max-detail-cells", type=int, default=5000, metavar="N",
                        help="highest-scoring cells drawn with outlines and tooltips (default: 5000)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``map`` verb; returns the exit code."""
    from riskmap.assess import assess
    from riskmap.config import load_project
    from riskmap.maps import build_map, save_map
    from riskmap.sources import load_project_data

    t0 = time.perf_counter()
    project = load_project(args.project)
    data = load_project_data(project)
    progress(f"read {len(data.layers)} layers ({time.perf_counter() - t0:.1f} s)")
    t1 = time.perf_counter()
    result = assess(data, cell_size=args.cell_size)
    progress(f"assessed {len(result.cells):,} cells ({time.perf_counter() - t1:.1f} s)")
    t2 = time.perf_counter()
    m = build_map(
        result.cells,
        data,
        view=args.view,
        basemap=args.basemap,
        lang=args.lang,
        overlays=args.show,
        assets="inline",
        cell_size=args.cell_size,
        max_detail_cells=args.max_detail_cells,
    )
    out = save_map(m, args.out)
    size = out.stat().st_size
    progress(f"wrote {out} ({size / 1e6:.2f} MB, {time.perf_counter() - t2:.1f} s)")
    return 0
