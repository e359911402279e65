"""The zh/en label catalogue: every label riskmap shows, kept as data.

The labels live in ``riskmap/config/labels/*.yaml`` (package data; ``key: [Chinese,
English]``): ``shared.yaml`` names the risk components, the map's views, basemaps and
overlays, and the level rules once, for the map (layer control, legend, headings), the
report and the app's widgets alike, so a layer has one name everywhere; ``map.yaml``,
``report.yaml``, ``inventory_*.yaml`` and ``indicator_evidence.yaml`` hold the texts only
one product shows. The app keeps its own words in ``app/labels.yaml`` in the same format.
A translator edits these files, not code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from riskmap.config.vocabulary import BASEMAPS, COMPONENTS, LEVEL_RULES, OVERLAYS, VIEWS
from riskmap.errors import ConfigError

LABELS_DIR = Path(__file__).resolve().parent / "labels"
"""The catalogue files shipped with the package."""


def read_labels(path: Path) -> dict[str, tuple[str, str]]:
    """A catalogue file: ``key: [Chinese, English]`` per line, in file order.

    Raises
    ------
    ConfigError
        The file is not such a mapping (the message names the file and the key).
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a label catalogue is a mapping of key: [Chinese, English]")
    out: dict[str, tuple[str, str]] = {}
    for key, value in data.items():
        if not (
            isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
        ):
            raise ConfigError(f"{path}: label '{key}' must be [Chinese, English]")
        out[str(key)] = (value[0], value[1])
    return out


@cache
def _cached(name: str) -> dict[str, tuple[str, str]]:
    return read_labels(LABELS_DIR / f"{name}.yaml")


def load_labels(name: str) -> dict[str, tuple[str, str]]:
    """The catalogue file ``riskmap/config/labels/<name>.yaml`` (a fresh copy)."""
    return dict(_cached(name))


LABELS: dict[str, tuple[str, str]] = load_labels("shared")
"""Key -> (Chinese, English)."""

for _v in VIEWS:
    if f"view.{_v}" not in LABELS:  # a component's view is named as the component
        LABELS[f"view.{_v}"] = LABELS[f"component.{_v}"]


def label(key: str, lang: str = "zh") -> str:
    """The label ``key`` (e.g. ``overlay.shelters``) in ``lang`` (``zh`` or ``en``).

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue.
    """
    zh, en = LABELS[key]
    return en if lang == "en" else zh


def _check() -> None:
    """Every name of the vocabulary has its label (run on import: a gap fails loudly)."""
    wanted = [
        *(f"component.{c}" for c in COMPONENTS),
        *(f"view.{v}" for v in VIEWS),
        *(f"basemap.{b}" for b in BASEMAPS),
        *(f"rule.{r}" for r in LEVEL_RULES),
        *(f"overlay.{o}" for o in OVERLAYS),
    ]
    missing = [k for k in wanted if k not in LABELS]
    if missing:
        raise KeyError(f"labels missing from the catalogue: {', '.join(missing)}")


_check()

__all__ = ["LABELS", "LABELS_DIR", "label", "load_labels", "read_labels"]
