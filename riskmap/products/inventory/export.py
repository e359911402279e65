"""Writing the inventory: CSV for Excel (UTF-8 with BOM), XLSX, GeoJSON, GeoPackage;
text that could run as a formula is neutralised.
"""

from __future__ import annotations

import io
import math
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.errors import RiskmapError
from riskmap.io import csv_bytes, text_cells
from riskmap.products.inventory.base import (
    _LEVEL_KEYS,
    FORMATS,
    SHEET_NAMES,
    SPATIAL_TABLES,
    TABLES,
    Inventory,
    header_labels,
    view_table,
)


def _plain(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A language view without geometry, with headers for people."""
    view = view_table(frame, lang)
    if "geometry" in view.columns:
        view = pd.DataFrame(view.drop(columns="geometry"))
    return view.rename(columns=header_labels(list(view.columns), lang))


def _spatial(frame: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    view = view_table(frame, lang)
    geom = view.geometry
    attrs = pd.DataFrame(view.drop(columns=view.geometry.name)).rename(
        columns=header_labels([c for c in view.columns if c != view.geometry.name], lang)
    )
    out = gpd.GeoDataFrame(attrs, geometry=geom.to_numpy(), crs=frame.crs)
    return out.to_crs(4326) if out.crs is not None else out


def _table_path(path: Path, table: str) -> Path:
    return path if table == "sources" else path.with_name(f"{path.stem}_{table}{path.suffix}")


def export_csv(frame: pd.DataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write one table as CSV, UTF-8 with a byte-order mark (so Excel shows Chinese)."""
    path = Path(path)
    path.write_bytes(_csv_bytes(frame, lang))
    return path


def _csv_bytes(frame: pd.DataFrame, lang: str) -> bytes:
    return csv_bytes(_plain(frame, lang))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "FFFFFF"


def export_xlsx(inv: Inventory, path: str | Path, lang: str = "zh") -> Path:
    """Write every table as a sheet of one workbook.

    Sheets: sources, areas, districts, accidents by month and by quarter (when there are
    accidents), parameters. Header row frozen and bold, level cells filled with the level
    colour, per-level header cells of the district sheet coloured, column widths fitted
    to the text (Chinese characters count double), long texts wrapped.
    """
    path = Path(path)
    path.write_bytes(_xlsx_bytes(inv, lang))
    return path


def _xlsx_bytes(inv: Inventory, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    li = 1 if lang == "en" else 0
    wb = Workbook()
    wb.remove(wb.active)
    fills = {
        lvl.rank: PatternFill("solid", fgColor=lvl.color.lstrip("#").upper()) for lvl in LEVELS
    }
    fonts = {lvl.rank: Font(color=_text_colour(lvl.color)) for lvl in LEVELS}
    by_name = {(lvl.zh if li == 0 else lvl.en): lvl.rank for lvl in LEVELS}
    key_rank = {v: k for k, v in _LEVEL_KEYS.items()}
    wrap_cols = {"measures", "risk_point", "accident_types", "value"}
    for table in TABLES:
        frame = getattr(inv, table)
        if table.startswith("accidents") and frame.empty:
            continue
        view = view_table(frame, lang)
        if "geometry" in view.columns:
            view = pd.DataFrame(view.drop(columns="geometry"))
        columns = list(view.columns)
        labels = header_labels(columns, lang)
        ws = wb.create_sheet(SHEET_NAMES[table][li])
        ws.append([labels[c] for c in columns])
        values = view.astype(object).where(view.notna(), None).to_numpy().tolist()
        for row in values:
            ws.append([_cell_value(v) for v in row])
        bold = Font(bold=True)
        for j, c in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = bold
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            suffix = c.rsplit("_", 1)[-1]
            if suffix in key_rank and c != "level_rank":
                r = key_rank[suffix]
                cell.fill = fills[r]
                cell.font = Font(bold=True, color=_text_colour(LEVELS[r - 1].color))
        if "level" in columns:
            j = columns.index("level") + 1
            for i, v in enumerate(view["level"].tolist(), start=2):
                level_rank = by_name.get(v)
                if level_rank is not None:
                    cell = ws.cell(row=i, column=j)
                    cell.fill = fills[level_rank]
                    cell.font = fonts[level_rank]
        for j, c in enumerate(columns, start=1):
            sample = [str(labels[c])] + [
                str(v) for v in view[c].head(500).tolist() if v is not None
            ]
            width = max(_display_width(s) for s in sample) + 2
            width = min(max(width, 8), 60 if c in wrap_cols else 40)
            ws.column_dimensions[get_column_letter(j)].width = width
            if c in wrap_cols:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        text_cells(ws)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_value(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def export_geojson(frame: gpd.GeoDataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write one spatial table as GeoJSON (RFC 7946, WGS84 longitude/latitude)."""
    path = Path(path)
    path.write_bytes(_geojson_bytes(frame, lang))
    return path


def _geojson_bytes(frame: gpd.GeoDataFrame, lang: str) -> bytes:
    return _spatial(frame, lang).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def export_geopackage(inv: Inventory, path: str | Path, lang: str = "zh") -> Path:
    """Write every table as one layer of a GeoPackage (spatial tables in WGS84, the
    others as attribute tables). Layer names are the table names (``sources``,
    ``areas``, ``districts``, ...); an existing file is replaced."""
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()
    li = 1 if lang == "en" else 0
    for table in TABLES:
        frame = getattr(inv, table)
        kwargs: dict[str, Any] = {}
        if table in SPATIAL_TABLES:
            out = _spatial(frame, lang)
            types = set(out.geom_type.dropna())
            if len(types) > 1 or not types:
                kwargs["geometry_type"] = "Unknown"
        else:
            out = _plain(frame, lang)
            if out.empty and not len(out.columns):
                continue
        pyogrio.write_dataframe(
            out,
            path,
            layer=table,
            driver="GPKG",
            append=path.exists(),
            layer_options={"DESCRIPTION": SHEET_NAMES[table][li]},
            **kwargs,
        )
    return path


def export_inventory(inv: Inventory, path: str | Path, fmt: str, lang: str = "zh") -> list[Path]:
    """Write the inventory in one format; the one entry point of the command line and app.

    Parameters
    ----------
    inv
        The inventory (:func:`build_inventory`).
    path
        The output file. ``xlsx`` and ``gpkg`` hold every table in this one file. ``csv``
        writes the sources at ``path`` and each other table next to it as
        ``{stem}_{table}.csv``; ``geojson`` writes the sources at ``path`` and the areas
        as ``{stem}_areas.geojson``.
    fmt
        ``csv``, ``xlsx``, ``geojson`` or ``gpkg``.
    lang
        ``zh`` (default) or ``en``: headers and texts.

    Returns
    -------
    list of Path
        The files written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return [export_csv(getattr(inv, t), _table_path(path, t), lang) for t in TABLES]
    if fmt == "xlsx":
        return [export_xlsx(inv, path, lang)]
    if fmt == "geojson":
        return [export_geojson(getattr(inv, t), _table_path(path, t), lang) for t in SPATIAL_TABLES]
    if fmt == "gpkg":
        return [export_geopackage(inv, path, lang)]
    raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")


def to_bytes(inv: Inventory, fmt: str, lang: str = "zh", table: str = "sources") -> bytes:
    """The bytes of one export, for download buttons.

    ``xlsx`` and ``gpkg`` hold every table; ``csv`` and ``geojson`` hold the one
    ``table`` asked for (``geojson``: ``sources`` or ``areas``).
    """
    if table not in TABLES:
        raise RiskmapError(f"unknown inventory table '{table}'; known: {', '.join(TABLES)}")
    if fmt == "csv":
        return _csv_bytes(getattr(inv, table), lang)
    if fmt == "xlsx":
        return _xlsx_bytes(inv, lang)
    if fmt == "geojson":
        if table not in SPATIAL_TABLES:
            raise RiskmapError(
                f"GeoJSON holds a spatial table ({', '.join(SPATIAL_TABLES)}), not '{table}'"
            )
        return _geojson_bytes(getattr(inv, table), lang)
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            out = export_geopackage(inv, Path(tmp) / "inventory.gpkg", lang)
            return out.read_bytes()
    raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")


def write_assess_outputs(inv: Inventory, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    """The inventory files of ``python -m riskmap assess``: ``inventory.csv`` (sources,
    UTF-8 with BOM), ``inventory.xlsx`` (every table) and ``districts.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        export_csv(inv.sources, out / "inventory.csv", lang),
        export_xlsx(inv, out / "inventory.xlsx", lang),
        export_csv(inv.districts, out / "districts.csv", lang),
    ]
