"""The grid a study is assessed on (:class:`GridSpec`): the project's grid with a
session's or a command line's changes, checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack

from riskmap.errors import ConfigError

if TYPE_CHECKING:
    import geopandas as gpd

    from riskmap.config import Project
    from riskmap.io import ProjectData


class GridSettings(TypedDict, total=False):
    """Grid settings a study may change (None, or not given, keeps the project's)."""

    cell_size: float | None
    grid: Literal["square", "h3"] | None
    h3_resolution: int | None
    tile_size: float | None
    whole_squares: bool | None


@dataclass(frozen=True)
class GridSpec:
    """The grid a study is assessed on.

    Attributes
    ----------
    kind : ``square`` or ``h3``.
    cell_size : square cell side in metres (used when ``kind`` is square).
    h3_resolution : H3 resolution (used when ``kind`` is h3).
    tile_size : side in metres of the tiles the fields are computed in (None: one tile).
    whole_squares : False: square cells the boundary does not clip carry no shape (None)
        until drawn or exported (:func:`riskmap.engine.fill_squares`), for a province's
        millions of cells; ``assess`` runs so.
    """

    kind: Literal["square", "h3"]
    cell_size: float
    h3_resolution: int
    tile_size: float | None
    whole_squares: bool = True

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
        whole = settings.get("whole_squares")
        return cls(
            kind=kind,
            cell_size=cell_size,
            h3_resolution=int(h3_resolution),
            tile_size=tile_size,
            whole_squares=True if whole is None else bool(whole),
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

    def build(self, data: ProjectData) -> gpd.GeoDataFrame:
        """The cells of ``data`` on this grid, each with its district (and county): the one
        recipe of :attr:`riskmap.Study.cells` and of the app's shared grid cache."""
        from riskmap.engine import build_grid

        return build_grid(
            data.boundary,
            data.districts,
            cell_size=self.cell_size,
            kind=self.kind,
            h3_resolution=self.h3_resolution,
            crs=data.crs,
            counties=data.counties,
            whole_squares=self.whole_squares,
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
