"""The register's files and tables for people: reading CSV/XLSX rows for import (through
riskmap.io's tables: encodings, row numbers as the user counts them), formatting hazards
with labels, and writing XLSX exports that are safe to open.
"""

from __future__ import annotations

import builtins
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmap.errors import (
    LayerDataError,
    Problem,
    ValidationReport,
)
from riskmap.io import text_cells
from riskmap.register.values import EXPORT_FIELDS, _is_blank
from riskmap.register.vocabulary import COLUMN_HEADERS, label

_TABLE_FORMATS = ("CSV", "Excel workbook")

_PLACEHOLDER_HEADER = re.compile(r"\(column \d+\)")  # read_table's name for a blank header


def _read_rows(
    path: Path, sheet: str | None, name: str
) -> tuple[
    builtins.list[str], builtins.list[tuple[int, builtins.list[object]]], builtins.list[Problem]
]:
    """Header, ``(spreadsheet row, values)`` of every non-blank data row, and reading problems.

    Raises
    ------
    LayerDataError
        The file is missing, not a CSV/XLSX file, or unreadable (``report`` says why).
    """
    from riskmap.io import SUPPORTED_FORMATS, read_table

    if SUPPORTED_FORMATS.get(path.suffix.lower()) not in _TABLE_FORMATS:
        problem = Problem(
            "error",
            "unsupported_format",
            f"files of type '{path.suffix or '(none)'}' cannot be imported",
            "save it as .xlsx or as .csv in UTF-8",
            file=name,
        )
        raise LayerDataError(f"{name}: cannot import", ValidationReport([problem]))
    frame, problems = read_table(path, sheet=sheet, source_name=name)
    header = ["" if _PLACEHOLDER_HEADER.fullmatch(str(h)) else str(h) for h in frame.columns]
    rows = [
        (int(row), builtins.list(values))
        for row, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
        if not all(_is_blank(v) for v in values)
    ]
    return header, rows, problems


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`HazardRegister.import_file` did.

    Attributes
    ----------
    file : the file name as the user knows it.
    numbers : unified numbers assigned, in file order (empty for a dry run).
    rows : data rows read.
    report : warnings (an import with errors raises ``LayerDataError`` instead).
    """

    file: str
    numbers: tuple[str, ...]
    rows: int
    report: ValidationReport

    @property
    def count(self) -> int:
        return len(self.numbers)


def _plain(value: Any) -> Any:
    """A plain Python value: numpy scalars unwrapped, missing values (NaN, NA) as None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_xlsx(
    table: pd.DataFrame,
    path: Path,
    sheet: str,
    more: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Write a table (and ``more`` sheets after it) with openpyxl: dates as dates, every
    text cell as text (never a formula)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for i, (title, frame) in enumerate([(sheet, table), *(more or {}).items()]):
        if i:
            ws = wb.create_sheet()
        ws.title = title
        ws.append([str(c) for c in frame.columns])
        for values in frame.itertuples(index=False, name=None):
            ws.append([None if _is_blank(v) else _plain(v) for v in values])
        text_cells(ws)
        ws.freeze_panes = "A2"
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)


def format_hazards(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A table of records for people: export columns, headers and labels in one language.

    Parameters
    ----------
    df
        Rows from :meth:`HazardRegister.list` (not modified).
    lang
        ``"zh"``: Chinese headers (统一编号, 隐患名称 ...) and labels (危化, 重大, 已登记,
        是/否); ``"en"``: English headers (Number, Hazard ...) and labels standing alone
        (Hazardous chemicals, Major, Registered, Yes/No). Both import back.
    """
    en = lang == "en"
    out = df.loc[:, builtins.list(EXPORT_FIELDS)].copy()
    for name in ("category", "grade", "status"):
        out[name] = out[name].map(lambda c, n=name: _word(label(n, c, lang), en))
    for name in ("listed", "overdue"):
        out[name] = out[name].map({True: "Yes" if en else "是", False: "No" if en else "否"})
    out = out.rename(columns={f: COLUMN_HEADERS[f]["en" if en else "zh"] for f in EXPORT_FIELDS})
    return out.reset_index(drop=True)


def _word(text: str, en: bool) -> str:
    """A label standing alone: capitalised in English (riskmap's sentences use lower case)."""
    return text[:1].upper() + text[1:] if en and isinstance(text, str) else text
