"""Reading readings files (CSV, XLSX) into validated readings, every problem with its
file, row and column and what to do (as for layers)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmap.config import MonitoredQuantity
from riskmap.errors import LayerDataError, Problem, ValidationReport
from riskmap.io import read_table

HEADERS: dict[str, tuple[str, ...]] = {
    "sensor_id": ("传感器编号", "设备编号", "测点编号", "sensor_id", "sensor"),
    "layer": ("图层", "layer"),
    "feature_id": ("关联要素编号", "要素编号", "feature_id", "feature"),
    "quantity": ("监测量", "指标", "quantity"),
    "unit": ("单位", "unit"),
    "time": ("时间", "监测时间", "time", "timestamp"),
    "value": ("数值", "监测值", "value"),
}
"""Accepted headers of each column (Chinese and English)."""


def read_readings(
    path: str | Path,
    quantities: Mapping[tuple[str, str], MonitoredQuantity],
    *,
    feature_ids: Mapping[str, set[str]] | None = None,
    source_name: str | None = None,
) -> pd.DataFrame:
    """Read and check a readings file.

    Parameters
    ----------
    path
        A CSV (UTF-8 or GBK) or XLSX file with the columns of :data:`HEADERS`; times
        with a zone (``2021-07-18T09:00:00+08:00``) or without (China Standard Time).
    quantities
        (layer, quantity) -> its definition: the pairs a reading may have.
    feature_ids
        Layer -> the feature ids it has: a reading must name a feature of its layer.
    source_name
        The file's name in problems.

    Returns
    -------
    pandas.DataFrame
        Readings (sensor_id, layer, feature_id, quantity, unit, time (UTC), value),
        sorted by time.

    Raises
    ------
    LayerDataError
        Any problem: its report names the file, row and column of each.
    """
    name = source_name or Path(path).name
    frame, problems = read_table(path, source_name=name)
    found = {str(c).strip(): c for c in frame.columns}
    cols: dict[str, Any] = {}
    for key, names in HEADERS.items():
        hit = next((found[n] for n in names if n in found), None)
        if hit is None:
            problems.append(
                Problem(
                    "error",
                    "missing_column",
                    f"no column for {key} ({names[0]})",
                    f"name a column {' or '.join(names[:3])}",
                    name,
                    None,
                    1,
                    None,
                )
            )
        cols[key] = hit
    if any(p.severity == "error" for p in problems):
        raise LayerDataError(f"{name}: cannot read the readings", ValidationReport(problems))
    df = pd.DataFrame({k: frame[c] for k, c in cols.items()})
    rows = frame.index.to_numpy()
    for k in ("sensor_id", "layer", "feature_id", "quantity", "unit"):
        df[k] = df[k].astype("string").str.strip().fillna("")
    values = pd.to_numeric(df["value"], errors="coerce")
    times = _times(df["time"])

    def bad(mask: np.ndarray, column: Any, what: str, hint: str) -> None:
        for i in np.flatnonzero(mask):
            problems.append(
                Problem(
                    "error",
                    "bad_value",
                    what.format(v=frame[column].iloc[i]),
                    hint,
                    name,
                    None,
                    int(rows[i]),
                    str(column),
                )
            )

    bad(
        values.isna().to_numpy(),
        cols["value"],
        "'{v}' is not a number",
        "write the value as a number",
    )
    bad(times.isna().to_numpy(), cols["time"], "'{v}' is not a time",
        "write the time as 2021-07-18 09:00 (China Standard Time) or with its zone")  # fmt: skip
    for k in ("sensor_id", "layer", "feature_id", "quantity"):
        bad((df[k] == "").to_numpy(), cols[k], "empty", f"fill in the {k}")
    pair_ok = np.array(
        [(lyr, q) in quantities for lyr, q in zip(df["layer"], df["quantity"], strict=True)]
    )
    known = ", ".join(f"{lyr}:{q} ({s.unit})" for (lyr, q), s in sorted(quantities.items()))
    bad(~pair_ok & (df["quantity"] != "").to_numpy(), cols["quantity"],
        "'{v}' is not measured on this layer", f"use one of {known}")  # fmt: skip
    unit_ok = np.array(
        [
            not ok or quantities[(lyr, q)].unit == u
            for lyr, q, u, ok in zip(df["layer"], df["quantity"], df["unit"], pair_ok, strict=True)
        ]
    )
    bad(~unit_ok, cols["unit"], "unit '{v}' is not the quantity's unit",
        "convert the values to the unit the layer kind declares")  # fmt: skip
    if feature_ids is not None:
        unknown = np.array(
            [
                lyr in feature_ids and f not in feature_ids[lyr]
                for lyr, f in zip(df["layer"], df["feature_id"], strict=True)
            ]
        )
        bad(unknown, cols["feature_id"], "no feature '{v}' in its layer",
            "give the id of a feature of the layer")  # fmt: skip
    ident = df["sensor_id"] + "|" + df["quantity"] + "|" + times.astype(str)
    dup = ident.duplicated(keep=False).to_numpy()
    clash = (
        pd.Series(values.to_numpy()).groupby(ident.to_numpy()).transform("nunique").to_numpy() > 1
    )
    bad(dup & clash, cols["value"], "the same sensor and time twice with different values ({v})",
        "keep the right value only")  # fmt: skip
    report = ValidationReport(problems)
    if not report.ok:
        raise LayerDataError(f"{name}: the readings have errors", report)
    out = df.assign(time=times, value=values).drop_duplicates(["sensor_id", "quantity", "time"])
    return out.sort_values("time", kind="stable").reset_index(drop=True)


def _times(values: pd.Series) -> pd.Series:
    """UTC timestamps of times with a zone, or China Standard Time without (NaT where a
    value is not a time); a file may mix both."""

    def one(text: str) -> pd.Timestamp | None:
        try:
            t = pd.Timestamp(text)
        except (ValueError, TypeError):
            return None
        if t is pd.NaT:
            return None
        return (t.tz_localize("Asia/Shanghai") if t.tzinfo is None else t).tz_convert("UTC")

    text = values.astype(str).str.strip()
    parsed = {v: one(v) for v in text.unique()}
    return pd.to_datetime(text.map(parsed), utc=True)
