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
