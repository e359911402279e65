"""Benchmark: the riskmap assessment by stage, new engine vs old engine vs plain geopandas.

Run from the repository root::

    python benchmarks/bench_assess.py [--sizes 250 100] [--repeat 3] [--plain-budget 180]
        [--old-ref REF]

Each measurement runs in its own subprocess, so the peak memory (ru_maxrss) belongs to
that run alone; a stage's peak is the process peak once the stage is done (it includes
the stages before it). Stages of riskmap: grid, prepare (layers), fields (kernels,
overlaps, people), capacity (2SFCA, reach), contributors (the old engine's JSON text;
the new engine keeps integer arrays and makes the text only for output), score; ``total``
is the whole assessment (grid to score) with its peak; ``rescore`` (new weights from the
same fields, the first result still held) is measured after it.

Engines, measured in the same run on the same data:

* **new**: the engine of this checkout (kernels and shelter catchments by stamps on the
  square lattice, top contributors across layers in compact arrays), on the grid as
  ``assess`` builds it (whole squares without their shapes);
* **old**: ``riskmap/engine`` as it was at ``--old-ref`` (by default the commit before
  the stamps, k-d tree pairs and dense per-layer top arrays), read with ``git archive``
  into a temporary copy of this checkout's package, so only the engine differs. Left out
  when git or that commit is not there (``--old-ref ''`` leaves it out too).

Plain baselines, each timed in the same process as the riskmap part it is compared with:

* grid clipping: every candidate square in the boundary's bounds as a GeoSeries,
  ``GeoSeries.intersects(boundary)``, then ``.intersection(boundary)``; against
  :func:`riskmap.engine.grid.build_grid`;
* kernel fields: per kernel layer, each feature buffered by its radius, ``sjoin`` with
  the cell centroids, distance and kernel per pair, ``groupby(cell).sum()``; against
  each engine's kernel stage alone (:func:`riskmap.engine.compute_fields` on the kernel
  layers only, its ``fields`` time: kernel sums and top contributors, the first call in
  the process), on the grid as ``assess`` builds it (whole squares without their shapes,
  where the engine has them); the plain way reads only the cells' centroids.

The engines' runs alternate (new, old, new, old, ...) ``--repeat`` times and each engine's
fastest whole run is shown (on a shared machine the other runs wait for the processor);
the kernel stage alone and the plain baselines likewise (each on every cell, fastest of
``--repeat`` runs). Only when a plain baseline takes longer than ``--plain-budget`` seconds
does it run on a subset (an eighth of the cells) with its time extrapolated linearly,
which overstates it (its fixed costs are scaled too); the table says so. The aims of
issue 14 are checked at the end of each size.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OLD_REF = "192a9980f39a85d55c430c87fd5423af1b989e2f"
"""The last commit of the engine before stamps (k-d tree pairs, per-layer top arrays)."""
_STAGES = ("grid", "prepare_layers", "fields", "capacity", "contributors", "score")
_AIM_PEAK_MB = 1200.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(task: str, size: float, share: float) -> None:
    root = os.environ.get("RISKMAP_BENCH_ROOT")
    sys.path.insert(0, root or str(REPO))
    import geopandas as gpd
    import numpy as np
    import shapely

    from riskmap.config import load_project
    from riskmap.engine import build_grid, compute_fields, score
    from riskmap.engine.kernels import _decay
    from riskmap.engine.rules import rule_values
    from riskmap.io import load_project_data

    if root:  # the old engine: check that it is the copy that runs
        import riskmap

        assert Path(riskmap.__file__).resolve().is_relative_to(Path(root).resolve())
    data = load_project_data(load_project(REPO / "data" / "wuhan"))
    out: dict[str, float] = {"start_mb": _peak_mb()}
    # the grid as `assess` builds it: whole squares without shapes (made when written),
    # where the engine has them (not the old engine)
    lean = (
        {"whole_squares": False}
        if "whole_squares" in inspect.signature(build_grid).parameters
        else {}
    )
    if task == "riskmap":
        t = time.perf_counter()
        cells = build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs, **lean)
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
        out["capacity_mb"] = marks.get("shelters", out["fields_mb"])
        if "contributors" in fields.timings:  # the old engine makes the text with the fields
            out["contributors_mb"] = _peak_mb()
        t = time.perf_counter()
        res = score(fields)
        out["score"] = time.perf_counter() - t
        out["score_mb"] = _peak_mb()
        out["total"] = out["grid"] + sum(fields.timings.values()) + out["score"]
        out["total_mb"] = _peak_mb()
        t = time.perf_counter()
        score(fields, weights={"layers": {"hazmat": 2.0, "flood_zones": 0.3}})
        out["rescore"] = time.perf_counter() - t
        out["rescore_mb"] = _peak_mb()
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
    elif task in ("kernel", "kernel-engine"):
        cells = build_grid(data.boundary, data.districts, cell_size=size, crs=data.crs, **lean)
        kernel = {n: lyr for n, lyr in data.layers.items() if lyr.kind.method == "kernel"}
        only = dataclasses.replace(data, layers=kernel)
        fields = compute_fields(only, cells, tile_size=data.project.grid.tile_size)
        out["ours"] = fields.timings["fields"]
        if task == "kernel":
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
    task: str,
    size: float,
    share: float = 1.0,
    timeout: float | None = None,
    old: Path | None = None,
) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--child", task, "--size", str(size), "--share", str(share)]
    env = dict(os.environ)
    env.pop("RISKMAP_BENCH_ROOT", None)
    if old is not None:
        env["RISKMAP_BENCH_ROOT"] = str(old)
    try:
        p = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        raise RuntimeError(f"{task} ({'old' if old else 'new'} engine) failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _baseline(task: str, size: float, budget: float, repeat: int = 1) -> dict[str, float]:
    """The plain way and riskmap's part (timed in the same process), each the fastest of
    ``repeat`` runs, on every cell; on an eighth of the cells, extrapolated, only when one
    run (the whole child: data, riskmap's part and the plain way) takes longer than
    ``budget`` seconds. (A subset's time divided by its share overstates the plain way: its
    fixed costs, such as buffering the features, are scaled up too.)"""
    share, first = 1.0, _run(task, size, 1.0, timeout=budget)
    if first is None:
        share, first = 0.125, _run(task, size, 0.125)
    runs = [first, *(_run(task, size, share) for _ in range(repeat - 1))]
    best = dict(_fastest(runs, "plain"))
    best["ours"] = _fastest(runs, "ours")["ours"]
    return best


@contextlib.contextmanager
def _old_engine(ref: str) -> Iterator[Path | None]:
    """A copy of this checkout's ``riskmap`` package with ``riskmap/engine`` as at ``ref``
    (None when git cannot give it)."""
    if not ref:
        yield None
        return
    try:
        tar = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", ref, "riskmap/engine"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"old engine ({ref}) not available: {exc}", file=sys.stderr)
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="riskmap-old-engine-") as tmp:
        root = Path(tmp)
        shutil.copytree(
            REPO / "riskmap", root / "riskmap", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.rmtree(root / "riskmap" / "engine")
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            archive.extractall(root, filter="data")
        yield root


def _row(label: str, new: dict[str, float], old: dict[str, float] | None, key: str) -> str:
    if key not in new:  # the new engine makes the contributors' text only for output
        line = f"{label:<26}{'output':>8}{'':>8}"
        if old is not None:
            line += f"{old[key]:9.2f}{old[key + '_mb']:8.0f}"
        return line
    line = f"{label:<26}{new[key]:8.2f}{new[key + '_mb']:8.0f}"
    if old is not None:
        line += f"{old[key]:9.2f}{old[key + '_mb']:8.0f}{old[key] / max(new[key], 1e-9):9.1f}x"
    return line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[250.0, 100.0])
    ap.add_argument(
        "--plain-budget",
        type=float,
        default=180.0,
        help="seconds before a plain baseline runs on a subset",
    )
    ap.add_argument(
        "--old-ref",
        default=OLD_REF,
        metavar="REF",
        help="git commit of the old engine to compare with ('' to leave it out)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each engine, alternating; the fastest is shown (default 3)",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=float, default=250.0, help=argparse.SUPPRESS)
    ap.add_argument("--share", type=float, default=1.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.size, args.share)
        return
    with _old_engine(args.old_ref) as old_root:
        for size in args.sizes:
            _report(size, args.plain_budget, old_root, max(args.repeat, 1))


def _fastest(runs: list[dict[str, float] | None], key: str) -> dict[str, float]:
    done = [r for r in runs if r is not None]
    assert done
    return min(done, key=lambda r: r[key])


def _report(size: float, budget: float, old_root: Path | None, repeat: int) -> None:
    news, olds = [], []
    for _ in range(repeat):
        news.append(_run("riskmap", size))
        if old_root is not None:
            olds.append(_run("riskmap", size, old=old_root))
    new = _fastest(news, "total")
    old = _fastest(olds, "total") if olds else None
    print(f"\n== {size:g} m: {int(new['cells']):,} cells (red {new['red_share']:.2%}) ==")
    head = f"{'stage':<26}{'new s':>8}{'new MB':>8}"
    if old is not None:
        head += f"{'old s':>9}{'old MB':>8}{'old/new':>10}"
    print(head)
    print("-" * len(head))
    for k in _STAGES:
        print(_row(k, new, old, k))
    print(_row("total (grid..score)", new, old, "total"))
    print(_row("rescore (after total)", new, old, "rescore"))
    print()
    print(
        f"{'vs plain geopandas':<26}{'new s':>8}{'old s':>9}{'plain s':>9}{'new':>8}{'old':>8}  note"
    )
    ratios: dict[str, float] = {}
    for task, label in (("grid", "grid clipping"), ("kernel", "kernel fields")):
        b = _baseline(task, size, budget, repeat)
        old_s = float("nan")
        if task == "kernel":
            if old_root is not None:
                runs = [_run("kernel-engine", size, old=old_root) for _ in range(repeat)]
                old_s = _fastest(runs, "ours")["ours"]
        elif old is not None:
            old_s = old["grid"]
        note = "" if b["share"] == 1 else f"plain on {b['share']:.1%} of the cells, extrapolated"
        ratios[task] = b["plain"] / b["ours"]
        print(
            f"{label:<26}{b['ours']:8.2f}{old_s:9.2f}{b['plain']:9.2f}"
            f"{b['plain'] / b['ours']:7.1f}x{b['plain'] / old_s:7.1f}x  {note}"
        )
    print()
    peak = new["total_mb"]
    print(f"fastest of {repeat} runs per engine")
    print(f"aim: whole assessment <= {_AIM_PEAK_MB:.0f} MB peak: {peak:.0f} MB")
    if old is not None:
        print(
            f"aim: at most half the old engine's time: {new['total']:.2f} s vs {old['total']:.2f} s "
            f"({new['total'] / old['total']:.0%})"
        )
    print(f"aim: kernel fields >= 5x the plain way: {ratios['kernel']:.1f}x")


if __name__ == "__main__":
    main()
