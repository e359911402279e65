"""The weight-free fields of a project on a grid (the expensive stage): kernel sums,
overlaps, people, shelter access (two-step floating catchment), reach of stations, and
the top contributing features of every cell.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmap.config import (
    LayerKind,
    MethodConfig,
    Project,
    WeightsConfig,
)
from riskmap.engine.cluster import _access_task, _fields_task, run_tiles
from riskmap.engine.common import (
    _SUPPORTED,
    COMPONENTS,
    FloatArray,
    IntArray,
    ObjArray,
    Positions,
    Progress,
)
from riskmap.engine.kernels import _Cells, _Features
from riskmap.engine.tiles import (
    CONTRIBUTION_DECIMALS,
    Top,
    _at,
    _cells_block,
    _grow,
    _prepare,
    _reach_halo,
    _shelter_ratio,
    _supply_task,
    _tile_fields,
    _tiles,
)
from riskmap.errors import ConfigError
from riskmap.io import Layer, ProjectData


@dataclass(frozen=True)
class LayerInfo:
    """What the engine knows about one bound layer.

    Attributes
    ----------
    name : binding name.
    kind : layer kind name.
    role, method : from the kind.
    reference : the kind's saturation reference (None for capacity layers).
    ids, names : feature ``id`` and ``name`` (object arrays, positions as in the layer).
    unit : for capacity layers, the unit of ``Fields.access`` (``m2/person``, ``min``, ``m``).
    full, zero : for reach layers, where the score is 1 and 0.
    """

    name: str
    kind: str
    role: str
    method: str
    reference: float | None
    ids: ObjArray
    names: ObjArray
    unit: str = ""
    full: float = 0.0
    zero: float = 0.0


@dataclass(frozen=True)
class Fields:
    """Weight-free per-cell fields of a project on a grid (the expensive stage).

    Attributes
    ----------
    cells : the grid (cell_id, district, adcode, area_m2, x, y, geometry), working CRS.
    project : the project configuration.
    kinds : layer kinds by name.
    layers : :class:`LayerInfo` of every layer that acts on the risk, in project order.
    raw : binding -> per-cell raw value (hazard/exposure kernel sum, overlap sum, people).
    top : the top k contributing hazard features of every cell across the hazard layers
        (:class:`~riskmap.engine.tiles.Top`: layer position among the hazard layers,
        feature position in its layer, contribution, distance; (n, k) arrays).
    population : people per cell (sum of the exposure ``population`` layers).
    access : capacity binding -> per-cell value (shelter m² per person, reach minutes or
        metres to the nearest feature, inf beyond the halo).
    capacity : capacity binding -> per-cell score in [0, 1].
    missing : components that no usable layer informs.
    timings : seconds per stage.
    file_hashes : input file hashes (from ProjectData).
    data : the project data the fields were computed from (its layers, districts,
        boundary), so that an :class:`Assessment` carries everything its products need.
    memo : what products derive from the grid and data alone, kept for every assessment of
        these fields (the inventory's sources placed on the grid, its cascade pairs).
    """

    cells: gpd.GeoDataFrame
    project: Project
    kinds: dict[str, LayerKind]
    layers: tuple[LayerInfo, ...]
    raw: dict[str, FloatArray]
    top: Top
    population: FloatArray
    access: dict[str, FloatArray]
    capacity: dict[str, FloatArray]
    missing: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)
    data: ProjectData | None = None
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def contributors_of(self, rows: IntArray | None = None) -> Any:
        """The JSON text of the top contributing hazard features of the cells at ``rows``
        (positions; every cell when None), a pandas ``str`` array, e.g.
        ``[{"layer":"hazmat","kind":"hazmat","id":"A1","name":"...","distance_m":120,
        "contribution":3.5}]``. The fields keep the contributors as integer and float arrays
        (``top``); the text is made only here, for what is shown or written."""
        t = self.top
        top = (
            t
            if rows is None
            else Top(t.layer[rows], t.feature[rows], t.value[rows], t.distance[rows])
        )
        heads = self.memo.get("contributors.heads")
        if heads is None:  # made once for these fields: every explained cell reads them
            hz = [i for i in self.layers if i.role == "hazard"]
            heads = self.memo["contributors.heads"] = _contributor_heads(hz) if hz else None
        out = _contributors_json(list(self.layers), top, heads)
        if rows is None or len(rows) > _JSON_CELLS:
            pa.default_memory_pool().release_unused()  # the string kernels' temporaries
        return out

    def by_role(self, role: str) -> list[LayerInfo]:
        return [lyr for lyr in self.layers if lyr.role == role]

    @cached_property
    def _scaled(self) -> dict[str, Any]:
        """The weight-free terms of :func:`score`, computed once and reused on rescoring.

        ``x/<layer>``: raw / reference (hazard, exposure: population density per km²),
        ``share/<layer>``, ``density/<layer>`` of vulnerable people, ``vulnerable``, and
        ``shortfall/<kind>``: capacity kinds whose best score is below the method's
        ``shortfall_below``.
        """
        n = len(self.cells)
        area_km2 = np.maximum(self.cells["area_m2"].to_numpy(float) / 1e6, 1e-12)
        out: dict[str, Any] = {}
        for i in self.by_role("hazard"):
            out[f"x/{i.name}"] = self.raw[i.name] / (i.reference or 1.0)
        for i in self.by_role("exposure"):
            x = self.raw[i.name] / area_km2 if i.method == "population" else self.raw[i.name]
            out[f"x/{i.name}"] = x / (i.reference or 1.0)
        vulnerable = np.zeros(n)
        pop = self.population
        for i in self.by_role("vulnerability"):
            cnt = self.raw[i.name]
            vulnerable = vulnerable + cnt
            both = np.maximum(pop, cnt)
            share = np.divide(cnt, both, out=np.zeros(n), where=both > 0)
            out[f"share/{i.name}"] = share / (i.reference or 1.0)
            out[f"density/{i.name}"] = cnt / area_km2
        out["vulnerable"] = vulnerable
        cap = self.by_role("capacity")
        below = self.project.method.shortfall_below
        for kname in sorted({i.kind for i in cap}):
            best = np.max([self.capacity[i.name] for i in cap if i.kind == kname], axis=0)
            out[f"shortfall/{kname}"] = best < below
        return out


def _store(
    part: dict[str, Any],
    pos: Positions,
    raw: dict[str, FloatArray],
    top: Top,
    reach: dict[str, FloatArray],
) -> None:
    """Write one tile's results into the city-wide arrays (at the tile's cell positions).

    Only what differs from the raw arrays' start (0) is written (a tile gives its raw values
    as :class:`~riskmap.engine.tiles.Sparse`): most cells have no value in most layers (a
    city at 100 m: some 460,000 kernel pairs for 13 layers of 860,000 cells), and untouched
    zeros cost no memory traffic at all. The tile's cells of ``top``
    (:meth:`Top.unset`) are cleared, then its cells with contributors written. Tiles are
    disjoint: stores of several tiles may run at once.
    """
    for name, v in part["raw"].items():
        raw[name][_at(pos, v.at)] = v.value
    top.clear(pos)
    if part["top"] is not None:
        at = _at(pos, part["top"].rows)
        for whole, tile in zip(top, part["top"].top, strict=True):
            whole[at] = tile  # type: ignore[index]
    for name, v in part["reach"].items():
        reach[name][pos] = v


def _layer_info(layer: Layer, method: MethodConfig) -> LayerInfo:
    """What the fields keep of a layer acting on risk (ids, names, reach unit and scale)."""
    kind = layer.kind
    if (kind.role, kind.method) not in _SUPPORTED:
        raise ConfigError(
            f"layer '{layer.name}' (kind '{kind.kind}'): role '{kind.role}' with method "
            f"'{kind.method}' is not supported"
        )
    gdf = layer.gdf
    ids = (
        gdf["id"].astype(str).to_numpy(dtype=object)
        if "id" in gdf
        else np.arange(len(gdf)).astype(str).astype(object)
    )
    names = (
        gdf["name"].fillna("").astype(str).to_numpy(dtype=object)
        if "name" in gdf
        else np.full(len(gdf), "", dtype=object)
    )
    unit, full, zero = "m2/person" if kind.method == "shelter" else "", 0.0, 0.0
    if kind.method == "reach":
        unit, full, zero, _ = _reach_halo(kind, method)
    return LayerInfo(
        layer.name, kind.kind, kind.role, kind.method, kind.reference, ids, names, unit, full, zero
    )


def _shelter_access(
    block: _Cells,
    tiles: list[Positions],
    population: FloatArray,
    f: _Features,
    progress: Progress | None = None,
    *,
    client: Any | None = None,
    ratio: FloatArray | None = None,
) -> FloatArray:
    """Shelter area reachable per person of each cell, tile by tile (see :func:`_tile_access`).

    On the square lattice the shelters' ratios (step one) are computed once by stamps
    (or given: ``ratio``) and the tiles add them up (step two); on other grids each tile
    does both steps.
    """
    a = np.zeros(len(block.index))
    done = [0]

    def store(i: int, values: FloatArray) -> None:
        a[tiles[i]] = values
        done[0] += 1
        if progress:
            progress(f"shelters ({f.name})", done[0], len(tiles))

    if block.size is not None:
        given = ratio if ratio is not None else _shelter_ratio(block, population, f)
        ratios = replace(f, value=given)
        run_tiles(
            client,
            _supply_task,
            tiles,
            lambda pos: (block.take(pos),),
            shared=ratios,
            on_result=store,
        )
        return a

    def args_of(pos: Positions) -> tuple[Any, ...]:
        tile = block.take(pos)
        near = _grow(tile.bounds, 2.0 * f.halo)
        dm = (
            (block.xy[:, 0] >= near[0])
            & (block.xy[:, 0] <= near[2])
            & (block.xy[:, 1] >= near[1])
            & (block.xy[:, 1] <= near[3])
        )
        return tile, block.xy[dm], population[dm]

    if ratio is not None:
        raise ValueError("shelter ratios are given for the square lattice only")
    run_tiles(client, _access_task, tiles, args_of, shared=f, on_result=store)
    return a


def _reach_capacity(
    info: LayerInfo, d: FloatArray, data: ProjectData, method: MethodConfig
) -> tuple[FloatArray, FloatArray]:
    """Access value (minutes or metres) and capacity score of a reach layer from distances ``d``."""
    if info.unit == "min":
        p = data.layers[info.name].kind.params
        speed = p.get("speed_kmh", method.fire_speed_kmh) * 1000.0 / 60.0
        turnout = p.get("turnout_min", method.fire_turnout_min)
        detour = p.get("detour_factor", method.detour_factor)
        value = turnout + detour * d / speed
    else:
        value = d
    span = info.zero - info.full
    score = (
        np.clip((info.zero - value) / span, 0.0, 1.0)
        if span > 0
        else (value <= info.full).astype(float)
    )
    return value, score


def _missing_components(infos: list[LayerInfo]) -> tuple[str, ...]:
    """Risk components no layer of ``infos`` feeds."""
    roles = {info.role for info in infos}
    return tuple(
        c
        for c, role in zip(
            COMPONENTS, ("hazard", "exposure", "vulnerability", "capacity"), strict=True
        )
        if role not in roles
    )


def _kinds_of(data: ProjectData) -> dict[str, LayerKind]:
    """Every kind the fields know: the project's and those of layers joined later."""
    return {**data.kinds, **{lyr.kind.kind: lyr.kind for lyr in data.layers.values()}}


