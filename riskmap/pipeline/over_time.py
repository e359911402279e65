"""A study over time: the backtest (score with past accidents, test on later ones) and
the inputs of a period's risk briefing (the project as of the period's end and as of the
end of the period before). :meth:`Study.backtest` and :meth:`Study.briefing` call these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from riskmap.errors import ConfigError
from riskmap.pipeline.timeline import _period, pd_dates

if TYPE_CHECKING:
    import pandas as pd

    from riskmap.analysis.backtest import Backtest
    from riskmap.config import LevelConfig, WeightsConfig
    from riskmap.pipeline.study import Study
    from riskmap.products.briefing import BriefingInputs


def run_backtest(
    study: Study,
    train: tuple[str, str] | tuple[date, date],
    test: tuple[str, str] | tuple[date, date],
    *,
    weights: WeightsConfig | Mapping[str, Any] | None = None,
    levels: LevelConfig | Mapping[str, Any] | None = None,
) -> Backtest:
    """:meth:`Study.backtest`: the study scored with the accidents of ``train`` only,
    tested on the accidents of ``test``."""
    from dataclasses import replace as dc_replace

    import numpy as np
    import pandas as pd

    from riskmap.analysis.backtest import Backtest, evaluate
    from riskmap.engine import cell_keys_of_points
    from riskmap.pipeline.study import Study

    t0, t1 = _period("training", train)
    s0, s1 = _period("test", test)
    if s0 <= t1:
        raise ConfigError(
            f"the test period {s0}..{s1} must begin after the training period ends ({t1}): "
            "a backtest scores with the past and tests on the future"
        )
    history = {
        name: layer
        for name, layer in study.base.layers.items()
        if layer.kind.group == "history" and "date" in layer.gdf.columns
    }
    if not history:
        raise ConfigError(
            f"project '{study.project.name}' has no accident layer (a layer of the history "
            "group with a date field): a backtest needs dated accidents"
        )
    trained, tested = {}, []
    n_train = 0
    for name, layer in history.items():
        when = pd_dates(layer.gdf["date"])
        keep = (when >= pd.Timestamp(t0)) & (when <= pd.Timestamp(t1))
        n_train += int(keep.sum())
        trained[name] = dc_replace(layer, gdf=layer.gdf[keep.to_numpy()])
        tested.append(
            layer.gdf[((when >= pd.Timestamp(s0)) & (when <= pd.Timestamp(s1))).to_numpy()]
        )
    past = Study.from_data(
        study.base.with_layers(trained),
        register=None,
        cells=study.cells,
        cell_size=study.grid.cell_size,
        grid=study.grid.kind,
        h3_resolution=study.grid.h3_resolution,
        tile_size=study.grid.tile_size,
    )
    assessment = past.score(weights, levels)
    cells = assessment.cells
    points = [g for g in tested if len(g)]
    xs = (
        np.concatenate([g.geometry.centroid.x.to_numpy() for g in points])
        if points
        else np.zeros(0)
    )
    ys = (
        np.concatenate([g.geometry.centroid.y.to_numpy() for g in points])
        if points
        else np.zeros(0)
    )
    keys = cell_keys_of_points(xs, ys, dict(cells.attrs.get("grid") or {}))
    position = pd.Series(np.arange(len(cells)), index=cells["cell_id"].astype(str))
    found = position.reindex(pd.Index(keys.astype(str)))
    inside = found.notna().to_numpy()
    hits = np.bincount(found[inside].astype(int).to_numpy(), minlength=len(cells)).astype(float)
    hazmat = [
        layer.gdf.geometry.centroid
        for layer in study.base.layers.values()
        if layer.kind.kind == "hazmat_enterprise" and len(layer.gdf)
    ]
    hazmat_xy = (
        np.concatenate([np.column_stack([g.x.to_numpy(), g.y.to_numpy()]) for g in hazmat])
        if hazmat
        else None
    )
    frame = cells.assign(x=study.cells["x"].to_numpy(), y=study.cells["y"].to_numpy())
    rankings, by_level = evaluate(frame, hits, hazmat_xy=hazmat_xy)
    notes = [
        "Layers without dates are taken as they are now; the register's hidden hazards "
        "are left out.",
    ]
    if int(inside.sum()) < 30:
        notes.append(f"Only {int(inside.sum())} test accidents: the measures are very uncertain.")
    return Backtest(
        train=(str(t0), str(t1)),
        test=(str(s0), str(s1)),
        rankings=rankings,
        by_level=by_level,
        accidents=int(inside.sum()),
        outside=int((~inside).sum()),
        train_accidents=n_train,
        cells_with_accidents=int((hits > 0).sum()),
        notes=notes,
    )


def briefing_inputs(
    study: Study,
    period: tuple[str, str] | tuple[date, date],
    theme: str,
    *,
    warnings: pd.DataFrame | None = None,
) -> BriefingInputs:
    """:meth:`Study.briefing`: what the period risk briefing needs."""
    from datetime import timedelta

    import pandas as pd

    from riskmap.pipeline.study import Study
    from riskmap.products.briefing import BriefingInputs, theme_weights
    from riskmap.products.change import compare_cells, layer_names
    from riskmap.products.inventory import build_inventory

    start, end = _period("briefing", period)
    themes = study.project.themes
    if theme not in themes:
        raise ConfigError(
            f"unknown theme '{theme}': the project's themes are {', '.join(sorted(themes))}"
        )
    chosen = themes[theme]
    unknown = sorted(set(chosen.kinds) - set(study.data.kinds))
    if unknown:
        raise ConfigError(f"theme '{theme}' names unknown layer kind(s) {', '.join(unknown)}")
    previous_end = start - timedelta(days=1)
    register = study.register_path if study.register_path is not None else None
    studies = [
        Study.from_data(
            study.read,
            register=register,
            extra_layers={n: study.data.layers[n] for n in study.extra_layers},
            cells=study.cells,
            as_of=day,
            cell_size=study.grid.cell_size,
            grid=study.grid.kind,
            h3_resolution=study.grid.h3_resolution,
            tile_size=study.grid.tile_size,
        )
        for day in (end, previous_end)
    ]
    fields = studies[0].fields
    acting = {info.name: info.kind for info in fields.layers}
    weights, table = theme_weights(
        study.project, study.data.kinds, acting, chosen, study.project.weights
    )
    w = {"components": study.project.weights.components, "layers": weights}
    current = studies[0].score(w)
    previous = studies[1].score(w)
    change = compare_cells(
        previous.cells_for_output(),  # with the contributors, for the drivers
        current.cells_for_output(),
        label_a=str(previous_end),
        label_b=str(end),
        layer_names=layer_names(study.data),
    )
    accidents = [
        layer.gdf[
            (pd_dates(layer.gdf["date"]) >= pd.Timestamp(start))
            & (pd_dates(layer.gdf["date"]) <= pd.Timestamp(end))
        ]
        for layer in study.read.layers.values()
        if layer.kind.group == "history" and "date" in layer.gdf.columns
    ]
    acc = pd.concat(accidents, ignore_index=True) if accidents else pd.DataFrame()
    hz = studies[0].data.layers.get("hidden_hazards")
    hazards = hz.gdf.drop(columns=hz.gdf.geometry.name) if hz is not None else None
    if hazards is None and studies[0].register_path is not None:
        hazards = pd.DataFrame(columns=["id", "name", "district", "grade", "status", "overdue"])
    return BriefingInputs(
        current=current,
        previous=previous,
        change=change,
        inventory=build_inventory(current),
        period=(start, end),
        previous_end=previous_end,
        theme_key=theme,
        theme=chosen,
        weights=table,
        accidents=pd.DataFrame(acc.drop(columns="geometry", errors="ignore")),
        hazards=hazards,
        warnings=warnings,
    )
