"""Indicators of risk work: hazardous chemicals (video at major-hazard sites, sensitive
targets nearby), the risk assessment and map, hidden hazards.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from riskmap.config import MAJOR_GRADES, IndicatorOptions
from riskmap.io import ProjectData
from riskmap.products.indicators.base import (
    CITY,
    _join_texts,
    _not_computable,
    _share,
    _text,
    _with_texts,
)
from riskmap.products.indicators.context import _assign_district, _Context, _features


def _hazmat_indicators(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    sites = _features(data, "hazmat_enterprise")
    if sites is None:
        return [
            (i, _not_computable(ctx, "no_layer", kind="hazmat_enterprise"), None)
            for i in ("hazmat.video", "hazmat.sensitive_targets")
        ]
    grade = (
        sites["grade"].astype("string").fillna("").to_numpy(dtype=object)
        if "grade" in sites
        else np.full(len(sites), "", dtype=object)
    )
    major = np.isin(grade, MAJOR_GRADES)
    majors = sites[major].reset_index(drop=True)
    m_grade = grade[major]
    m_adcode = _assign_district(majors.geometry.to_numpy(), ctx.districts)
    out: list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]] = []

    videos = _features(data, "video_point")
    if videos is None:
        out.append(("hazmat.video", _not_computable(ctx, "no_layer", kind="video_point"), None))
    else:
        watched_ids = set(videos["enterprise_id"].astype("string").str.strip().dropna())
        watched = majors["id"].astype(str).str.strip().isin(watched_ids).to_numpy()
        n_w = ctx.counts(m_adcode, watched.astype(float))
        n_m = ctx.counts(m_adcode)
        per = _share(n_w, n_m, "hazmat.video")
        out.append(
            ("hazmat.video", per, _feature_evidence(majors, ~watched, m_adcode, grade=m_grade))
        )

    targets = _features(data, "sensitive_target")
    if targets is None:
        out.append(
            (
                "hazmat.sensitive_targets",
                _not_computable(ctx, "no_layer", kind="sensitive_target"),
                None,
            )
        )
        return out
    dist_by_grade = dict(opts.sensitive_distance_m)
    site_dist = np.array([dist_by_grade.get(g, 0.0) for g in m_grade], dtype=float)
    t_geoms = targets.geometry.to_numpy()
    if len(majors) and len(targets):
        site_i, tgt_i = STRtree(t_geoms).query(
            majors.geometry.to_numpy(), predicate="dwithin", distance=site_dist
        )
    else:
        site_i = tgt_i = np.zeros(0, dtype=np.int64)
    pair_d = (
        shapely.distance(majors.geometry.to_numpy()[site_i], t_geoms[tgt_i])
        if len(site_i)
        else np.zeros(0)
    )
    t_adcode = _assign_district(t_geoms, ctx.districts)
    # A target near several sites is counted once, against its nearest major-hazard site.
    order = np.lexsort((pair_d, tgt_i))
    first = order[np.unique(tgt_i[order], return_index=True)[1]] if len(order) else order
    hit_t = tgt_i[first]
    n_hit = ctx.counts(t_adcode[hit_t])
    by_grade = pd.Series(m_grade[site_i[first]], dtype=object)
    ev = (
        targets.iloc[hit_t][["id", "name", "type", "geometry"]].copy()
        if len(hit_t)
        else targets.iloc[[]][["id", "name", "geometry"]].copy()
    )
    ev["adcode"] = t_adcode[hit_t]
    ev["site_id"] = majors["id"].astype(str).to_numpy()[site_i[first]]
    ev["site_grade"] = m_grade[site_i[first]]
    ev["distance_m"] = pair_d[first]
    ev = gpd.GeoDataFrame(ev.reset_index(drop=True), geometry="geometry", crs=data.crs)
    texts = []
    distances = _join_texts(
        [_text("hazmat.grade_distance", grade=g, m=dist_by_grade.get(g, 0)) for g in MAJOR_GRADES]
    )
    for scope in [CITY, *(a for a, _ in ctx.scopes)]:
        sel = np.ones(len(hit_t), bool) if scope == CITY else (t_adcode[hit_t] == scope)
        counts = by_grade[sel].value_counts()
        parts = _join_texts(
            [_text("hazmat.grade_count", grade=g, n=int(counts.get(g, 0))) for g in MAJOR_GRADES]
        )
        texts.append(_text("hazmat.sensitive_targets", counts=parts, distances=distances))
    per = _with_texts(n_hit, texts)
    out.append(("hazmat.sensitive_targets", per, ev))
    return out


def _feature_evidence(
    gdf: gpd.GeoDataFrame, mask: np.ndarray, adcodes: np.ndarray, **columns: np.ndarray
) -> gpd.GeoDataFrame:
    keep = [
        c
        for c in ("id", "name", "type", "class", "grade", "area_m2", "geometry")
        if c in gdf.columns
    ]
    ev = gdf.loc[mask, keep].copy()
    ev["adcode"] = adcodes[mask]
    for name, values in columns.items():
        if name not in ev.columns:
            ev[name] = np.asarray(values)[mask]
    return gpd.GeoDataFrame(ev.reset_index(drop=True), geometry="geometry", crs=gdf.crs)


def _risk_indicators(
    ctx: _Context, day: str
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    cells = ctx.cells
    ids = (
        "risk.area_major",
        "risk.area_significant",
        "risk.population_major",
        "risk.population_significant",
    )
    if "level_rank" not in cells.columns:
        per = _not_computable(ctx, "no_levels")
        return [("risk.map_produced", per, None), *[(i, per, None) for i in ids]]
    rank = pd.to_numeric(cells["level_rank"], errors="coerce").to_numpy(float)
    assessed = ~np.isnan(rank)
    n_assessed = ctx.sums(assessed.astype(float))
    n_cells = ctx.sums(np.ones(len(cells)))
    produced = _with_texts(
        ((n_assessed >= n_cells) & (n_cells > 0)).astype(float),
        [
            _text("risk.map_produced", day=day, n=a, d=n)
            for a, n in zip(n_assessed, n_cells, strict=True)
        ],
    )
    out: list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]] = [
        ("risk.map_produced", produced, None)
    ]
    area_all, pop_all = ctx.sums(ctx.area), ctx.sums(ctx.population)
    for rank_value, name in ((4, "major"), (3, "significant")):
        at = rank == rank_value
        a = ctx.sums(ctx.area * at)
        p = ctx.sums(ctx.population * at)
        out.append(
            (
                f"risk.area_{name}",
                _share(a / 1e6, area_all / 1e6, "risk.area"),
                ctx.cell_evidence(at, level_rank=rank),
            )
        )
        out.append((f"risk.population_{name}", _share(p, pop_all, "risk.population"), None))
    return out


def _hazard_indicators(
    ctx: _Context, summary: pd.DataFrame
) -> list[tuple[str, pd.DataFrame, None]]:
    if "adcode" not in summary.columns:
        raise ValueError(
            "register_summary needs an 'adcode' column (riskmap.register.district_summary)"
        )
    s = summary.copy()
    s["adcode"] = s["adcode"].astype(str)
    out: list[tuple[str, pd.DataFrame, None]] = []
    for columns, ind in (
        (("open_major", "open"), "hazards.open_major"),
        (("listed",), "hazards.listed"),
        (("overdue_major", "overdue"), "hazards.overdue"),
    ):
        column = next((c for c in columns if c in s.columns), None)
        if column is None:
            out.append((ind, _not_computable(ctx, "no_register_column", column=columns[0]), None))
            continue
        values = pd.to_numeric(s[column], errors="coerce").fillna(0).to_numpy(float)
        counts = ctx.counts(s["adcode"].to_numpy(dtype=object), values)
        per = _with_texts(counts, [_text(f"hazards.count.{column}", n=c) for c in counts])
        out.append((ind, per, None))
    return out
