"""``python -m riskmap assess PROJECT --out DIR``: assess a project and write its results.

Writes, into DIR:

* ``cells.parquet`` — GeoParquet, EPSG:4326, one row a cell with every column of
  :attr:`riskmap.engine.Assessment.cells`; with ``--partitioned`` (the default with
  ``--cluster`` or above 1,000,000 cells) a folder ``cells/part-*.parquet`` of 250,000
  cells a file instead, and a square grid is then scored in parts of that size
  (:mod:`riskmap.pipeline.parts`): each part's fields are computed, scored and written by
  itself (by a worker on a cluster), so no process holds every cell's fields; the
  products are reduced from the kept columns. The same files and tables as in one piece;
  level confidence and the sensitivity table are left out (and ``summary.json`` says so
  under ``left_out``) for the quantile and natural-breaks rules;
* ``districts.csv`` — UTF-8 with BOM: per district, cells, area (km²) and population per
  level (written by :mod:`riskmap.products.inventory` together with the risk inventory);
  ``counties.csv`` the same per county for a project with ``counties`` (a province);
* ``inventory.csv`` / ``inventory.xlsx`` — the risk inventory (:mod:`riskmap.products.inventory`);
* ``cascades.csv`` — every pair of features a cascade rule (natech, domino, sensitive
  target) of the layer kinds matches;
* ``hotspots.csv`` — per district, the cells in each Gi* hot/cold-spot class;
* ``sensitivity.csv`` — each weight moved 10 % up and down: the cells whose level changes;
* ``summary.json`` — counts per level (city, district and county), parameters, hot-spot and
  confidence settings and counts, input file hashes, riskmap version and seconds per stage.

``cells.parquet`` carries ``hotspot`` (-3 ... 3: cold/hot spot at 99/95/90 % confidence
after a false-discovery-rate correction), ``hotspot_z``, ``hotspot_p``, ``level_p`` (share of
plausible weightings that keep the cell's level), ``p_major``, ``p_high`` and ``unstable``
unless ``--no-hotspots`` / ``--no-confidence``.

Progress goes to stderr: stage names, and on a terminal a progress bar (tqdm) of the tiles
done, also when they run on a cluster.
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
    from riskmap.pipeline import Study
    from riskmap.pipeline.parts import InParts


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``assess`` verb."""
    parser = add_assess_verb(
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
    parser.add_argument("--no-hotspots", dest="hotspots", action="store_false", default=None,
                        help="skip the Gi* hot spots (columns hotspot, hotspot_z, hotspot_p)")  # fmt: skip
    parser.add_argument("--no-confidence", dest="confidence", action="store_false", default=None,
                        help="skip the level confidence (columns level_p, p_major, p_high, "
                        "unstable) and the weight sensitivity table")  # fmt: skip
    parser.add_argument("--partitioned", action=argparse.BooleanOptionalAction, default=None,
                        help="score a square grid in parts of 250,000 cells and write them "
                        "as a folder cells/part-*.parquet (default with --cluster or more than "
                        "1,000,000 cells; the parts run on the cluster's workers); "
                        "--no-partitioned: in one piece, one cells.parquet")  # fmt: skip
    parser.add_argument("--cascades", action="store_true", default=None,
                        help="scenario: raise the likelihood around cascade pairs (natech, "
                        "domino) by their rules' factors")  # fmt: skip
    return parser


def summarise(
    result: Assessment | InParts, file_hashes: dict[str, str], timings: dict[str, float]
) -> dict[str, Any]:
    """The content of summary.json.

    Parameters
    ----------
    result
        The assessment (in one piece or in parts).
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
    project = result.project
    return {
        "project": project.name,
        "title": project.title.model_dump(),
        "as_of": result.params.get("as_of"),
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
        "districts": _counts_by(cells, "district"),
        **({"counties": _counts_by(cells, "county")} if "county" in cells.columns else {}),
        "complete": bool(cells["complete"].all()) if len(cells) else True,
        "missing_components": list(result.missing),
        "parameters": {
            **result.params,
            "weights": result.weights.model_dump(),
            "layer_weights": result.layer_weights(),
        },
        "analysis": result.params.get("analysis", {}),
        "input_files": file_hashes,
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }


def _counts_by(cells: Any, column: str) -> dict[str, dict[str, int]]:
    """Cells per level (major ... low) of each value of ``column`` (district, county)."""
    out: dict[str, dict[str, int]] = {}
    for (unit, rank), n in cells.groupby([column, "level_rank"], observed=True).size().items():
        out.setdefault(str(unit), {lv.en.lower(): 0 for lv in reversed(LEVELS)})
        out[str(unit)][LEVELS[int(rank) - 1].en.lower()] = int(n)
    return out


PARTITION_ABOVE = 1_000_000
"""Cells above which ``assess`` writes a ``cells/`` folder unless told otherwise: one file
would need every cell's shape in memory at once (at Hubei's 3 million cells, 2.9 GB more)."""


def write_cells(result: Assessment, out: Path, *, partitioned: bool) -> Path:
    """``out/cells.parquet``, or ``out/cells/part-00000.parquet``, ... (GeoParquet, a
    folder geopandas and dask-geopandas read as one table) when ``partitioned``; in
    EPSG:4326, every cell with its shape and its contributors' text. A partitioned folder
    is converted (and whole squares without a shape and the contributors' text are made)
    part by part, so neither is ever held for every cell at once."""
    import numpy as np

    from riskmap.engine import fill_squares
    from riskmap.pipeline import parts

    if not partitioned:
        cells = fill_squares(result.cells_for_output())
        cells.to_crs(4326).to_parquet(out / "cells.parquet", index=False)
        return out / "cells.parquet"
    folder = out / "cells"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    rows = parts.PART_ROWS
    n = len(result.cells)
    for i, start in enumerate(range(0, max(n, 1), rows)):
        part = result.cells_for_output(np.arange(start, min(start + rows, n)))
        parts.write_part(part, folder / f"part-{i:05d}.parquet")
    return folder


def _write_analysis(study: Study, cells: Any, sensitivity: Any, out: Path, lang: str) -> None:
    """cascades.csv (every cascade pair), and sensitivity.csv and hotspots.csv when those
    were computed."""
    from riskmap.analysis import hotspot_districts
    from riskmap.io import write_csv

    pairs = study.cascades()
    drop = [c for c in pairs.columns if c.endswith("_en")] if lang != "en" else []
    if lang == "en":
        pairs = pairs.drop(columns=["name", "measures"]).rename(
            columns={"name_en": "name", "measures_en": "measures"}
        )
    write_csv(pairs.drop(columns=[*drop, "x", "y"]), out / "cascades.csv")
    if sensitivity is not None:
        write_csv(sensitivity, out / "sensitivity.csv")
    if "hotspot" in cells.columns:
        write_csv(hotspot_districts(cells), out / "hotspots.csv")


def run(args: argparse.Namespace) -> int:
    """Run the ``assess`` verb; returns the exit code."""
    from riskmap.pipeline import parts

    stages = StageProgress(sys.stderr)
    t0 = time.perf_counter()
    stages.line("reading the project")
    # Whole squares get their shapes part by part as the cells are written.
    study = build_study(args, stages, whole_squares=False)
    out: Path = args.out
    partitioned = getattr(args, "partitioned", None)
    if partitioned is None:
        partitioned = study.cluster is not None or len(study.cells) > PARTITION_ABOVE
        if partitioned and study.cluster is None:
            stages.line(
                f"{len(study.cells):,} cells: scored in parts of {parts.PART_ROWS:,} and written as "
                f"{out / 'cells'}/part-*.parquet (--no-partitioned for one piece and one file)"
            )
    out.mkdir(parents=True, exist_ok=True)
    result: Assessment | InParts
    if partitioned and study.grid.kind == "square":
        result = parts.assess_in_parts(
            study,
            out,
            cascades=getattr(args, "cascades", None),
            hotspots=getattr(args, "hotspots", None),
            confidence=getattr(args, "confidence", None),
            rows=parts.PART_ROWS,
            progress=stages,
        )
        t_write = time.perf_counter()
        sensitivity = result.sensitivity
    else:
        result = study.score(cascades=getattr(args, "cascades", None))
        stages.line("hot spots and level confidence")
        result = study.analyse(
            result,
            hotspots=getattr(args, "hotspots", None),
            confidence=getattr(args, "confidence", None),
        )
        stages.line(f"writing {out}")
        t_write = time.perf_counter()
        write_cells(result, out, partitioned=partitioned)
        sensitivity = study.sensitivity(result) if "level_p" in result.cells.columns else None

    from riskmap.products.inventory import inventory_from_cells, write_assess_outputs

    inventory = inventory_from_cells(result.data, result.cells, result.params, cells_table=False)
    write_assess_outputs(inventory, out, args.lang)
    _write_analysis(study, result.cells, sensitivity, out, args.lang)

    t_end = time.perf_counter()
    timings = {**study.timings, **result.timings, "write": t_end - t_write, "total": t_end - t0}
    summary = summarise(result, study.data.file_hashes, timings)
    summary["register"] = (
        {"path": _safe_name(study.register_path), "open_hazards": study.n_hazards}
        if study.register_path is not None
        else None
    )
    if isinstance(result, parts.InParts) and result.left_out:
        summary["left_out"] = result.left_out
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    counts = ", ".join(f"{lv['zh']} {lv['cells']:,}" for lv in summary["levels"])
    stages.line(f"done in {timings['total']:.1f} s: {len(result.cells):,} cells ({counts})")
    return 0


def _safe_name(location: object) -> str:
    """The register named without its folder or password."""
    from riskmap.register.database import safe_name

    return safe_name(str(location))
