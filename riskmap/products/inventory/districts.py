"""District summaries per level, the monthly and quarterly accident rankings, and the
parameters and provenance table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from riskmap import __version__
from riskmap.errors import RiskmapError
from riskmap.io import ProjectData
from riskmap.products.inventory.base import _LEVEL_KEYS
from riskmap.products.inventory.sources import _locate


def district_summary(cells: pd.DataFrame, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cells, area and population per level and sources per level, for every district.

    Districts are ranked (``rank`` 1 first) by major-risk (red) area, then
    significant-risk (orange) area, then population in red cells, then population in
    orange cells, all descending; ties share a rank.

    Parameters
    ----------
    cells
        Assessed cells: district, adcode, area_m2, population, score, level_rank.
    sources
        The source inventory (adcode, level_rank); source counts are 0 without it.

    Returns
    -------
    DataFrame
        rank, district, adcode, cells, area_km2, population, mean_score, then
        cells_/area_km2_/population_/sources_ + major, significant, general, low, and
        sources (total).
    """
    c = pd.DataFrame(
        {
            "district": cells["district"].astype(str).to_numpy(),
            "adcode": cells["adcode"].astype(str).to_numpy(),
            "rank": pd.to_numeric(cells["level_rank"], errors="coerce")
            .fillna(1)
            .astype(int)
            .to_numpy(),
            "area_m2": pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0).to_numpy(),
            "population": pd.to_numeric(cells["population"], errors="coerce").fillna(0).to_numpy()
            if "population" in cells.columns
            else 0.0,
            "score": pd.to_numeric(cells["score"], errors="coerce").to_numpy()
            if "score" in cells.columns
            else np.nan,
        }
    )
    g = c.groupby(["adcode", "district"], sort=True)
    out = pd.DataFrame(
        {
            "cells": g.size(),
            "area_km2": (g["area_m2"].sum() / 1e6).round(3),
            "population": g["population"].sum().round(0),
            "mean_score": g["score"].mean().round(2),
        }
    )
    by = c.pivot_table(
        index=["adcode", "district"],
        columns="rank",
        values=["area_m2", "population"],
        aggfunc="sum",
        fill_value=0,
    )
    counts = c.pivot_table(
        index=["adcode", "district"], columns="rank", values="score", aggfunc="size", fill_value=0
    )
    for r in (4, 3, 2, 1):
        key = _LEVEL_KEYS[r]
        out[f"cells_{key}"] = (
            counts[r].reindex(out.index).fillna(0).astype(int) if r in counts else 0
        )
        out[f"area_km2_{key}"] = (
            (by[("area_m2", r)].reindex(out.index).fillna(0) / 1e6).round(3)
            if ("area_m2", r) in by
            else 0.0
        )
        out[f"population_{key}"] = (
            by[("population", r)].reindex(out.index).fillna(0).round(0)
            if ("population", r) in by
            else 0.0
        )
    out = out.reset_index()
    if sources is not None and len(sources):
        sc = sources.pivot_table(
            index="adcode", columns="level_rank", values="number", aggfunc="size", fill_value=0
        )
        for r in (4, 3, 2, 1):
            col = sc[r] if r in sc.columns else pd.Series(dtype=int)
            out[f"sources_{_LEVEL_KEYS[r]}"] = (
                out["adcode"].map(col).fillna(0).astype(int).to_numpy()
            )
        out["sources"] = out["adcode"].map(sc.sum(axis=1)).fillna(0).astype(int).to_numpy()
    else:
        for r in (4, 3, 2, 1):
            out[f"sources_{_LEVEL_KEYS[r]}"] = 0
        out["sources"] = 0
    keys = ["area_km2_major", "area_km2_significant", "population_major", "population_significant"]
    out = out.sort_values([*keys, "adcode"], ascending=[False] * len(keys) + [True]).reset_index(
        drop=True
    )
    out.insert(0, "rank", _tie_rank(out[keys]))
    return out