def _data_parts(
    data: ProjectData,
    infos: list[LayerInfo],
    access: dict[str, FloatArray],
    capacity: dict[str, FloatArray],
) -> dict[str, Any]:
    """What a Fields takes from the project data and the capacity stage."""
    return {
        "project": data.project,
        "kinds": _kinds_of(data),
        "layers": tuple(infos),
        "access": access,
        "capacity": capacity,
        "missing": _missing_components(infos),
        "file_hashes": dict(data.file_hashes),
        "data": data,
    }


class Prepared(NamedTuple):
    """The acting layers made ready for the tiles: their infos and features, in order."""

    infos: list[LayerInfo]
    feats: list[_Features]


def prepare_layers(data: ProjectData) -> Prepared:
    """Every layer that acts on the risk as :class:`LayerInfo` and tile features (context
    layers and layers without a method are left out)."""
    method = data.project.method
    infos: list[LayerInfo] = []
    feats: list[_Features] = []
    for layer in data.layers.values():
        kind = layer.kind
        if kind.role == "context" or kind.method == "none":
            continue
        infos.append(_layer_info(layer, method))
        feats.append(_prepare(layer, method))
    return Prepared(infos, feats)


def shelter_ratios(
    cells: gpd.GeoDataFrame,
    prepared: Prepared,
    *,
    tile_size: float | None = None,
) -> dict[str, FloatArray]:
    """Each shelter layer's step one of the catchment over every cell of a square grid:
    shelter area per person of the people within its radius (binding -> one value a
    shelter). The people come from the population layers alone, tile by tile on two
    threads (quicker here than sent to a cluster); what :func:`compute_fields` computes
    itself from the whole grid, given to it when it computes one part
    (``shelter_ratios``).
    """
    shelters = [f for f in prepared.feats if f.method == "shelter"]
    people = [f for f in prepared.feats if f.role == "exposure" and f.method == "population"]
    if not shelters:
        return {}
    block = _cells_block(cells)
    if block.size is None:
        raise ValueError("shelter ratios of a grid in parts need a square lattice")
    n = len(block.index)
    tiles = _tiles(block, tile_size)
    raw = {f.name: np.zeros(n) for f in people}

    def store(i: int, part: dict[str, Any]) -> None:
        for name, v in part["raw"].items():
            raw[name][_at(tiles[i], v.at)] = v.value

    run_tiles(
        None,
        _fields_task,
        tiles,
        lambda pos: (block.take(pos),),
        shared=(people, 1),
        on_result=store,
    )
    population = np.zeros(n)
    for f in people:  # in layer order, as compute_fields adds them
        population = population + raw[f.name]
    return {f.name: _shelter_ratio(block, population, f) for f in shelters}


