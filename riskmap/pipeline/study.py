"""The :class:`Study`: a project's data on a grid, its fields computed once, scored on
demand (see :mod:`riskmap.pipeline`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Unpack

from riskmap.errors import ConfigError
from riskmap.pipeline.grid import GridSettings, GridSpec
from riskmap.pipeline.timeline import _day, as_of_data

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
"""``progress(stage, done, total)``: called as the work goes on (stage names, tiles done),
one call at a time, from the thread that finished the tile (a worker thread of the engine:
a GUI that may only be updated from its own thread must hand the figures over)."""


__all__ = ["Progress", "Study"]


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
            the project's ``grid`` settings. ``whole_squares=False`` leaves whole square
            cells without a shape in :attr:`cells` and the results' cells (None; make them
            with :func:`riskmap.engine.fill_squares`), for a province's millions of cells.
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

        t0 = time.perf_counter()
        if self.progress:
            self.progress("grid", 0, 1)
        cells = self.grid.build(self.data)
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
        from riskmap.pipeline.over_time import run_backtest

        return run_backtest(self, train, test, weights=weights, levels=levels)

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
        from riskmap.pipeline.over_time import briefing_inputs

        return briefing_inputs(self, period, theme, warnings=warnings)

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
