"""Filtered inventories: :func:`filter_inventory` keeps some districts and levels, and a
filtered export says so, in its ``about`` table (sheet 说明 / About) and its file name
(:func:`export_file_name`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TypeVar

import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.errors import RiskmapError
from riskmap.products.inventory.base import (
    _LEVEL_KEYS,
    _SEP,
    CELLS,
    FORMATS,
    SHEET_NAMES,
    TABLES,
    Inventory,
    InventoryFilter,
)

_ABOUT: dict[str, tuple[str, str]] = {
    "inventory": ("清单", "Inventory"),
    "inventory_value": ("城市安全风险清单", "City safety risk inventory"),
    "date": ("日期", "Date"),
    "districts": ("筛选：区", "Filter: districts"),
    "levels": ("筛选：风险等级", "Filter: risk levels"),
    "notes": ("其他筛选", "Other filters"),
    "all": ("全部", "all"),
    "scope": ("筛选范围", "What is filtered"),
    "scope_value": (
        "风险源、风险区域和网格按区和风险等级筛选；分区汇总和事故排名只按区筛选（列出各等级）",
        "Sources, risk areas and cells are filtered by district and risk level; the district "
        "summary and the accident rankings by district only (every level listed)",
    ),
    "rows": ("行数", "Rows"),
}
"""Texts of the ``about`` table, Chinese and English."""

_MAX_NAMED_DISTRICTS = 5
"""A file name lists at most this many district codes; more are counted."""


def _level_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for lvl in LEVELS:
        for name in (str(lvl.rank), lvl.zh, lvl.en, lvl.color_name_zh, lvl.color_name_en):
            names[name.lower()] = lvl.rank
    return names


def _resolve_levels(levels: Iterable[int | str]) -> tuple[int, ...]:
    names = _level_names()
    ranks: list[int] = []
    unknown: list[str] = []
    for value in levels:
        rank = names.get(str(value).strip().lower())
        if rank is None:
            unknown.append(str(value))
        elif rank not in ranks:
            ranks.append(rank)
    if unknown:
        known = "、".join(f"{lvl.rank}/{lvl.zh}/{lvl.en}" for lvl in reversed(LEVELS))
        raise RiskmapError(f"unknown risk level {', '.join(unknown)}; use one of: {known}")
    return tuple(sorted(ranks, reverse=True))


def _resolve_districts(districts: Iterable[str], table: pd.DataFrame) -> tuple[str, ...]:
    codes = table["adcode"].astype(str).tolist() if "adcode" in table else []
    names = table["district"].astype(str).tolist() if "district" in table else codes
    by_name = dict(zip(names, codes, strict=True))
    chosen: list[str] = []
    unknown: list[str] = []
    for value in districts:
        text = str(value).strip()
        code = text if text in codes else by_name.get(text)
        if code is None:
            unknown.append(text)
        elif code not in chosen:
            chosen.append(code)
    if unknown:
        known = "、".join(f"{n}({c})" for n, c in zip(names, codes, strict=True)) or "none"
        raise RiskmapError(
            f"unknown district {', '.join(unknown)}; use a name or adcode of: {known}"
        )
    return tuple(chosen)


def _narrow(before: tuple, now: tuple) -> tuple:
    """A filter applied on top of another keeps what both keep."""
    if not before:
        return now
    if not now:
        return before
    return tuple(x for x in now if x in before)


_Frame = TypeVar("_Frame", bound=pd.DataFrame)


def _keep(frame: _Frame, adcodes: Sequence[str], ranks: Sequence[int], *, by_level: bool) -> _Frame:
    mask = pd.Series(True, index=frame.index)
    if adcodes and "adcode" in frame.columns:
        mask &= frame["adcode"].astype(str).isin(adcodes)
    if by_level and ranks and "level_rank" in frame.columns:
        mask &= pd.to_numeric(frame["level_rank"], errors="coerce").isin(ranks)
    return frame[mask].reset_index(drop=True)


def filter_inventory(
    inv: Inventory,
    *,
    districts: Iterable[str] = (),
    levels: Iterable[int | str] = (),
    notes: Iterable[str] = (),
) -> Inventory:
    """The inventory of some districts and risk levels, which its exports name.

    Sources, risk areas and cells keep the rows of the districts and levels asked for; the
    district summary and the accident rankings keep the districts (every level: a summary
    of one level would hide the others); the parameters are kept whole. Filtering a
    filtered inventory narrows it further. The input is not modified.

    Parameters
    ----------
    inv
        The inventory (:func:`build_inventory`).
    districts
        District adcodes or names, as in ``inv.districts``; empty keeps every district.
    levels
        Level ranks (4 ... 1) or names (重大, 较大, 一般, 低, Major, ..., 红, 橙, red, ...);
        empty keeps every level.
    notes
        Other filters already applied, in words (e.g. ``数据图层：hazmat``), for the
        ``about`` table.

    Returns
    -------
    Inventory
        With ``filters`` saying what it keeps.

    Raises
    ------
    RiskmapError
        A district or level that the inventory does not know (the message lists those it
        knows).
    """
    asked = InventoryFilter(
        districts=_resolve_districts(districts, inv.districts),
        levels=_resolve_levels(levels),
        notes=tuple(str(n) for n in notes if str(n).strip()),
    )
    before = inv.filters
    combined = InventoryFilter(
        districts=_narrow(before.districts, asked.districts),
        levels=_narrow(before.levels, asked.levels),
        notes=before.notes + tuple(n for n in asked.notes if n not in before.notes),
    )
    d, r = asked.districts, asked.levels
    return dataclasses.replace(
        inv,
        sources=_keep(inv.sources, d, r, by_level=True),
        areas=_keep(inv.areas, d, r, by_level=True),
        cells=None if inv.cells is None else _keep(inv.cells, d, r, by_level=True),
        districts=_keep(inv.districts, d, r, by_level=False),
        counties=None if inv.counties is None else _keep(inv.counties, d, r, by_level=False),
        accidents_month=_keep(inv.accidents_month, d, r, by_level=False),
        accidents_quarter=_keep(inv.accidents_quarter, d, r, by_level=False),
        filters=combined,
    )


def _run_value(inv: Inventory, name: str) -> str:
    p = inv.parameters
    if p.empty or "parameter" not in p.columns:
        return ""
    hit = p.loc[p["parameter"].astype(str) == name, "value"]
    return str(hit.iloc[0]) if len(hit) else ""


def _district_text(inv: Inventory, adcodes: Sequence[str], li: int) -> str:
    d = inv.districts
    names = (
        dict(zip(d["adcode"].astype(str), d["district"].astype(str), strict=True))
        if {"adcode", "district"} <= set(d.columns)
        else {}
    )
    open_, close = ("(", ")") if li else ("（", "）")
    return _SEP["en" if li else "zh"].join(
        f"{names[c]}{open_}{c}{close}" if c in names else c for c in adcodes
    )


def about_table(
    inv: Inventory, lang: str = "zh", *, tables: Sequence[str] = TABLES
) -> pd.DataFrame:
    """What an export holds, for people: the inventory, its date, its filters and the rows
    of each of ``tables``.

    Returns
    -------
    DataFrame
        ``item`` and ``value`` in one language (headers via :func:`header_labels`).
    """
    li = 1 if lang == "en" else 0
    sep = _SEP["en" if li else "zh"]
    f = inv.filters
    title = _run_value(inv, "title")
    whole = _ABOUT["inventory_value"][li] + (f" — {title}" if title else "")
    levels = sep.join(LEVELS[r - 1].name(lang) for r in f.levels)
    rows: list[tuple[str, str]] = [
        (_ABOUT["inventory"][li], whole),
        (_ABOUT["date"][li], _run_value(inv, "date")),
        (_ABOUT["districts"][li], _district_text(inv, f.districts, li) or _ABOUT["all"][li]),
        (_ABOUT["levels"][li], levels or _ABOUT["all"][li]),
    ]
    if f.notes:
        rows.append((_ABOUT["notes"][li], sep.join(f.notes)))
    rows.append((_ABOUT["scope"][li], _ABOUT["scope_value"][li]))
    counts = []
    for t in tables:
        frame = inv.cells if t == CELLS else getattr(inv, t, None)
        if frame is not None:
            counts.append(f"{SHEET_NAMES[t][li]} {len(frame):,}")
    rows.append((_ABOUT["rows"][li], sep.join(counts)))
    return pd.DataFrame(rows, columns=["item", "value"])


def filter_note(inv: Inventory, lang: str = "zh") -> str:
    """The filters in one line, e.g. ``筛选：区=甲区（420102）；风险等级=重大``; empty without
    filters (GeoPackage layer descriptions)."""
    f = inv.filters
    if not f:
        return ""
    li = 1 if lang == "en" else 0
    sep = _SEP["en" if li else "zh"]
    parts = []
    if f.districts:
        parts.append(f"{_ABOUT['districts'][li]}={_district_text(inv, f.districts, li)}")
    if f.levels:
        parts.append(
            f"{_ABOUT['levels'][li]}=" + sep.join(LEVELS[r - 1].name(lang) for r in f.levels)
        )
    parts.extend(f.notes)
    return ("; " if li else "；").join(parts)


def filter_slug(filters: InventoryFilter) -> str:
    """The part of a file name that says the filters, e.g.
    ``district-420102_level-major-significant``; empty without filters."""
    parts = []
    if filters.districts:
        n = len(filters.districts)
        codes = "-".join(filters.districts) if n <= _MAX_NAMED_DISTRICTS else f"{n}-districts"
        parts.append(f"district-{codes}")
    if filters.levels:
        parts.append("level-" + "-".join(_LEVEL_KEYS[r] for r in filters.levels))
    if filters.notes:
        parts.append("filtered")
    return "_".join(parts)


def export_file_name(inv: Inventory, fmt: str, stem: str = "inventory") -> str:
    """The file name of an export: ``{stem}.{fmt}``, with the filters when there are any,
    e.g. ``inventory_district-420102_level-major.xlsx``."""
    if fmt not in FORMATS:
        raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")
    slug = filter_slug(inv.filters)
    return f"{stem}_{slug}.{fmt}" if slug else f"{stem}.{fmt}"