def compute_fields(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    *,
    tile_size: float | None = None,
    progress: Progress | None = None,
    client: Any | None = None,
    prepared: Prepared | None = None,
    shelter_ratios: Mapping[str, FloatArray] | None = None,
) -> Fields:
    """Per-layer influence fields on grid cells (the expensive, weight-free stage).

    Parameters
    ----------
    data
        The project with its layers read, in the working CRS.
    cells
        Grid from :func:`riskmap.engine.grid.build_grid` (same CRS).
    tile_size
        Side in metres of the square tiles the cells are processed in on a cluster; here,
        on a square lattice in row order, the height of the bands of whole rows they are
        processed in (bands further cut to some 65,000 cells); None for one tile. Each
        tile reads only the features within its halo; results are the same.
    progress
        Called as ``progress(stage, done, total)`` after each tile.
    client
        A ``distributed.Client``: tiles run as tasks on its workers
        (:mod:`riskmap.engine.cluster`); None: two threads here. Results are the same.
    prepared
        The layers made ready once (:func:`prepare_layers`), when ``cells`` is one part of
        a grid computed in parts; made here by default.
    shelter_ratios
        Shelter binding -> each shelter's area per person of the people within its radius
        (:func:`shelter_ratios`, from every cell of the grid): needed when ``cells`` is one
        part of a grid (the people of the rest share its shelters); square lattice only.

    Returns
    -------
    Fields
    """
    t0 = time.perf_counter()
    method = data.project.method
    k = method.top_contributors
    infos, feats = prepared if prepared is not None else prepare_layers(data)
    t_prep = time.perf_counter()

    n = len(cells)
    # every tile sets its cells of top: allocated first, it takes memory the process has
    # already touched (the grid's freed temporaries), where writing it costs no page faults
    # (a hazard feature's value bounds its contributions: their dtype, see Top)
    bound = max(
        (float(np.abs(f.value).max()) for f in feats if f.role == "hazard" and len(f.value)),
        default=0.0,
    )
    top = Top.unset(n, k, Top.dtypes(bound))
    block = _cells_block(cells)
    tiles = _tiles(block, tile_size, bands=client is None)
    raw = {f.name: np.zeros(n) for f in feats if f.method in {"kernel", "overlap", "population"}}
    reach_d = {f.name: np.full(n, np.inf) for f in feats if f.method == "reach"}
    field_feats = [f for f in feats if f.method != "shelter"]

    done = [0]

    def count(i: int, part: dict[str, Any]) -> None:
        done[0] += 1
        if progress:
            progress("fields", done[0], len(tiles))

    # Tiles are independent (shapely and scipy release the GIL, so two threads help; a
    # cluster runs them as tasks): results are stored by cell position as they arrive.
    run_tiles(
        client,
        _fields_task,
        tiles,
        lambda pos: (block.take(pos),),
        shared=(field_feats, k),
        store=lambda i, part: _store(part, tiles[i], raw, top, reach_d),
        on_result=count,
    )
    t_fields = time.perf_counter()

    population = np.zeros(n)
    for f in feats:
        if f.role == "exposure" and f.method == "population":
            population = population + raw[f.name]

    access: dict[str, FloatArray] = {}
    capacity: dict[str, FloatArray] = {}
    shelters = [f for f in feats if f.method == "shelter"]
    for f in shelters:
        ratio = shelter_ratios.get(f.name) if shelter_ratios is not None else None
        access[f.name] = a = _shelter_access(
            block, tiles, population, f, progress, client=client, ratio=ratio
        )
        capacity[f.name] = np.minimum(a / method.shelter_area_per_person_m2, 1.0)
    for info in infos:
        if info.method == "reach":
            access[info.name], capacity[info.name] = _reach_capacity(
                info, reach_d[info.name], data, method
            )
    t_access = time.perf_counter()

    return Fields(
        cells=cells,
        raw=raw,
        top=top,
        population=population,
        **_data_parts(data, infos, access, capacity),
        timings={
            "prepare_layers": t_prep - t0,
            "fields": t_fields - t_prep,
            "capacity": t_access - t_fields,
        },
    )


