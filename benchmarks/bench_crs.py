"""Benchmark: GCJ-02 -> WGS84 for 1,000,000 points, vectorised vs per point.

Converts seeded random GCJ-02 points in Wuhan's bounding box to WGS84 with
``riskmap.io.crs.gcj02_to_wgs84`` and validates them (finite, longitude/latitude in range,
inside the bounding box widened by 0.05 degrees), then does the same with the per-point
reference implementation (``prcoords.gcj_wgs_bored`` in a Python loop). The reference is
slow, so it is timed on a subsample and extrapolated per point (the output says so).
Also reports the largest distance between the two results on the subsample and the
peak memory of the vectorised path.

Run: ``python benchmarks/bench_crs.py [--n 1000000] [--sample 20000] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import prcoords
import pyproj

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riskmap.io.crs import gcj02_to_wgs84

# Wuhan's bounding box (GCJ-02 degrees), with a margin for the few hundred metres of offset.
BBOX = (113.68, 29.97, 115.08, 31.36)
MARGIN_DEG = 0.05


def _validate_vectorised(lon: np.ndarray, lat: np.ndarray) -> int:
    """Number of points that pass the checks (finite, in range, inside the box)."""
    ok = (
        np.isfinite(lon)
        & np.isfinite(lat)
        & (lon >= -180.0)
        & (lon <= 180.0)
        & (lat >= -90.0)
        & (lat <= 90.0)
        & (lon >= BBOX[0] - MARGIN_DEG)
        & (lon <= BBOX[2] + MARGIN_DEG)
        & (lat >= BBOX[1] - MARGIN_DEG)
        & (lat <= BBOX[3] + MARGIN_DEG)
    )
    return int(ok.sum())


def _run_vectorised(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    return w_lon, w_lat, _validate_vectorised(w_lon, w_lat)


def _run_reference(lon: np.ndarray, lat: np.ndarray) -> tuple[list[float], list[float], int]:
    """prcoords' iterative inverse and the same checks, one point at a time."""
    out_lon: list[float] = []
    out_lat: list[float] = []
    valid = 0
    lo_min, lo_max = BBOX[0] - MARGIN_DEG, BBOX[2] + MARGIN_DEG
    la_min, la_max = BBOX[1] - MARGIN_DEG, BBOX[3] + MARGIN_DEG
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        w_lat, w_lon = prcoords.gcj_wgs_bored((y, x))
        if (
            math.isfinite(w_lon)
            and math.isfinite(w_lat)
            and -180.0 <= w_lon <= 180.0
            and -90.0 <= w_lat <= 90.0
            and lo_min <= w_lon <= lo_max
            and la_min <= w_lat <= la_max
        ):
            valid += 1
        out_lon.append(w_lon)
        out_lat.append(w_lat)
    return out_lon, out_lat, valid


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="points to convert")
    parser.add_argument("--sample", type=int, default=20_000, help="points for the reference")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="vectorised runs (best is kept)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    lon = rng.uniform(BBOX[0], BBOX[2], args.n)
    lat = rng.uniform(BBOX[1], BBOX[3], args.n)
    sample = min(args.sample, args.n)

    print(f"GCJ-02 -> WGS84, {args.n:,} seeded random points in Wuhan's bbox {BBOX}")
    print(f"numpy {np.__version__}, pyproj {pyproj.__version__}, Python {sys.version.split()[0]}")

    times = []
    valid = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        w_lon, w_lat, valid = _run_vectorised(lon, lat)
        times.append(time.perf_counter() - start)
    vec_s = min(times)
    vec_rate = args.n / vec_s
    print(
        f"riskmap.io.crs (vectorised): {vec_s:.3f} s for {args.n:,} points "
        f"(best of {args.repeat}: {', '.join(f'{t:.3f}' for t in times)} s), "
        f"{vec_rate:,.0f} points/s, valid {valid:,}/{args.n:,}"
    )

    start = time.perf_counter()
    r_lon, r_lat, r_valid = _run_reference(lon[:sample], lat[:sample])
    ref_s = time.perf_counter() - start
    ref_rate = sample / ref_s
    print(
        f"prcoords.gcj_wgs_bored (per point, Python loop): {ref_s:.3f} s for a subsample of "
        f"{sample:,} points, {ref_rate:,.0f} points/s, valid {r_valid:,}/{sample:,}; "
        f"extrapolated to {args.n:,} points: {args.n / ref_rate:.1f} s (not measured)"
    )
    print(f"speed-up (points/s, vectorised / per point): {vec_rate / ref_rate:.1f}x")

    geod = pyproj.Geod(ellps="WGS84")
    dist = np.asarray(geod.inv(w_lon[:sample], w_lat[:sample], r_lon, r_lat)[2])
    print(f"largest distance between the two results on the subsample: {dist.max() * 1000:.3f} mm")

    tracemalloc.start()
    _run_vectorised(lon, lat)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    inputs_mb = (lon.nbytes + lat.nbytes) / 1e6
    print(
        f"peak memory allocated by the vectorised conversion (tracemalloc): {peak / 1e6:.0f} MB "
        f"(inputs: {inputs_mb:.0f} MB); process max RSS: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
