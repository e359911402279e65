"""Warnings from readings: a warning opens when a reading crosses the lowest threshold
of its quantity, takes the highest level its readings reach, and ends with the first
reading back on the safe side (its end; None while it lasts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmap.config import MonitoredQuantity

LEVELS: tuple[str, ...] = ("blue", "yellow", "orange", "red")
"""Warning levels, lowest first (蓝黄橙红预警)."""

LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "blue": ("蓝色预警", "Blue warning"),
    "yellow": ("黄色预警", "Yellow warning"),
    "orange": ("橙色预警", "Orange warning"),
    "red": ("红色预警", "Red warning"),
}
"""The levels' names (zh, en)."""


@dataclass(frozen=True)
class Episode:
    """One warning: when it started and ended, its level and its peak reading."""

    start: Any
    end: Any | None
    level: str
    peak: float
    peak_time: Any


def level_of(value: float, spec: MonitoredQuantity) -> str | None:
    """The warning level a reading reaches (None: on the safe side)."""
    reached = None
    for lv in LEVELS:
        thr = spec.thresholds.get(lv)  # type: ignore[call-overload]
        if thr is None:
            continue
        hit = value >= thr if spec.direction == "above" else value <= thr
        if hit:
            reached = lv
    return reached


def episodes(times: pd.Series, values: np.ndarray, spec: MonitoredQuantity) -> Iterator[Episode]:
    """The warnings of one feature's readings of one quantity, in time order."""
    order = np.argsort(pd.to_datetime(times, utc=True).to_numpy(), kind="stable")
    t = pd.to_datetime(times, utc=True).to_numpy()[order]
    v = np.asarray(values, dtype=float)[order]
    start: Any = None
    top = -1
    peak: Any = None
    peak_time: Any = None
    for when, value in zip(t, v, strict=True):
        lv = level_of(float(value), spec)
        if lv is not None:
            rank = LEVELS.index(lv)
            worse = peak is None or (value > peak if spec.direction == "above" else value < peak)
            if start is None:
                start, top, peak, peak_time = when, rank, value, when
            else:
                top = max(top, rank)
                if worse:
                    peak, peak_time = value, when
        elif start is not None:
            yield Episode(
                pd.Timestamp(start),
                pd.Timestamp(when),
                LEVELS[top],
                float(peak),
                pd.Timestamp(peak_time),
            )  # type: ignore[arg-type]
            start, top, peak, peak_time = None, -1, None, None
    if start is not None:
        yield Episode(pd.Timestamp(start), None, LEVELS[top], float(peak), pd.Timestamp(peak_time))
