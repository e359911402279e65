"""Days and periods of a study: the project's data as of a day (:func:`as_of_data`), and
dates read from text and columns."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from datetime import date
from typing import TYPE_CHECKING, Any

from riskmap.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from riskmap.io import ProjectData


def _day(what: str, value: str | date) -> date:
    """A date from a date, a datetime or ISO text (``2020-12-31``)."""
    from datetime import date as date_cls
    from datetime import datetime

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date_cls):
        return value
    try:
        return date_cls.fromisoformat(str(value).strip())
    except ValueError as err:
        raise ConfigError(f"the {what} '{value}' is not a date: write it as 2020-12-31") from err


class _AsOfCache:
    """The as-of data made lately, by the data they were made from and (day, history).

    A study is set up again for every change of an app's settings and every day of a
    timeline; the data as of a day are the same for the same data and day, and take a
    tenth of a second or more to make. The data are keyed by identity (a ProjectData
    is never edited: a change of its files or layers gives a new one), checked against a
    fingerprint of its layers (each layer and its frame by identity and length) and
    dropped with the data: an entry never outlives its data or serves other data.
    """

    def __init__(self, size: int = 8) -> None:
        self._items: OrderedDict[tuple[int, date, bool], tuple[Any, tuple[Any, ...], Any]] = (
            OrderedDict()
        )
        self._size = size
        # Re-entrant: dropping an entry may free the last reference to its data, whose
        # finalizer (_drop) then runs in this thread while the lock is held.
        self._lock = threading.RLock()

    @staticmethod
    def _fingerprint(data: ProjectData) -> tuple[Any, ...]:
        return (
            id(data.project),
            *((name, id(lyr), id(lyr.gdf), len(lyr.gdf)) for name, lyr in data.layers.items()),
        )

    def get(self, data: ProjectData, day: date, history: bool) -> ProjectData | None:
        key = (id(data), day, history)
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            ref, fingerprint, result = item
            if ref() is not data or fingerprint != self._fingerprint(data):
                del self._items[key]
                return None
            self._items.move_to_end(key)
            out: ProjectData = result
            return out

    def put(self, data: ProjectData, day: date, history: bool, result: ProjectData) -> None:
        key = (id(data), day, history)
        dropped = []  # released after the lock: they may hold the last reference to data
        with self._lock:
            self._items[key] = (weakref.ref(data), self._fingerprint(data), result)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                dropped.append(self._items.popitem(last=False))
        del dropped
        weakref.finalize(data, self._drop, key)

    def _drop(self, key: tuple[int, date, bool]) -> None:
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0]() is None:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_AS_OF = _AsOfCache()


def as_of_data(data: ProjectData, day: date, *, history: bool = True) -> ProjectData:
    """The project's data as of the end of ``day``: features outside their validity
    (``valid_from`` <= day < ``valid_to``) left out, and (``history``) dated records
    (layers of the ``history`` group with a ``date``) kept when within the project's
    ``time.accident_window_years`` before the day (and not after it).

    The result is kept for the same ``data`` object, day and ``history`` (a few recent
    ones): asked again, the same ProjectData is returned at once.

    Returns
    -------
    ProjectData
        A new ProjectData (the same project and files; fewer features), or ``data``
        itself when nothing is left out.
    """
    kept = _AS_OF.get(data, day, history)
    if kept is not None:
        return kept
    result = _as_of_data(data, day, history=history)
    _AS_OF.put(data, day, history, result)
    return result


def _as_of_data(data: ProjectData, day: date, *, history: bool) -> ProjectData:
    from dataclasses import replace as dc_replace

    import pandas as pd

    end = pd.Timestamp(day)
    window = data.project.time.accident_window_years
    start = (pd.Timestamp(day) - pd.DateOffset(days=round(window * 365.25))).date()
    layers = {}
    if (
        not any(
            c in layer.gdf.columns
            for layer in data.layers.values()
            for c in ("valid_from", "valid_to")
        )
        and not history
    ):
        return data
    for name, layer in data.layers.items():
        gdf = layer.gdf
        keep = pd.Series(True, index=gdf.index)
        if history and layer.kind.group == "history" and "date" in gdf.columns:
            when = pd_dates(gdf["date"])
            keep &= when.notna() & (when > pd.Timestamp(start)) & (when <= end)
        if "valid_from" in gdf.columns:
            since = pd_dates(gdf["valid_from"])
            keep &= since.isna() | (since <= end)
        if "valid_to" in gdf.columns:
            until = pd_dates(gdf["valid_to"])
            keep &= until.isna() | (until > end)
        layers[name] = layer if keep.all() else dc_replace(layer, gdf=gdf[keep.to_numpy()])
    return dc_replace(data, layers=layers)


def _period(what: str, period: tuple[str, str] | tuple[date, date]) -> tuple[date, date]:
    """Two dates in order from (start, end) strings (ISO) or dates."""
    from datetime import date as date_cls

    try:
        start, end = (
            v if isinstance(v, date_cls) else date_cls.fromisoformat(str(v).strip()) for v in period
        )
    except ValueError as err:
        raise ConfigError(
            f"the {what} period {period!r} is not two dates: write it as 2019-01-01..2020-12-31"
        ) from err
    if end < start:
        raise ConfigError(f"the {what} period ends ({end}) before it begins ({start})")
    return start, end


def pd_dates(values: pd.Series) -> pd.Series:
    """Days of a column (datetimes, dates or date strings) as midnight timestamps (NaT
    where empty or not a date)."""
    import pandas as pd

    return pd.to_datetime(values, errors="coerce").dt.normalize()
