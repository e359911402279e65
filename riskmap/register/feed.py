"""The register's open hazards as a ``hidden_hazard`` point layer: the feed of the
register into the assessment (the engine scores them like any other hazard layer).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    import pyproj

    from riskmap.config import LayerKind
    from riskmap.io import Layer

from riskmap.register.store import HazardRegister
from riskmap.register.views import _opened
from riskmap.register.vocabulary import GRADES, STATUSES

HAZARD_LAYER_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "district",
    "grade",
    "status",
    "overdue",
    "listed",
)


def open_hazards_layer(
    register: HazardRegister | str | Path,
    today: date | None = None,
    *,
    as_of: date | None = None,
) -> gpd.GeoDataFrame:
    """Open hazards (not closed, not voided) as a ``hidden_hazard`` point layer.

    ``as_of`` takes the hazards open at the end of that day instead of now: registered
    by then and, by their history, in an open status then (overdue as of that day).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points with the fields of riskmap/config/kinds/hidden_hazard.yaml: ``id`` (unified
        number), ``name``, ``district``, ``grade`` (一般/重大), ``status`` (已登记/整改中/
        待验收), ``overdue`` and ``listed`` (bool). The kind's intensity rule weights
        重大, overdue and listed hazards more.
    """
    with _opened(register) as reg:
        df = reg.list(status="open", today=today) if as_of is None else _open_on(reg, as_of)
    data = pd.DataFrame(
        {
            "id": df["number"].astype(str),
            "name": df["title"].astype(str),
            "district": df["district"].astype(str),
            "grade": df["grade"].map({c: e["zh"] for c, e in GRADES.items()}).astype(str),
            "status": df["status"].map({c: e["zh"] for c, e in STATUSES.items()}).astype(str),
            "overdue": df["overdue"].astype(bool),
            "listed": df["listed"].astype(bool),
        }
    )
    geometry = gpd.points_from_xy(
        df["lon"].to_numpy(float), df["lat"].to_numpy(float), crs="EPSG:4326"
    )
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


def _open_on(reg: HazardRegister, day: date) -> pd.DataFrame:
    """The register's records open at the end of ``day``, with that day's status."""
    from riskmap.register.vocabulary import OPEN_STATUSES

    rows = reg._query(
        "SELECT number, changed_at, to_status FROM hazard_history ORDER BY number, step"
    )
    history = pd.DataFrame(rows, columns=["number", "changed_at", "to_status"])
    # Stored in UTC; a bureau's day is China Standard Time.
    stamps = pd.to_datetime(history["changed_at"], errors="coerce", utc=True)
    history["day"] = stamps.dt.tz_convert("Asia/Shanghai").dt.date
    known = history[history["day"].notna() & (history["day"] <= day)]
    status = known.groupby("number")["to_status"].last()
    open_then = status[status.isin(OPEN_STATUSES)]
    df = reg.list(include_voided=True, today=day)
    df = df[df["number"].isin(open_then.index)].copy()
    df["status"] = df["number"].map(open_then)
    if "deadline" in df.columns:  # open that day: overdue when its deadline had passed
        deadline = pd.to_datetime(df["deadline"], errors="coerce").dt.date
        df["overdue"] = deadline.notna() & (deadline < day)
    return df


def build_hazards_layer(
    register: HazardRegister | str | Path,
    crs: pyproj.CRS | str,
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    today: date | None = None,
    as_of: date | None = None,
    name: str = "hidden_hazards",
) -> Layer:
    """The register's open hazards (now, or at the end of ``as_of``) as an engine
    :class:`~riskmap.io.data.Layer` in ``crs``.

    Add it to a project's data with ``data.with_layers({layer.name: layer})``.
    """
    from riskmap.config import LayerBinding, load_layer_kinds
    from riskmap.io import Layer

    kind = (kinds if kinds is not None else load_layer_kinds())["hidden_hazard"]
    with _opened(register) as reg:
        # An open register (the app's, read on every page) keeps the last layer it made,
        # for the history's head: every change to a record adds a history row (the
        # guard triggers see to it), so the same head, day and CRS give the same layer.
        key = (_history_head(reg), today or date.today(), as_of, str(crs))
        kept = reg._hazards_layer if register is reg else None
        if kept is not None and kept[0] == key:
            gdf = kept[1].copy()
        else:
            gdf = open_hazards_layer(reg, today=today, as_of=as_of).to_crs(crs)
            if register is reg:
                reg._hazards_layer = (key, gdf.copy())
        binding = LayerBinding(name=name, kind="hidden_hazard", path=str(reg.path or reg.name))
    return Layer(binding=binding, kind=kind, gdf=gdf, source=None)


def _history_head(reg: HazardRegister) -> tuple[object, ...]:
    """How many history rows the register has, and the last one's chain position and
    hash: changes with every change to a record (and with a restore of another state)."""
    count, last = reg._query("SELECT count(*), max(chain_pos) FROM hazard_history")[0]
    rows = reg._query("SELECT row_hash FROM hazard_history WHERE chain_pos = ?", (last,))
    return (count, last, rows[0][0] if rows else None)
