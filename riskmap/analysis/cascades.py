"""Cascades: pairs of features where one hazard can set off another (natech: a flood, a
fault or a landslide at a hazardous-chemical site or tailings pond; domino: hazardous
sites within each other's reach; exposure: a hazardous site by a dense sensitive target).

The rules are declared in the layer kinds (``cascades:`` in ``riskmap/config/kinds``),
each with its source. :func:`find_cascades` lists every pair of the project's features
that a rule matches (an inventory table); :func:`cascade_factors` turns the pairs into a
per-cell factor on the hazard, used only when cascades are switched on as a scenario.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.engine.common import FloatArray
from riskmap.io import ProjectData

COLUMNS = (
    "rule",
    "type",
    "name",
    "name_en",
    "source_layer",
    "source_id",
    "source_name",
    "target_layer",
    "target_id",
    "target_name",
    "distance_m",
    "factor",
    "reach_m",
    "district",
    "measures",
    "measures_en",
    "reference",
    "x",
    "y",
)
"""Columns of the cascade table (``x``, ``y``: the source feature, working CRS)."""


def find_cascades(data: ProjectData) -> pd.DataFrame:
    """Every pair of features a cascade rule matches.

    Parameters
    ----------
    data
        The study's data (:attr:`riskmap.Study.data`).

    Returns
    -------
    pandas.DataFrame
        One row a pair (:data:`COLUMNS`), sorted by rule, source and target. A domino
        pair of two sites of the same layer is listed once.
    """
    rows: list[dict[str, object]] = []
    layers = list(data.layers.values())
    for src in layers:
        for rule in src.kind.cascades:
            for tgt in layers:
                if tgt.kind.kind not in rule.with_kinds:
                    continue
                targets = tgt.gdf
                if rule.target_capacity_min is not None:
                    if "capacity" not in targets.columns:
                        continue
                    cap = pd.to_numeric(targets["capacity"], errors="coerce")
                    targets = targets[cap >= rule.target_capacity_min]
                pairs = _pairs(src.gdf, targets, rule.distance_m, same=src.name == tgt.name)
                for i, j, d in pairs:
                    s, t = src.gdf.iloc[i], targets.iloc[j]
                    point = shapely.point_on_surface(s.geometry)
                    rows.append(
                        {
                            "rule": f"{src.kind.kind}.{rule.id}",
                            "type": rule.type,
                            "name": rule.name.zh,
                            "name_en": rule.name.en,
                            "source_layer": src.name,
                            "source_id": str(s["id"]),
                            "source_name": str(s.get("name", "") or ""),
                            "target_layer": tgt.name,
                            "target_id": str(t["id"]),
                            "target_name": str(t.get("name", "") or ""),
                            "distance_m": round(float(d), 1),
                            "factor": rule.factor,
                            "reach_m": rule.reach_m,
                            "district": str(s.get("district", "") or ""),
                            "measures": "；".join(m.zh for m in rule.measures),
                            "measures_en": "; ".join(m.en for m in rule.measures),
                            "reference": rule.source,
                            "x": float(point.x),
                            "y": float(point.y),
                        }
                    )
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(out):
        out = out.sort_values(["rule", "source_id", "target_id"], ignore_index=True)
    return out


def _pairs(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, distance: float, *, same: bool
) -> list[tuple[int, int, float]]:
    """(position in a, position in b, distance) of features at most ``distance`` apart."""
    if not len(a) or not len(b):
        return []
    ga = a.geometry.to_numpy()
    gb = b.geometry.to_numpy()
    tree = shapely.STRtree(gb)
    if distance > 0:
        ia, ib = tree.query(ga, predicate="dwithin", distance=distance)
    else:
        ia, ib = tree.query(ga, predicate="intersects")
    if same:
        keep = ia < ib  # one row a pair, never a site with itself
        ia, ib = ia[keep], ib[keep]
    d = shapely.distance(ga[ia], gb[ib])
    return list(zip(ia.tolist(), ib.tolist(), d.tolist(), strict=True))


def cascade_factors(pairs: pd.DataFrame, cells: gpd.GeoDataFrame) -> FloatArray:
    """Per cell, the largest factor of the cascade pairs whose source lies within the
    rule's reach of the cell centre (1 elsewhere).

    Parameters
    ----------
    pairs
        From :func:`find_cascades`.
    cells
        The grid (``x``, ``y`` in the working CRS).

    Returns
    -------
    numpy.ndarray
        One factor (>= 1) a cell.
    """
    n = len(cells)
    factor = np.ones(n)
    if not len(pairs) or not n:
        return factor
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([cells["x"].to_numpy(float), cells["y"].to_numpy(float)]))
    worst = pairs.groupby(["x", "y", "reach_m"], as_index=False)["factor"].max()
    for x, y, reach, f in worst.itertuples(index=False, name=None):
        idx = tree.query_ball_point([float(x), float(y)], r=float(reach))
        if idx:
            np.maximum.at(factor, np.asarray(idx, dtype=np.int64), float(f))
    return factor
