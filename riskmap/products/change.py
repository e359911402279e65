"""Change between two assessments of the same grid (two as-of dates, two scenarios or two
saved outputs): the cells that moved level, district and city trend tables, the layers
and features behind each big mover, and a change map drawn like the risk map (one
paletted image of the level change: small and fast at any grid size).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.errors import ConfigError
from riskmap.io import write_csv

if TYPE_CHECKING:
    from riskmap.io import ProjectData

CHANGE_COLUMNS = (
    "cell_id",
    "district",
    "level_a",
    "level_b",
    "change",
    "score_a",
    "score_b",
    "score_delta",
    "drivers",
    "drivers_en",
)
"""Columns of the table of cells that moved level (``change``: levels up, negative down)."""


@dataclass(frozen=True)
class Change:
    """Two assessments compared cell by cell.

    Attributes
    ----------
    label_a, label_b : what the two sides are (e.g. ``2020-12-31``, a folder name).
    cells : every cell: ``cell_id``, ``district``, ``level_rank_a``/``_b``, ``change``
        (level steps, + up), ``score_a``/``_b``, ``score_delta``, geometry (working CRS).
    moved : the cells whose level changed (:data:`CHANGE_COLUMNS`), largest change first,
        with the layers and features that changed them (``drivers``).
    districts : per district: cells per level on each side and their change.
    city : the same for the whole city (one row).
    """

    label_a: str
    label_b: str
    cells: gpd.GeoDataFrame
    moved: pd.DataFrame
    districts: pd.DataFrame
    city: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Counts as plain data (for JSON)."""
        ch = self.cells["change"]
        return {
            "a": self.label_a,
            "b": self.label_b,
            "cells": len(self.cells),
            "cells_up": int((ch > 0).sum()),
            "cells_down": int((ch < 0).sum()),
            "by_steps": {
                str(int(k)): int(v) for k, v in ch[ch != 0].value_counts().sort_index().items()
            },
            "city": self.city.to_dict(orient="records"),
        }


def compare_cells(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    label_a: str = "A",
    label_b: str = "B",
    drivers_for: int = 200,
    layer_names: Mapping[str, tuple[str, str]] | None = None,
) -> Change:
    """Compare two scored grids cell by cell.

    Parameters
    ----------
    a, b
        Assessed cells of the same grid (``cell_id``, ``district``, ``level_rank``,
        ``score``, geometry; ``contributors`` and ``share_<layer>`` for the drivers).
    label_a, label_b
        What the two sides are, for tables and the map.
    drivers_for
        The cells with the largest changes (level first, then score) whose drivers are
        worked out.
    layer_names
        Layer key -> (Chinese, English) name for the drivers (:func:`layer_names`);
        without it, or for a layer it does not name, the drivers name the layer's key.

    Returns
    -------
    Change

    Raises
    ------
    ConfigError
        The two sides are not the same grid (their cell ids differ).
    """
    ids_a = a["cell_id"].astype(str)
    ids_b = b["cell_id"].astype(str)
    if len(a) != len(b) or set(ids_a) != set(ids_b):
        raise ConfigError(
            f"{label_a} and {label_b} are not the same grid ({len(a):,} and {len(b):,} cells): "
            "compare assessments made with the same grid settings"
        )
    b_pos = pd.Series(np.arange(len(b)), index=ids_b).reindex(ids_a).to_numpy()
    rank_a = a["level_rank"].to_numpy(np.int64)
    rank_b = b["level_rank"].to_numpy(np.int64)[b_pos]
    score_a = a["score"].to_numpy(float)
    score_b = b["score"].to_numpy(float)[b_pos]
    cells = gpd.GeoDataFrame(
        {
            "cell_id": ids_a.to_numpy(),
            "district": a["district"].astype(str).to_numpy(),
            "level_rank_a": rank_a,
            "level_rank_b": rank_b,
            "change": rank_b - rank_a,
            "score_a": score_a,
            "score_b": score_b,
            "score_delta": score_b - score_a,
        },
        geometry=a.geometry.to_numpy(),
        crs=a.crs,
    )
    cells.attrs = dict(a.attrs)
    moved_idx = np.flatnonzero(rank_a != rank_b)
    order = np.lexsort((-np.abs(cells["score_delta"].to_numpy()[moved_idx]),
                        -np.abs(cells["change"].to_numpy()[moved_idx])))  # fmt: skip
    moved_idx = moved_idx[order]
    zh_names = {lv.rank: lv.zh for lv in LEVELS}
    names = dict(layer_names or {})
    drivers = [_drivers(a, b, int(i), int(b_pos[i]), names) if k < drivers_for else ("", "")
               for k, i in enumerate(moved_idx)]  # fmt: skip
    moved = pd.DataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy()[moved_idx],
            "district": cells["district"].to_numpy()[moved_idx],
            "level_a": [zh_names[int(r)] for r in rank_a[moved_idx]],
            "level_b": [zh_names[int(r)] for r in rank_b[moved_idx]],
            "change": cells["change"].to_numpy()[moved_idx],
            "score_a": np.round(score_a[moved_idx], 2),
            "score_b": np.round(score_b[moved_idx], 2),
            "score_delta": np.round(score_b[moved_idx] - score_a[moved_idx], 2),
            "drivers": [d[0] for d in drivers],
            "drivers_en": [d[1] for d in drivers],
        },
        columns=list(CHANGE_COLUMNS),
    )
    districts = _trend(cells, by="district")
    city = _trend(cells.assign(district="全市"), by="district")
    return Change(label_a, label_b, cells, moved, districts, city)


