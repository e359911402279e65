"""``python -m riskmap map PROJECT --out map.html``: a standalone, offline risk map.

Reads the project (with the open hazards of its hidden-hazard register when the database
exists), assesses it, and writes one HTML file with Leaflet embedded: with the default
``--basemap none`` the page makes no request to any other host.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from riskmap.cli.common import add_assess_verb, build_study, load_and_assess, progress
from riskmap.config.vocabulary import BASEMAPS, DEFAULT_OVERLAYS, OVERLAYS, VIEWS


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``map`` verb."""
    parser = add_assess_verb(
        subparsers,
        "map",
        help="write the electronic risk map as one standalone offline HTML file",
        description="Assess a project and write its four-colour risk map (or a continuous view) "
        "as one HTML file with Leaflet embedded. With --basemap none the page works offline.",
        out=("FILE", "HTML file to write"),
        lang_help="labels (default: zh)",
        run=run,
    )
    parser.add_argument(
        "--view", choices=VIEWS, default="level", help="what the cells show (default: level)"
    )
    parser.add_argument(
        "--basemap",
        choices=BASEMAPS,
        default="none",
        help="none (offline, default), osm, or amap (GCJ-02 tiles; overlays shifted)",
    )
    parser.add_argument(
        "--show",
        nargs="*",
        choices=OVERLAYS,
        default=None,
        metavar="OVERLAY",
        help=f"overlays shown on opening (default: {' '.join(DEFAULT_OVERLAYS)}); any of: {', '.join(OVERLAYS)}",
    )
    parser.add_argument(
        "--max-detail-cells",
        type=int,
        default=2000,
        metavar="N",
        help="highest-scoring orange and red cells drawn with outlines and tooltips "
        "(default: 2000)",
    )
    parser.add_argument(
        "--city-cell-size",
        type=float,
        default=None,
        metavar="M",
        help="for a province: also assess a grid of M-metre cells and draw each city with them "
        "when the map is zoomed into it (level view; as many cities as fit the page's 1 MB, "
        "most orange and red cells first)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``map`` verb; returns the exit code."""
    from riskmap.config import MapOptions
    from riskmap.maps import build_map, save_map

    done = load_and_assess(args)
    t0 = time.perf_counter()
    options = MapOptions(view=args.view, basemap=args.basemap, lang=args.lang,
                         overlays=None if args.show is None else tuple(args.show),
                         assets="inline", max_detail_cells=args.max_detail_cells)  # fmt: skip
    fine = None
    if args.city_cell_size:
        t1 = time.perf_counter()
        finer = build_study(argparse.Namespace(**{**vars(args), "cell_size": args.city_cell_size}))
        fine = finer.score()
        progress(
            f"assessed {len(fine.cells):,} cells of {args.city_cell_size:,.0f} m for the cities "
            f"({time.perf_counter() - t1:.1f} s)"
        )
        t0 = time.perf_counter()
    m = build_map(done.result, options, fine=fine)
    out = save_map(m, args.out)
    size = out.stat().st_size
    progress(f"wrote {out} ({size / 1e6:.2f} MB, {time.perf_counter() - t0:.1f} s)")
    return 0
