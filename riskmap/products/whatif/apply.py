"""Applying proposals: :func:`apply_proposals` adds them to the project's layers,
:func:`proposals_of` finds them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from riskmap.config import LayerBinding
from riskmap.errors import LayerDataError, Problem, ValidationReport
from riskmap.io import Layer, ProjectData
from riskmap.products.whatif.proposals import (
    DEFAULT_STATION_CLASS,
    PROPOSAL_KINDS,
    Proposal,
    validate_proposals,
)


def apply_proposals(
    data: ProjectData, proposals: Iterable[Proposal | Mapping[str, Any]]
) -> ProjectData:
    """A new ProjectData with the proposals added to the shelter / fire-station layers.

    Proposed features get ``proposed=True`` (existing features of the changed layers
    ``False``) and ids ``P-001``, ``P-002`` ... unless they carry an id already. When the
    project has no layer of a proposal's kind, a layer ``proposed_<kind>`` is created.

    Parameters
    ----------
    data
        The project; not modified.
    proposals
        Proposals or plain records.

    Raises
    ------
    LayerDataError
        A record is invalid or a proposal lies outside the city boundary.
    """
    props = validate_proposals(proposals)
    if not props:
        return data
    lon = np.array([x.lon for x in props], dtype=float)
    lat = np.array([x.lat for x in props], dtype=float)
    to_work = pyproj.Transformer.from_crs("EPSG:4326", data.crs, always_xy=True)
    x, y = to_work.transform(lon, lat)
    pts = shapely.points(np.asarray(x), np.asarray(y))
    inside = shapely.covers(data.boundary, pts)
    if not inside.all():
        report = ValidationReport(
            [
                Problem(
                    "error",
                    "outside_boundary",
                    f"proposal '{props[i].name or i + 1}' at "
                    f"{props[i].lon:.5f}, {props[i].lat:.5f} lies outside the city boundary",
                    "check the coordinates (WGS84 longitude, latitude)",
                    row=int(i) + 1,
                )
                for i in np.flatnonzero(~inside)
            ]
        )
        raise LayerDataError("proposals outside the city boundary", report)

    taken = (
        {str(v) for lyr in data.layers.values() for v in lyr.gdf["id"]} if data.layers else set()
    )
    ids: list[str] = []
    n = 0
    for prop in props:
        if prop.id:
            ids.append(prop.id)
            continue
        n += 1
        while f"P-{n:03d}" in taken or f"P-{n:03d}" in ids:
            n += 1
        ids.append(f"P-{n:03d}")

    extra: dict[str, Layer] = {}
    for kind in PROPOSAL_KINDS:
        sel = [i for i, prop in enumerate(props) if prop.kind == kind]
        if not sel:
            continue
        new = _proposal_frame(
            kind, [props[i] for i in sel], [ids[i] for i in sel], pts[sel], data.crs
        )
        existing = data.by_kind(kind)
        if existing:
            layer = existing[0]
            old = layer.gdf.copy()
            old["proposed"] = _proposed_flags(old)
            gdf = gpd.GeoDataFrame(
                pd.concat([old, new], ignore_index=True), geometry="geometry", crs=data.crs
            )
            extra[layer.name] = replace(layer, gdf=gdf)
        else:
            if kind not in data.kinds:
                raise LayerDataError(f"layer kind '{kind}' is not known to this project")
            binding = LayerBinding(name=f"proposed_{kind}", kind=kind, path="")
            extra[binding.name] = Layer(
                binding=binding, kind=data.kinds[kind], gdf=new, source=None
            )
    return data.with_layers(extra)


def _proposed_flags(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if "proposed" in gdf.columns:
        return gdf["proposed"].fillna(False).astype(bool).to_numpy()
    return np.zeros(len(gdf), dtype=bool)


def _proposal_frame(
    kind: str, props: list[Proposal], ids: list[str], pts: np.ndarray, crs: Any
) -> gpd.GeoDataFrame:
    cols: dict[str, Any] = {
        "id": ids,
        "name": [p.name or pid for p, pid in zip(props, ids, strict=True)],
    }
    if kind == "shelter":
        cols["type"] = [p.type for p in props]
        cols["area_m2"] = [float(p.area_m2 or 0.0) for p in props]
        cols["capacity"] = [np.nan if p.capacity is None else float(p.capacity) for p in props]
    else:
        cols["class"] = [p.station_class or DEFAULT_STATION_CLASS for p in props]
    cols["proposed"] = True
    return gpd.GeoDataFrame(cols, geometry=pts, crs=crs)


def proposals_of(data: ProjectData) -> gpd.GeoDataFrame:
    """The proposed features of a project (``proposed=True``), with ``layer`` and ``kind``.

    Parameters
    ----------
    data
        A project returned by :func:`apply_proposals`.
    """
    frames = [
        lyr.gdf[_proposed_flags(lyr.gdf)].assign(layer=lyr.name, kind=lyr.kind.kind)
        for lyr in data.layers.values()
        if lyr.kind.kind in PROPOSAL_KINDS
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame(
            {"id": [], "layer": [], "kind": []},
            geometry=gpd.GeoSeries([], crs=data.crs),
            crs=data.crs,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=data.crs)
