"""The one orchestration of riskmap: :class:`Study`.

Every face (the command line's verbs, the app's pages, the notebooks) goes through a
Study, so that two faces never assess different data::

    import riskmap as rm

    study = rm.Study.from_project("wuhan", cell_size=500)
    assessment = study.score()                       # project weights and level rule
    brighter = study.score(weights={"components": {"exposure": 2.0}})   # fields reused

A Study reads and validates the project's layers (its report is ``study.report``), joins
the hidden-hazard register's open hazards in one place, builds the grid and computes the
weight-free fields once (the expensive part, cached on the object). :meth:`Study.score`
applies weights and a level rule to the cached fields (the cheap part) and returns an
:class:`~riskmap.engine.Assessment` that carries its data, which every product takes:
``build_map(assessment)``, ``build_inventory(assessment)``,
``compute_indicators(assessment)``, ``build_report(assessment)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

from riskmap.errors import ConfigError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from riskmap.analysis.backtest import Backtest
    from riskmap.config import LayerKind, LevelConfig, Project, WeightsConfig
    from riskmap.engine import Assessment, Fields
    from riskmap.errors import ValidationReport
    from riskmap.io import Layer, ProjectData
    from riskmap.products.briefing import BriefingInputs
    from riskmap.products.whatif import WhatIfResult
    from riskmap.register import HazardRegister

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as the work goes on (stage names, tiles done)."""


__all__ = ["GridSettings", "GridSpec", "Study"]


class GridSettings(TypedDict, total=False):
    """Grid settings a study may change (None, or not given, keeps the project's)."""

    cell_size: float | None
    grid: Literal["square", "h3"] | None
    h3_resolution: int | None
    tile_size: float | None


@dataclass(frozen=True)
class GridSpec:
    """The grid a study is assessed on.

    Attributes
    ----------
    kind : ``square`` or ``h3``.
    cell_size : square cell side in metres (used when ``kind`` is square).
    h3_resolution : H3 resolution (used when ``kind`` is h3).
    tile_size : side in metres of the tiles the fields are computed in (None: one tile).
    """

    kind: Literal["square", "h3"]
    cell_size: float
    h3_resolution: int
    tile_size: float | None

    @classmethod
    def of(cls, project: Project, **settings: Unpack[GridSettings]) -> GridSpec:
        """The project's grid with the given settings changed (None keeps the project's).

        Raises
        ------
        ConfigError
            A cell or tile size that is not a positive finite number, an H3 resolution
            outside 0-15, or an unknown grid kind.
        """
        g = project.grid
        kind = settings.get("grid") or g.kind
        if kind not in ("square", "h3"):
            raise ConfigError(f"grid kind '{kind}' is not one of: square, h3")
        cell_size = _positive("cell size", settings.get("cell_size"), g.cell_size) or g.cell_size
        tile_size = _positive("tile size", settings.get("tile_size"), g.tile_size)
        res = settings.get("h3_resolution")
        h3_resolution = g.h3_resolution if res is None else res
        if int(h3_resolution) != h3_resolution or not 0 <= h3_resolution <= 15:
            raise ConfigError(f"H3 resolution {h3_resolution} is not a whole number from 0 to 15")
        return cls(
            kind=kind, cell_size=cell_size, h3_resolution=int(h3_resolution), tile_size=tile_size
        )

    def cell_area_m2(self) -> float:
        """The area of one cell in m² (H3: the average hexagon at the resolution)."""
        if self.kind == "h3":
            import h3

            return float(h3.average_hexagon_area(self.h3_resolution, "m^2"))
        return self.cell_size * self.cell_size

    def check_size(self, area_m2: float, max_cells: int, where: str) -> None:
        """Refuse a grid over ``area_m2`` estimated to have more than ``max_cells`` cells.

        Raises
        ------
        ConfigError
            With the estimate and what to do (a larger cell, a smaller area, the limit).
        """
        estimate = area_m2 / self.cell_area_m2()
        if estimate > max_cells:
            larger = (
                "a larger --cell-size" if self.kind == "square" else "a smaller --h3-resolution"
            )
            raise ConfigError(
                f"{where}: a {self.label()} grid would have about {estimate:,.0f} cells, more than "
                f"the limit of {max_cells:,}; use {larger}, a smaller area, or raise "
                "grid.max_cells in project.yaml on a machine with the memory"
            )

    def label(self) -> str:
        """``250 m`` or ``H3 r8``."""
        if self.kind == "h3":
            return f"H3 r{self.h3_resolution}"
        return f"{self.cell_size:g} m"


