"""``python -m riskmap assess PROJECT --out DIR``: assess a project and write its results.

Writes, into DIR:

* ``cells.parquet`` — GeoParquet, EPSG:4326, one row a cell with every column of
  :attr:`riskmap.engine.Assessment.cells`;
* ``districts.csv`` — UTF-8 with BOM: per district, cells, area (km²) and population per
  level (written by :mod:`riskmap.products.inventory` together with the risk inventory);
* ``inventory.csv`` / ``inventory.xlsx`` — the risk inventory (:mod:`riskmap.products.inventory`);
* ``summary.json`` — counts per level (city and district), parameters, input file hashes,
  riskmap version and seconds per stage.

Progress (stage names, and tile progress on a terminal) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmap import __version__
from riskmap.cli.common import StageProgress, add_assess_verb, build_study
from riskmap.config.levels import LEVELS

if TYPE_CHECKING:
    from riskmap.engine import Assessment


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``assess`` verb."""
    return add_assess_verb(
        subparsers,
        "assess",
        help="assess risk on a grid and write cells.parquet, districts.csv, summary.json",
        description="Read a project, score every grid cell (hazard, exposure, vulnerability, "
        "coping gap, four risk levels) and write the results to a folder. The open hazards of "
        "the project's hidden-hazard register are assessed, as in every other verb.",
        out=("DIR", "output folder (created)"),
        lang_help="headers and texts of the inventory files: zh (default) or en",
        run=run,
    )


def summarise(
    result: Assessment, file_hashes: dict[str, str], timings: dict[str, float]
) -> dict[str, Any]:
    """The content of summary.json.

    Parameters
    ----------
    result
        The assessment.
    file_hashes
        Input file name -> sha256.
    timings
        Seconds per stage.

    Returns
    -------
    dict
    """
    cells = result.cells
    levels = list(reversed(LEVELS))
    counts = cells["level_rank"].value_counts()
    by_district: dict[str, dict[str, int]] = {}
    grouped = cells.groupby(["district", "level_rank"], observed=True).size()
    for (district, rank), n in grouped.items():
        by_district.setdefault(str(district), {lv.en.lower(): 0 for lv in levels})
        by_district[str(district)][LEVELS[int(rank) - 1].en.lower()] = int(n)
    project = result.fields.project
    return {
        "project": project.name,
        "title": project.title.model_dump(),
        "riskmap_version": __version__,
        "cells": len(cells),
        "levels": [
            {
                "rank": lv.rank,
                "zh": lv.zh,
                "en": lv.en,
                "color": lv.color,
                "cells": int(counts.get(lv.rank, 0)),
            }
            for lv in levels
        ],
        "districts": by_district,
        "complete": bool(cells["complete"].all()) if len(cells) else True,
        "missing_components": list(result.fields.missing),
        "parameters": {
            **result.params,
            "weights": result.weights.model_dump(),
            "layer_weights": dict(_layer_weights(result)),
        },
        "input_files": file_hashes,
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }


def _layer_weights(result: Assessment) -> dict[str, float]:
    from riskmap.engine import layer_weights as weights_of

    return weights_of(result.fields, result.weights)


def run(args: argparse.Namespace) -> int:
    """Run the ``assess`` verb; returns the exit code."""
    stages = StageProgress(sys.stderr)
    t0 = time.perf_counter()
    stages.line("reading the project")
    study = build_study(args, stages)
    result = study.score()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stages.line(f"writing {out}")
    t_write = time.perf_counter()
    wgs = result.to_wgs84()
    wgs.to_parquet(out / "cells.parquet", index=False)

    from riskmap.products.inventory import build_inventory, write_assess_outputs

    write_assess_outputs(build_inventory(result), out, args.lang)

    t_end = time.perf_counter()
    timings = {**study.timings, **result.timings, "write": t_end - t_write, "total": t_end - t0}
    summary = summarise(result, study.data.file_hashes, timings)
    summary["register"] = (
        {"path": study.register_path.name, "open_hazards": study.n_hazards}
        if study.register_path is not None
        else None
    )
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    counts = ", ".join(f"{lv['zh']} {lv['cells']:,}" for lv in summary["levels"])
    stages.line(f"done in {timings['total']:.1f} s: {len(result.cells):,} cells ({counts})")
    return 0
