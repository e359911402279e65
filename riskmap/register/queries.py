"""Reading a register (:class:`QueryMixin` of :class:`~riskmap.register.HazardRegister`):
records filtered and ordered (overdue first), one record, one record's history.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from riskmap.errors import RegisterError
from riskmap.register.files import _plain
from riskmap.register.schema import _DATE_COLUMNS, _RECORD_COLUMNS, _in_list
from riskmap.register.values import _text
from riskmap.register.vocabulary import OPEN_STATUSES, _norm_token, parse_code

if TYPE_CHECKING:
    from riskmap.register.store import HazardRegister

LIST_COLUMNS: tuple[str, ...] = (*_RECORD_COLUMNS, "overdue")
"""Columns of :meth:`HazardRegister.list` (codes, not labels; see :func:`format_hazards`)."""

HISTORY_COLUMNS: tuple[str, ...] = (
    "number",
    "step",
    "changed_at",
    "actor",
    "action",
    "from_status",
    "to_status",
    "note",
)


_OVERDUE_SQL = (
    f"CASE WHEN status IN ({_in_list(OPEN_STATUSES)}) AND (deadline < ? OR "
    "(listed = 1 AND listed_deadline < ?)) THEN 1 ELSE 0 END"
)


def _as_list(value: str | Iterable[str] | None) -> builtins.list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return builtins.list(value)


class QueryMixin:
    """The read-only methods of :class:`~riskmap.register.HazardRegister`."""

    def list(
        self,
        *,
        status: str | Iterable[str] | None = None,
        grade: str | Iterable[str] | None = None,
        category: str | Iterable[str] | None = None,
        district: str | Iterable[str] | None = None,
        adcode: str | Iterable[str] | None = None,
        overdue: bool | None = None,
        listed: bool | None = None,
        include_voided: bool = False,
        today: date | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Records as a DataFrame, overdue first, then listed, then by deadline.

        Parameters
        ----------
        status
            One status or several (codes or labels), or ``"open"`` for every status
            still in the loop. Voided records are left out unless asked for here or by
            ``include_voided``.
        grade, category, district, adcode
            One value or several (codes or labels for grade and category).
        overdue, listed
            Keep only records that are (True) or are not (False).
        today
            The date taken as today for ``overdue``.
        limit
            At most this many rows.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`LIST_COLUMNS`; dates are ``datetime.date``; ``listed`` and
            ``overdue`` are bool; codes, not labels (:func:`format_hazards` translates).
        """
        where: builtins.list[str] = []
        params: builtins.list[object] = []
        statuses = _as_list(status)
        if statuses is not None:
            codes: builtins.list[str] = []
            for s in statuses:
                codes.extend(
                    OPEN_STATUSES
                    if _norm_token(s) in ("open", "未销号", "在册")
                    else [parse_code("status", s)]
                )
            where.append(f"status IN ({', '.join('?' for _ in codes)})")
            params.extend(codes)
        elif not include_voided:
            where.append("status <> 'voided'")
        for name, values in (("grade", grade), ("category", category)):
            items = _as_list(values)
            if items is not None:
                where.append(f"{name} IN ({', '.join('?' for _ in items)})")
                params.extend(parse_code(name, v) for v in items)
        for name, values in (("district", district), ("adcode", adcode)):
            items = _as_list(values)
            if items is not None:
                where.append(f"{name} IN ({', '.join('?' for _ in items)})")
                params.extend(_text(v) for v in items)
        if listed is not None:
            where.append("listed = ?")
            params.append(int(listed))
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self._select(clause, params, today=today, overdue=overdue, limit=limit)

    def overdue(self, *, today: date | None = None) -> pd.DataFrame:
        """Open hazards past their rectification (or supervision) deadline: those listed
        for supervision (挂牌督办) first, then the longest overdue; a ``days_overdue``
        column counts days past the earlier missed deadline."""
        day = today or date.today()
        df = self.list(overdue=True, today=day)
        if df.empty:
            return df.assign(days_overdue=pd.Series(dtype="int64"))
        due = pd.to_datetime(df["deadline"])
        listed_due = pd.to_datetime(df["listed_deadline"], errors="coerce")
        missed = due.where(~(df["listed"].astype(bool) & (listed_due < due)), listed_due)
        df = df.assign(days_overdue=(pd.Timestamp(day) - missed).dt.days.astype("int64"))
        order = df.sort_values(["listed", "days_overdue", "number"], ascending=[False, False, True])
        return order.reset_index(drop=True)

    def get(self, number: str, *, today: date | None = None) -> dict[str, Any]:
        """One record as a dict (dates as ``datetime.date``, ``listed``/``overdue`` as bool).

        Raises
        ------
        RegisterError
            No hazard has this number.
        """
        df = self._select("WHERE number = ?", [number], today=today)
        if df.empty:
            raise RegisterError(f"no hidden hazard numbered '{number}' in the register")
        return {str(k): _plain(v) for k, v in df.iloc[0].to_dict().items()}

    def history(self, number: str) -> pd.DataFrame:
        """Every change of one hazard, oldest first (columns :data:`HISTORY_COLUMNS`).

        Raises
        ------
        RegisterError
            No hazard has this number.
        """
        rows = cast("HazardRegister", self)._query(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM hazard_history WHERE number = ? "
            "ORDER BY step",
            [number],
        )
        if not rows:
            self.get(number)  # raises for an unknown number
        return pd.DataFrame(rows, columns=builtins.list(HISTORY_COLUMNS))

    def _select(
        self,
        where: str,
        params: Sequence[object],
        *,
        today: date | None,
        overdue: bool | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        day = (today or date.today()).isoformat()
        sql = f"SELECT {', '.join(_RECORD_COLUMNS)}, {_OVERDUE_SQL} AS overdue FROM hazard {where}"
        full: builtins.list[object] = [day, day, *params]
        if overdue is not None:
            sql = f"SELECT * FROM ({sql}) q WHERE overdue = ?"
            full.append(int(overdue))
        sql += " ORDER BY overdue DESC, listed DESC, deadline ASC, number ASC"
        if limit is not None:
            sql += " LIMIT ?"
            full.append(int(limit))
        rows = cast("HazardRegister", self)._query(sql, full)
        df = pd.DataFrame(rows, columns=builtins.list(LIST_COLUMNS))
        for col in _DATE_COLUMNS:
            df[col] = df[col].map(lambda v: date.fromisoformat(v) if isinstance(v, str) else None)
        df["listed"] = df["listed"].astype(bool)
        df["overdue"] = df["overdue"].astype(bool)
        df["lon"] = df["lon"].astype(float)
        df["lat"] = df["lat"].astype(float)
        df["year"] = df["year"].astype(int)
        df["seq"] = df["seq"].astype(int)
        return df
