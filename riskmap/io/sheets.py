"""Tables written for spreadsheets, safe to open: the one writer of every CSV and XLSX.

Names come from uploaded files and registers; a name such as ``=HYPERLINK(...)`` or
``=cmd|' /C calc'!A0`` must never become a live formula in Excel or WPS (CSV/formula
injection). Every CSV riskmap writes goes through :func:`csv_bytes` / :func:`write_csv`,
which prefix a text cell that starts with ``= + - @`` (or a tab or carriage return) with
an apostrophe, as OWASP recommends; every XLSX sheet goes through :func:`text_cells`,
which stores text cells as text (never a formula). Numbers stay numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula."""


def safe_text(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard_text(value: str) -> str:
    """The text that :func:`safe_text` guarded (for reading riskmap's own files back)."""
    if value[:1] == "'" and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are safe to open in a spreadsheet (numbers untouched)."""
    out = pd.DataFrame(frame).copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(safe_text)
    out.columns = [safe_text(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, *, lineterminator: str = "\r\n") -> bytes:
    """The table as CSV for Excel: UTF-8 with a byte-order mark, text cells made safe."""
    text = safe_frame(frame).to_csv(index=False, lineterminator=lineterminator)
    return text.encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`csv_bytes` of the table to ``path``."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame))
    return path


def text_cells(ws: Any) -> None:
    """Store every text cell of an openpyxl worksheet as text, never as a formula."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


__all__ = [
    "FORMULA_STARTS",
    "csv_bytes",
    "safe_frame",
    "safe_text",
    "text_cells",
    "unguard_text",
    "write_csv",
]
