"""Benchmark: the riskmap assessment against the plain-geopandas way, on the Wuhan demo.

Run from the repository root::

    python benchmarks/bench_assess.py [--sizes 250 100] [--plain-budget 180]

Each measurement runs in its own subprocess, so the peak memory (ru_maxrss of that
process) belongs to it alone. Stages of riskmap: grid, fields (kernels, overlaps,
people), capacity (2SFCA, reach), contributors, score, and a rescore with new weights.
Plain baselines:

* grid: every candidate square in the boundary's bounds as a GeoSeries,
  ``GeoSeries.intersects(boundary)``, then ``.intersection(boundary)``;
* kernel fields: per kernel layer, each feature buffered by its radius, ``sjoin`` with
  the cell centroids, distance and kernel per pair, ``groupby(cell).sum()``.

When a plain baseline would take longer than ``--plain-budget`` seconds it runs on a
subset (a share of candidate cells) and the time is extrapolated linearly; the output
says so.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _child(task: str, size: float, share: float) -> None:
    sys.path.insert(0, str(REPO))
    import geopandas as gpd
    import numpy as np
    import shapely

    from riskmap import assess as ra
    from riskmap.config import load_project
    from riskmap.grid import build_grid
    from riskmap.sources import load_project_data

    data = load_project_data(load_project("wuhan"))
    out: dict[str, float] = {}
    if task == "riskmap":
        t = time.perf_counter()
        cells = build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs)
        out["grid"] = time.perf_counter() - t
        fields = ra.compute_fields(data, cells, tile_size=data.project.grid.tile_size)
        out.update(fields.timings)
        t = time.perf_counter()
        res = ra.score(fields)
        out["score"] = time.perf_counter() - t
        t = time.perf_counter()
        ra.score(fields, weights={"layers": {"hazmat": 2.0, "flood_zones": 0.3}})
        out["rescore"] = time.perf_counter() - t
        out["total"] = out["grid"] + sum(fields.timings.values()) + out["score"]
        out["cells"] = len(cells)
        out["red_share"] = float((res.cells["level_rank"] == 4).mean())
    elif task == "plain_grid":
        b = data.boundary
        minx, miny, maxx, maxy = b.bounds
        xs = np.arange(np.floor(minx / size) * size, maxx, size)
        ys = np.arange(np.floor(miny / size) * size, maxy, size)
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        n_all = len(gx)
        take = np.random.default_rng(0).random(n_all) < share if share < 1 else np.ones(n_all, bool)
        t = time.perf_counter()
        boxes = gpd.GeoSeries(shapely.box(gx[take], gy[take], gx[take] + size, gy[take] + size), crs=data.crs)
        kept = boxes[boxes.intersects(b)]
        clipped = kept.intersection(b)
        _ = clipped.area
        out["grid"] = (time.perf_counter() - t) / share
        out["share"] = share
    elif task == "plain_kernel":
        cells = build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs)
        if share < 1:
            cells = cells.sample(frac=share, random_state=0)
        pts = gpd.GeoDataFrame({"cell": np.arange(len(cells))}, geometry=gpd.points_from_xy(cells["x"], cells["y"]), crs=data.crs)
        t = time.perf_counter()
        for layer in data.layers.values():
            kind = layer.kind
            if kind.method != "kernel":
                continue
            gdf = layer.gdf.copy()
            gdf["I"] = ra._rule_values(kind.intensity, gdf)
            gdf["R"] = ra._rule_values(kind.radius, gdf)
            gdf["geometry"] = gdf.geometry.representative_point()
            buf = gdf.set_geometry(gdf.geometry.buffer(gdf["R"]))
            buf["fx"], buf["fy"] = gdf.geometry.x, gdf.geometry.y
            j = gpd.sjoin(pts, buf[["I", "R", "fx", "fy", "geometry"]], predicate="intersects")
            d = np.hypot(j.geometry.x - j["fx"], j.geometry.y - j["fy"])
            j["c"] = j["I"] * ra._decay((d / j["R"]).clip(upper=1).to_numpy(), kind.decay)
            _ = j.groupby("cell")["c"].sum()
        out["kernel_fields"] = (time.perf_counter() - t) / share
        out["share"] = share
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _run(task: str, size: float, share: float = 1.0, timeout: float | None = None) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--child", task, "--size", str(size), "--share", str(share)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[250.0, 100.0])
    ap.add_argument("--plain-budget", type=float, default=180.0, help="seconds before a plain baseline runs on a subset")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=float, default=250.0, help=argparse.SUPPRESS)
    ap.add_argument("--share", type=float, default=1.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.size, args.share)
        return
    for size in args.sizes:
        ours = _run("riskmap", size)
        assert ours is not None
        print(f"\n== {size:g} m: {int(ours['cells']):,} cells ==")
        for k in ("grid", "prepare_layers", "fields", "capacity", "contributors", "score", "rescore", "total"):
            print(f"  riskmap {k:<15} {ours[k]:8.2f} s")
        print(f"  riskmap peak memory     {ours['maxrss_mb']:8.0f} MB   (red cells {ours['red_share']:.2%})")
        for task, key in (("plain_grid", "grid"), ("plain_kernel", "kernel_fields")):
            share = 1.0 if size >= 250 else 0.125
            plain = _run(task, size, share, timeout=args.plain_budget)
            if plain is None:
                share = share / 8
                plain = _run(task, size, share)
            assert plain is not None
            note = "" if plain["share"] == 1 else f"  (run on {plain['share']:.1%} of the cells, extrapolated)"
            ours_t = ours["grid"] if key == "grid" else ours["fields"]
            label = "grid clipping" if key == "grid" else "kernel fields (vs riskmap all fields)"
            print(f"  plain {label:<38} {plain[key]:8.2f} s, {plain['maxrss_mb']:6.0f} MB -> ratio {plain[key] / ours_t:6.1f}x{note}")


if __name__ == "__main__":
    main()
