"""Every label of the app in Chinese (default) and English: ``app/labels.yaml`` and the
shared labels of riskmap's catalogue.

riskmap gives its own texts in both languages (layer kind names, measures, levels,
legends, inventory headers); this table holds the app's own words. :func:`text` looks a
key up; a missing key is a programming error and raises ``KeyError`` (tests load every
page in both languages).
"""

from __future__ import annotations

from pathlib import Path

from riskmap.config.catalogue import LABELS, read_labels


def load_app_labels(name: str) -> dict[str, tuple[str, str]]:
    """The app's catalogue file ``app/<name>.yaml`` (``key: [Chinese, English]``)."""
    return read_labels(Path(__file__).resolve().parent / f"{name}.yaml")


LANGS: dict[str, str] = {"zh": "中文", "en": "English"}
"""Language code -> its name in the language switch."""

TEXTS: dict[str, tuple[str, str]] = load_app_labels("labels")

# Labels shared with the library (components, views, basemaps, level rules, overlays) come
# from riskmap's one catalogue, so a layer has the same name in the sidebar and on the map.
_PREFIXES = {
    "component": "comp_",
    "view": "view_",
    "basemap": "basemap_",
    "rule": "rule_",
    "overlay": "ov_",
}
for _key, _value in LABELS.items():
    _group, _name = _key.split(".", 1)
    TEXTS.setdefault(_PREFIXES[_group] + _name, _value)
"""Key -> (Chinese, English)."""


def text(key: str, lang: str = "zh", **values: object) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``), formatted with ``values``."""
    zh, en = TEXTS[key]
    template = en if lang == "en" else zh
    return template.format(**values) if values else template
