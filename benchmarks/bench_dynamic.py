"""Benchmark: re-scoring the city when monitoring warnings open (dynamic risk).

Run from the repository root::

    python benchmarks/bench_dynamic.py [--size 250] [--features 5] [--repeat 7]

In one process, on the Wuhan demo: the fields are computed once (``Study.fields``), then
``--features`` hazardous-chemical enterprises get a red warning (intensity x3), and the
city is re-scored three ways, each the median of ``--repeat`` runs:

* riskmap: :func:`riskmap.engine.boost_features` (only the cells the features reach)
  then the level arithmetic (:func:`riskmap.engine.scoring.risk_core`): what a map
  needs to redraw its levels;
* riskmap, full: the same then :meth:`riskmap.Study.score` with every text column
  (measures, explanations) of an assessment;
* plain: the fields computed again from data whose features carry the raised
  intensity (what a tool without cached fields does), then scored.

Aim (issue 16): <= 0.2 s at 250 m.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=float, default=250.0)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from dataclasses import replace

    import riskmap as rm
    from riskmap.engine import boost_features, compute_fields, score
    from riskmap.engine.fields import layer_weights
    from riskmap.engine.scoring import risk_core

    study = rm.Study.from_project("wuhan", cell_size=args.size, register=None)
    base = study.score()
    fields = study.fields
    hazmat = study.data.layers["hazmat"]
    ids = list(hazmat.gdf["id"].astype(str).iloc[: args.features])
    boosts = {"hazmat": dict.fromkeys(ids, 3.0)}
    w = layer_weights(fields, base.weights)

    def levels_only() -> None:
        g = boost_features(fields, boosts)
        risk_core(g, w, base.weights, base.levels)

    def full() -> None:
        study.score(boosts=boosts)

    # Plain: the data with the raised intensity, fields computed again. The enterprise's
    # intensity comes from its grade: a copy of the feature twice more triples it.
    gdf = hazmat.gdf
    extra = gdf[gdf["id"].astype(str).isin(ids)]
    more = extra.assign(id=extra["id"].astype(str) + "-x")
    more2 = extra.assign(id=extra["id"].astype(str) + "-y")
    import pandas as pd

    boosted_layer = replace(hazmat, gdf=pd.concat([gdf, more, more2], ignore_index=True))
    data = study.data.with_layers({"hazmat": boosted_layer})

    def plain() -> None:
        f = compute_fields(data, study.cells, tile_size=study.grid.tile_size)
        score(f, weights=base.weights, levels=base.levels)

    t_levels = _median(levels_only, args.repeat)
    t_full = _median(full, args.repeat)
    t_plain = _median(plain, max(1, args.repeat // 3))
    print(f"cells {len(base.cells):,} at {args.size:g} m; {len(ids)} features raised x3")
    print(f"riskmap boost + levels       {t_levels:7.3f} s")
    print(f"riskmap boost + full score   {t_full:7.3f} s")
    print(f"plain: fields again + score  {t_plain:7.3f} s   ({t_plain / t_full:.1f}x the full)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
