"""Monitoring readings and warnings (蓝黄橙红预警): a readings store in the register's
database, imports from CSV/XLSX, an MQTT subscription, warnings derived from the
thresholds the layer kinds declare (``monitoring:``), and the intensity factors of the
open warnings for dynamic risk (``Study.score(boosts=...)``).

Modules: :mod:`~.store`, :mod:`~.warnings`, :mod:`~.imports`, :mod:`~.mqtt`.
"""

from __future__ import annotations

from typing import Any

from riskmap.config import MonitoredQuantity
from riskmap.monitoring.imports import read_readings
from riskmap.monitoring.mqtt import parse_message, subscribe
from riskmap.monitoring.store import AddResult, ReadingStore, boosts_of
from riskmap.monitoring.warnings import LEVEL_NAMES, LEVELS, Episode, episodes, level_of


def project_quantities(data: Any) -> dict[tuple[str, str], MonitoredQuantity]:
    """(layer, quantity) -> its definition, for every layer of the project's data whose
    kind declares monitored quantities."""
    return {
        (name, q.quantity): q for name, layer in data.layers.items() for q in layer.kind.monitoring
    }


def feature_ids(data: Any) -> dict[str, set[str]]:
    """Layer -> the ids of its features (of the layers with monitored quantities)."""
    return {
        name: set(layer.gdf["id"].astype(str))
        for name, layer in data.layers.items()
        if layer.kind.monitoring
    }


__all__ = [
    "LEVELS",
    "LEVEL_NAMES",
    "AddResult",
    "Episode",
    "ReadingStore",
    "boosts_of",
    "episodes",
    "feature_ids",
    "level_of",
    "parse_message",
    "project_quantities",
    "read_readings",
    "subscribe",
]