def recompute_capacity(
    fields: Fields, data: ProjectData, *, tile_size: float | None = None
) -> Fields:
    """The fields with only the capacity part computed again, from ``data``.

    For a change to capacity layers alone (a proposed shelter or fire station, see
    :func:`riskmap.products.whatif.apply_proposals`): shelter accessibility and the reach of
    every capacity layer of ``data`` are computed on the same cells; the hazard,
    exposure and vulnerability fields, the population and the contributors of
    ``fields`` are kept. The result equals ``compute_fields(data, fields.cells)`` when
    the other layers of ``data`` are those ``fields`` were computed from, at a fraction
    of the time (no kernel sums, overlaps or contributors).

    Parameters
    ----------
    fields
        Fields of the project before the change.
    data
        The changed project; its hazard, exposure and vulnerability layers must be the
        ones of ``fields`` (same names, same data).
    tile_size
        As for :func:`compute_fields` (results do not depend on it).

    Returns
    -------
    Fields

    Raises
    ------
    ValueError
        The layers other than capacity differ from those of ``fields`` (by name or kind):
        use :func:`compute_fields`.
    ConfigError
        A capacity layer's method is not supported.
    """
    t0 = time.perf_counter()
    method = data.project.method
    kept = {info.name: info for info in fields.layers if info.role != "capacity"}
    acting = [
        lyr
        for lyr in data.layers.values()
        if lyr.kind.role != "context" and lyr.kind.method != "none"
    ]
    others = [(lyr.name, lyr.kind.kind) for lyr in acting if lyr.kind.role != "capacity"]
    if others != [(i.name, i.kind) for i in kept.values()]:
        raise ValueError(
            "only capacity layers may differ from the fields' layers; use compute_fields"
        )
    infos: list[LayerInfo] = []
    feats: list[_Features] = []
    for layer in acting:
        kind = layer.kind
        if kind.role != "capacity":
            infos.append(kept[layer.name])
            continue
        infos.append(_layer_info(layer, method))
        feats.append(_prepare(layer, method))

    block = _cells_block(fields.cells)
    n = len(block.index)
    tiles = _tiles(block, tile_size)
    population = fields.population
    reach_feats = [f for f in feats if f.method == "reach"]
    reach_d = {f.name: np.full(n, np.inf) for f in reach_feats}
    for pos in tiles if reach_feats else []:
        tile = block.take(pos)
        part = _tile_fields(
            tile, [f.select(tile.bounds) for f in reach_feats], method.top_contributors
        )
        for name, v in part["reach"].items():
            reach_d[name][pos] = v

    access: dict[str, FloatArray] = {}
    capacity: dict[str, FloatArray] = {}
    for f in (f for f in feats if f.method == "shelter"):
        access[f.name] = a = _shelter_access(block, tiles, population, f)
        capacity[f.name] = np.minimum(a / method.shelter_area_per_person_m2, 1.0)
    for info in infos:
        if info.role == "capacity" and info.method == "reach":
            access[info.name], capacity[info.name] = _reach_capacity(
                info, reach_d[info.name], data, method
            )
    timings = {k: v for k, v in fields.timings.items() if k != "capacity"}
    return replace(
        fields,
        timings={**timings, "capacity": time.perf_counter() - t0},
        **_data_parts(data, infos, access, capacity),
    )