def county_summary(cells: pd.DataFrame, sources: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """:func:`district_summary` one level down: per county of a province project.

    Parameters
    ----------
    cells
        Assessed cells with ``county`` and ``county_adcode`` (a project with ``counties``).
    sources
        The source inventory (``county_adcode``, ``level_rank``); source counts are 0
        without it.

    Returns
    -------
    DataFrame or None
        rank (across all counties), district and adcode (the city holding most of the
        county's cells), county, county_adcode, then the columns of
        :func:`district_summary`; None when the cells have no counties.
    """
    if "county_adcode" not in cells.columns:
        return None
    level = {c: cells[c] for c in ("level_rank", "area_m2", "population", "score") if c in cells}
    one_down = pd.DataFrame(
        {"district": cells["county"], "adcode": cells["county_adcode"], **level}
    )
    src = None
    if sources is not None and "county_adcode" in sources.columns:
        src = pd.DataFrame(
            {
                "adcode": sources["county_adcode"].astype(str),
                "level_rank": sources["level_rank"],
                "number": sources["number"],
            }
        )
    out = district_summary(one_down, src).rename(
        columns={"district": "county", "adcode": "county_adcode"}
    )
    pairs = pd.DataFrame(
        {
            "county_adcode": cells["county_adcode"].astype(str).to_numpy(),
            "adcode": cells["adcode"].astype(str).to_numpy(),
            "district": cells["district"].astype(str).to_numpy(),
        }
    )
    city = (
        pairs.groupby(["county_adcode", "adcode", "district"], sort=True)
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["county_adcode", "n", "adcode"], ascending=[True, False, True])
        .drop_duplicates("county_adcode")
        .set_index("county_adcode")
    )
    keys = out["county_adcode"].astype(str)
    out.insert(1, "district", keys.map(city["district"]).fillna("").to_numpy())
    out.insert(2, "adcode", keys.map(city["adcode"]).fillna("").to_numpy())
    first = ["rank", "district", "adcode", "county", "county_adcode"]
    return out[[*first, *(c for c in out.columns if c not in first)]]


def _county_shapes(
    summary: pd.DataFrame | None, counties: gpd.GeoDataFrame | None, crs: Any
) -> gpd.GeoDataFrame | None:
    """The county summary with each county's polygon (see :func:`_with_shapes`)."""
    if summary is None or counties is None:
        return None
    return _with_shapes(summary, counties, crs, key="county_adcode")


def _with_shapes(
    summary: pd.DataFrame, districts: gpd.GeoDataFrame, crs: Any, *, key: str = "adcode"
) -> gpd.GeoDataFrame:
    """The district summary with each district's polygon (the project's districts joined
    by adcode to the summary's ``key`` column, dissolved; None for a row without one), in
    ``crs``."""
    geoms: np.ndarray = np.full(len(summary), None, dtype=object)
    if len(districts) and "adcode" in districts.columns:
        shapes = gpd.GeoDataFrame(
            {"adcode": districts["adcode"].astype(str).to_numpy()},
            geometry=districts.geometry.to_numpy(),
            crs=districts.crs,
        ).dissolve(by="adcode")  # a district drawn in several rows: one shape
        geoms = shapes.geometry.reindex(summary[key].astype(str)).to_numpy()  # None: none
    return gpd.GeoDataFrame(summary, geometry=geoms, crs=crs)


def _tie_rank(keys: pd.DataFrame, groups: pd.Series | None = None) -> np.ndarray:
    """1-based rank of rows already sorted by ``keys`` (within ``groups``); ties share the
    lowest rank."""
    n = len(keys)
    if n == 0:
        return np.array([], dtype=np.int64)
    changed = (keys != keys.shift()).any(axis=1).to_numpy().copy()
    if groups is not None:
        g = groups.to_numpy()
        new_group = np.r_[True, g[1:] != g[:-1]]
        changed = changed | new_group
        pos = pd.Series(np.ones(n)).groupby(g).cumsum().to_numpy()
    else:
        pos = np.arange(1, n + 1, dtype=float)
    changed[0] = True
    return pd.Series(np.where(changed, pos, np.nan)).ffill().astype(np.int64).to_numpy()


_ACCIDENT_COLUMNS = [
    "period",
    "rank",
    "district",
    "adcode",
    "accidents",
    "deaths",
    "injuries",
    "direct_loss",
]


