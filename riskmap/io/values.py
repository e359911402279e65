"""The reading of cell values from messy tables: text (full-width forms, null tokens),
numbers (thousands separators, decimal commas, full-width digits) and the tokens of
booleans and grades.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

_NULL_TOKENS = frozenset(
    {"", "null", "none", "nan", "nat", "n/a", "na", "#n/a", "-", "--", "—", "/"}
)


_TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1", "是", "对", "有", "真", "已整改", "√"})


_FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0", "否", "错", "无", "假", "未整改", "×"})


_CN_DIGITS = str.maketrans("一二三四五六七八九", "123456789")


def _norm_text(s: str) -> str:
    """Full-width -> half-width (NFKC), stripped."""
    return unicodedata.normalize("NFKC", s).strip()


def _cell_text(v: Any) -> str | None:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        if not np.isfinite(v):
            return None
        if v.is_integer():  # a code stored as a number: its digits, never 9.14e+19
            return str(int(v)) if abs(v) < 1e15 else f"{v:.0f}"
        return repr(v)
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, np.floating):
        return _cell_text(float(v))
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    text = str(v).strip()
    return None if text.lower() in _NULL_TOKENS else text


def _to_text(values: pd.Series) -> pd.Series:
    """Stripped text of every value (object dtype), ``None`` where the value is missing."""
    if pd.api.types.is_string_dtype(values) and not is_numeric_dtype(values):
        # Arrow-backed strings: strip/lower/isin run in C, not per value in Python.
        stripped = pd.Series(values, dtype="string[pyarrow]").str.strip()
        null = (stripped.isna() | stripped.str.lower().isin(_NULL_TOKENS)).to_numpy(dtype=bool)
        arr = np.array(stripped.to_numpy(dtype=object), dtype=object)  # NA is in `null`
        arr[null] = None
        return pd.Series(arr, index=values.index, dtype="object")
    arr = np.array([_cell_text(v) for v in values.to_numpy(dtype=object)], dtype=object)
    return pd.Series(arr, index=values.index, dtype=object)


_THOUSANDS_COMMA = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
_DECIMAL_COMMA = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$"


def decimal_comma(text: pd.Series) -> bool:
    """Whether a column writes numbers with a decimal comma (``1500,5``, ``1.234,5``), as
    European locales and some exports do: some value has a comma that is not a thousands
    separator (one followed by other than groups of three digits, or after dot groups)."""
    values = pd.Series(text.dropna().to_numpy(), dtype="string").str.normalize("NFKC").str.strip()
    with_comma = values[values.str.contains(",", regex=False)]
    if with_comma.empty:
        return False
    decimal = with_comma.str.fullmatch(_DECIMAL_COMMA)
    thousands = with_comma.str.fullmatch(_THOUSANDS_COMMA)
    return bool((decimal & ~thousands).any())


def _numbers(values: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], pd.Series]:
    """Parse numbers: (values, missing, text). NaN where missing or not a number.

    The number format is read per column: thousands separators (``1,500``), full-width
    digits and inner spaces are understood; a column with a decimal comma (see
    :func:`decimal_comma`) is read with ``,`` as the decimal mark and ``.`` as thousands.
    """
    if is_numeric_dtype(values) and not is_bool_dtype(values):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = ~np.isfinite(arr)
        return np.where(missing, np.nan, arr), missing, _to_text(values)
    text = _to_text(values)
    missing = text.isna().to_numpy()
    if decimal_comma(text):
        cleaned = (
            pd.Series(text.to_numpy(), dtype="string")
            .str.normalize("NFKC")
            .str.replace(r"\s+", "", regex=True)
            .str.replace(".", "", regex=False)
            .str.replace(",", ".", regex=False)
        )
        num = np.array(
            pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        )
        num[~np.isfinite(num)] = np.nan
        return num, missing, text
    num = np.array(pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
    retry = np.flatnonzero(~missing & np.isnan(num))
    if retry.size:  # full-width digits, thousands separators, inner spaces
        cleaned = (
            pd.Series(text.iloc[retry].to_numpy(), dtype="string")
            .str.normalize("NFKC")
            .str.replace(",", "", regex=False)
            .str.replace(r"\s+", "", regex=True)
        )
        num[retry] = pd.to_numeric(cleaned, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    num[~np.isfinite(num)] = np.nan
    return num, missing, text