def _positive(what: str, value: float | None, default: float | None) -> float | None:
    """``value`` (``default`` when None) checked to be a positive, finite number."""
    import math

    chosen = default if value is None else value
    if chosen is None:
        return None
    try:
        number = float(chosen)
    except (TypeError, ValueError):
        raise ConfigError(f"the {what} '{chosen}' is not a number of metres") from None
    if not math.isfinite(number) or number <= 0:
        raise ConfigError(f"the {what} must be a positive number of metres, not {chosen}")
    return number


class Study:
    """A project's data on a grid, with its weight-free fields computed once.

    Make one with :meth:`from_project` (reads the project's files) or :meth:`from_data`
    (reuses data already read). The grid and the fields are computed on first use and
    kept; :meth:`score` is cheap and may be called for every change of weights or level
    rule.

    Attributes
    ----------
    data : the project data assessed: every usable layer of the project, the register's
        open hazards (layer ``hidden_hazards``) and the extra layers given.
    base : the project data as read from its files (without register and extra layers).
    grid : the :class:`GridSpec`.
    register_path : the register database whose open hazards were joined (a file, or a
      PostgreSQL URL), or None.
    n_hazards : how many open hazards the register added.
    extra_layers : names of the extra layers joined (e.g. a session's uploads).
    as_of : the day the study is assessed as of, or None (the files as they are).
    read : the project data as read from its files, before any as-of day was applied.
    cluster : where the fields' tiles run (``local:N``, ``tcp://...``, a Client) or None.
    """

    def __init__(
        self,
        data: ProjectData,
        grid: GridSpec,
        *,
        base: ProjectData | None = None,
        register_path: Path | str | None = None,
        n_hazards: int = 0,
        extra_layers: tuple[str, ...] = (),
        cells: gpd.GeoDataFrame | None = None,
        progress: Progress | None = None,
        as_of: date | None = None,
        read: ProjectData | None = None,
        cluster: str | Any | None = None,
    ) -> None:
        self.data = data
        self.as_of = as_of
        self.read = read if read is not None else (base if base is not None else data)
        if isinstance(cluster, str):
            from riskmap.engine.cluster import check_cluster

            check_cluster(cluster)
        self.cluster = cluster
        self.base = base if base is not None else data
        self.grid = grid
        self.register_path = register_path
        self.n_hazards = n_hazards
        self.extra_layers = extra_layers
        self.progress = progress
        self.timings: dict[str, float] = {}
        self._given_cells = cells
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_project(
        cls,
        ref: str | Path | Project,
        *,
        register: str | Path | HazardRegister | Literal["auto"] | None = "auto",
        extra_layers: Mapping[str, Layer] | None = None,
        kinds: Mapping[str, LayerKind] | None = None,
        progress: Progress | None = None,
        as_of: str | date | None = None,
        cluster: str | Any | None = None,
        **grid: Unpack[GridSettings],
    ) -> Study:
        """Read a project's files and set up the study.

        Parameters
        ----------
        ref
            A path to a project.yaml, its folder, a short name (``wuhan``), or a loaded
            :class:`~riskmap.config.Project`.
        **grid
            The grid (:class:`GridSettings`): ``cell_size``, ``grid`` (``square`` or
            ``h3``), ``h3_resolution``, ``tile_size``; what is not given (or None) keeps
            the project's ``grid`` settings.
        register
            The hidden-hazard register whose open hazards are assessed: ``"auto"`` (the
            project's register when its database exists), a database path (it must
            exist), an open :class:`~riskmap.register.HazardRegister`, or None (none).
        extra_layers
            Layers added to the project's (e.g. uploads), keyed by binding name; a name
            that the project has replaces that layer.
        kinds
            Layer kinds; the ones shipped with riskmap by default.
        progress
            Called as ``progress(stage, done, total)``.
        as_of
            Assess as of the end of this day (a date or ISO text): features act only
            while valid (``valid_from`` <= day < ``valid_to``), accidents count within
            the project's ``time.accident_window_years`` before it, and the register's
            hazards count when open that day (by their history). None: as the files are.

        Returns
        -------
        Study

        Raises
        ------
        ConfigError
            The project file is invalid, a named register does not exist, or ``as_of``
            is not a date.
        LayerDataError
            A layer file has errors (its report lists each with file, row and column).
        """
        from riskmap.config import Project, load_layer_kinds, load_project
        from riskmap.io import load_project_data

        t0 = time.perf_counter()
        kinds = dict(kinds) if kinds is not None else load_layer_kinds()
        project = ref if isinstance(ref, Project) else load_project(ref, kinds)
        if progress:
            progress("read", 0, 1)
        base = load_project_data(project, kinds)
        if progress:
            progress("read", 1, 1)
        study = cls.from_data(
            base,
            register=register,
            extra_layers=extra_layers,
            progress=progress,
            as_of=as_of,
            cluster=cluster,
            **grid,
        )
        study.timings["read"] = time.perf_counter() - t0
        return study

    @classmethod
    def from_data(
        cls,
        base: ProjectData,
        *,
        register: str | Path | HazardRegister | Literal["auto"] | None = "auto",
        extra_layers: Mapping[str, Layer] | None = None,
        cells: gpd.GeoDataFrame | None = None,
        progress: Progress | None = None,
        as_of: str | date | None = None,
        cluster: str | Any | None = None,
        **grid: Unpack[GridSettings],
    ) -> Study:
        """Set up a study from project data already read (see :meth:`from_project`).

        ``cells`` reuses a grid built before for the same data and grid settings (the
        app keeps grids between sessions).
        """
        read = base
        day = _day("as-of date", as_of) if as_of is not None else None
        # Without a date the features valid today act (a closed enterprise no longer
        # does) and every dated record counts, as the files give them.
        base = (
            as_of_data(base, day)
            if day is not None
            else as_of_data(base, date.today(), history=False)
        )
        spec = GridSpec.of(base.project, **grid)
        if cells is None:
            spec.check_size(
                float(base.boundary.area), base.project.grid.max_cells, base.project.name
            )
        layers: dict[str, Layer] = {}
        path, n_hazards = None, 0
        hazards = _register_layer(base, register, day)
        if hazards is not None:
            path, layer = hazards
            n_hazards = len(layer.gdf)
            if n_hazards:
                layers[layer.name] = layer
        extra = dict(extra_layers or {})
        layers.update(extra)
        data = base.with_layers(layers) if layers else base
        return cls(
            data,
            spec,
            base=base,
            register_path=path,
            n_hazards=n_hazards,
            extra_layers=tuple(extra),
            cells=cells,
            progress=progress,
            as_of=day,
            read=read,
            cluster=cluster if cluster is not None else base.project.compute.cluster,
        )

    # ------------------------------------------------------------------ the stages

    @property
    def project(self) -> Project:
        """The project configuration."""
        return self.data.project

    @property
    def report(self) -> ValidationReport:
        """Every problem found while reading the project's files."""
        return self.data.report

    @property
    def unavailable(self) -> dict[str, str]:
        """Layers left out: binding name -> why."""
        return dict(self.data.unavailable)

    @cached_property
    def cells(self) -> gpd.GeoDataFrame:
        """The grid: cell_id, district, adcode, area_m2, x, y, geometry (working CRS)."""
        if self._given_cells is not None:
            return self._given_cells
        from riskmap.engine import build_grid

        t0 = time.perf_counter()
        if self.progress:
            self.progress("grid", 0, 1)
        d = self.data
        cells = build_grid(
            d.boundary,
            d.districts,
            cell_size=self.grid.cell_size,
            kind=self.grid.kind,
            h3_resolution=self.grid.h3_resolution,
            crs=d.crs,
        )
        if self.progress:
            self.progress("grid", 1, 1)
        self.timings["grid"] = time.perf_counter() - t0
        return cells

    @property
    def fields(self) -> Fields:
        """The weight-free fields (computed on first use, then kept; thread-safe)."""
        with self._lock:
            if "_fields" not in self.__dict__:
                from riskmap.engine import compute_fields

                t0 = time.perf_counter()
                cells = self.cells
                if self.cluster is None:
                    self.__dict__["_fields"] = compute_fields(
                        self.data, cells, tile_size=self.grid.tile_size, progress=self.progress
                    )
                else:
                    from riskmap.engine.cluster import open_client

                    say = getattr(self.progress, "line", None)
                    with open_client(self.cluster, say) as client:
                        self.__dict__["_fields"] = compute_fields(
                            self.data,
                            cells,
                            tile_size=self.grid.tile_size,
                            progress=self.progress,
                            client=client,
                        )
                self.timings["fields"] = time.perf_counter() - t0
            fields: Fields = self.__dict__["_fields"]
            return fields

    def score(
        self,
        weights: WeightsConfig | Mapping[str, Any] | None = None,
        levels: LevelConfig | Mapping[str, Any] | None = None,
        *,
        cascades: bool | None = None,
        boosts: Mapping[str, Mapping[str, float]] | None = None,
    ) -> Assessment:
        """Score the cells: the project's weights and level rule unless given.

        Parameters
        ----------
        weights
            Component and layer weights (a :class:`~riskmap.config.WeightsConfig` or a
            mapping validated as one). Layer weights of layers the study does not have
            are ignored.
        levels
            The level rule (a :class:`~riskmap.config.LevelConfig` or a mapping); a
            mapping may give only some keys (e.g. ``{"rule": "quantiles"}``): the rest
            are the project's.
        cascades
            Raise the likelihood around cascade pairs (:meth:`cascades`) by their rules'
            factors: a scenario, off unless the project's ``analysis.cascades_factor``
            says otherwise.

        Returns
        -------
        Assessment
            Cells with components, score, level, explanation columns; carries the data.
        """
        from riskmap.engine import score

        fields = self.fields
        if boosts:
            from riskmap.engine import boost_features

            fields = boost_features(fields, boosts)
        use = self.project.analysis.cascades_factor if cascades is None else cascades
        factor = None
        if use:
            from riskmap.analysis import cascade_factors

            factor = cascade_factors(self.cascades(), self.cells)
        result = score(
            fields,
            weights=self._weights(weights, fields),
            levels=self._levels(levels),
            hazard_factor=factor,
        )
        if use:
            result = replace(result, params={**result.params, "cascades_factor": True})
        if self.as_of is not None:
            result = replace(result, params={**result.params, "as_of": self.as_of.isoformat()})
        # The study's stages (read, grid, fields) with the scoring's own seconds.
        return replace(result, timings={**self.timings, **result.timings})

    def analyse(
        self,
        assessment: Assessment | None = None,
        *,
        hotspots: bool | None = None,
        confidence: bool | None = None,
    ) -> Assessment:
        """The assessment (the project's scoring by default) with hot-spot and level
        confidence columns (:func:`riskmap.analysis.analyse`): ``hotspot`` (-3 ... 3),
        ``hotspot_z``, ``hotspot_p``, ``level_p``, ``p_major``, ``p_high``, ``unstable``.
        """
        from riskmap.analysis import analyse

        t0 = time.perf_counter()
        result = analyse(
            assessment if assessment is not None else self.score(),
            hotspots=hotspots,
            confidence=confidence,
        )
        return replace(result, timings={**result.timings, "analysis": time.perf_counter() - t0})

    def sensitivity(self, assessment: Assessment | None = None) -> pd.DataFrame:
        """One weight at a time moved by the project's ``sensitivity_step`` (10 %): the
        cells whose level changes (:func:`riskmap.analysis.weight_sensitivity`)."""
        from riskmap.analysis import weight_sensitivity

        a = assessment if assessment is not None else self.score()
        step = self.project.analysis.confidence.sensitivity_step
        return weight_sensitivity(self.fields, a.weights, a.levels, step)

    def cascades(self) -> pd.DataFrame:
        """Every pair of features a cascade rule of the layer kinds matches (natech,
        domino, sensitive targets): :func:`riskmap.analysis.find_cascades`; kept."""
        with self._lock:
            if "_cascades" not in self.__dict__:
                from riskmap.analysis import find_cascades

                self.__dict__["_cascades"] = find_cascades(self.data)
            table: pd.DataFrame = self.__dict__["_cascades"]
            return table

    def backtest(
        self,
        train: tuple[str, str] | tuple[date, date],
        test: tuple[str, str] | tuple[date, date],
        *,
        weights: WeightsConfig | Mapping[str, Any] | None = None,
        levels: LevelConfig | Mapping[str, Any] | None = None,
    ) -> Backtest:
        """Score with the accidents of ``train`` only, then measure how the score ranks the
        places of the accidents of ``test`` (:mod:`riskmap.analysis.backtest`).

        Accident layers are the layers of the ``history`` group with a ``date`` field.
        The other layers are taken as they are now (they carry no dates), and the
        register's hazards are left out (they would tell the score about later years).

        Raises
        ------
        ConfigError
            A period that is not two dates in order, a test period that begins before
            the training period ends, or a project without an accident layer.
        """
        from dataclasses import replace as dc_replace

        import numpy as np
        import pandas as pd

        from riskmap.analysis.backtest import Backtest, evaluate
        from riskmap.engine import cell_keys_of_points

        t0, t1 = _period("training", train)
        s0, s1 = _period("test", test)
        if s0 <= t1:
            raise ConfigError(
                f"the test period {s0}..{s1} must begin after the training period ends ({t1}): "
                "a backtest scores with the past and tests on the future"
            )
        history = {
            name: layer
            for name, layer in self.base.layers.items()
            if layer.kind.group == "history" and "date" in layer.gdf.columns
        }
        if not history:
            raise ConfigError(
                f"project '{self.project.name}' has no accident layer (a layer of the history "
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
            self.base.with_layers(trained),
            register=None,
            cells=self.cells,
            cell_size=self.grid.cell_size,
            grid=self.grid.kind,
            h3_resolution=self.grid.h3_resolution,
            tile_size=self.grid.tile_size,
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
            for layer in self.base.layers.values()
            if layer.kind.kind == "hazmat_enterprise" and len(layer.gdf)
        ]
        hazmat_xy = (
            np.concatenate([np.column_stack([g.x.to_numpy(), g.y.to_numpy()]) for g in hazmat])
            if hazmat
            else None
        )
        frame = cells.assign(x=self.cells["x"].to_numpy(), y=self.cells["y"].to_numpy())
        rankings, by_level = evaluate(frame, hits, hazmat_xy=hazmat_xy)
        notes = [
            "Layers without dates are taken as they are now; the register's hidden hazards "
            "are left out.",
        ]
        if int(inside.sum()) < 30:
            notes.append(
                f"Only {int(inside.sum())} test accidents: the measures are very uncertain."
            )
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

    def briefing(
        self,
        period: tuple[str, str] | tuple[date, date],
        theme: str,
        *,
        warnings: pd.DataFrame | None = None,
    ) -> BriefingInputs:
        """What the period risk briefing needs (:func:`riskmap.products.briefing.build_briefing`):
        the project assessed as of the period's end and as of the end of the previous
        period of the same length, both with the theme's weights (the project's
        ``themes``), compared; the period's accidents; the register's hazards open at
        its end.

        Raises
        ------
        ConfigError
            An unknown theme, a theme naming a layer kind that does not exist, or a
            period that is not two dates in order.
        """
        from datetime import timedelta

        import pandas as pd

        from riskmap.products.briefing import BriefingInputs, theme_weights
        from riskmap.products.change import compare_cells
        from riskmap.products.inventory import build_inventory

        start, end = _period("briefing", period)
        themes = self.project.themes
        if theme not in themes:
            raise ConfigError(
                f"unknown theme '{theme}': the project's themes are {', '.join(sorted(themes))}"
            )
        chosen = themes[theme]
        unknown = sorted(set(chosen.kinds) - set(self.data.kinds))
        if unknown:
            raise ConfigError(f"theme '{theme}' names unknown layer kind(s) {', '.join(unknown)}")
        previous_end = start - timedelta(days=1)
        register = self.register_path if self.register_path is not None else None
        studies = [
            Study.from_data(
                self.read,
                register=register,
                extra_layers={n: self.data.layers[n] for n in self.extra_layers},
                cells=self.cells,
                as_of=day,
                cell_size=self.grid.cell_size,
                grid=self.grid.kind,
                h3_resolution=self.grid.h3_resolution,
                tile_size=self.grid.tile_size,
            )
            for day in (end, previous_end)
        ]
        fields = studies[0].fields
        acting = {info.name: info.kind for info in fields.layers}
        weights, table = theme_weights(
            self.project, self.data.kinds, acting, chosen, self.project.weights
        )
        w = {"components": self.project.weights.components, "layers": weights}
        current = studies[0].score(w)
        previous = studies[1].score(w)
        change = compare_cells(
            previous.cells, current.cells, label_a=str(previous_end), label_b=str(end)
        )
        accidents = [
            layer.gdf[
                (pd_dates(layer.gdf["date"]) >= pd.Timestamp(start))
                & (pd_dates(layer.gdf["date"]) <= pd.Timestamp(end))
            ]
            for layer in self.read.layers.values()
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

    def what_if(
        self,
        proposals: Iterable[Any],
        *,
        weights: WeightsConfig | Mapping[str, Any] | None = None,
        levels: LevelConfig | Mapping[str, Any] | None = None,
        register_summary: pd.DataFrame | None = None,
    ) -> WhatIfResult:
        """The effect of proposed shelters and fire stations on levels and indicators.

        Only the capacity part of the fields is computed again (the proposals add
        capacity features); before and after are scored with the same weights and rule.

        Parameters
        ----------
        proposals
            :class:`~riskmap.products.whatif.Proposal` objects or mappings (validated).
        weights, levels
            As for :meth:`score`.
        register_summary
            The register's district summary for the hidden-hazard indicators; the
            study's register's by default.

        Returns
        -------
        WhatIfResult
        """
        from riskmap.engine import recompute_capacity, score
        from riskmap.products.indicators import compute_indicators
        from riskmap.products.whatif import apply_proposals, compare

        summary = register_summary if register_summary is not None else self.register_summary()
        before = self.score(weights, levels)
        after_data = apply_proposals(self.data, list(proposals))
        fields = recompute_capacity(self.fields, after_data, tile_size=self.grid.tile_size)
        after = score(fields, weights=before.weights, levels=before.levels)
        before_card = compute_indicators(before, register_summary=summary)
        after_card = compute_indicators(after, register_summary=summary)
        return compare(before.cells, after.cells, before_card, after_card)

    def extras_key(self) -> str:
        """A short digest of what the study joins to the project's files: the grid, the
        register's open hazards and the extra layers (their attributes and geometries).

        Two studies of the same project files with the same key assess the same data, so
        a cache of studies (the app's) may be keyed by it.
        """
        import hashlib

        h = hashlib.sha256(repr((self.grid, self.as_of)).encode())
        for name in sorted(set(self.data.layers) - set(self.base.layers) | set(self.extra_layers)):
            gdf = self.data.layers[name].gdf
            h.update(name.encode())
            h.update(gdf.drop(columns=gdf.geometry.name).to_csv(index=False).encode())
            h.update(b"".join(gdf.geometry.to_wkb()))
        return h.hexdigest()[:16]

    def register_summary(self) -> pd.DataFrame | None:
        """Open, listed and overdue hazards by district from the study's register, or None."""
        if self.register_path is None:
            return None
        from riskmap.register import district_summary

        return district_summary(self.register_path)

    # ------------------------------------------------------------------ helpers

    def _weights(self, weights: WeightsConfig | Mapping[str, Any] | None, fields: Fields) -> Any:
        if weights is None or not isinstance(weights, Mapping):
            return weights
        known = {info.name for info in fields.layers}
        layer_weights = {k: v for k, v in dict(weights.get("layers") or {}).items() if k in known}
        return {**dict(weights), "layers": layer_weights}

    def _levels(self, levels: LevelConfig | Mapping[str, Any] | None) -> Any:
        if levels is None or not isinstance(levels, Mapping):
            return levels
        return {**self.project.levels.model_dump(mode="json"), **dict(levels)}

    def __repr__(self) -> str:
        return (
            f"Study({self.project.name!r}, grid={self.grid.label()}, layers={len(self.data.layers)}, "
            f"hazards={self.n_hazards}"
            + (f", as_of={self.as_of.isoformat()}" if self.as_of is not None else "")
            + ")"
        )


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


def as_of_data(data: ProjectData, day: date, *, history: bool = True) -> ProjectData:
    """The project's data as of the end of ``day``: features outside their validity
    (``valid_from`` <= day < ``valid_to``) left out, and (``history``) dated records
    (layers of the ``history`` group with a ``date``) kept when within the project's
    ``time.accident_window_years`` before the day (and not after it).

    Returns
    -------
    ProjectData
        A new ProjectData (the same project and files; fewer features).
    """
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


def _register_layer(
    base: ProjectData,
    register: str | Path | HazardRegister | Literal["auto"] | None,
    as_of: date | None = None,
) -> tuple[Path | str, Layer] | None:
    """The register's open hazards as a layer, with the register's path; None without one."""
    if register is None:
        return None
    from riskmap.register import HazardRegister, build_hazards_layer, default_register_path
    from riskmap.register.database import register_exists

    path: Path | str
    if isinstance(register, HazardRegister):
        path = register.location()
        source: HazardRegister | Path | str = register
    elif isinstance(register, str) and register == "auto":
        path = default_register_path(base.project)
        if not register_exists(path):
            return None
        source = path
    else:
        path = register if isinstance(register, str) else Path(register)
        if not register_exists(path):
            raise ConfigError(
                f"hidden-hazard register {path} not found: give the path of an existing register "
                "database, or leave the register out"
            )
        source = path
    return path, build_hazards_layer(source, base.crs, kinds=base.kinds, as_of=as_of)
