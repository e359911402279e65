"""Risk areas (风险区域): connected cells of 较大 and above, joined into areas with their
district, population, top factor and a stable number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from riskmap.config import LayerKind
from riskmap.config.levels import LEVELS
from riskmap.engine.grid import fill_squares
from riskmap.errors import RiskmapError
from riskmap.products.inventory.base import AREA_CODE, view_table


def build_area_inventory(
    cells: gpd.GeoDataFrame,
    lang: str = "zh",
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    city_adcode: str | None = None,
    connectivity: Literal[4, 8] = 8,
    min_rank: int = 3,
) -> gpd.GeoDataFrame:
    """Red and orange cells grouped into connected risk areas, one area per district.

    Two cells belong to the same area when they are grid neighbours (4: edge, 8: edge or
    corner, from the ``r{row}c{col}`` cell ids; cells with other ids, e.g. H3, join when
    their geometries touch), both have a level rank of at least ``min_rank`` and lie in
    the same district.

    Parameters
    ----------
    cells
        Assessed cells in the working CRS.
    lang
        ``zh`` or ``en`` for the level, dominant factor and measures.
    kinds
        Layer kinds, to name the dominant factor (the kind code is shown without them).
    city_adcode
        The city's adcode for the numbers; the first four digits of the district adcode
        followed by ``00`` by default.
    connectivity
        4 or 8 grid neighbours.
    min_rank
        Lowest level rank of the cells grouped (3 = 较大 and 重大).

    Returns
    -------
    GeoDataFrame
        number, district, adcode, level_rank, level, cells, cells_major,
        cells_significant, area_km2, population, max_score, mean_score, dominant_factor,
        dominant_kind, dominant_factor_name, measures, lon, lat, first_cell, geometry;
        highest level first, then largest area.
    """
    return view_table(
        _build_areas(
            cells,
            kinds=kinds,
            city_adcode=city_adcode,
            connectivity=connectivity,
            min_rank=min_rank,
        ),
        lang,
    )


_AREA_COLUMNS = [
    "number",
    "district",
    "adcode",
    "level_rank",
    "level",
    "level_en",
    "cells",
    "cells_major",
    "cells_significant",
    "area_km2",
    "population",
    "max_score",
    "mean_score",
    "dominant_factor",
    "dominant_kind",
    "dominant_factor_name",
    "dominant_factor_name_en",
    "measures",
    "measures_en",
    "lon",
    "lat",
    "first_cell",
]


_RC = re.compile(r"^r(-?\d+)c(-?\d+)$")


def _cell_edges(sel: gpd.GeoDataFrame, connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of neighbouring selected cells (positions in ``sel``)."""
    rc = sel["cell_id"].astype(str).str.extract(r"^r(-?\d+)c(-?\d+)$")
    if rc.notna().all().all():
        row = rc[0].astype(np.int64).to_numpy()
        col = rc[1].astype(np.int64).to_numpy()
        width = int(col.max() - col.min()) + 3
        key = (row - row.min() + 1) * width + (col - col.min() + 1)
        order = np.argsort(key)
        skey = key[order]
        offsets = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if connectivity == 8 else [])
        ii, jj = [], []
        for dr, dc in offsets:
            target = key + dr * width + dc
            pos = np.clip(np.searchsorted(skey, target), 0, len(skey) - 1)
            hit = skey[pos] == target
            ii.append(np.flatnonzero(hit))
            jj.append(order[pos[hit]])
        return np.concatenate(ii), np.concatenate(jj)
    geoms = sel.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    return i[keep], j[keep]


