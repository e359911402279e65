"""Comparing two runs: :func:`compare` and its :class:`WhatIfResult`."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.products.indicators import Scorecard


@dataclass(frozen=True)
class WhatIfResult:
    """What changed between two runs.

    Attributes
    ----------
    indicators : one row per indicator and scope: ``id``, names, ``scope``, ``district``,
        ``unit``, ``target``, ``comparison``, ``before``, ``after``, ``change``,
        ``passed_before``, ``passed_after``, ``better`` (True/False, None when unchanged
        or not comparable).
    levels : one row per level (重大 first): ``level_rank``, ``level``, ``level_en``,
        ``cells_before``, ``cells_after``, ``cells_change``, ``population_before``,
        ``population_after``, ``area_km2_before``, ``area_km2_after``.
    changed_cells : cells whose level changed: ``cell_id``, ``district``, ``adcode``,
        ``level_from``, ``level_to`` (ranks), ``from_zh``, ``to_zh``, ``from_en``,
        ``to_en``, geometry (working CRS).
    """

    indicators: pd.DataFrame
    levels: pd.DataFrame
    changed_cells: gpd.GeoDataFrame


def compare(
    before_cells: gpd.GeoDataFrame,
    after_cells: gpd.GeoDataFrame,
    before_scorecard: Scorecard,
    after_scorecard: Scorecard,
) -> WhatIfResult:
    """Compare two runs: indicator changes, level counts and the cells that changed level.

    Parameters
    ----------
    before_cells, after_cells
        Assessed cells with ``cell_id``, ``level_rank``, ``population``, ``area_m2``
        (the same grid).
    before_scorecard, after_scorecard
        Scorecards of the two runs.

    Returns
    -------
    WhatIfResult
    """
    return WhatIfResult(
        indicators=_indicator_changes(before_scorecard.table, after_scorecard.table),
        levels=_level_counts(before_cells, after_cells),
        changed_cells=_changed_cells(before_cells, after_cells),
    )


def _indicator_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    keys = ["id", "scope"]
    info = ["name_zh", "name_en", "district", "unit", "target", "comparison"]
    b = before[[*keys, *info, "value", "passed"]].rename(
        columns={"value": "before", "passed": "passed_before"}
    )
    a = after[[*keys, *info, "value", "passed"]].rename(
        columns={"value": "after", "passed": "passed_after"}
    )
    m = b.merge(a, on=keys, how="outer", suffixes=("", "_a"))
    for c in info:
        m[c] = m[c].where(m[c].notna(), m[f"{c}_a"])
    m = m.drop(columns=[f"{c}_a" for c in info])
    m["change"] = m["after"] - m["before"]
    higher = (m["comparison"] == ">=") | ((m["comparison"] == "==") & (m["target"] > 0))
    change = m["change"].to_numpy(float)
    better = np.where(higher.to_numpy(), change > 0, change < 0)
    valid = np.isfinite(change) & (np.abs(change) > 1e-12)
    m["better"] = pd.Series(
        [bool(x) if v else None for x, v in zip(better, valid, strict=True)], dtype=object
    )
    order = {k: i for i, k in enumerate(after["id"].drop_duplicates())}
    m["_o"] = m["id"].map(order).fillna(len(order))
    m["_s"] = m["scope"] != "city"
    m = m.sort_values(["_o", "_s", "scope"], kind="stable").drop(columns=["_o", "_s"])
    return m[
        [
            *keys[:1],
            "name_zh",
            "name_en",
            "scope",
            "district",
            "unit",
            "target",
            "comparison",
            "before",
            "after",
            "change",
            "passed_before",
            "passed_after",
            "better",
        ]
    ].reset_index(drop=True)


def _level_counts(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> pd.DataFrame:
    ranks = [lv.rank for lv in reversed(LEVELS)]
    out = pd.DataFrame(
        {
            "level_rank": ranks,
            "level": [lv.zh for lv in reversed(LEVELS)],
            "level_en": [lv.en for lv in reversed(LEVELS)],
        }
    )
    for tag, cells in (("before", before), ("after", after)):
        rank = pd.to_numeric(cells["level_rank"], errors="coerce")
        g = (
            pd.DataFrame(
                {
                    "rank": rank,
                    "n": 1,
                    "pop": pd.to_numeric(cells.get("population", 0.0), errors="coerce"),
                    "area": pd.to_numeric(cells.get("area_m2", 0.0), errors="coerce") / 1e6,
                }
            )
            .groupby("rank")
            .sum()
        )
        out[f"cells_{tag}"] = g["n"].reindex(ranks, fill_value=0).to_numpy(int)
        out[f"population_{tag}"] = g["pop"].reindex(ranks, fill_value=0.0).to_numpy(float)
        out[f"area_km2_{tag}"] = g["area"].reindex(ranks, fill_value=0.0).to_numpy(float)
    out["cells_change"] = out["cells_after"] - out["cells_before"]
    return out[
        [
            "level_rank",
            "level",
            "level_en",
            "cells_before",
            "cells_after",
            "cells_change",
            "population_before",
            "population_after",
            "area_km2_before",
            "area_km2_after",
        ]
    ]


def _changed_cells(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    b = before[["cell_id", "level_rank"]].rename(columns={"level_rank": "level_from"})
    keep = [
        c for c in ("cell_id", "district", "adcode", "level_rank", "geometry") if c in after.columns
    ]
    m = after[keep].rename(columns={"level_rank": "level_to"}).merge(b, on="cell_id", how="inner")
    m = m[m["level_from"].to_numpy() != m["level_to"].to_numpy()].copy()
    zh = {lv.rank: lv.zh for lv in LEVELS}
    en = {lv.rank: lv.en for lv in LEVELS}
    m["from_zh"] = m["level_from"].map(zh)
    m["to_zh"] = m["level_to"].map(zh)
    m["from_en"] = m["level_from"].map(en)
    m["to_en"] = m["level_to"].map(en)
    cols = [c for c in ("cell_id", "district", "adcode") if c in m.columns]
    cols += ["level_from", "level_to", "from_zh", "to_zh", "from_en", "to_en", "geometry"]
    return gpd.GeoDataFrame(m[cols].reset_index(drop=True), geometry="geometry", crs=after.crs)
