"""Proposals: the :class:`Proposal` record, its validation and its files (CSV in, CSV or
GeoJSON out).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from riskmap.errors import LayerDataError, Problem, ValidationReport
from riskmap.io import write_csv

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
