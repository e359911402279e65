"""The report's labels (zh/en) and escaping."""

from __future__ import annotations

import html
import re
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


_ZH_NUMERALS = "一二三四五六七八九十"


def _numbered(n: int, text: str, lang: str) -> str:
    """A section heading numbered ``n``: ``一、评估概况`` or ``1. Summary``."""
    if lang == "en":
        return f"{n}. {text}"
    if n <= 10:
        num = _ZH_NUMERALS[n - 1]
    else:
        tens, ones = divmod(n, 10)
        num = (
            ("" if tens == 1 else _ZH_NUMERALS[tens - 1])
            + "十"
            + (_ZH_NUMERALS[ones - 1] if ones else "")
        )
    return f"{num}、{text}"


def _param_name(key: str, lang: str) -> str:
    """People's name of a parameter key of the inventory (``levels.likelihood_breaks`` ->
    ``可能性分级断点（危险性 H）``); keys of a mapping (``method.shelter_radius_m.紧急``)
    name their entry; an unknown key is shown as it is."""
    if f"param.{key}" in _T:
        return _t(f"param.{key}", lang)
    head, _, tail = key.rpartition(".")
    if head and f"param.{head}" in _T:
        return _t(f"param.{head}", lang).format(x=_word(tail, lang))
    return key


def _param_value(key: str, value: Any, lang: str) -> str:
    """A parameter's value in words where it is a name (grid kind, level rule)."""
    text = "" if value is None else str(value)
    if key in ("grid.kind", "levels.rule") and f"value.{text}" in _T:
        return _t(f"value.{text}", lang)
    return text


def _word(text: str, lang: str) -> str:
    """A Chinese word of the vocabulary (shelter type, station class, grade) in ``lang``."""
    return _t(f"word.{text}", lang) if f"word.{text}" in _T else text


_GLOSSED = re.compile(r"[\u4e00-\u9fff]+ \(([A-Za-z][^()]*)\)")
_WORDS = re.compile("|".join(k.removeprefix("word.") for k in _T if k.startswith("word.")))


def _english(text: Any, names: dict[str, str] | None = None) -> str:
    """English text without the Chinese words that data tables carry into it: a glossed
    word (``重大 (major)``) keeps its gloss, district names take their English names
    (``names``: Chinese -> English), and vocabulary words (``一级``, ``紧急``) are
    translated."""
    out = "" if text is None else str(text)
    out = _GLOSSED.sub(r"\1", out)
    for zh, en in sorted((names or {}).items(), key=lambda kv: -len(kv[0])):
        if zh and en:
            out = out.replace(zh, en)
    return _WORDS.sub(lambda m: _word(m.group(0), "en"), out)
