"""Benchmark: hot spots and level confidence against the assessment itself and against
the plain way of doing the same with the field's libraries.

Run from the repository root::

    python benchmarks/bench_analysis.py [--sizes 250] [--permutations 999] [--draws 200]

For each cell size, in one process:

* **assessment**: ``Study.from_project("wuhan")`` then ``study.score()`` (read, grid,
  fields, score): the time the aims are relative to;
* **Gi\\***: riskmap's :func:`riskmap.analysis.find_hotspots` (lattice neighbours, esda's
  analytical Gi*, array-wise conditional permutations, FDR) against the plain way:
  ``libpysal`` queen contiguity from the cell polygons
  (``libpysal.graph.Graph.build_contiguity``) and ``esda.G_Local(star=True,
  permutations=N)`` with its own numba permutation loop (its first call compiles; the
  compile time is reported apart);
* **confidence**: :func:`riskmap.analysis.level_confidence` (D draws on the cached
  fields) against the plain way: ``study.score(weights)`` D times (full scoring with
  its text columns).

Aims (issue 17): Gi* with 999 permutations at 250 m <= 3x the assessment; 200-draw
confidence at 250 m <= 2x.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(size: float, permutations: int, draws: int, plain: bool) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    import numpy as np

    import riskmap as rm
    from riskmap.analysis import find_hotspots, level_confidence
    from riskmap.config import ConfidenceConfig

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    study = rm.Study.from_project("wuhan", cell_size=size, register=None)
    a = study.score()
    out["assessment"] = time.perf_counter() - t0
    out["cells"] = len(a.cells)

    cfg = a.project.analysis.model_copy(
        update={
            "hotspots": a.project.analysis.hotspots.model_copy(
                update={"permutations": permutations}
            )
        }
    )
    t0 = time.perf_counter()
    h = find_hotspots(a, cfg)
    out["gi_riskmap"] = time.perf_counter() - t0
    out["hot_cells"] = int((h.bin > 0).sum())

    t0 = time.perf_counter()
    conf = level_confidence(study.fields, a.weights, a.levels, ConfidenceConfig(draws=draws))
    out["confidence_riskmap"] = time.perf_counter() - t0
    out["unstable_cells"] = int(conf.unstable.sum())

    if plain:
        import esda
        from libpysal.graph import Graph

        y = a.cells["score"].to_numpy(float)
        t0 = time.perf_counter()
        graph = Graph.build_contiguity(a.cells, rook=False)
        out["plain_weights"] = time.perf_counter() - t0
        small = np.arange(min(len(y), 2000))
        t0 = time.perf_counter()  # numba compiles on first use: time a tiny run apart
        esda.G_Local(y[small], Graph.build_contiguity(a.cells.iloc[small], rook=False),
                     transform="B", star=True, permutations=99, keep_simulations=False,
                     n_jobs=1, seed=1)  # fmt: skip
        out["plain_compile"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        g = esda.G_Local(y, graph, transform="B", star=True, permutations=permutations,
                         keep_simulations=False, n_jobs=1, seed=1)  # fmt: skip
        out["gi_plain"] = time.perf_counter() - t0 + out["plain_weights"]
        out["gi_plain_max_z_diff"] = float(np.nanmax(np.abs(g.Zs - h.z)))

        rng = np.random.default_rng(0)
        comps = a.weights.components
        t0 = time.perf_counter()
        base = a.cells["level_rank"].to_numpy()
        same = np.zeros(len(base))
        for _ in range(draws):
            w = {c: float(v) * rng.uniform(0.75, 1.25) for c, v in comps.items()}
            same += study.score({"components": w}).cells["level_rank"].to_numpy() == base
        out["confidence_plain"] = time.perf_counter() - t0
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[250.0])
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--no-plain", action="store_true", help="skip the plain baselines")
    args = parser.parse_args(argv)
    print(
        "size_m  cells     assess_s  gi_s   gi/assess  gi_plain_s  plain/riskmap  "
        "conf_s  conf/assess  conf_plain_s  plain/riskmap"
    )
    for size in args.sizes:
        r = _run(size, args.permutations, args.draws, not args.no_plain)
        gi_ratio = r["gi_riskmap"] / r["assessment"]
        conf_ratio = r["confidence_riskmap"] / r["assessment"]
        gp = r.get("gi_plain", float("nan"))
        cp = r.get("confidence_plain", float("nan"))
        print(
            f"{size:>6.0f}  {int(r['cells']):>8,}  {r['assessment']:>8.2f}  {r['gi_riskmap']:>5.2f}"
            f"  {gi_ratio:>9.2f}  {gp:>10.2f}  {gp / r['gi_riskmap']:>13.1f}"
            f"  {r['confidence_riskmap']:>6.2f}  {conf_ratio:>11.2f}  {cp:>12.2f}"
            f"  {cp / r['confidence_riskmap']:>13.1f}"
        )
        extra = {k: v for k, v in r.items() if k in ("plain_compile", "gi_plain_max_z_diff",
                                                      "hot_cells", "unstable_cells")}  # fmt: skip
        print("        " + ", ".join(f"{k} {v:.4g}" for k, v in extra.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
