"""What-if planning: add proposed shelters and fire stations, then compare before and after.

A proposal is a plain record: ``kind`` (``shelter`` or ``fire_station``), ``lon``/``lat``
in WGS84, ``name``, and for a shelter its ``type`` (紧急/固定/中心), ``area_m2`` and
optional ``capacity``; for a fire station its ``class`` (一级/二级/特勤/小型, 一级 when
not given). :func:`apply_proposals` adds them to the project's layers as features marked
``proposed=True`` with ids ``P-001``, ``P-002`` ...; the caller re-runs the assessment and
:func:`riskmap.products.indicators.compute_indicators` on the new data and :func:`compare` tells
what changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from riskmap.config import LayerBinding
from riskmap.config.levels import LEVELS
from riskmap.errors import LayerDataError, Problem, ValidationReport
from riskmap.io import Layer, ProjectData
from riskmap.io.sheets import write_csv
from riskmap.products.indicators import Scorecard

PROPOSAL_KINDS: tuple[str, ...] = ("shelter", "fire_station")
SHELTER_TYPES: tuple[str, ...] = ("紧急", "固定", "中心")
STATION_CLASSES: tuple[str, ...] = ("一级", "二级", "特勤", "小型")
DEFAULT_STATION_CLASS = "一级"

CSV_COLUMNS: tuple[str, ...] = (
    "kind",
    "id",
    "name",
    "lon",
    "lat",
    "type",
    "class",
    "area_m2",
    "capacity",
)
"""Columns of a proposals CSV, as written by :func:`export_proposals`."""

_ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "种类", "设施类型", "设施"),
    "id": ("id", "编号"),
    "name": ("name", "名称"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "type": ("type", "类型", "避难场所类型"),
    "class": ("class", "station_class", "站级"),
    "area_m2": ("area_m2", "有效避难面积", "面积"),
    "capacity": ("capacity", "可容纳人数", "容纳人数"),
}
_KIND_WORDS: dict[str, str] = {
    "shelter": "shelter",
    "避难场所": "shelter",
    "应急避难场所": "shelter",
    "fire_station": "fire_station",
    "fire station": "fire_station",
    "消防站": "fire_station",
}


@dataclass(frozen=True)
class Proposal:
    """One proposed facility.

    Attributes
    ----------
    kind : ``shelter`` or ``fire_station``.
    lon, lat : WGS84 degrees.
    name : display name.
    type : shelter type (紧急/固定/中心); None for a fire station.
    station_class : fire-station class (一级/二级/特勤/小型); None for a shelter.
    area_m2 : effective shelter area (shelters).
    capacity : shelter capacity in people; None means area / per-person area.
    id : ``P-...`` once applied; None lets :func:`apply_proposals` number it.
    """

    kind: str
    lon: float
    lat: float
    name: str = ""
    type: str | None = None
    station_class: str | None = None
    area_m2: float | None = None
    capacity: float | None = None
    id: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A plain record with the CSV column names (``class`` for the station class)."""
        return {
            "kind": self.kind,
            "id": self.id or "",
            "name": self.name,
            "lon": self.lon,
            "lat": self.lat,
            "type": self.type or "",
            "class": self.station_class or "",
            "area_m2": self.area_m2,
            "capacity": self.capacity,
        }


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


# ---------------------------------------------------------------------------
# validation


def validate_proposals(
    records: Iterable[Proposal | Mapping[str, Any]], *, file: str | None = None, first_row: int = 1
) -> list[Proposal]:
    """Check proposal records and return them as :class:`Proposal` objects.

    Parameters
    ----------
    records
        Proposals, or mappings with the keys of :data:`CSV_COLUMNS` (``station_class`` is
        accepted for ``class``).
    file
        File name for the problems, when the records come from a file.
    first_row
        Row number of the first record as the user counts it (2 for a CSV with a header).

    Raises
    ------
    LayerDataError
        With every problem found (row and column of each).
    """
    report = ValidationReport()
    out: list[Proposal] = []
    for i, rec in enumerate(records):
        mapping = rec.to_record() if isinstance(rec, Proposal) else dict(rec)
        if "station_class" in mapping and not _present(mapping.get("class")):
            mapping["class"] = mapping["station_class"]
        prop, problems = _check_record(mapping, row=first_row + i, file=file)
        report.extend(problems)
        if prop is not None:
            out.append(prop)
    if not report.ok:
        where = file or "proposals"
        raise LayerDataError(f"{where}: {len(report.errors)} problem(s) in the proposals", report)
    return out


