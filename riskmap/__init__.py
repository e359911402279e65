"""riskmap: urban safety risk assessment and the four-colour electronic risk map.

The flat public API::

    import riskmap as rm

    study = rm.Study.from_project("wuhan", cell_size=500)   # read, validate, grid
    a = study.score()                                        # fields once, then cheap scoring
    rm.save_map(rm.build_map(a), "map.html")                 # offline four-colour map
    inv = rm.build_inventory(a)                              # the risk inventory
    card = rm.compute_indicators(a)                          # safe-city scorecard
    html = rm.build_report(a)                                # printable report

Names are imported on first use, so ``import riskmap`` (and the command line's
``--help``) stays fast. The library never imports a UI framework; the app
(``app.py``, ``app/``) only draws what it returns.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # orchestration
    "Study": "riskmap.pipeline",
    "GridSpec": "riskmap.pipeline",
    # configuration and options
    "Project": "riskmap.config",
    "LayerKind": "riskmap.config",
    "WeightsConfig": "riskmap.config",
    "LevelConfig": "riskmap.config",
    "MapOptions": "riskmap.config",
    "InventoryOptions": "riskmap.config",
    "IndicatorOptions": "riskmap.config",
    "ReportOptions": "riskmap.config",
    "load_project": "riskmap.config",
    "load_layer_kinds": "riskmap.config",
    "LEVELS": "riskmap.config.levels",
    # reading data
    "ProjectData": "riskmap.io",
    "Layer": "riskmap.io",
    "load_project_data": "riskmap.io",
    "read_layer": "riskmap.io",
    "read_table": "riskmap.io",
    # the engine's result
    "Assessment": "riskmap.engine",
    "Fields": "riskmap.engine",
    # products
    "build_map": "riskmap.maps",
    "save_map": "riskmap.maps",
    "render_html": "riskmap.maps",
    "build_inventory": "riskmap.products.inventory",
    "export_inventory": "riskmap.products.inventory",
    "Inventory": "riskmap.products.inventory",
    "compute_indicators": "riskmap.products.indicators",
    "export_scorecard": "riskmap.products.indicators",
    "Scorecard": "riskmap.products.indicators",
    "build_report": "riskmap.products.report",
    "write_report": "riskmap.products.report",
    "write_pdf": "riskmap.products.report",
    # hidden-hazard register
    "HazardRegister": "riskmap.register",
    # errors
    "RiskmapError": "riskmap.errors",
    "ConfigError": "riskmap.errors",
    "LayerDataError": "riskmap.errors",
    "CRSError": "riskmap.errors",
    "RegisterError": "riskmap.errors",
    "TransitionError": "riskmap.errors",
    "UnsafeFileError": "riskmap.errors",
    "ValidationReport": "riskmap.errors",
    "Problem": "riskmap.errors",
}

__all__ = [
    "LEVELS",
    "Assessment",
    "CRSError",
    "ConfigError",
    "Fields",
    "GridSpec",
    "HazardRegister",
    "IndicatorOptions",
    "Inventory",
    "InventoryOptions",
    "Layer",
    "LayerDataError",
    "LayerKind",
    "LevelConfig",
    "MapOptions",
    "Problem",
    "Project",
    "ProjectData",
    "RegisterError",
    "ReportOptions",
    "RiskmapError",
    "Scorecard",
    "Study",
    "TransitionError",
    "UnsafeFileError",
    "ValidationReport",
    "WeightsConfig",
    "__version__",
    "build_inventory",
    "build_map",
    "build_report",
    "compute_indicators",
    "export_inventory",
    "export_scorecard",
    "load_layer_kinds",
    "load_project",
    "load_project_data",
    "read_layer",
    "read_table",
    "render_html",
    "save_map",
    "write_pdf",
    "write_report",
]

if TYPE_CHECKING:
    from riskmap.config import (
        IndicatorOptions,
        InventoryOptions,
        LayerKind,
        LevelConfig,
        MapOptions,
        Project,
        ReportOptions,
        WeightsConfig,
        load_layer_kinds,
        load_project,
    )
    from riskmap.config.levels import LEVELS
    from riskmap.engine import Assessment, Fields
    from riskmap.errors import (
        ConfigError,
        CRSError,
        LayerDataError,
        Problem,
        RegisterError,
        RiskmapError,
        TransitionError,
        UnsafeFileError,
        ValidationReport,
    )
    from riskmap.io import Layer, ProjectData, load_project_data, read_layer, read_table
    from riskmap.maps import build_map, render_html, save_map
    from riskmap.pipeline import GridSpec, Study
    from riskmap.products.indicators import Scorecard, compute_indicators, export_scorecard
    from riskmap.products.inventory import Inventory, build_inventory, export_inventory
    from riskmap.products.report import build_report, write_pdf, write_report
    from riskmap.register import HazardRegister


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'riskmap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