def _contributor_heads(hz: list[LayerInfo]) -> tuple[Any, IntArray]:
    """One JSON head per feature of the hazard layers ``hz`` (an Arrow string array), e.g.
    ``{"layer":"hazmat","kind":"...","id":"A1","name":"..."``, and the position of each
    layer's first head."""
    heads = []
    offsets = [0]
    for info in hz:
        h = (
            '{"layer":'
            + json.dumps(info.name)
            + ',"kind":'
            + json.dumps(info.kind)
            + ',"id":'
            + pd.Series(info.ids, dtype=object).map(json.dumps)
            + ',"name":'
            + pd.Series(info.names, dtype=object).map(lambda s: json.dumps(s, ensure_ascii=False))
        )
        heads.append(h.to_numpy(dtype=object))
        offsets.append(offsets[-1] + len(info.ids))
    return pa.array(np.concatenate(heads), type=pa.string()), np.asarray(offsets[:-1], np.int64)


def _contributors_json(
    infos: list[LayerInfo], top: Top, heads: tuple[Any, IntArray] | None = None
) -> Any:
    """Per-cell JSON list of the top contributing hazard features (a pandas ``str`` array).

    Built column-wise with Arrow string kernels, for the cells that have contributions
    only: one JSON head per feature, then per rank a take of the heads and a join with
    the formatted distance and contribution; the other cells share one ``[]``.
    ``heads``: :func:`_contributor_heads` of the hazard layers, when made before.
    """
    n = len(top.layer)
    hz = [i for i in infos if i.role == "hazard"]
    rows = np.flatnonzero(top.layer[:, 0] >= 0) if hz else np.empty(0, np.int64)
    if len(rows) == 0:  # no feature reaches any cell: every list is empty
        return pd.array(np.full(n, "[]", dtype=object), dtype="str")
    head_all, off = heads if heads is not None else _contributor_heads(hz)

    def lists(start: int) -> Any:
        """The lists of the cells start .. start + _JSON_CELLS (text in cell order)."""
        stop = min(start + _JSON_CELLS, n)
        r = rows[np.searchsorted(rows, start) : np.searchsorted(rows, stop)]
        which = np.zeros(stop - start, dtype=np.int64)  # 0: the shared "[]"
        which[r - start] = np.arange(1, len(r) + 1)
        if len(r) == 0:
            return pc.take(pa.array(["[]"], type=pa.string()), pa.array(which))
        made = _json_lists(
            head_all,
            off[top.layer[r].astype(np.int64).clip(0)] + top.feature[r],
            top.layer[r] >= 0,
            top.value[r],
            top.distance[r],
        )
        texts = pa.concat_arrays([pa.array(["[]"], type=pa.string()), made])
        return pc.take(texts, pa.array(which))

    # Chunks of cells bound the Arrow temporaries and come out in cell order (no take of
    # the whole column); Arrow's kernels release the GIL: two threads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lists, range(0, n, _JSON_CELLS)))
    return pd.array(pa.chunked_array(done, type=pa.string()), dtype="str")