def _trend(cells: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cells per level on each side and the change, per group."""
    rows = []
    for key, g in cells.groupby(by, sort=True):
        row: dict[str, Any] = {by: key, "cells": len(g)}
        for lv in reversed(LEVELS):
            na = int((g["level_rank_a"] == lv.rank).sum())
            nb = int((g["level_rank_b"] == lv.rank).sum())
            name = lv.en.lower()
            row[f"{name}_a"], row[f"{name}_b"], row[f"{name}_change"] = na, nb, nb - na
        row["cells_up"] = int((g["change"] > 0).sum())
        row["cells_down"] = int((g["change"] < 0).sum())
        row["mean_score_delta"] = round(float(g["score_delta"].mean()), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def _contributions(cells: pd.DataFrame, i: int) -> dict[tuple[str, str], tuple[str, float]]:
    """(layer, feature id) -> (name, contribution) of the cell's top contributors."""
    if "contributors" not in cells.columns:
        return {}
    raw = cells["contributors"].iloc[i]
    try:
        items = json.loads(raw) if isinstance(raw, str) and raw else []
    except ValueError:
        return {}
    return {
        (str(c.get("layer", "")), str(c.get("id", ""))): (
            str(c.get("name") or c.get("id") or ""),
            float(c.get("contribution", 0.0)),
        )
        for c in items
    }


def layer_names(data: ProjectData) -> dict[str, tuple[str, str]]:
    """Each layer's name for people, (Chinese, English): its kind's name, with its file's
    name when another layer has the same kind name (as the app's lists name a layer)."""
    out: dict[str, tuple[str, str]] = {}
    for key, lyr in data.layers.items():
        pair = []
        for lang in ("zh", "en"):
            name = lyr.kind.name.get(lang)
            if sum(o.kind.name.get(lang) == name for o in data.layers.values()) > 1:
                file = Path(str(lyr.binding.path or key)).name
                name = f"{name}（{file}）" if lang == "zh" else f"{name} ({file})"
            pair.append(name)
        out[key] = (pair[0], pair[1])
    return out


def _drivers(
    a: pd.DataFrame, b: pd.DataFrame, i: int, j: int, names: Mapping[str, tuple[str, str]]
) -> tuple[str, str]:
    """What changed a cell, (Chinese, English): the two layers whose part of the hazard
    moved most, and the features that entered or left its top contributors (the cells keep
    only their top contributors, so a feature that left them may still act, less); layers
    by their ``names`` (key -> (Chinese, English)) when given."""

    def zh_name(layer: str) -> str:
        return names.get(layer, (layer, layer))[0]

    def en_name(layer: str) -> str:
        return names.get(layer, (layer, layer))[1]

    zh: list[str] = []
    en: list[str] = []
    shares = [
        c for c in a.columns if isinstance(c, str) and c.startswith("share_") and c in b.columns
    ]
    if shares and "hazard" in a.columns and "hazard" in b.columns:
        delta = {
            c.removeprefix("share_"): float(b[c].iloc[j]) * float(b["hazard"].iloc[j])
            - float(a[c].iloc[i]) * float(a["hazard"].iloc[i])
            for c in shares
        }
        for layer, d in sorted(delta.items(), key=lambda kv: -abs(kv[1]))[:2]:
            if abs(d) >= 0.01:
                zh.append(f"图层 {zh_name(layer)} {'+' if d > 0 else '−'}{abs(d):.2f}")
                en.append(f"layer {en_name(layer)} {'+' if d > 0 else '-'}{abs(d):.2f}")
    ca, cb = _contributions(a, i), _contributions(b, j)
    for key in sorted(set(ca) | set(cb)):
        name = (cb.get(key) or ca.get(key) or ("", 0.0))[0]
        if key not in ca:
            zh.append(f"新进主要来源 {zh_name(key[0])}:{name}")
            en.append(f"now a top source {en_name(key[0])}:{name}")
        elif key not in cb:
            zh.append(f"不再是主要来源 {zh_name(key[0])}:{name}")
            en.append(f"no longer a top source {en_name(key[0])}:{name}")
    return "；".join(zh[:6]), "; ".join(en[:6])


def change_map_cells(change: Change) -> gpd.GeoDataFrame:
    """The cells to draw a change map from: ``change`` (level steps) with the later side's
    ``level_rank`` and ``score`` (draw with ``riskmap.maps.map_from_cells(cells, data,
    view="change")``)."""
    cells = change.cells.assign(
        level_rank=change.cells["level_rank_b"], score=change.cells["score_b"]
    )
    cells.attrs = dict(change.cells.attrs)
    return cells


def change_title(change: Change, project_title: str, lang: str) -> str:
    """The change map's title: the city and the two sides."""
    what = "level change" if lang == "en" else "风险等级变化"
    return f"{project_title} · {what} {change.label_a} → {change.label_b}"


def write_change(change: Change, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    """``changed_cells.csv``, ``district_trend.csv``, ``city_trend.csv`` and
    ``change.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    moved = change.moved
    if lang == "en":
        moved = moved.drop(columns=["drivers"]).rename(columns={"drivers_en": "drivers"})
        en_names = {lv.zh: lv.en for lv in LEVELS}
        moved = moved.assign(
            level_a=moved["level_a"].map(en_names), level_b=moved["level_b"].map(en_names)
        )
    else:
        moved = moved.drop(columns=["drivers_en"])
    paths = [
        write_csv(moved, out / "changed_cells.csv"),
        write_csv(change.districts, out / "district_trend.csv"),
        write_csv(change.city, out / "city_trend.csv"),
    ]
    (out / "change.json").write_text(
        json.dumps(change.summary(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    paths.append(out / "change.json")
    return paths