def _build_areas(
    cells: gpd.GeoDataFrame,
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    city_adcode: str | None = None,
    connectivity: Literal[4, 8] = 8,
    min_rank: int = 3,
) -> gpd.GeoDataFrame:
    if connectivity not in (4, 8):
        raise RiskmapError(f"connectivity must be 4 or 8, got {connectivity}")
    sel = cells[pd.to_numeric(cells["level_rank"], errors="coerce").fillna(0) >= min_rank]
    sel = fill_squares(sel.reset_index(drop=True))  # the areas are drawn: every cell's shape
    if sel.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in _AREA_COLUMNS}, geometry=[], crs=cells.crs
        )
    n = len(sel)
    i, j = _cell_edges(sel, connectivity)
    adcode = sel["adcode"].astype(str).to_numpy()
    same = adcode[i] == adcode[j]
    graph = coo_matrix((np.ones(int(same.sum())), (i[same], j[same])), shape=(n, n))
    _, label = connected_components(graph, directed=False)

    work = pd.DataFrame(
        {
            "label": label,
            "cell_id": sel["cell_id"].astype(str).to_numpy(),
            "district": sel["district"].astype(str).to_numpy(),
            "adcode": adcode,
            "rank": sel["level_rank"].astype(int).to_numpy(),
            "area_m2": pd.to_numeric(sel["area_m2"], errors="coerce").fillna(0).to_numpy(),
            "population": pd.to_numeric(sel.get("population", 0), errors="coerce"),
            "score": pd.to_numeric(sel["score"], errors="coerce").fillna(0).to_numpy(),
        }
    )
    for col in ("top_factor", "top_factor_kind", "measures", "measures_en"):
        text = sel[col] if col in sel else pd.Series("", index=sel.index)
        work[col] = text.fillna("").astype(str).to_numpy()
    work["population"] = work["population"].fillna(0)
    # Lowest cell of each area: by (row, col) for grid ids, else by the id text.
    rc = work["cell_id"].str.extract(r"^r(-?\d+)c(-?\d+)$")
    if rc.notna().all().all():
        work["_r"], work["_c"] = rc[0].astype(np.int64), rc[1].astype(np.int64)
        first = work.sort_values(["_r", "_c"]).groupby("label")["cell_id"].first()
    else:
        first = work.groupby("label")["cell_id"].min()

    g = work.groupby("label")
    agg = pd.DataFrame(
        {
            "district": g["district"].first(),
            "adcode": g["adcode"].first(),
            "level_rank": g["rank"].max(),
            "cells": g.size(),
            "cells_major": g["rank"].apply(lambda r: int((r >= 4).sum())),
            "cells_significant": g["rank"].apply(lambda r: int((r == 3).sum())),
            "area_km2": (g["area_m2"].sum() / 1e6).round(3),
            "population": g["population"].sum().round(0),
            "max_score": g["score"].max().round(2),
            "mean_score": g["score"].mean().round(2),
            "first_cell": first,
        }
    )
    # Dominant factor: the top factor with the largest summed score in the area.
    fac = (
        pd.DataFrame(
            work[work["top_factor"] != ""]
            .groupby(["label", "top_factor", "top_factor_kind"], as_index=False)["score"]
            .sum()
        )
        .sort_values(["label", "score", "top_factor"], ascending=[True, False, True])
        .drop_duplicates("label")
        .set_index("label")
    )
    agg["dominant_factor"] = fac["top_factor"].reindex(agg.index).fillna("")
    agg["dominant_kind"] = fac["top_factor_kind"].reindex(agg.index).fillna("")
    kinds = kinds or {}
    agg["dominant_factor_name"] = agg["dominant_kind"].map(
        lambda k: kinds[k].name.zh if k in kinds else k
    )
    agg["dominant_factor_name_en"] = agg["dominant_kind"].map(
        lambda k: kinds[k].name.en if k in kinds else k
    )
    # Measures of the highest-scoring cell of the area.
    best = (
        work.sort_values(["label", "score", "cell_id"], ascending=[True, False, True])
        .drop_duplicates("label")
        .set_index("label")
    )
    agg["measures"] = best["measures"]
    agg["measures_en"] = best["measures_en"]
    agg["level"] = agg["level_rank"].map(lambda r: LEVELS[int(r) - 1].zh)
    agg["level_en"] = agg["level_rank"].map(lambda r: LEVELS[int(r) - 1].en)
    city = city_adcode if city_adcode else agg["adcode"].str[:4] + "00"
    agg["number"] = city + "-" + agg["adcode"] + "-" + AREA_CODE + "-" + agg["first_cell"]

    shapes = gpd.GeoDataFrame({"label": label}, geometry=sel.geometry.to_numpy(), crs=cells.crs)
    try:
        dissolved = shapes.dissolve(by="label", method="coverage")
    except Exception:  # overlapping or invalid cells: the general union
        dissolved = shapes.dissolve(by="label")
    areas = gpd.GeoDataFrame(agg, geometry=dissolved.geometry.reindex(agg.index), crs=cells.crs)
    anchor = gpd.GeoSeries(shapely.point_on_surface(areas.geometry.to_numpy()), crs=cells.crs)
    wgs = anchor.to_crs(4326) if cells.crs is not None else anchor
    areas["lon"] = np.round(wgs.x.to_numpy(), 6)
    areas["lat"] = np.round(wgs.y.to_numpy(), 6)
    areas = areas.sort_values(["level_rank", "area_km2", "number"], ascending=[False, False, True])
    return gpd.GeoDataFrame(
        areas[[*_AREA_COLUMNS, "geometry"]].reset_index(drop=True),
        geometry="geometry",
        crs=cells.crs,
    )
