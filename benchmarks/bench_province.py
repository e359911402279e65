"""Time a province's assessment on one machine and on a dask LocalCluster, in one run.

Generates the Hubei demo (``scripts/make_province_demo.py``, seeded, in a temporary folder)
unless ``--project`` names one, then assesses it once per mode, each in a fresh process
so that its peak memory is its own:

* ``single``: this machine, the tiles on a thread pool;
* ``local:1`` and ``local:N``: a LocalCluster of 1 and N worker processes (the tiles as
  dask tasks), for the speed-up of N workers over one;
* ``squares``: as ``single``, but every whole square cell carries its shapely shape from
  the start (the engine before ``whole_squares=False``; ``assess`` leaves them out until
  the cells are written), for the memory they cost;
* ``parts`` and ``parts:local:N``: the grid scored in parts of 250,000 cells
  (:mod:`riskmap.pipeline.parts`, what ``assess`` does above 1,000,000 cells or with
  ``--cluster``): one part's fields at a time in this process, or each part scored and
  written by a worker while this process keeps only the columns the inventory reads.

The first four hold every cell's fields in this process (the path ``assess`` takes with
``--no-partitioned``).

Each run scores the cells (project weights and rule), builds the county summary and
writes the cells as partitioned GeoParquet; hot spots and level confidence are left out
unless ``--analysis`` (they are measured apart by ``bench_analysis.py``). Reported per
mode: wall time, the driver's peak resident memory and each worker's, and whether the
level, score and contributor columns are identical to the single-process run.

Usage::

    python benchmarks/bench_province.py [--cell-size 250] [--workers 2] [--project DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = r"""
import json, os, resource, sys, time
os.environ["TQDM_DISABLE"] = "1"
from pathlib import Path
import riskmap as rm
from riskmap.cli.assess import write_cells
from riskmap.pipeline.parts import assess_in_parts
from riskmap.products.inventory import inventory_from_cells, write_assess_outputs

project, cell_size, mode, out, analysis = sys.argv[1:6]
in_parts = mode.startswith("parts")
where = mode.removeprefix("parts").removeprefix(":")
client = None
if where.startswith("local:"):
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=int(where.split(":")[1]), threads_per_worker=1,
                           processes=True, dashboard_address=":0", memory_limit=0)
    client = Client(cluster)
t0 = time.perf_counter()
study = rm.Study.from_project(project, cell_size=float(cell_size), register=None, cluster=client,
                              whole_squares=mode == "squares")
if in_parts:
    result = assess_in_parts(study, Path(out), hotspots=analysis == "1",
                             confidence=analysis == "1")
else:
    result = study.score()
    if analysis == "1":
        result = study.analyse(result)
    write_cells(result, Path(out), partitioned=True)
inv = inventory_from_cells(result.data, result.cells, result.params, cells_table=False)
write_assess_outputs(inv, Path(out))
seconds = time.perf_counter() - t0
workers = []
if client is not None:
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    workers = sorted(v / 1e6 for v in peaks.values())
print(json.dumps({
    "cells": len(result.cells),
    "seconds": seconds,
    "driver_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
    "workers_gb": workers,
    "stages": {k: round(v, 1) for k, v in {**study.timings, **result.timings}.items()},
}))
"""


def _same(a: Path, b: Path) -> bool:
    """Level, score and contributors identical, cell for cell, in two partitioned outputs."""
    import pandas as pd

    cols = ["cell_id", "level_rank", "score", "contributors"]

    def read(folder: Path) -> pd.DataFrame:  # four columns: 18.6 M cells at 100 m
        parts = sorted((folder / "cells").glob("part-*.parquet"))
        return pd.concat([pd.read_parquet(p, columns=cols) for p in parts], ignore_index=True)

    x, y = read(a), read(b)
    return len(x) == len(y) and all(x[c].equals(y[c]) for c in cols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell-size", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--project", type=Path, default=None,
                        help="a province project folder (default: generate the Hubei demo)")  # fmt: skip
    parser.add_argument("--analysis", action="store_true", help="hot spots and confidence too")
    parser.add_argument("--modes", default=None,
                        help="comma-separated modes (default: single,squares,local:1,local:N)")  # fmt: skip
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="riskmap-province-"))
    project = args.project
    if project is None:
        project = tmp / "hubei"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_province_demo.py"),
                        "--out", str(project), "--cell-size", str(args.cell_size)], check=True)  # fmt: skip
        print(f"generated {project} in {time.perf_counter() - t0:.1f} s", flush=True)
    modes = (args.modes or f"single,squares,local:1,local:{args.workers}").split(",")
    results: dict[str, dict[str, object]] = {}
    for mode in modes:
        out = tmp / mode.replace(":", "_")
        run = subprocess.run(
            [sys.executable, "-c", RUN, str(project / "project.yaml"), str(args.cell_size), mode,
             str(out), "1" if args.analysis else "0"],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
        if run.returncode != 0 or not run.stdout.strip():
            print(f"{mode}: failed\n{run.stderr[-2000:]}", flush=True)
            continue
        res = json.loads(run.stdout.strip().splitlines()[-1])
        res["same"] = mode == modes[0] or _same(tmp / modes[0].replace(":", "_"), out)
        results[mode] = res
        workers = ", ".join(f"{w:.2f}" for w in res["workers_gb"]) or "—"  # type: ignore[attr-defined]
        print(
            f"{mode:>9}: {res['cells']:,} cells, {res['seconds']:.1f} s, driver peak "
            f"{res['driver_gb']:.2f} GB, workers' peaks {workers} GB, identical to "
            f"{modes[0]}: {res['same']}  stages {res['stages']}",
            flush=True,
        )
    for prefix in ("", "parts:"):
        one, many = results.get(f"{prefix}local:1"), results.get(f"{prefix}local:{args.workers}")
        if one and many:
            speedup = float(one["seconds"]) / float(many["seconds"])  # type: ignore[arg-type]
            print(f"speed-up of {prefix}local:{args.workers} over {prefix}local:1: {speedup:.2f}x")
    print(f"outputs in {tmp}")


if __name__ == "__main__":
    main()
