"""Dynamic risk: some features' intensity multiplied for a while (an open monitoring
warning), applied to cached fields without recomputing them.

A kernel or overlap field is a sum over features, so multiplying one feature's intensity
by f adds (f - 1) times its own contribution to the cells it reaches. Only those cells
are visited: the features' influence box picks the cells, the tile function computes the
features' own contributions there, and the layer's raw field is updated. Scoring the
result (:func:`riskmap.engine.score`) then costs what any rescoring costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from riskmap.engine.fields import Fields
from riskmap.engine.tiles import _cells_block, _prepare, _tile_fields
from riskmap.errors import ConfigError


def boost_features(fields: Fields, boosts: Mapping[str, Mapping[str, float]]) -> Fields:
    """The fields with the intensity of some features multiplied.

    Parameters
    ----------
    fields
        Cached fields (:attr:`riskmap.Study.fields`; they carry their data).
    boosts
        Layer binding name -> {feature id -> factor} (a factor of 1 changes nothing).
        Features of layers that do not act by a kernel or an overlap (e.g. shelters) are
        not hazards or exposures and are refused.

    Returns
    -------
    Fields
        New fields sharing everything but the raw fields of the boosted layers (and no
        cached scaled terms). Top contributors are those of the static fields.

    Raises
    ------
    ConfigError
        A layer the fields do not have, a feature id its layer does not have, a layer
        whose method is not ``kernel`` or ``overlap``, or a factor below 0.
    """
    if fields.data is None:
        raise ConfigError("these fields carry no data: compute them with Study.fields")
    raw = dict(fields.raw)
    infos = {i.name: i for i in fields.layers}
    cells = fields.cells
    xy = np.c_[cells["x"].to_numpy(float), cells["y"].to_numpy(float)]
    method = fields.project.method
    for name, factors in boosts.items():
        wanted = {str(k): float(v) for k, v in factors.items() if float(v) != 1.0}
        if not wanted:
            continue
        if name not in infos or name not in fields.data.layers:
            raise ConfigError(f"no layer '{name}' acts in this assessment")
        info = infos[name]
        if info.method not in ("kernel", "overlap"):
            raise ConfigError(
                f"layer '{name}' acts by '{info.method}': only kernel and overlap layers "
                "(hazards, exposures) can be raised by a warning"
            )
        if min(wanted.values()) < 0:
            raise ConfigError(f"layer '{name}': a factor below 0 is not an intensity factor")
        layer = fields.data.layers[name]
        ids = layer.gdf["id"].astype(str)
        unknown = sorted(set(wanted) - set(ids))
        if unknown:
            raise ConfigError(f"layer '{name}' has no feature {', '.join(unknown[:5])}")
        keep = ids.isin(wanted).to_numpy()
        sub = replace(layer, gdf=layer.gdf[keep])
        extra = np.asarray([wanted[i] - 1.0 for i in ids[keep]], dtype=float)
        feats = _prepare(sub, method)
        if len(feats.index) == 0:
            continue
        # The feature rows of the prepared layer point into the subset: scale each by its
        # own (factor - 1) so one pass gives every boosted feature's added contribution.
        feats = replace(feats, value=feats.value * extra[feats.index])
        b = feats.bounds
        box = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
        near = np.flatnonzero(
            (xy[:, 0] >= box[0] - _pad(cells)) & (xy[:, 0] <= box[2] + _pad(cells))
            & (xy[:, 1] >= box[1] - _pad(cells)) & (xy[:, 1] <= box[3] + _pad(cells))
        )  # fmt: skip
        if len(near) == 0:
            continue
        block = _cells_block(cells.iloc[near])
        part = _tile_fields(block, [feats], 1)
        added = part["raw"].get(name)
        if added is None:
            continue
        updated = raw[name].copy()
        updated[near[added.at]] += added.value
        raw[name] = updated
    return replace(fields, raw=raw)


def _pad(cells: object) -> float:
    """Half a cell's diagonal: a cell whose centre is outside a box may still overlap it."""
    grid = getattr(cells, "attrs", {}).get("grid") or {}
    size = float(grid.get("cell_size") or 0.0)
    return size * 0.75
