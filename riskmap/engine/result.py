"""The result of scoring: :class:`Assessment` (cells with components, score, level and
their explanation) and the level table.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.config import (
    LevelConfig,
    Project,
    WeightsConfig,
)
from riskmap.config.levels import LEVELS
from riskmap.engine.common import COMPONENTS
from riskmap.engine.fields import Fields, layer_weights
from riskmap.io import ProjectData


def level_table(lang: str = "zh") -> list[dict[str, Any]]:
    """The four levels, highest first, for legends and tables.

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``: which name goes in ``label``.

    Returns
    -------
    list of dict
        ``rank`` (4 = 重大 ... 1 = 低), ``zh``, ``en``, ``label``, ``color`` (hex),
        ``color_name`` and ``matrix`` (the range of R = likelihood x severity).
    """
    return [
        {
            "rank": lv.rank,
            "zh": lv.zh,
            "en": lv.en,
            "label": lv.name(lang),
            "color": lv.color,
            "color_name": lv.color_name_en if lang == "en" else lv.color_name_zh,
            "matrix": f"{lv.matrix_min}-{lv.matrix_max}",
        }
        for lv in reversed(LEVELS)
    ]


@dataclass(frozen=True)
class Assessment:
    """A scored grid.

    Attributes
    ----------
    cells : GeoDataFrame (working CRS), one row a cell: cell_id, district, adcode, area_m2,
        population, vulnerable, hazard, exposure, vulnerability, coping_gap, consequence,
        score, likelihood, severity, level_rank (1 = 低 ... 4 = 重大), level, level_en,
        color, top_factor, top_factor_kind, share_<layer>, complete, missing, measures,
        measures_en, geometry. The contributors' text is made when shown or written:
        :meth:`contributors`, :meth:`cells_for_output`.
    fields : the fields it was scored from (reused when only weights change).
    weights : the weights used.
    levels : the level rule used.
    params : method numbers, grid, and thresholds derived from the data (quantiles,
        natural breaks).
    timings : seconds per stage.
    """

    cells: gpd.GeoDataFrame
    fields: Fields
    weights: WeightsConfig
    levels: LevelConfig
    params: dict[str, Any]
    timings: dict[str, float]

    @property
    def data(self) -> ProjectData:
        """The project data scored (layers, districts, boundary): what products draw from."""
        if self.fields.data is None:
            raise ValueError("this assessment's fields were made without their project data")
        return self.fields.data

    @property
    def project(self) -> Project:
        """The project configuration."""
        return self.fields.project

    @property
    def missing(self) -> tuple[str, ...]:
        """Risk components no usable layer informs."""
        return self.fields.missing

    def layer_weights(self) -> dict[str, float]:
        """Each acting layer's weight inside its component."""
        return layer_weights(self.fields, self.weights)

    def contributors(self, rows: Any = None) -> Any:
        """The JSON text of the top contributing hazard features of the cells at ``rows``
        (positions; all when None): :meth:`~riskmap.engine.fields.Fields.contributors_of`."""
        return self.fields.contributors_of(None if rows is None else np.asarray(rows))

    def cells_for_output(self, rows: Any = None) -> gpd.GeoDataFrame:
        """The cells at ``rows`` (positions; all when None) as files hold them: with the
        ``contributors`` column (JSON text) after ``top_factor_kind``."""
        cells = self.cells if rows is None else self.cells.iloc[np.asarray(rows)]
        return with_contributors(cells, self.contributors(rows))

    def level_counts(self) -> dict[str, int]:
        """Cells per level, highest first, keyed by the Chinese name."""
        counts = self.cells["level_rank"].value_counts()
        return {lv.zh: int(counts.get(lv.rank, 0)) for lv in reversed(LEVELS)}

    def to_wgs84(self) -> gpd.GeoDataFrame:
        """The cells in EPSG:4326, as files hold them (:meth:`cells_for_output`)."""
        return self.cells_for_output().to_crs(4326)

    @cached_property
    def _cell_positions(self) -> pd.Index:
        """Cell id -> row position lookup, built on the first :meth:`explain` and kept
        (the cells of an Assessment do not change); shared by every assessment of the
        same fields whose cells hold the very same ids (a rescoring explains its first
        cell without hashing every id again)."""
        ids = self.cells["cell_id"].array
        kept = self.fields.memo.get("explain.positions")
        if kept is not None and kept[0] is ids:
            return kept[1]  # type: ignore[no-any-return]
        idx = pd.Index(ids)
        idx.get_indexer(idx[:1])  # build the hash table now, once
        self.fields.memo["explain.positions"] = (ids, idx)  # (ids kept: `is` stays true)
        return idx

    def explain(self, cell_id: str, lang: str = "zh") -> dict[str, Any]:
        """Every number behind one cell's level.

        Parameters
        ----------
        cell_id
            The cell's id.
        lang
            ``"zh"`` or ``"en"`` for names, level and measures.

        Returns
        -------
        dict
            ``cell_id``, ``district``, ``area_m2``, ``population``, ``components``
            (hazard, exposure, vulnerability, coping_gap, consequence), ``score``,
            ``likelihood``, ``severity``, ``level_rank``, ``level``, ``color``, ``layers``
            (per layer: role, raw, normalised 0-10, weight, share of H), ``capacity`` (per
            capacity layer: value, unit, score), ``contributors``, ``top_factor``,
            ``measures``, ``complete``, ``missing``.

        Raises
        ------
        KeyError
            When no cell has that id.
        """
        pos = self._cell_positions.get_indexer(pd.Index([cell_id]))[0]
        if pos < 0:
            raise KeyError(f"no cell with id '{cell_id}'")
        row = self.cells.iloc[pos]
        f = self.fields
        weights = layer_weights(f, self.weights)
        area_km2 = float(row["area_m2"]) / 1e6
        layers = []
        for info in f.layers:
            kind = f.kinds.get(info.kind)
            label = kind.name.get(lang) if kind else info.kind
            entry: dict[str, Any] = {
                "layer": info.name,
                "kind": info.kind,
                "label": label,
                "role": info.role,
                "method": info.method,
                "weight": weights.get(info.name, 0.0),
            }
            if info.name in f.raw:
                raw = float(f.raw[info.name][pos])
                x = raw / area_km2 if info.method == "population" and area_km2 > 0 else raw
                entry["raw"] = raw
                if info.method == "population" and info.role == "exposure":
                    entry["density_km2"] = x
                if info.reference and info.role in {"hazard", "exposure"}:
                    entry["reference"] = info.reference
                    entry["normalised"] = 10.0 * (1.0 - math.exp(-x / info.reference))
            if info.role == "hazard":
                entry["share"] = float(row.get(f"share_{info.name}", 0.0))
            if info.name in f.capacity:
                v = float(f.access[info.name][pos])
                entry["value"] = v if math.isfinite(v) else None
                entry["unit"] = info.unit
                entry["score"] = float(f.capacity[info.name][pos])
            layers.append(entry)
        level = LEVELS[int(row["level_rank"]) - 1]
        mcol = "measures_en" if lang == "en" else "measures"
        sep = "; " if lang == "en" else "；"
        return {
            "cell_id": cell_id,
            "district": row["district"],
            "adcode": row["adcode"],
            "area_m2": float(row["area_m2"]),
            "population": float(row["population"]),
            "vulnerable": float(row["vulnerable"]),
            "components": {c: float(row[c]) for c in (*COMPONENTS, "consequence")},
            "score": float(row["score"]),
            "likelihood": int(row["likelihood"]),
            "severity": int(row["severity"]),
            "level_rank": level.rank,
            "level": level.name(lang),
            "color": level.color,
            "top_factor": row["top_factor"],
            "top_factor_kind": row["top_factor_kind"],
            "layers": layers,
            "contributors": json.loads(self.contributors([pos])[0]),
            "measures": [m for m in str(row[mcol]).split(sep) if m],
            "complete": bool(row["complete"]),
            "missing": [m for m in str(row["missing"]).split(",") if m],
            "weights": {"components": dict(self.weights.components), "layers": weights},
            "level_rule": self.levels.rule,
        }


def with_contributors(cells: gpd.GeoDataFrame, texts: Any) -> gpd.GeoDataFrame:
    """``cells`` with a ``contributors`` column holding ``texts`` (one per row), placed
    after ``top_factor_kind`` (where files have always had it)."""
    out = cells.copy(deep=False)
    at = list(out.columns).index("top_factor_kind") + 1 if "top_factor_kind" in out else 0
    out.insert(at, "contributors", pd.array(texts, dtype="str"))
    return out
