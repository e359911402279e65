"""Benchmark: riskmap's map vs GeoDataFrame.explore() of the same cells, in headless Chromium.

On the Wuhan boundary, builds square cells (riskmap.engine.grid.build_grid) and scores them,
then for each cell size writes our standalone map (all overlays on) and explore()'s map
and measures the page size and the time from navigation until drawn: for ours, until the
risk layer's SVG paths exist and the map says it is ready; for explore, until its
GeoJSON paths exist. Run from the repository root:

    python benchmarks/bench_map.py [--sizes 250 100] [--explore-sizes 500 250]

Scores come from riskmap.engine when data/wuhan/project.yaml exists, else synthetic
smooth scores on the real grid (the output says which).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import launch_chromium, serve_directory  # noqa: E402

from riskmap import maps  # noqa: E402
from riskmap.engine import build_grid  # noqa: E402
from riskmap.io.crs import to_wgs84_geometries, working_crs  # noqa: E402


def _synthetic_scores(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    x = cells["x"].to_numpy()
    y = cells["y"].to_numpy()
    u = (x - x.min()) / np.ptp(x)
    v = (y - y.min()) / np.ptp(y)
    rng = np.random.default_rng(0)
    centres = rng.uniform(0.2, 0.8, size=(12, 2))
    hot = sum(
        60
        * rng.uniform(0.3, 1)
        * np.exp(-((u - cx) ** 2 + (v - cy) ** 2) / rng.uniform(0.001, 0.01))
        for cx, cy in centres
    )
    score = np.clip(hot + 8 * rng.random(len(u)), 0, 100)
    out = cells.copy()
    out["score"] = score
    out["level_rank"] = np.digitize(score, [10.0, 25.0, 45.0]) + 1
    for c in ("hazard", "exposure", "vulnerability", "coping_gap"):
        out[c] = np.clip(score / 10 * rng.uniform(0.6, 1.0, len(u)), 0, 10)
    return out


def _load(cell_size: float):
    project_file = ROOT / "data" / "wuhan" / "project.yaml"
    if project_file.exists():
        from riskmap import Study

        a = Study.from_project(project_file, cell_size=cell_size, register=None).score()
        return a.cells, a.data, "riskmap.Study (real engine)"
    b = gpd.read_file(ROOT / "data" / "wuhan" / "boundary" / "wuhan.geojson")
    d = gpd.read_file(ROOT / "data" / "wuhan" / "boundary" / "districts.geojson")
    crs = working_crs(b)
    cells = build_grid(
        b.to_crs(crs).geometry.union_all(), d.to_crs(crs), cell_size=cell_size, crs=crs
    )
    return _synthetic_scores(cells), None, "riskmap.engine.grid.build_grid + synthetic scores"


def _localise(path: Path, folder: Path) -> None:
    """Point explore()'s Leaflet at local files and drop its other CDN links (no network here)."""
    import re

    from riskmap.maps_assets import install_static

    install_static(folder / "assets")
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        r'<script src="https://[^"]*leaflet@[^"]*/leaflet\.js"></script>',
        '<script src="assets/leaflet.js"></script>',
        text,
    )
    text = re.sub(
        r'<link rel="stylesheet" href="https://[^"]*leaflet@[^"]*/leaflet\.css"/>',
        '<link rel="stylesheet" href="assets/leaflet.css"/>',
        text,
    )
    text = re.sub(r'<script src="https://[^"]*"></script>', "", text)
    text = re.sub(r'<link rel="stylesheet" href="https://[^"]*"/>', "", text)
    path.write_text(text, encoding="utf-8")


def _time_page(browser, url: str, ready_js: str, timeout_ms: int = 600_000) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    t0 = time.perf_counter()
    page.goto(url, timeout=timeout_ms, wait_until="commit")
    page.wait_for_function(ready_js, timeout=timeout_ms, polling=50)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[250.0, 100.0])
    parser.add_argument("--explore-sizes", nargs="*", type=float, default=[500.0, 250.0])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench_map_"))
    pages = []
    for size in sorted(set(args.sizes) | set(args.explore_sizes), reverse=True):
        t = time.perf_counter()
        cells, data, source = _load(size)
        print(
            f"{size:g} m: {len(cells):,} cells ({source}), {time.perf_counter() - t:.1f} s",
            flush=True,
        )
        if size in args.sizes:
            t = time.perf_counter()
            m = maps.map_from_cells(
                cells, data, overlays=list(maps.OVERLAYS) if data is not None else None
            )
            path = maps.save_map(m, folder / f"ours_{size:g}.html")
            print(f"  ours: built in {time.perf_counter() - t:.1f} s", flush=True)
            pages.append(
                (
                    "ours",
                    size,
                    path,
                    "window.riskmap && window.riskmap.ready && "
                    "document.querySelectorAll('path.rm-level').length > 0",
                )
            )
        if size in args.explore_sizes:
            t = time.perf_counter()
            wgs = cells[["cell_id", "score", "level_rank", "geometry"]].copy()
            wgs["geometry"] = to_wgs84_geometries(wgs.geometry, cells.crs)
            wgs = wgs.set_crs(4326, allow_override=True)
            ex = wgs.explore(
                column="level_rank", tooltip=["cell_id", "score"], legend=False, tiles=None
            )
            ex.save(str(folder / f"explore_{size:g}.html"))
            _localise(folder / f"explore_{size:g}.html", folder)
            print(f"  explore: built in {time.perf_counter() - t:.1f} s", flush=True)
            pages.append(
                (
                    "explore",
                    size,
                    folder / f"explore_{size:g}.html",
                    "document.querySelectorAll('path.leaflet-interactive').length > 0",
                )
            )
    print(f"\n{'map':8} {'cells m':>8} {'size MB':>8} {'drawn s':>8}")
    with serve_directory(folder) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        for name, size, path, ready in pages:
            try:
                secs = _time_page(browser, f"{url}/{path.name}", ready, timeout_ms=240_000)
                shown = f"{secs:8.2f}"
            except Exception as exc:  # report and go on
                shown = f"   failed ({type(exc).__name__})"
            print(f"{name:8} {size:8g} {path.stat().st_size / 1e6:8.2f} {shown}", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
