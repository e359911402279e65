"""The readings store: monitoring readings and the warnings they raise, in the register's
database (SQLite by default, PostgreSQL where the project names a server; tables
``monitor_readings`` and ``monitor_warnings``, made by the register's migrations).

A reading is (sensor, layer, feature, quantity, unit, time, value); times are stored in
UTC (ISO 8601). A reading repeated with the same value is skipped; the same sensor,
quantity and time with another value is a conflict. Warnings are derived from the
readings of each feature and quantity (:mod:`riskmap.monitoring.warnings`) and recomputed
idempotently; an acknowledgement (who, when) survives the recomputation.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from riskmap.config import MonitoredQuantity
from riskmap.errors import RegisterError, RiskmapError
from riskmap.monitoring.warnings import LEVELS, episodes
from riskmap.register.database import Conn, Database

READING_COLUMNS = ("sensor_id", "layer", "feature_id", "quantity", "unit", "time", "value")
"""Columns of a readings table."""

WARNING_COLUMNS = (
    "id",
    "layer",
    "feature_id",
    "quantity",
    "level",
    "start",
    "end_time",
    "peak",
    "peak_time",
    "acknowledged_by",
    "acknowledged_at",
)
"""Columns of a warnings table."""


@dataclass(frozen=True)
class AddResult:
    """What :meth:`ReadingStore.add` did: readings stored, repeats skipped (same value
    again), and how many stored readings were older than the sensor's latest (out of
    order: stored in their place by time)."""

    stored: int
    repeated: int
    out_of_order: int


class ReadingStore:
    """Readings and warnings in the register's database (safe for several processes).

    Parameters
    ----------
    path
        The register's database: a file (created when missing; the project's register
        file by default, see :func:`default_store_path`) or a ``postgresql://`` URL.
    """

    def __init__(self, path: str | Path) -> None:
        self._lock = threading.RLock()
        try:
            self._db = Database(path)
        except RegisterError as exc:
            raise RiskmapError(f"cannot open the readings store: {exc}") from None
        self.path = self._db.path
        self.name = self._db.name

    def __enter__(self) -> ReadingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give the connection pool back (see :meth:`Database.close`)."""
        self._db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Conn]:
        with self._lock, self._db.write() as conn:
            yield conn

    def _rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self._db.read() as conn:
            return [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]

    def add(self, readings: pd.DataFrame) -> AddResult:
        """Store validated readings (:data:`READING_COLUMNS`; ``time`` timezone-aware or
        UTC) in one transaction.

        Raises
        ------
        RiskmapError
            A reading has the same sensor, quantity and time as a stored one with another
            value (nothing is stored).
        """
        if readings.empty:
            return AddResult(0, 0, 0)
        df = readings.loc[:, list(READING_COLUMNS)].copy()
        df["time"] = _utc_text(df["time"])
        stored = repeated = 0
        with self._write() as conn:
            latest = dict(
                conn.execute(
                    "SELECT sensor_id || '|' || quantity, MAX(time) FROM monitor_readings "
                    "GROUP BY sensor_id, quantity"
                ).fetchall()
            )
            late = 0
            for r in df.itertuples(index=False):
                old = conn.execute(
                    "SELECT value FROM monitor_readings WHERE sensor_id = ? AND quantity = ? "
                    "AND time = ?",
                    (r.sensor_id, r.quantity, r.time),
                ).fetchone()
                if old is not None:
                    if float(old[0]) != float(r.value):  # type: ignore[arg-type]
                        raise RiskmapError(
                            f"sensor {r.sensor_id} {r.quantity} at {r.time}: {r.value} differs "
                            f"from the stored {old[0]}; nothing was stored"
                        )
                    repeated += 1
                    continue
                before = latest.get(f"{r.sensor_id}|{r.quantity}")
                late += int(before is not None and r.time < before)  # older than the stored
                conn.execute(
                    f"INSERT INTO monitor_readings ({', '.join(READING_COLUMNS)}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        r.sensor_id,
                        r.layer,
                        r.feature_id,
                        r.quantity,
                        r.unit,
                        r.time,
                        float(r.value),  # type: ignore[arg-type]
                    ),
                )
                stored += 1
        return AddResult(stored, repeated, late)

    def readings(
        self,
        *,
        layer: str | None = None,
        feature_id: str | None = None,
        quantity: str | None = None,
    ) -> pd.DataFrame:
        """Stored readings, oldest first (``time`` as UTC timestamps)."""
        where, params = _where(layer=layer, feature_id=feature_id, quantity=quantity)
        rows = self._rows(
            f"SELECT {', '.join(READING_COLUMNS)} FROM monitor_readings{where} ORDER BY time",
            params,
        )
        df = pd.DataFrame(rows, columns=list(READING_COLUMNS))
        df["time"] = pd.to_datetime(df["time"], utc=True)
        return df

    def update_warnings(self, quantities: Mapping[tuple[str, str], MonitoredQuantity]) -> int:
        """Recompute every warning from the readings (idempotent; acknowledgements kept).

        Parameters
        ----------
        quantities
            (layer, quantity) -> its :class:`~riskmap.config.MonitoredQuantity` (from the
            layer's kind): readings of other pairs raise no warning.

        Returns
        -------
        int
            Warnings now in the store.
        """
        readings = self.readings()
        found = []
        for (layer, feature, quantity), g in readings.groupby(
            ["layer", "feature_id", "quantity"], sort=True
        ):
            spec = quantities.get((str(layer), str(quantity)))
            if spec is None:
                continue
            for ep in episodes(g["time"], g["value"].to_numpy(float), spec):
                found.append((layer, feature, quantity, ep))
        with self._write() as conn:
            acks = {
                (r[0], r[1], r[2], r[3]): (r[4], r[5])
                for r in conn.execute(
                    "SELECT layer, feature_id, quantity, start, acknowledged_by, acknowledged_at "
                    "FROM monitor_warnings WHERE acknowledged_by IS NOT NULL"
                )
            }
            conn.execute("DELETE FROM monitor_warnings")
            for layer, feature, quantity, ep in found:
                start = _iso(ep.start)
                by, at = acks.get((layer, feature, quantity, start), (None, None))
                conn.execute(
                    "INSERT INTO monitor_warnings (layer, feature_id, quantity, level, start, "
                    "end_time, peak, peak_time, acknowledged_by, acknowledged_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (layer, feature, quantity, ep.level, start,
                     _iso(ep.end) if ep.end is not None else None, ep.peak, _iso(ep.peak_time),
                     by, at),
                )  # fmt: skip
        return len(found)

    def warnings(self) -> pd.DataFrame:
        """Every warning (:data:`WARNING_COLUMNS`), latest first."""
        rows = self._rows(
            f"SELECT {', '.join(WARNING_COLUMNS)} FROM monitor_warnings ORDER BY start DESC, id"
        )
        df = pd.DataFrame(rows, columns=list(WARNING_COLUMNS))
        for c in ("start", "end_time", "peak_time", "acknowledged_at"):
            df[c] = pd.to_datetime(df[c], utc=True)
        return df

    def active_warnings(self, at: datetime | str) -> pd.DataFrame:
        """Warnings open at a moment: start <= at and (no end yet, or end > at)."""
        moment = pd.Timestamp(at)
        moment = moment.tz_localize("Asia/Shanghai") if moment.tzinfo is None else moment
        w = self.warnings()
        if w.empty:
            return w
        open_ = (w["start"] <= moment) & (w["end_time"].isna() | (w["end_time"] > moment))
        return w[open_].reset_index(drop=True)

    def acknowledge(self, warning_id: int, by: str) -> None:
        """Record who acknowledged a warning, and when.

        Raises
        ------
        RiskmapError
            No such warning, or no name.
        """
        who = str(by or "").strip()
        if not who or len(who) > 100 or any(ord(ch) < 32 for ch in who):
            raise RiskmapError(
                "say who acknowledges the warning (one line, at most 100 characters)"
            )
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE monitor_warnings SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ?",
                (who, _iso(datetime.now(UTC)), int(warning_id)),
            )
            if cur.rowcount == 0:
                raise RiskmapError(f"no warning {warning_id}")


def boosts_of(
    active: pd.DataFrame, quantities: Mapping[tuple[str, str], MonitoredQuantity]
) -> dict[str, dict[str, float]]:
    """Dynamic risk: layer -> {feature -> intensity factor} of the open warnings (the
    largest factor when a feature has several)."""
    out: dict[str, dict[str, float]] = {}
    for r in active.itertuples(index=False):
        spec = quantities.get((str(r.layer), str(r.quantity)))
        if spec is None:
            continue
        factor = float(spec.intensity_factor.get(r.level, 1.0))  # type: ignore[call-overload]
        layer = out.setdefault(str(r.layer), {})
        layer[str(r.feature_id)] = max(layer.get(str(r.feature_id), 1.0), factor)
    return out


def _where(**conds: Any) -> tuple[str, list[Any]]:
    parts, params = [], []
    for k, v in conds.items():
        if v is not None:
            parts.append(f"{k} = ?")
            params.append(v)
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def _utc_text(times: pd.Series) -> pd.Series:
    t = pd.to_datetime(times, utc=True)
    return t.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _iso(t: Any) -> str:
    return pd.Timestamp(t).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S+00:00")


__all__ = ["LEVELS", "AddResult", "ReadingStore", "boosts_of"]