_JSON_CELLS = 65_536
"""Cells whose contributor lists :func:`_contributors_json` builds at once."""


def _json_lists(
    heads: Any,
    g: IntArray,
    ok: npt.NDArray[np.bool_],
    val: npt.NDArray[np.floating[Any]],
    dist: npt.NDArray[np.floating[Any]],
) -> Any:
    """JSON lists of contributors: ``heads`` (a string per feature) taken at ``g`` (rows,
    k), where ``ok``, with the rounded distance and contribution."""
    empty = pa.scalar("", pa.string())
    parts: list[Any] = [pa.scalar("[", pa.string())]
    for s in range(g.shape[1]):
        if not ok[:, s].any():  # ranks are filled in order: rank s present means 0..s-1 are
            continue
        d = pc.cast(pa.array(np.round(np.nan_to_num(dist[:, s]), 0).astype(np.int64)), pa.string())
        # (float32 values were rounded so in float64 before the cast: the same text)
        c = val[:, s].astype(np.float64)
        c = pc.cast(pa.array(np.round(c, CONTRIBUTION_DECIMALS)), pa.string())
        c = pc.if_else(
            pc.match_substring(c, "."), c, pc.binary_join_element_wise(c, ".0", "")
        )  # 3 -> 3.0
        item = pc.binary_join_element_wise(
            pa.scalar("," if s else "", pa.string()),
            pc.take(heads, pa.array(np.where(ok[:, s], g[:, s], 0))),
            pa.scalar(',"distance_m":', pa.string()),
            d,
            pa.scalar(',"contribution":', pa.string()),
            c,
            pa.scalar("}", pa.string()),
            empty,
        )
        parts.append(pc.if_else(pa.array(ok[:, s]), item, empty))
    parts.append(pa.scalar("]", pa.string()))
    return pc.binary_join_element_wise(*parts, empty)


def layer_weights(fields: Fields, weights: WeightsConfig) -> dict[str, float]:
    """Each acting layer's weight inside its component (:meth:`WeightsConfig.layer_weight`)."""
    return weights_of_layers(fields.project, fields.kinds, fields.layers, weights)


def weights_of_layers(
    project: Project,
    kinds: Mapping[str, LayerKind],
    layers: Sequence[LayerInfo],
    weights: WeightsConfig,
) -> dict[str, float]:
    """:func:`layer_weights` from the project, the kinds and the acting layers' infos."""
    out = {}
    for info in layers:
        try:
            binding = project.binding(info.name)
        except KeyError:
            binding = None
        out[info.name] = weights.layer_weight(info.name, binding, kinds.get(info.kind))
    return out
