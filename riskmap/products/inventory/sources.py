"""Risk sources (风险源): one row a hazard feature, with its risk point, location,
likelihood and severity classes, level, unified number and measures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.config import LayerKind, ValueRule
from riskmap.config.levels import LEVELS
from riskmap.engine.grid import cell_shapes, squares_near
from riskmap.engine.rules import rule_values
from riskmap.io import ProjectData
from riskmap.products.inventory.base import (
    _MEASURE_SEP,
    _SEP,
    ACCIDENT_TYPES_EN,
    CLOSED_STATUSES,
    INTENSITY_BREAKS,
    NEAR_M,
    category_value,
    view_table,
)


def build_source_inventory(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    lang: str = "zh",
    *,
    near_m: float = NEAR_M,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
) -> gpd.GeoDataFrame:
    """One row per hazard source, with its unified number and level.

    Every feature of every layer whose kind has role ``hazard`` is a source, except the
    accident history (kind group ``history``); hidden hazards of the register whose status
    is closed (已销号, 已作废) are left out.

    The source level uses the engine's risk matrix. Likelihood class: the source's own
    intensity (the kind's intensity rule on its attributes, on the common 0–10 scale of
    layer kinds) cut by ``intensity_breaks`` (:data:`INTENSITY_BREAKS`). Severity class: the
    highest consequence C of the cells within ``near_m`` metres of the source (or the
    nearest cell) cut by ``levels.severity_breaks``. R = likelihood × severity gives the
    level: 20–25 重大, 9–16 较大, 4–8 一般, 1–3 低.

    Parameters
    ----------
    data
        The loaded project.
    cells
        Assessed cells with ``cell_id`` and ``consequence`` in the working CRS.
    lang
        ``zh`` or ``en`` for the texts (kind, level, measures, department, ...).
    near_m
        Distance (m) around a source searched for the highest consequence.
    intensity_breaks
        Source intensities separating likelihood classes 1|2|3|4|5.

    Returns
    -------
    GeoDataFrame
        number, source_id, layer, name, kind, category_code, risk_point, district,
        adcode, address, lon, lat, intensity, consequence, likelihood, severity,
        risk_value, level_rank, level, accident_types, measures, department,
        responsible_person, cell_id, geometry (working CRS); highest level first.
    """
    return view_table(
        _build_sources(data, cells, near_m=near_m, intensity_breaks=intensity_breaks), lang
    )


def _source_layers(data: ProjectData) -> list[tuple[str, LayerKind, gpd.GeoDataFrame]]:
    out = []
    for lyr in data.layers.values():
        kind = lyr.kind
        if kind.role != "hazard" or kind.group == "history" or kind.kind == "accident":
            continue
        gdf = lyr.gdf
        if "status" in gdf.columns and kind.kind == "hidden_hazard":
            gdf = gdf[~gdf["status"].astype(str).isin(CLOSED_STATUSES)]
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        if len(gdf):
            out.append((lyr.name, kind, gdf))
    return out


_SOURCE_COLUMNS = [
    "number",
    "source_id",
    "layer",
    "name",
    "kind",
    "kind_en",
    "category_code",
    "risk_point",
    "risk_point_en",
    "district",
    "adcode",
    "address",
    "lon",
    "lat",
    "intensity",
    "consequence",
    "likelihood",
    "severity",
    "risk_value",
    "level_rank",
    "level",
    "level_en",
    "accident_types",
    "accident_types_en",
    "measures",
    "measures_en",
    "department",
    "department_en",
    "responsible_person",
    "cell_id",
]


@dataclass(frozen=True)
class PlacedSources:
    """The risk sources placed on a grid: what does not depend on the scores.

    ``frame``: every source with its texts, intensity, district, WGS84 position and cell;
    ``near``: (source, cell position) pairs within ``near_m`` of the source; ``nearest``: per
    source, the nearest cell's position when no cell is within ``near_m`` (else -1). The
    same for every assessment of one grid (:func:`place_sources`); a weight change only
    reads the new consequences through it (:func:`_build_sources`).
    """

    frame: gpd.GeoDataFrame
    near: tuple[np.ndarray, np.ndarray]
    nearest: np.ndarray
    near_m: float


def place_sources(data: ProjectData, cells: gpd.GeoDataFrame, near_m: float) -> PlacedSources:
    """The hazard sources of ``data`` placed on the grid ``cells`` (:class:`PlacedSources`)."""
    parts = []
    for binding, kind, gdf in _source_layers(data):
        ids = gdf["id"].astype(str).to_numpy()
        n = len(gdf)
        frame = pd.DataFrame(
            {
                "source_id": ids,
                "layer": binding,
                "name": _text_column(gdf, "name", n),
                "kind": kind.name.zh,
                "kind_en": kind.name.en,
                "category_code": kind.category_code,
                "risk_point": _risk_point(gdf, kind, "zh"),
                "risk_point_en": _risk_point(gdf, kind, "en"),
                "address": _text_column(gdf, "address", n),
                "intensity": _rule_values(gdf, kind.intensity),
                "accident_types": _SEP["zh"].join(kind.accident_types),
                "accident_types_en": _SEP["en"].join(
                    ACCIDENT_TYPES_EN.get(t, t) for t in kind.accident_types
                ),
                "measures": _MEASURE_SEP["zh"].join(m.zh for m in kind.measures),
                "measures_en": _MEASURE_SEP["en"].join(m.en for m in kind.measures),
                "department": kind.department.zh if kind.department else "",
                "department_en": kind.department.en if kind.department else "",
                "responsible_person": _text_column(gdf, "responsible_person", n),
            }
        )
        parts.append(gpd.GeoDataFrame(frame, geometry=gdf.geometry.to_numpy(), crs=data.crs))
    none = np.array([], dtype=np.int64)
    if not parts:
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in _SOURCE_COLUMNS}, geometry=[], crs=data.crs
        )
        return PlacedSources(empty, (none, none), none, near_m)
    src = pd.concat(parts, ignore_index=True)
    src = gpd.GeoDataFrame(src, geometry="geometry", crs=data.crs)
    geoms = src.geometry.to_numpy()
    anchor = shapely.point_on_surface(geoms)

    # District by location (nearest district for sources just outside every polygon).
    d_idx = _locate(anchor, data.districts.geometry.to_numpy())
    names = data.districts["name"].astype(str).to_numpy()
    codes = data.districts["adcode"].astype(str).to_numpy()
    src["district"] = np.where(d_idx >= 0, names[np.clip(d_idx, 0, None)], "") if len(codes) else ""
    src["adcode"] = (
        np.where(d_idx >= 0, codes[np.clip(d_idx, 0, None)], "000000") if len(codes) else "000000"
    )
    if data.counties is not None and len(data.counties):  # a province's second level
        k_idx = _locate(anchor, data.counties.geometry.to_numpy())
        k_names = data.counties["name"].astype(str).to_numpy()
        k_codes = data.counties["adcode"].astype(str).to_numpy()
        src["county"] = np.where(k_idx >= 0, k_names[np.clip(k_idx, 0, None)], "")
        src["county_adcode"] = np.where(k_idx >= 0, k_codes[np.clip(k_idx, 0, None)], "000000")

    # Longitude / latitude of the anchor point.
    wgs = gpd.GeoSeries(anchor, crs=data.crs).to_crs(4326)
    src["lon"] = np.round(wgs.x.to_numpy(), 6)
    src["lat"] = np.round(wgs.y.to_numpy(), 6)

    # The cell it sits in, and the cells within near_m.
    c_idx, near, nearest = _cells_of(anchor, geoms, cells, near_m)
    cell_ids = cells["cell_id"].astype(str).to_numpy()
    src["cell_id"] = (
        np.where(c_idx >= 0, cell_ids[np.clip(c_idx, 0, None)], "") if len(cells) else ""
    )
    unit = src["county_adcode"] if "county_adcode" in src.columns else src["adcode"]
    src["number"] = _source_numbers(
        data.project.adcode, unit, src["category_code"], src["source_id"], src["layer"]
    )
    return PlacedSources(src, near, nearest, near_m)


def _build_sources(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    *,
    near_m: float,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
    placed: PlacedSources | None = None,
) -> gpd.GeoDataFrame:
    """Every source with its consequence, classes, level and unified number; ``placed``:
    the sources already placed on this grid (:func:`place_sources`), else placed here."""
    if placed is None or placed.near_m != near_m:
        placed = place_sources(data, cells, near_m)
    src = placed.frame.copy()
    if len(src) == 0:
        return src
    cons = (
        pd.to_numeric(cells["consequence"], errors="coerce").fillna(0).to_numpy(dtype=float)
        if "consequence" in cells.columns
        else np.zeros(len(cells))
    )
    src["consequence"] = np.round(_near_consequence(placed.near, placed.nearest, cons), 3)

    lv = data.project.levels
    likelihood = _classify(src["intensity"].to_numpy(dtype=float), intensity_breaks)
    severity = _classify(src["consequence"].to_numpy(dtype=float), lv.severity_breaks)
    risk = likelihood * severity
    rank = _matrix_rank(risk)
    src["likelihood"] = likelihood
    src["severity"] = severity
    src["risk_value"] = risk
    src["level_rank"] = rank
    src["level"] = np.array([lvl.zh for lvl in LEVELS])[rank - 1]
    src["level_en"] = np.array([lvl.en for lvl in LEVELS])[rank - 1]
    src = src.sort_values(
        ["level_rank", "risk_value", "intensity", "number"], ascending=[False, False, False, True]
    )
    columns = list(_SOURCE_COLUMNS)
    if "county_adcode" in src.columns:  # a province: the county after the city
        at = columns.index("adcode") + 1
        columns[at:at] = ["county", "county_adcode"]
    return gpd.GeoDataFrame(
        src[[*columns, "geometry"]].reset_index(drop=True),
        geometry="geometry",
        crs=data.crs,
    )


def _text_column(gdf: pd.DataFrame, column: str, n: int) -> np.ndarray:
    if column not in gdf.columns:
        return np.full(n, "", dtype=object)
    s = gdf[column]
    return s.where(s.notna(), "").astype(str).str.strip().to_numpy(dtype=object)


def _rule_values(gdf: pd.DataFrame, rule: ValueRule | None) -> np.ndarray:
    """The kind's intensity rule on every feature (:func:`riskmap.engine.rules.rule_values`),
    clipped to 0..10 and rounded for the inventory; 1 without a rule."""
    if rule is None:
        return np.full(len(gdf), 1.0)
    lo = 0.0 if rule.min is None else rule.min
    hi = 10.0 if rule.max is None else min(rule.max, 10.0)
    return np.round(np.clip(rule_values(rule, gdf), lo, hi), 3)


def _risk_point(gdf: pd.DataFrame, kind: LayerKind, lang: str) -> np.ndarray:
    """The kind's name plus its describing attributes, e.g. ``危险化学品企业（重大危险源等级：一级）``;
    in English the category values too (``Flood zone (Flood risk level: high)``), free text
    as the data wrote it."""
    skip = {
        "id",
        "name",
        "district",
        "address",
        "responsible_person",
        "status",
        "overdue",
        "listed",
    }
    n = len(gdf)
    parts: list[pd.Series] = []
    colon = ": " if lang == "en" else "："
    for fname, spec in kind.fields.items():
        if fname in skip or fname not in gdf.columns or spec.type not in {"category", "str"}:
            continue
        s = gdf[fname].where(gdf[fname].notna(), "").astype(str).str.strip().reset_index(drop=True)
        if spec.type == "category" and lang == "en":
            s = s.map(lambda v, f=fname: category_value(kind.kind, f, v, lang))
        parts.append(s.where(s == "", spec.label.get(lang) + colon + s))
    base = kind.name.get(lang)
    if not parts:
        return np.full(n, base, dtype=object)
    detail = (
        pd.concat(parts, axis=1).apply(lambda r: _SEP[lang].join(x for x in r if x), axis=1)
        if n
        else pd.Series([], dtype=object)
    )
    detail = detail.astype(str)
    open_, close = (" (", ")") if lang == "en" else ("（", "）")
    return np.where(detail != "", base + open_ + detail + close, base).astype(object)


_CHUNK = 200_000
"""Cells given shapes at a time when sources are placed (a province's whole squares have
none until then)."""


def _cells_of(
    anchor: np.ndarray, geoms: np.ndarray, cells: gpd.GeoDataFrame, near_m: float
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """(position of the cell each anchor lies in, the lowest on shared edges, else of the
    nearest cell; (geometry, cell position) pairs within ``near_m``; per geometry with no
    cell within ``near_m``, the nearest cell's position, else -1).

    The cells are taken a chunk at a time, and on a square grid only those within reach of
    a source (:func:`~riskmap.engine.grid.squares_near`), so that a province's whole squares
    get shapes a few at a time; with or without shapes the answer is the same.
    """
    n = len(cells)
    where = np.full(len(anchor), -1, dtype=np.int64)
    nearest_g = np.full(len(geoms), -1, dtype=np.int64)
    none = np.array([], dtype=np.int64)
    if n == 0 or len(geoms) == 0:
        return where, (none, none), nearest_g
    square = (cells.attrs.get("grid") or {}).get("kind") == "square"
    reach = squares_near(cells, geoms, near_m) if square else None  # anchors lie in geoms
    pairs_g, pairs_c = [], []
    for pos, shapes in _chunks(cells, reach):
        tree = shapely.STRtree(shapes)  # queried with the sources, each prepared once
        ai, ci = tree.query(anchor, predicate="intersects")
        cand = np.full(len(anchor), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(cand, ai, pos[ci])
        hit = (where < 0) & (cand < np.iinfo(np.int64).max)  # earlier chunks hold lower cells
        where[hit] = cand[hit]
        gi, ci = tree.query(geoms, predicate="dwithin", distance=near_m)
        pairs_g.append(gi.astype(np.int64))
        pairs_c.append(pos[ci].astype(np.int64))
    gi_all = np.concatenate(pairs_g) if pairs_g else none
    ci_all = np.concatenate(pairs_c) if pairs_c else none
    # Beyond every cell's reach (outside the boundary): the nearest cell, over all cells.
    found = np.zeros(len(geoms), dtype=bool)
    found[gi_all] = True
    lost_a, lost_g = np.flatnonzero(where < 0), np.flatnonzero(~found)
    if len(lost_a) or len(lost_g):
        lost = np.concatenate([anchor[lost_a], geoms[lost_g]])
        nearest = np.full(len(lost), -1, dtype=np.int64)
        dist = np.full(len(lost), np.inf)
        for pos, shapes in _chunks(cells, None):
            li, ci = shapely.STRtree(shapes).query_nearest(lost, return_distance=False)
            d = shapely.distance(lost[li], shapes[ci])
            # The lowest cell among the nearest (chunks and their cells ascend).
            order = np.lexsort((pos[ci], d, li))
            li, ci, d = li[order], ci[order], d[order]
            first = np.r_[True, li[1:] != li[:-1]]
            li, ci, d = li[first], ci[first], d[first]
            closer = d < dist[li]
            nearest[li[closer]], dist[li[closer]] = pos[ci[closer]], d[closer]
        where[lost_a] = nearest[: len(lost_a)]
        nearest_g[lost_g] = nearest[len(lost_a) :]
    return where, (gi_all, ci_all), nearest_g


def _near_consequence(
    near: tuple[np.ndarray, np.ndarray], nearest: np.ndarray, cons: np.ndarray
) -> np.ndarray:
    """Per source, the highest consequence ``cons`` of its cells within reach (``near``
    pairs), else its nearest cell's (``nearest``); 0 when neither (no cells)."""
    best = np.full(len(nearest), -1.0)
    gi, ci = near
    np.maximum.at(best, gi, cons[ci])
    lost = nearest >= 0
    best[lost] = cons[nearest[lost]]
    return np.clip(best, 0, None)


def _chunks(
    cells: gpd.GeoDataFrame, positions: np.ndarray | None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(positions, shapes) of ``positions`` of ``cells`` (all when None), a chunk at a time."""
    pos_all = np.arange(len(cells)) if positions is None else positions
    for start in range(0, len(pos_all), _CHUNK):
        pos = pos_all[start : start + _CHUNK]
        yield pos, cell_shapes(cells.iloc[pos])


def _locate(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index of the polygon each point lies in (lowest index on shared edges), else the
    nearest polygon; -1 when there are no polygons."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(polygons) == 0 or len(points) == 0:
        return out
    tree = shapely.STRtree(polygons)
    pi, ti = tree.query(points, predicate="intersects")
    order = np.lexsort((ti, pi))
    pi, ti = pi[order], ti[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
    out[pi[first]] = ti[first]
    miss = np.flatnonzero(out < 0)
    if len(miss):
        mi, mt = tree.query_nearest(points[miss], all_matches=False)
        out[miss[mi]] = mt
    return out


def _classify(values: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class 1..len(breaks)+1: a value equal to a break goes to the upper class."""
    v = np.nan_to_num(values, nan=0.0)
    return (np.searchsorted(np.asarray(breaks, dtype=float), v, side="right") + 1).astype(np.int64)


def _matrix_rank(risk: np.ndarray) -> np.ndarray:
    """Level rank 1..4 of risk-matrix values R from the level table (R >= a level's minimum)."""
    mins = np.array([lvl.matrix_min for lvl in LEVELS[1:]], dtype=float)
    return (np.searchsorted(mins, risk, side="right") + 1).astype(np.int64)


def _short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n].upper()


def _source_numbers(
    city: str, adcode: pd.Series, category: pd.Series, ids: pd.Series, layer: pd.Series
) -> np.ndarray:
    """Unified numbers ``{city}-{district}-{category}-{sequence}`` (see module docstring; in a
    province project ``{province}-{county}-...``)."""
    digits = ids.astype(str).str.replace(r"\D", "", regex=True)
    seq = digits.str.lstrip("0").replace("", "0").str.zfill(4)
    seq = seq.where(digits != "", "")
    prefix = city + "-" + adcode.astype(str) + "-" + category.astype(str) + "-"
    number = prefix + seq
    dup = number.duplicated(keep=False) | (seq == "")
    if dup.any():
        hashed = [
            "H" + _short_hash(f"{c}:{i}")
            for c, i in zip(category[dup], ids[dup].astype(str), strict=True)
        ]
        number = number.copy()
        number[dup] = prefix[dup] + np.array(hashed, dtype=object)
    # The same id in two layers of the same kind: tell them apart by the layer's hash.
    still = number.duplicated(keep=False)
    if still.any():
        extra = [
            _short_hash(f"{lyr}:{i}", 4)
            for lyr, i in zip(layer[still], ids[still].astype(str), strict=True)
        ]
        number = number.copy()
        number[still] = number[still] + "-" + np.array(extra, dtype=object)
    return number.to_numpy(dtype=object)
