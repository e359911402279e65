"""Read-only views of a register for people, the app and the indicators: lists, one
hazard with its history, counts by district. The open hazards as a map layer for the
engine are in :mod:`riskmap.register.feed`.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from riskmap.register.files import _plain
from riskmap.register.store import HazardRegister
from riskmap.register.vocabulary import OPEN_STATUSES


@contextlib.contextmanager
def _opened(register: HazardRegister | str | Path) -> Iterator[HazardRegister]:
    if isinstance(register, HazardRegister):
        yield register
    else:
        with HazardRegister(register) as reg:
            yield reg


def list_hazards(
    register: HazardRegister | str | Path,
    *,
    status: str | Iterable[str] | None = None,
    grade: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    district: str | Iterable[str] | None = None,
    overdue: bool | None = None,
    listed: bool | None = None,
    include_voided: bool = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Records for a table in the app, overdue and listed first (see :meth:`HazardRegister.list`).

    ``register`` is an open :class:`HazardRegister` or the path of its database.
    """
    with _opened(register) as reg:
        return reg.list(
            status=status,
            grade=grade,
            category=category,
            district=district,
            overdue=overdue,
            listed=listed,
            include_voided=include_voided,
            today=today,
        )


def get_hazard(
    register: HazardRegister | str | Path, number: str, *, today: date | None = None
) -> dict[str, Any]:
    """One record as a dict, with ``history``: a list of dicts (oldest change first).

    Raises
    ------
    RegisterError
        No hazard has this number.
    """
    with _opened(register) as reg:
        record = reg.get(number, today=today)
        record["history"] = [
            {k: _plain(v) for k, v in r.items()} for r in reg.history(number).to_dict("records")
        ]
        return record


SUMMARY_COLUMNS: tuple[str, ...] = (
    "adcode",
    "district",
    "total",
    "open",
    "open_major",
    "listed",
    "overdue",
    "overdue_major",
    "closed",
)


def district_summary(
    register: HazardRegister | str | Path, *, today: date | None = None
) -> pd.DataFrame:
    """Counts of hazards by district, for the indicators.

    Returns
    -------
    pandas.DataFrame
        One row per district adcode: ``district`` (its latest name), ``total`` (not
        voided), ``open`` (still in the loop), ``open_major``, ``listed`` (open and
        listed), ``overdue`` (open and overdue), ``overdue_major``, ``closed``.
    """
    with _opened(register) as reg:
        df = reg.list(today=today)
    if df.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=object if c in ("adcode", "district") else int)
                for c in SUMMARY_COLUMNS
            }
        )
    is_open = df["status"].isin(OPEN_STATUSES)
    major = df["grade"] == "major"
    flags = pd.DataFrame(
        {
            "adcode": df["adcode"],
            "total": 1,
            "open": is_open.astype(int),
            "open_major": (is_open & major).astype(int),
            "listed": (is_open & df["listed"]).astype(int),
            "overdue": df["overdue"].astype(int),
            "overdue_major": (df["overdue"] & major).astype(int),
            "closed": (df["status"] == "closed").astype(int),
        }
    )
    counts = flags.groupby("adcode", sort=True).sum()
    names = df.sort_values("created_at").groupby("adcode")["district"].last()
    counts.insert(0, "district", names)
    return counts.reset_index().loc[:, builtins.list(SUMMARY_COLUMNS)]