def _present(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and math.isnan(v):
        return False
    return str(v).strip() != ""


def _number(v: Any) -> float | None:
    try:
        x = float(str(v).strip().replace(",", ""))
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _check_record(
    rec: Mapping[str, Any], *, row: int, file: str | None, headers: Mapping[str, str] | None = None
) -> tuple[Proposal | None, list[Problem]]:
    col = dict(headers or {})

    def problem(code: str, column: str, message: str, hint: str = "") -> Problem:
        return Problem(
            "error", code, message, hint, file=file, row=row, column=col.get(column, column)
        )

    problems: list[Problem] = []
    kind_raw = str(rec.get("kind", "") or "").strip()
    kind = _KIND_WORDS.get(kind_raw.lower(), _KIND_WORDS.get(kind_raw))
    if kind is None:
        problems.append(
            problem(
                "bad_value",
                "kind",
                f"kind '{kind_raw}' is not a proposal kind",
                "use 'shelter' (避难场所) or 'fire_station' (消防站)",
            )
        )
    lon = _number(rec.get("lon")) if _present(rec.get("lon")) else None
    lat = _number(rec.get("lat")) if _present(rec.get("lat")) else None
    if lon is None or not -180 <= lon <= 180:
        problems.append(
            problem(
                "bad_coordinate",
                "lon",
                f"longitude '{rec.get('lon')}' is not a number in -180..180",
                "give WGS84 degrees, e.g. 114.30",
            )
        )
    if lat is None or not -90 <= lat <= 90:
        problems.append(
            problem(
                "bad_coordinate",
                "lat",
                f"latitude '{rec.get('lat')}' is not a number in -90..90",
                "give WGS84 degrees, e.g. 30.59",
            )
        )
    name = str(rec.get("name") or "").strip() if _present(rec.get("name")) else ""
    pid = str(rec.get("id")).strip() if _present(rec.get("id")) else None
    stype = str(rec.get("type")).strip() if _present(rec.get("type")) else None
    sclass = str(rec.get("class")).strip() if _present(rec.get("class")) else None
    area = capacity = None
    if kind == "shelter":
        if stype not in SHELTER_TYPES:
            problems.append(
                problem(
                    "bad_value",
                    "type",
                    f"shelter type '{stype or ''}' is not one of {'/'.join(SHELTER_TYPES)}",
                    "紧急 immediate, 固定 fixed, 中心 central",
                )
            )
        area = _number(rec.get("area_m2")) if _present(rec.get("area_m2")) else None
        if area is None or area <= 0:
            problems.append(
                problem(
                    "bad_value",
                    "area_m2",
                    f"effective area '{rec.get('area_m2', '')}' must be a number above 0",
                    "square metres of usable shelter area",
                )
            )
        if _present(rec.get("capacity")):
            capacity = _number(rec.get("capacity"))
            if capacity is None or capacity < 0:
                problems.append(
                    problem(
                        "bad_value",
                        "capacity",
                        f"capacity '{rec.get('capacity')}' must be a number of people, 0 or more",
                        "leave it empty to use area / 1.5 m² per person",
                    )
                )
                capacity = None
    elif kind == "fire_station":
        if sclass is None:
            sclass = DEFAULT_STATION_CLASS
        elif sclass not in STATION_CLASSES:
            problems.append(
                problem(
                    "bad_value",
                    "class",
                    f"station class '{sclass}' is not one of {'/'.join(STATION_CLASSES)}",
                    "leave it empty for 一级",
                )
            )
    if problems or kind is None or lon is None or lat is None:
        return None, problems
    return Proposal(
        kind=kind,
        lon=lon,
        lat=lat,
        name=name,
        type=stype if kind == "shelter" else None,
        station_class=sclass if kind == "fire_station" else None,
        area_m2=area,
        capacity=capacity,
        id=pid,
    ), []


# ---------------------------------------------------------------------------
# files


def proposals_from_csv(path: str | Path) -> list[Proposal]:
    """Read proposals from a CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030).

    Parameters
    ----------
    path
        CSV with a header row; columns ``kind``, ``lon``, ``lat`` (WGS84) and, as needed,
        ``name``, ``type``, ``class``, ``area_m2``, ``capacity``, ``id`` (Chinese headers
        such as 经度, 纬度, 类型, 站级, 有效避难面积 are understood).

    Returns
    -------
    list of Proposal

    Raises
    ------
    LayerDataError
        Missing columns or bad values, each with its row (header = row 1) and column.
    """
    p = Path(path)
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise LayerDataError(f"{p.name}: cannot decode the file")
    from io import StringIO

    try:
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        report = ValidationReport(
            [Problem("error", "bad_file", f"not a readable CSV: {exc}", file=p.name)]
        )
        raise LayerDataError(f"{p.name}: not a readable CSV", report) from None
    headers: dict[str, str] = {}
    for canonical, aliases in _ALIASES.items():
        for h in df.columns:
            if str(h).strip().lower() in {a.lower() for a in aliases}:
                headers[canonical] = str(h)
                break
    missing = [c for c in ("kind", "lon", "lat") if c not in headers]
    if missing:
        report = ValidationReport(
            [
                Problem(
                    "error",
                    "missing_column",
                    f"column '{c}' is missing",
                    f"add a column '{c}' (or {'/'.join(_ALIASES[c][1:])})",
                    file=p.name,
                    row=1,
                )
                for c in missing
            ]
        )
        raise LayerDataError(f"{p.name}: missing column(s) {', '.join(missing)}", report)
    report = ValidationReport()
    out: list[Proposal] = []
    for i, rec in enumerate(df.to_dict("records")):
        mapped = {c: rec[h] for c, h in headers.items()}
        prop, problems = _check_record(mapped, row=i + 2, file=p.name, headers=headers)
        report.extend(problems)
        if prop is not None:
            out.append(prop)
    if not report.ok:
        raise LayerDataError(f"{p.name}: {len(report.errors)} problem(s) in the proposals", report)
    return out


def export_proposals(proposals: Iterable[Proposal | Mapping[str, Any]], path: str | Path) -> Path:
    """Write proposals to a CSV (UTF-8 with BOM) or GeoJSON (WGS84) file, by its suffix.

    Parameters
    ----------
    proposals
        Proposals or records (validated first).
    path
        ``*.csv``, ``*.geojson`` or ``*.json``.

    Returns
    -------
    Path
        The file written.
    """
    p = Path(path)
    props = validate_proposals(proposals)
    df = pd.DataFrame([x.to_record() for x in props], columns=list(CSV_COLUMNS))
    suffix = p.suffix.lower()
    if suffix == ".csv":
        write_csv(df, p)
    elif suffix in {".geojson", ".json"}:
        gdf = gpd.GeoDataFrame(
            df.drop(columns=["lon", "lat"]),
            geometry=shapely.points(df["lon"].to_numpy(float), df["lat"].to_numpy(float))
            if len(df)
            else gpd.GeoSeries([], crs="EPSG:4326"),
            crs="EPSG:4326",
        )
        p.write_text(gdf.to_json(ensure_ascii=False, drop_id=True), encoding="utf-8")
    else:
        raise ValueError(
            f"export_proposals: unsupported file type '{p.suffix}' (use .csv or .geojson)"
        )
    return p


# ---------------------------------------------------------------------------
# applying proposals


def apply_proposals(
    data: ProjectData, proposals: Iterable[Proposal | Mapping[str, Any]]
) -> ProjectData:
    """A new ProjectData with the proposals added to the shelter / fire-station layers.

    Proposed features get ``proposed=True`` (existing features of the changed layers
    ``False``) and ids ``P-001``, ``P-002`` ... unless they carry an id already. When the
    project has no layer of a proposal's kind, a layer ``proposed_<kind>`` is created.

    Parameters
    ----------
    data
        The project; not modified.
    proposals
        Proposals or plain records.

    Raises
    ------
    LayerDataError
        A record is invalid or a proposal lies outside the city boundary.
    """
    props = validate_proposals(proposals)
    if not props:
        return data
    lon = np.array([x.lon for x in props], dtype=float)
    lat = np.array([x.lat for x in props], dtype=float)
    to_work = pyproj.Transformer.from_crs("EPSG:4326", data.crs, always_xy=True)
    x, y = to_work.transform(lon, lat)
    pts = shapely.points(np.asarray(x), np.asarray(y))
    inside = shapely.covers(data.boundary, pts)
    if not inside.all():
        report = ValidationReport(
            [
                Problem(
                    "error",
                    "outside_boundary",
                    f"proposal '{props[i].name or i + 1}' at "
                    f"{props[i].lon:.5f}, {props[i].lat:.5f} lies outside the city boundary",
                    "check the coordinates (WGS84 longitude, latitude)",
                    row=int(i) + 1,
                )
                for i in np.flatnonzero(~inside)
            ]
        )
        raise LayerDataError("proposals outside the city boundary", report)

    taken = (
        {str(v) for lyr in data.layers.values() for v in lyr.gdf["id"]} if data.layers else set()
    )
    ids: list[str] = []
    n = 0
    for prop in props:
        if prop.id:
            ids.append(prop.id)
            continue
        n += 1
        while f"P-{n:03d}" in taken or f"P-{n:03d}" in ids:
            n += 1
        ids.append(f"P-{n:03d}")

    extra: dict[str, Layer] = {}
    for kind in PROPOSAL_KINDS:
        sel = [i for i, prop in enumerate(props) if prop.kind == kind]
        if not sel:
            continue
        new = _proposal_frame(
            kind, [props[i] for i in sel], [ids[i] for i in sel], pts[sel], data.crs
        )
        existing = data.by_kind(kind)
        if existing:
            layer = existing[0]
            old = layer.gdf.copy()
            old["proposed"] = _proposed_flags(old)
            gdf = gpd.GeoDataFrame(
                pd.concat([old, new], ignore_index=True), geometry="geometry", crs=data.crs
            )
            extra[layer.name] = replace(layer, gdf=gdf)
        else:
            if kind not in data.kinds:
                raise LayerDataError(f"layer kind '{kind}' is not known to this project")
            binding = LayerBinding(name=f"proposed_{kind}", kind=kind, path="")
            extra[binding.name] = Layer(
                binding=binding, kind=data.kinds[kind], gdf=new, source=None
            )
    return data.with_layers(extra)


def _proposed_flags(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if "proposed" in gdf.columns:
        return gdf["proposed"].fillna(False).astype(bool).to_numpy()
    return np.zeros(len(gdf), dtype=bool)


def _proposal_frame(
    kind: str, props: list[Proposal], ids: list[str], pts: np.ndarray, crs: Any
) -> gpd.GeoDataFrame:
    cols: dict[str, Any] = {
        "id": ids,
        "name": [p.name or pid for p, pid in zip(props, ids, strict=True)],
    }
    if kind == "shelter":
        cols["type"] = [p.type for p in props]
        cols["area_m2"] = [float(p.area_m2 or 0.0) for p in props]
        cols["capacity"] = [np.nan if p.capacity is None else float(p.capacity) for p in props]
    else:
        cols["class"] = [p.station_class or DEFAULT_STATION_CLASS for p in props]
    cols["proposed"] = True
    return gpd.GeoDataFrame(cols, geometry=pts, crs=crs)


def proposals_of(data: ProjectData) -> gpd.GeoDataFrame:
    """The proposed features of a project (``proposed=True``), with ``layer`` and ``kind``.

    Parameters
    ----------
    data
        A project returned by :func:`apply_proposals`.
    """
    frames = [
        lyr.gdf[_proposed_flags(lyr.gdf)].assign(layer=lyr.name, kind=lyr.kind.kind)
        for lyr in data.layers.values()
        if lyr.kind.kind in PROPOSAL_KINDS
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame(
            {"id": [], "layer": [], "kind": []},
            geometry=gpd.GeoSeries([], crs=data.crs),
            crs=data.crs,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=data.crs)


# ---------------------------------------------------------------------------
# comparing


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
