"""Benchmark: the riskmap assessment, stage by stage, against the plain-geopandas way.

Run from the repository root::

    python benchmarks/bench_assess.py [--sizes 250 100] [--plain-budget 180]

Each measurement runs in its own subprocess, so the peak memory (ru_maxrss) belongs to
that run alone; a stage's peak is the process peak once the stage is done (it includes
the stages before it). Stages of riskmap: grid, prepare (layers), fields (kernels,
overlaps, people), capacity (2SFCA, reach), contributors, score, and a rescore with new
weights from the same fields. Plain baselines, each timed in the same process as the
riskmap part it is compared with:

* grid clipping: every candidate square in the boundary's bounds as a GeoSeries,
  ``GeoSeries.intersects(boundary)``, then ``.intersection(boundary)``; against
  :func:`riskmap.engine.grid.build_grid`;
* kernel fields: per kernel layer, each feature buffered by its radius, ``sjoin`` with
  the cell centroids, distance and kernel per pair, ``groupby(cell).sum()``; against
  riskmap's kernel stage alone (:func:`riskmap.engine.compute_fields` on the kernel
  layers only, its ``fields`` time: kernel sums and top contributors).

When a plain baseline would take longer than ``--plain-budget`` seconds it runs on a
subset (a share of candidate cells) and its time is extrapolated linearly; the table
says so.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_STAGES = ("grid", "prepare_layers", "fields", "capacity", "contributors", "score", "rescore")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(task: str, size: float, share: float) -> None:
    sys.path.insert(0, str(REPO))
    import geopandas as gpd
    import numpy as np
    import shapely

    from riskmap.config import load_project
    from riskmap.engine import build_grid, compute_fields, score
    from riskmap.engine.kernels import _decay
    from riskmap.engine.rules import rule_values
    from riskmap.io import load_project_data

    data = load_project_data(load_project("wuhan"))
    out: dict[str, float] = {"start_mb": _peak_mb()}
    if task == "riskmap":
        t = time.perf_counter()
        cells = build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs)
        out["grid"] = time.perf_counter() - t
        out["grid_mb"] = _peak_mb()
        marks: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if done == total:
                marks[stage.split(" ", maxsplit=1)[0]] = _peak_mb()

        fields = compute_fields(
            data, cells, tile_size=data.project.grid.tile_size, progress=progress
        )
        out.update(fields.timings)
        out["prepare_layers_mb"] = out["grid_mb"]
        out["fields_mb"] = marks.get("fields", float("nan"))
        out["capacity_mb"] = out["contributors_mb"] = _peak_mb()
        t = time.perf_counter()
        res = score(fields)
        out["score"] = time.perf_counter() - t
        out["score_mb"] = _peak_mb()
        t = time.perf_counter()
        score(fields, weights={"layers": {"hazmat": 2.0, "flood_zones": 0.3}})
        out["rescore"] = time.perf_counter() - t
        out["rescore_mb"] = _peak_mb()
        out["total"] = out["grid"] + sum(fields.timings.values()) + out["score"]
        out["total_mb"] = _peak_mb()
        out["cells"] = len(cells)
        out["red_share"] = float((res.cells["level_rank"] == 4).mean())
    elif task == "grid":
        t = time.perf_counter()
        build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs)
        out["ours"] = time.perf_counter() - t
        b = data.boundary
        minx, miny, maxx, maxy = b.bounds
        xs = np.arange(np.floor(minx / size) * size, maxx, size)
        ys = np.arange(np.floor(miny / size) * size, maxy, size)
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        take = (
            np.random.default_rng(0).random(len(gx)) < share
            if share < 1
            else np.ones(len(gx), bool)
        )
        t = time.perf_counter()
        boxes = gpd.GeoSeries(
            shapely.box(gx[take], gy[take], gx[take] + size, gy[take] + size), crs=data.crs
        )
        kept = boxes[boxes.intersects(b)]
        _ = kept.intersection(b).area
        out["plain"] = (time.perf_counter() - t) / share
    elif task == "kernel":
        cells = build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs)
        kernel = {n: lyr for n, lyr in data.layers.items() if lyr.kind.method == "kernel"}
        only = dataclasses.replace(data, layers=kernel)
        fields = compute_fields(only, cells, tile_size=data.project.grid.tile_size)
        out["ours"] = fields.timings["fields"]
        if share < 1:
            cells = cells.sample(frac=share, random_state=0)
        pts = gpd.GeoDataFrame(
            {"cell": np.arange(len(cells))},
            geometry=gpd.points_from_xy(cells["x"], cells["y"]),
            crs=data.crs,
        )
        t = time.perf_counter()
        for layer in kernel.values():
            kind = layer.kind
            gdf = layer.gdf.copy()
            gdf["I"] = rule_values(kind.intensity, gdf)
            gdf["R"] = rule_values(kind.radius, gdf)
            gdf["geometry"] = gdf.geometry.representative_point()
            buf = gdf.set_geometry(gdf.geometry.buffer(gdf["R"]))
            buf["fx"], buf["fy"] = gdf.geometry.x, gdf.geometry.y
            j = gpd.sjoin(pts, buf[["I", "R", "fx", "fy", "geometry"]], predicate="intersects")
            d = np.hypot(j.geometry.x - j["fx"], j.geometry.y - j["fy"])
            j["c"] = j["I"] * _decay((d / j["R"]).clip(upper=1).to_numpy(), kind.decay)
            _ = j.groupby("cell")["c"].sum()
        out["plain"] = (time.perf_counter() - t) / share
    out["share"] = share
    out["maxrss_mb"] = _peak_mb()
    print(json.dumps(out))


def _run(
    task: str, size: float, share: float = 1.0, timeout: float | None = None
) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--child", task, "--size", str(size), "--share", str(share)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def _baseline(task: str, size: float, budget: float) -> dict[str, float]:
    share = 1.0 if size >= 250 else 0.125
    res = _run(task, size, share, timeout=budget)
    if res is None:
        res = _run(task, size, share / 8)
    assert res is not None
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[250.0, 100.0])
    ap.add_argument(
        "--plain-budget",
        type=float,
        default=180.0,
        help="seconds before a plain baseline runs on a subset",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=float, default=250.0, help=argparse.SUPPRESS)
    ap.add_argument("--share", type=float, default=1.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.size, args.share)
        return
    head = f"{'stage':<28}{'time s':>9}{'peak MB':>9}{'plain s':>10}{'ratio':>8}  note"
    for size in args.sizes:
        ours = _run("riskmap", size)
        assert ours is not None
        print(f"\n== {size:g} m: {int(ours['cells']):,} cells (red {ours['red_share']:.2%}) ==")
        print(head)
        print("-" * len(head))
        for k in (*_STAGES, "total"):
            print(f"{k:<28}{ours[k]:9.2f}{ours[k + '_mb']:9.0f}")
        for task, label in (("grid", "grid clipping"), ("kernel", "kernel fields")):
            b = _baseline(task, size, args.plain_budget)
            note = (
                "" if b["share"] == 1 else f"plain on {b['share']:.1%} of the cells, extrapolated"
            )
            print(
                f"{label + ' (vs plain)':<28}{b['ours']:9.2f}{b['maxrss_mb']:9.0f}{b['plain']:10.2f}"
                f"{b['plain'] / b['ours']:7.1f}x  {note}"
            )


if __name__ == "__main__":
    main()
