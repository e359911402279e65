"""Per-feature values of a layer kind's value rules (intensity, radius).

One evaluator for every module: the engine (:mod:`riskmap.engine`), the risk inventory
(:mod:`riskmap.products.inventory`) and anything else that needs a kind's intensity or radius.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from riskmap.config import ValueRule

__all__ = ["rule_values"]

_TRUE = {"true", "yes", "y", "是", "1"}
_FALSE = {"false", "no", "n", "否", "0", ""}


def rule_values(rule: ValueRule, gdf: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Evaluate a value rule on every feature (vectorised).

    The value is the category lookup ``rule.values[feature[rule.field]]`` (text,
    surrounding blanks ignored; ``rule.default`` when the field is absent, empty or not
    listed), plus ``coef x attribute`` for every linear term (booleans and yes/no texts
    such as 是/否 count 1/0; missing or non-numeric values count 0), clipped to
    ``[rule.min, rule.max]`` (either may be None).

    Parameters
    ----------
    rule
        A :class:`riskmap.config.ValueRule` (a kind's ``intensity`` or ``radius``).
    gdf
        The features; only their attribute columns are read. Not modified.

    Returns
    -------
    numpy.ndarray
        One float per feature, in the order of ``gdf``.
    """
    n = len(gdf)
    v = np.full(n, float(rule.default))
    lookup = dict(rule.values)
    if rule.field and rule.field in gdf.columns and lookup:
        col = gdf[rule.field]
        mapped = col.where(col.notna(), None).astype(str).str.strip().map(lookup)
        mapped_arr = pd.to_numeric(mapped, errors="coerce").to_numpy(dtype=float)
        v = np.where(np.isnan(mapped_arr), v, mapped_arr)
    for name, coef in rule.terms.items():
        if name not in gdf.columns:
            continue
        col = gdf[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            col = col.map(_truthy)
        elif col.dtype == bool:
            col = col.astype(float)
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        v = v + coef * np.nan_to_num(x, nan=0.0)
    lo = -np.inf if rule.min is None else rule.min
    hi = np.inf if rule.max is None else rule.max
    return np.clip(v, lo, hi)


def _truthy(x: Any) -> Any:
    if isinstance(x, str):
        s = x.strip().lower()
        if s in _TRUE:
            return 1.0
        if s in _FALSE:
            return 0.0
    return x
