"""A grid scored in parts: no process holds every cell's fields at once.

A province's grid at 100 m is 18.6 million cells; its fields, scores and texts take about
900 bytes a cell in memory (some 16 GB in one process). Scored in parts (:data:`PART_ROWS`
consecutive cells of the grid), a process holds the grid, the numbers the products reduce
(level, score, consequence, population ...: :data:`KEEP`) and one part's fields at a
time. Each part is written to ``cells/part-NNNNN.parquet`` as soon as it is scored, by the
process that scored it: a dask worker when a cluster is given (the folder must then be
one the workers can write to), otherwise this process.

What crosses parts is computed before or after them:

* before: each shelter's ratio (its area per person of the people within its radius: the
  population layers alone, tile by tile, over every cell); for the quantile and natural
  breaks rules the thresholds, fitted on every cell's score (a first pass that keeps only
  the scores, so the fields are computed twice);
* after: the Gi* hot spots over every cell's score, added to the part files.

Level confidence and the weight sensitivity are computed part by part (their draws do not
depend on the cells) for the matrix and fixed-breaks rules; for the rules fitted on the
data every draw would need every cell's score: they are left out and the result says so.

The files, tables and numbers equal those of the in-memory path (:meth:`Study.score`,
:meth:`Study.analyse`, the partitioned writer): the same cells in the same files, every
column equal (tests/test_parts.py).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.analysis import ANALYSIS_COLUMNS
from riskmap.config import ConfidenceConfig, LevelConfig, Project, WeightsConfig
from riskmap.engine.cluster import run_tasks
from riskmap.engine.common import FloatArray, Progress
from riskmap.engine.fields import (
    Prepared,
    _kinds_of,
    _missing_components,
    compute_fields,
    prepare_layers,
    weights_of_layers,
)
from riskmap.engine.fields import shelter_ratios as compute_ratios
from riskmap.engine.grid import fill_squares
from riskmap.engine.result import with_contributors
from riskmap.engine.scoring import DATA_RULES, level_thresholds, score
from riskmap.io import ProjectData

if TYPE_CHECKING:
    from riskmap.pipeline.study import Study

PART_ROWS = 250_000
"""Cells per part (and per file of a ``cells/`` folder)."""

KEEP = (
    "population",
    "consequence",
    "score",
    "likelihood",
    "severity",
    "level_rank",
    "level",
    "level_en",
    "top_factor",
    "top_factor_kind",
    "complete",
    "missing",
    "measures",
    "measures_en",
)
"""The scored columns kept for every cell (besides the grid's): what the inventory (without
its cells table), the summaries and the hot spots read. The components, contributors and
hazard shares stay in the part files."""


def write_part(cells: gpd.GeoDataFrame, path: Path) -> None:
    """One file of a ``cells/`` folder: GeoParquet in EPSG:4326, whole squares made.

    Text columns held as categoricals are written as dictionaries with 32-bit indices in
    every file: pandas picks 8 or 16 bits by the number of categories, which differ from
    part to part, and a folder whose files disagree cannot be read as one table (pyarrow
    takes the first file's schema)."""
    _write_geoparquet(fill_squares(cells).to_crs(4326), path)


def _write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _geopandas_to_arrow

    table = _geopandas_to_arrow(frame, index=False)
    schema = pa.schema(
        [
            f.with_type(pa.dictionary(pa.int32(), f.type.value_type))
            if pa.types.is_dictionary(f.type)
            else f
            for f in table.schema
        ],
        metadata=table.schema.metadata,
    )
    pq.write_table(table.cast(schema), path)


@dataclass(frozen=True)
class PartJob:
    """What every part shares (sent once to each worker)."""

    data: ProjectData
    prepared: Prepared
    ratios: dict[str, FloatArray]
    weights: WeightsConfig
    levels: LevelConfig
    thresholds: FloatArray | None
    tile_size: float | None
    confidence: ConfidenceConfig | None
    sensitivity_step: float | None
    folder: str | None  # None: the first pass of a rule fitted on the data (scores only)


@dataclass
class PartResult:
    """One part's kept columns, scoring parameters, confidence settings and sensitivity
    counts."""

    columns: dict[str, Any]
    params: dict[str, Any]
    confidence: dict[str, Any] | None = None
    sensitivity: pd.DataFrame | None = None


def score_part(
    number: int, cells: gpd.GeoDataFrame, factor: FloatArray | None, job: PartJob
) -> PartResult:
    """Fields, scores (and confidence) of one part of the grid, written to its file (a
    pure function of the part and ``job``: run here or on a dask worker)."""
    fields = compute_fields(
        job.data,
        cells,
        tile_size=job.tile_size,
        prepared=job.prepared,
        shelter_ratios=job.ratios,
    )
    result = score(
        fields,
        weights=job.weights,
        levels=job.levels,
        hazard_factor=factor,
        thresholds=job.thresholds,
    )
    if job.folder is None:
        return PartResult({"score": result.cells["score"].to_numpy()}, {})
    out = result.cells
    conf: dict[str, Any] | None = None
    sens = None
    if job.confidence is not None:
        from riskmap.analysis import level_confidence

        c = level_confidence(fields, job.weights, job.levels, job.confidence)
        out = out.copy()
        for col, values in c.frame(out.index).items():
            out[col] = values
        conf = c.params()
    if job.sensitivity_step is not None:
        from riskmap.analysis import weight_sensitivity

        sens = weight_sensitivity(fields, job.weights, job.levels, job.sensitivity_step)
    # The contributors' text only for the file (the part's own cells: a few MB at most).
    write_part(
        with_contributors(out, fields.contributors_of()),
        Path(job.folder) / f"part-{number:05d}.parquet",
    )
    keep = [c for c in (*KEEP, *ANALYSIS_COLUMNS) if c in out.columns]
    columns = {
        c: out[c].array if isinstance(out[c].dtype, pd.CategoricalDtype) else out[c].to_numpy()
        for c in keep
    }
    return PartResult(columns, dict(result.params), conf, sens)


@dataclass
class InParts:
    """The result of a grid scored in parts: the kept columns of every cell, the settings,
    and what was left out. Its ``cells`` go to the inventory and the summaries as an
    :class:`~riskmap.engine.Assessment`'s would."""

    cells: gpd.GeoDataFrame
    data: ProjectData
    weights: WeightsConfig
    levels: LevelConfig
    params: dict[str, Any]
    timings: dict[str, float]
    missing: tuple[str, ...]
    folder: Path
    layer_w: dict[str, float]
    sensitivity: pd.DataFrame | None = None
    left_out: list[str] = field(default_factory=list)

    @property
    def project(self) -> Project:
        return self.data.project

    def layer_weights(self) -> dict[str, float]:
        """Each acting layer's weight inside its component."""
        return dict(self.layer_w)


def _ranges(n: int, rows: int) -> list[tuple[int, int]]:
    return [(a, min(a + rows, n)) for a in range(0, max(n, 1), rows)]


def _run_parts(
    client: Any | None,
    cells: gpd.GeoDataFrame,
    factor: FloatArray | None,
    job: PartJob,
    spans: list[tuple[int, int]],
    *,
    on_result: Callable[[int, PartResult], None],
) -> None:
    """Every part (``spans``: its first and last-but-one cell) through :func:`score_part`:
    here one after another, or as tasks on the cluster, a few in flight per worker (the
    parts' cells are sent as they are needed)."""

    def args(i: int) -> tuple[int, gpd.GeoDataFrame, FloatArray | None]:
        a, b = spans[i]
        return i, cells.iloc[a:b], None if factor is None else factor[a:b]

    if client is None:
        for i in range(len(spans)):
            on_result(i, score_part(*args(i), job))
        return
    window = 2 * max(len(client.scheduler_info().get("workers", {})), 1)
    run_tasks(client, score_part, len(spans), args, shared=job, on_result=on_result, window=window)


def assess_in_parts(
    study: Study,
    out: Path,
    *,
    weights: WeightsConfig | None = None,
    levels: LevelConfig | None = None,
    cascades: bool | None = None,
    hotspots: bool | None = None,
    confidence: bool | None = None,
    rows: int = PART_ROWS,
    progress: Progress | None = None,
) -> InParts:
    """Score ``study``'s grid in parts of ``rows`` cells and write ``out/cells/part-*.parquet``.

    Parameters
    ----------
    study
        The study (its data, grid and cluster; the grid's whole squares may lack shapes).
    out
        The output folder; ``cells/`` is made in it (old part files are removed).
    weights, levels
        As for :meth:`Study.score` (the project's by default).
    cascades
        The cascade scenario (:meth:`Study.score`).
    hotspots, confidence
        As for :meth:`Study.analyse` (the project's ``analysis`` settings by default).
        Confidence brings the weight sensitivity with it (:attr:`InParts.sensitivity`).
    rows
        Cells per part.
    progress
        Called as ``progress(stage, done, total)`` after each part; its ``line`` method,
        when it has one, is told in one line what is left out and where the cluster's
        dashboard is.

    Returns
    -------
    InParts
    """
    from riskmap.engine.cluster import open_client

    t0 = time.perf_counter()
    say: Callable[[str], None] | None = getattr(progress, "line", None)
    data = study.data
    project = data.project
    cells = study.cells
    weights = weights or project.weights
    levels = levels or project.levels
    analysis = project.analysis
    do_hot = analysis.hotspots.enabled if hotspots is None else hotspots
    do_conf = analysis.confidence.enabled if confidence is None else confidence
    left_out: list[str] = []
    fitted = levels.rule in DATA_RULES
    if do_conf and fitted:
        do_conf = False
        left_out.append(
            f"level confidence and weight sensitivity: the rule '{levels.rule}' is fitted "
            "on every cell's score, so each draw would need them all (use the matrix or "
            "fixed breaks, or score in one piece with --no-partitioned)"
        )
        if say:
            say("left out: " + left_out[-1])
    use_cascades = project.analysis.cascades_factor if cascades is None else cascades
    factor = None
    if use_cascades:
        from riskmap.analysis import cascade_factors

        factor = cascade_factors(study.cascades(), cells)
    prepared = prepare_layers(data)
    folder = out / "cells"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    spans = _ranges(len(cells), rows)
    n_parts = len(spans)
    gathered: dict[str, list[Any]] = {}
    numbers: dict[str, Any] = {}
    params: dict[str, Any] = {}
    conf_params: list[dict[str, Any]] = []
    sens_parts: list[pd.DataFrame] = []
    timings: dict[str, float] = {}
    t1 = time.perf_counter()
    job = PartJob(
        data=data,
        prepared=prepared,
        # people per cell from the population layers alone: quicker here than sent out
        ratios=compute_ratios(cells, prepared, tile_size=study.grid.tile_size),
        weights=weights,
        levels=levels,
        thresholds=None,
        tile_size=study.grid.tile_size,
        confidence=analysis.confidence if do_conf else None,
        sensitivity_step=analysis.confidence.sensitivity_step if do_conf else None,
        folder=str(folder),
    )
    t2 = time.perf_counter()
    timings["shelter_ratios"] = t2 - t1
    cluster = study.cluster
    with open_client(cluster, say) if cluster is not None else contextlib.nullcontext() as client:
        if fitted:
            scores: list[Any] = [None] * n_parts

            def keep_score(i: int, part: PartResult) -> None:
                scores[i] = part.columns["score"]
                if progress:
                    progress("scores (first pass)", i + 1, n_parts)

            first = replace(job, folder=None, confidence=None, sensitivity_step=None)
            _run_parts(client, cells, factor, first, spans, on_result=keep_score)
            job = replace(job, thresholds=level_thresholds(np.concatenate(scores), levels))
            timings["thresholds"] = time.perf_counter() - t2

        done = [0]

        def keep(i: int, part: PartResult) -> None:
            a, b = spans[i]
            for col, values in part.columns.items():
                if isinstance(values.dtype, pd.CategoricalDtype):  # codes: a byte or two
                    gathered.setdefault(col, [None] * n_parts)[i] = values
                else:  # numbers straight into their column: no second copy to concatenate
                    if col not in numbers:
                        numbers[col] = np.empty(len(cells), dtype=values.dtype)
                    numbers[col][a:b] = values
            if i == 0:  # the same in every part
                params.update(part.params)
            if part.confidence is not None:
                conf_params.append(part.confidence)
            if part.sensitivity is not None:
                sens_parts.append(part.sensitivity)
            done[0] += 1
            if progress:
                progress("parts", done[0], n_parts)

        t3 = time.perf_counter()
        _run_parts(client, cells, factor, job, spans, on_result=keep)
        timings["parts"] = time.perf_counter() - t3

    grid_cols = [c for c in cells.columns if c not in {"x", "y", "geometry"}]
    thin = gpd.GeoDataFrame(
        {
            **{c: cells[c].array for c in grid_cols},
            **numbers,
            **{
                c: pd.api.types.union_categoricals(v, ignore_order=True)
                for c, v in gathered.items()
            },
        },
        geometry=cells.geometry.values,
        crs=cells.crs,
        index=cells.index,
    )
    thin.attrs = dict(cells.attrs)
    order = [c for c in ("cell_id", "district", "adcode", "county", "county_adcode", "area_m2")
             if c in thin.columns]  # fmt: skip
    thin = thin[[*order, *[c for c in thin.columns if c not in order]]]
    if use_cascades:
        params["cascades_factor"] = True
    if study.as_of is not None:
        params["as_of"] = study.as_of.isoformat()
    info: dict[str, Any] = {}
    if do_hot:
        t4 = time.perf_counter()
        info["hotspots"] = _add_hotspots(thin, folder, spans, project)
        timings["hotspots"] = time.perf_counter() - t4
    if do_conf and conf_params:
        first_conf = dict(conf_params[0])
        first_conf["unstable_cells"] = sum(int(p["unstable_cells"]) for p in conf_params)
        info["confidence"] = first_conf
    if info:
        params["analysis"] = info
    sensitivity = _sum_sensitivity(sens_parts) if sens_parts else None
    infos = prepared.infos
    lw = weights_of_layers(project, _kinds_of(data), infos, weights)
    timings = {**study.timings, **timings, "in_parts": time.perf_counter() - t0}
    return InParts(
        cells=thin,
        data=data,
        weights=weights,
        levels=levels,
        params=params,
        timings=timings,
        missing=_missing_components(infos),
        folder=folder,
        layer_w=lw,
        sensitivity=sensitivity,
        left_out=left_out,
    )


def _add_hotspots(
    thin: gpd.GeoDataFrame, folder: Path, spans: list[tuple[int, int]], project: Project
) -> dict[str, Any]:
    """Gi* over every cell's score; its columns added to ``thin`` and to each part file
    (before the confidence columns, where the in-memory path has them)."""
    from riskmap.analysis import hotspot_params, hotspots_of

    h = hotspots_of(thin, project.analysis)
    frame = h.frame(thin.index)
    for i, (a, b) in enumerate(spans):
        path = folder / f"part-{i:05d}.parquet"
        part = gpd.read_parquet(path)
        at = part.columns.get_loc("level_p") if "level_p" in part.columns else len(part.columns)
        for j, col in enumerate(frame.columns):
            part.insert(int(at) + j, col, frame[col].to_numpy()[a:b])
        _write_geoparquet(part, path)
    for col in frame.columns:
        thin[col] = frame[col].to_numpy()
    return hotspot_params(h, project.analysis)


def _sum_sensitivity(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The weight sensitivity of the whole grid from its parts' (cells that change level
    add up; the larger of up and down is taken after adding)."""
    both = pd.concat(parts, ignore_index=True)
    out = both.groupby(["weight", "value"], sort=False, as_index=False)[["up", "down"]].sum()
    out["changed"] = out[["up", "down"]].max(axis=1)
    out = out[["weight", "value", "up", "down", "changed"]]
    return out.sort_values(["changed", "weight"], ascending=[False, True], ignore_index=True)