def accident_ranking(
    data: ProjectData, period: Literal["month", "quarter"] = "month"
) -> pd.DataFrame:
    """Accidents, deaths, injuries and direct loss per district per month or quarter.

    Accidents come from every layer of kind ``accident``; each is placed in a district by
    its location (the nearest district when outside all). Every district appears in every
    period from the first to the last accident. Within a period districts are ranked
    (``rank`` 1 = worst) by deaths, then accidents, then injuries, then direct loss, all
    descending; ties share a rank.

    Parameters
    ----------
    data
        The loaded project.
    period
        ``month`` (periods like ``2024-03``) or ``quarter`` (``2024Q1``).

    Returns
    -------
    DataFrame
        period, rank, district, adcode, accidents, deaths, injuries, direct_loss; latest
        period first.
    """
    if period not in ("month", "quarter"):
        raise RiskmapError(f"period must be 'month' or 'quarter', got '{period}'")
    layers = [lyr.gdf for lyr in data.layers.values() if lyr.kind.kind == "accident"]
    layers = [g for g in layers if len(g)]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _ACCIDENT_COLUMNS})
    if not layers or data.districts.empty:
        return empty
    acc = pd.concat(layers, ignore_index=True)
    acc = gpd.GeoDataFrame(acc, geometry="geometry", crs=data.crs)
    when = (
        pd.to_datetime(acc["date"], errors="coerce")
        if "date" in acc.columns
        else pd.Series(pd.NaT, index=acc.index)
    )
    ok = when.notna().to_numpy() & acc.geometry.notna().to_numpy()
    acc, when = acc[ok], when[ok]
    if acc.empty:
        return empty
    freq = "M" if period == "month" else "Q"
    per = when.dt.to_period(freq)
    d_idx = _locate(
        shapely.point_on_surface(acc.geometry.to_numpy()), data.districts.geometry.to_numpy()
    )
    frame = pd.DataFrame(
        {
            "period": per.to_numpy(),
            "adcode": data.districts["adcode"].astype(str).to_numpy()[d_idx],
            "accidents": 1,
            "deaths": _numeric(acc, "deaths"),
            "injuries": _numeric(acc, "injuries"),
            "direct_loss": _numeric(acc, "direct_loss"),
        }
    )
    sums = frame.groupby(["period", "adcode"]).sum()
    periods = pd.period_range(per.min(), per.max(), freq=freq)
    dist = data.districts[["adcode", "name"]].astype(str).drop_duplicates("adcode")
    full = pd.MultiIndex.from_product([periods, dist["adcode"]], names=["period", "adcode"])
    out = sums.reindex(full, fill_value=0).reset_index()
    out["district"] = out["adcode"].map(dist.set_index("adcode")["name"])
    out["accidents"] = out["accidents"].astype(int)
    out["deaths"] = out["deaths"].astype(int)
    out["injuries"] = out["injuries"].astype(int)
    out["direct_loss"] = out["direct_loss"].round(2)
    keys = ["deaths", "accidents", "injuries", "direct_loss"]
    out = out.sort_values(["period", *keys, "adcode"], ascending=[False] + [False] * 4 + [True])
    out = out.reset_index(drop=True)
    out["rank"] = _tie_rank(out[keys], out["period"])
    out["period"] = out["period"].astype(str)
    return out[_ACCIDENT_COLUMNS]


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame))
    return pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(dtype=float)


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        rows: list[tuple[str, str]] = []
        for k, v in value.items():
            rows.extend(_flatten(f"{prefix}.{k}" if prefix else str(k), v))
        return rows
    if hasattr(value, "model_dump"):
        return _flatten(prefix, value.model_dump())
    if isinstance(value, (list, tuple)):
        return [(prefix, ", ".join(str(x) for x in value))]
    if isinstance(value, float):
        return [(prefix, f"{value:g}")]
    text = str(value)
    if prefix.endswith("crs") and text.startswith(("PROJCRS", "GEOGCRS", "PROJCS", "GEOGCS", "{")):
        text = pyproj.CRS.from_user_input(text).to_string()
    return [(prefix, text)]


def _parameters_table(
    data: ProjectData, params: Mapping[str, Any] | None, *, today: date | None
) -> pd.DataFrame:
    p = data.project
    rows: list[tuple[str, str, str, str]] = [
        ("运行", "run", "project", p.name),
        ("运行", "run", "title", p.title.zh),
        ("运行", "run", "adcode", p.adcode),
        ("运行", "run", "riskmap_version", __version__),
        ("运行", "run", "date", (today or date.today()).isoformat()),
        ("运行", "run", "working_crs", data.crs.to_string() if data.crs is not None else ""),
    ]
    merged: dict[str, Any] = {
        "grid": p.grid.model_dump(),
        "levels": p.levels.model_dump(),
        "weights": p.weights.model_dump(),
        "method": p.method.model_dump(),
    }
    if params:
        merged.update(dict(params))
    rows.extend(("参数", "parameter", k, v) for k, v in _flatten("", merged))
    rows.extend(
        ("输入文件 sha256", "input sha256", name, digest)
        for name, digest in sorted(data.file_hashes.items())
    )
    return pd.DataFrame(rows, columns=["section", "section_en", "parameter", "value"])
