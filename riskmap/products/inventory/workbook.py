"""Writing the inventory as one XLSX workbook (:func:`export_xlsx`): a sheet per table,
headers bold and frozen, level cells in the level's colour, widths fitted, text cells stored
as text (never a formula).
"""

from __future__ import annotations

import io
import math
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.errors import RiskmapError
from riskmap.io import text_cells
from riskmap.products.inventory.base import (
    _LEVEL_KEYS,
    ABOUT,
    CELLS,
    COUNTIES,
    SHEET_NAMES,
    TABLES,
    Inventory,
    header_labels,
    view_table,
)
from riskmap.products.inventory.filters import about_table
from riskmap.products.inventory.layers import round_for_people

XLSX_MAX_ROWS = 1_048_576
"""Rows of an Excel worksheet, the header included."""

_WRAP = frozenset({"measures", "risk_point", "accident_types", "value"})


def export_xlsx(inv: Inventory, path: str | Path, lang: str = "zh", *, cells: bool = False) -> Path:
    """Write every table as a sheet of one workbook.

    Sheets: sources, areas, districts, accidents by month and by quarter (when there are
    accidents), parameters; the cells when ``cells`` (and the inventory has them); first a
    sheet 说明 / About naming the filters when the inventory is filtered. Header row frozen
    and bold, level cells filled with the level colour, per-level header cells of the
    district sheet coloured, column widths fitted to the text (Chinese characters count
    double), long texts wrapped, numbers rounded to meaningful digits.

    Raises
    ------
    RiskmapError
        The cells do not fit in a worksheet (export them as a GeoPackage instead).
    """
    path = Path(path)
    path.write_bytes(_xlsx_bytes(inv, lang, cells=cells))
    return path


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "FFFFFF"


def _sheets(inv: Inventory, lang: str, cells: bool) -> list[tuple[str, pd.DataFrame]]:
    """(table, frame in one language without geometry, canonical columns), in sheet order."""
    tables = [t for t in TABLES if not (t.startswith("accidents") and getattr(inv, t).empty)]
    if inv.counties is not None:
        tables.insert(tables.index("districts") + 1, COUNTIES)
    if cells and inv.cells is not None:
        if len(inv.cells) + 1 > XLSX_MAX_ROWS:
            raise RiskmapError(
                f"{len(inv.cells):,} cells do not fit in an Excel sheet "
                f"({XLSX_MAX_ROWS - 1:,} rows at most): export the cells as a GeoPackage "
                "(gpkg), or filter the inventory by district"
            )
        tables.append(CELLS)
    out = []
    if inv.filters:
        out.append((ABOUT, about_table(inv, lang, tables=tables)))
    for table in tables:
        frame = inv.cells if table == CELLS and inv.cells is not None else getattr(inv, table)
        if frame is None:
            continue
        view = view_table(frame, lang)
        if "geometry" in view.columns:
            view = pd.DataFrame(view.drop(columns="geometry"))
        out.append((table, round_for_people(view)))
    return out


def _xlsx_bytes(inv: Inventory, lang: str, *, cells: bool = False) -> bytes:
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
    for table, view in _sheets(inv, lang, cells):
        columns = list(view.columns)
        labels = header_labels(columns, lang, table)
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
            width = min(max(width, 8), 60 if c in _WRAP else 40)
            ws.column_dimensions[get_column_letter(j)].width = width
            if c in _WRAP:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        text_cells(ws)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_value(v: Any) -> Any:
    if v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v
