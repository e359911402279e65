"""Read-only views of a register for people, the app, the engine and the indicators:
lists, one hazard, district summaries, and the open hazards as a map layer.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    import pyproj

    from riskmap.config import LayerKind
    from riskmap.io import Layer

from riskmap.register.files import _plain
from riskmap.register.store import HazardRegister
from riskmap.register.vocabulary import GRADES, OPEN_STATUSES, STATUSES


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
    register: HazardRegister | str | Path, today: date | None = None
) -> gpd.GeoDataFrame:
    """Open hazards (not closed, not voided) as a ``hidden_hazard`` point layer.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points with the fields of riskmap/config/kinds/hidden_hazard.yaml: ``id`` (unified
        number), ``name``, ``district``, ``grade`` (一般/重大), ``status`` (已登记/整改中/
        待验收), ``overdue`` and ``listed`` (bool). The kind's intensity rule weights
        重大, overdue and listed hazards more.
    """
    with _opened(register) as reg:
        df = reg.list(status="open", today=today)
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


def build_hazards_layer(
    register: HazardRegister | str | Path,
    crs: pyproj.CRS | str,
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    today: date | None = None,
    name: str = "hidden_hazards",
) -> Layer:
    """The register's open hazards as an engine :class:`~riskmap.io.data.Layer` in ``crs``.

    Add it to a project's data with ``data.with_layers({layer.name: layer})``.
    """
    from riskmap.config import LayerBinding, load_layer_kinds
    from riskmap.io import Layer

    kind = (kinds if kinds is not None else load_layer_kinds())["hidden_hazard"]
    with _opened(register) as reg:
        gdf = open_hazards_layer(reg, today=today).to_crs(crs)
        binding = LayerBinding(name=name, kind="hidden_hazard", path=str(reg.path))
    return Layer(binding=binding, kind=kind, gdf=gdf, source=None)
