"""The report's labels (zh/en) and escaping."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from riskmap.config.catalogue import load_labels

_T: dict[str, tuple[str, str]] = load_labels("report")


def _t(key: str, lang: str) -> str:
    return _T[key][1 if lang == "en" else 0]


def _e(value: Any) -> str:
    """HTML-escaped text of a value (None and NaN as empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)
