"""The report's HTML pieces: tables (levels coloured, numbers formatted), the level
cards, the summary by level, the scorecard and the top-n tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.products.inventory import Inventory, header_labels
from riskmap.products.report.text import _T, _e, _english, _t


def _level_style(name: str) -> str:
    for lvl in LEVELS:
        if name in (lvl.zh, lvl.en):
            fg = "#000" if lvl.rank in (2, 3) else "#fff"
            return f' style="background:{lvl.color};color:{fg}"'
    return ""


def _html_table(
    frame: pd.DataFrame,
    columns: Sequence[str],
    lang: str,
    *,
    numeric: Sequence[str] = (),
    code: Sequence[str] = (),
    level_cols: Sequence[str] = ("level",),
    labels: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    nowrap: Sequence[str] = (),
    small: bool = False,
) -> str:
    cols = [c for c in columns if c in frame.columns]
    names = {**header_labels(cols, lang), **(labels or {})}
    formats = formats or {}
    head = "".join(f"<th>{_e(names[c])}</th>" for c in cols)
    body = []
    for rec in frame[cols].itertuples(index=False, name=None):
        tds = []
        for c, v in zip(cols, rec, strict=True):
            if c in level_cols:
                tds.append(f'<td class="lvl"{_level_style(str(v))}>{_e(v)}</td>')
            elif c in numeric:
                tds.append(f'<td class="num">{_e(_fmt(v, formats.get(c, "{:,.0f}")))}</td>')
            elif c in code:
                tds.append(f'<td class="code">{_e(v).replace("-", "-<wbr>")}</td>')
            elif c in nowrap:
                tds.append(f'<td class="nowrap">{_e(v)}</td>')
            else:
                tds.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cls = ' class="small"' if small else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _shorten(text: Any, limit: int) -> str:
    """``text`` cut at the last measure separator before ``limit`` characters, with "…"."""
    t = "" if text is None else str(text)
    if len(t) <= limit:
        return t
    head = t[:limit]
    cut = max(head.rfind("；"), head.rfind("; "))
    return (head[:cut] if cut > limit // 3 else head).rstrip("；; ,，") + " …"


def _pct(part: float, whole: float) -> str:
    share = 100 * part / whole if whole else 0.0
    return f"{share:.2f}%" if 0 < share < 1 else f"{share:.1f}%"


def _number(v: Any) -> float | str:
    """``v`` as a float, or the text to show instead: "" for None and NaN, the value
    itself for anything that is not a number."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    return "" if np.isnan(f) else f


def _num(v: Any) -> str:
    """A number for people: thousands separated, at most 4 significant digits below 1,000."""
    f = _number(v)
    if isinstance(f, str):
        return f
    return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:.4g}"


def _fmt(v: Any, spec: str) -> str:
    if v is None:
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if np.isnan(f):
        return ""
    return spec.format(f)


def _grid_text(project: Any, inv: Inventory, n_cells: int, lang: str) -> str:
    """``250 m squares, 139,000 cells`` from the assessment's parameters (or the project)."""
    par = inv.parameters.set_index("parameter")["value"] if len(inv.parameters) else pd.Series()
    kind = str(par.get("grid.kind", project.grid.kind))
    if kind == "h3":
        what = f"H3 r{par.get('grid.h3_resolution', project.grid.h3_resolution)}"
    else:
        size = _fmt(par.get("grid.cell_size", project.grid.cell_size), "{:g}")
        what = f"{size} m 方格" if lang != "en" else f"{size} m squares"
    return f"{what}, {n_cells:,} 个" if lang != "en" else f"{what}, {n_cells:,} cells"


def _cards_html(cells: pd.DataFrame, lang: str) -> str:
    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int).to_numpy()
    area = pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0).to_numpy() / 1e6
    pop = (
        pd.to_numeric(cells["population"], errors="coerce").fillna(0).to_numpy()
        if "population" in cells.columns
        else np.zeros(len(cells))
    )
    tot_a = float(area.sum()) or 1.0
    cards = []
    for lvl in reversed(LEVELS):
        m = ranks == lvl.rank
        a, p = float(area[m].sum()), float(pop[m].sum())
        cards.append(
            f'<div class="card" style="border-top-color:{lvl.color}"><div>{_e(lvl.name(lang))}</div>'
            f'<div class="big">{a:,.1f} km²</div><div class="small">{_pct(a, tot_a)} · '
            f"{_e(_t('population', lang))} {p:,.0f}</div></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _summary_html(cells: pd.DataFrame, inv: Inventory, lang: str) -> str:
    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int)
    area = pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0) / 1e6
    pop = (
        pd.to_numeric(cells["population"], errors="coerce").fillna(0)
        if "population" in cells.columns
        else pd.Series(0.0, index=cells.index)
    )
    tot_a, tot_p = float(area.sum()) or 1.0, float(pop.sum()) or 1.0
    src_rank = (
        inv.sources["level_rank"].astype(int) if len(inv.sources) else pd.Series([], dtype=int)
    )
    area_rank = inv.areas["level_rank"].astype(int) if len(inv.areas) else pd.Series([], dtype=int)
    rows = []
    for lvl in reversed(LEVELS):
        m = (ranks == lvl.rank).to_numpy()
        a, p = float(area[m].sum()), float(pop[m].sum())
        ns = int((src_rank == lvl.rank).sum())
        na = int((area_rank == lvl.rank).sum())
        rows.append(
            f'<tr><td class="lvl"{_level_style(lvl.zh)}>{_e(lvl.name(lang))}</td>'
            f'<td class="num">{int(m.sum()):,}</td><td class="num">{a:,.2f}</td>'
            f'<td class="num">{_pct(a, tot_a)}</td><td class="num">{p:,.0f}</td>'
            f'<td class="num">{_pct(p, tot_p)}</td><td class="num">{ns:,}</td>'
            f'<td class="num">{na:,}</td></tr>'
        )
    rows.append(
        f"<tr><th>{_e(_t('total', lang))}</th><td class='num'>{len(cells):,}</td>"
        f"<td class='num'>{float(area.sum()):,.2f}</td><td class='num'>100%</td>"
        f"<td class='num'>{float(pop.sum()):,.0f}</td><td class='num'>100%</td>"
        f"<td class='num'>{len(inv.sources):,}</td><td class='num'>{len(inv.areas):,}</td></tr>"
    )
    head = "".join(
        f"<th>{_e(_t(k, lang))}</th>"
        for k in (
            "level",
            "cells",
            "area",
            "area_share",
            "population",
            "pop_share",
            "n_sources",
            "n_areas",
        )
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _round(v: Any, unit: str) -> str:
    """An indicator's number rounded to what it means: whole people and counts, a share to
    0.1, a small ratio to 0.01."""
    f = _number(v)
    if isinstance(f, str):
        return f
    if unit in ("people", "stations", "targets", "hazards") or abs(f) >= 100:
        return f"{f:,.0f}"
    if unit == "%" or abs(f) >= 10:
        return f"{f:,.1f}"
    return f"{f:,.2f}".rstrip("0").rstrip(".") if f != int(f) else f"{f:,.0f}"


def _unit(unit: str, lang: str) -> str:
    """An indicator's unit in ``lang`` (the indicators table writes them in English)."""
    return _t(f"unit.{unit}", lang) if f"unit.{unit}" in _T else unit


def _scorecard_html(
    indicators: pd.DataFrame,
    lang: str,
    *,
    scope: str = "city",
    names: dict[str, str] | None = None,
) -> str:
    """The scorecard's rows of one scope (``city``, or a district's adcode): value and
    target with units in ``lang`` and rounded, verdict, evidence and basis."""
    df = indicators
    if "scope" in df.columns:
        df = df[df["scope"].astype(str) == scope]
    name_col = next(
        (c for c in (f"name_{lang}", "indicator", "name", "id") if c in df.columns), None
    )
    # riskmap.products.indicators writes the evidence in English (evidence) and Chinese (evidence_zh).
    ev_col = next(
        (
            c
            for c in (("evidence",) if lang == "en" else ("evidence_zh", "evidence"))
            if c in df.columns
        ),
        None,
    )
    # ... and the standard in English (standard) and Chinese (standard_zh).
    std_col = next(
        (
            c
            for c in (("standard",) if lang == "en" else ("standard_zh", "standard"))
            if c in df.columns
        ),
        None,
    )

    def text(v: Any) -> str:
        return _e(_english(v, names)) if lang == "en" else _e(v)

    rows = []
    for _, r in df.iterrows():
        name = r[name_col] if name_col else ""
        unit = str(r["unit"]) if "unit" in df.columns and pd.notna(r["unit"]) else ""
        if unit == "yes=1":  # a done / not done indicator
            done = _fmt(r.get("value"), "{:g}")
            value = _t("done", lang) if done == "1" else _t("not_done", lang) if done else ""
            target, shown_unit = _t("done", lang), ""
        else:
            value = _round(r.get("value"), unit)
            target = _round(r.get("target"), unit)
            shown_unit = _unit(unit, lang)
            if target and "comparison" in df.columns and pd.notna(r.get("comparison")):
                cmp = str(r["comparison"]).replace(">=", "≥").replace("<=", "≤")
                target = f"{cmp} {target} {shown_unit}".replace("== ", "")
        passed = r.get("passed")
        if passed is None or (isinstance(passed, float) and np.isnan(passed)):
            verdict = f"<td>{_e(_t('na', lang))}</td>"
        elif bool(passed):
            verdict = f'<td class="ok nowrap">✓ {_e(_t("yes", lang))}</td>'
        else:
            verdict = f'<td class="bad nowrap">✗ {_e(_t("no", lang))}</td>'
        evidence = f"<td>{text(r[ev_col])}</td>" if ev_col else ""
        std = f"<td>{text(r[std_col])}</td>" if std_col else ""
        shown = f"{value} {shown_unit}".strip()
        rows.append(
            f"<tr><td>{text(name)}</td><td class='num'>{_e(shown)}</td>"
            f"<td class='num'>{_e(target)}</td>{verdict}{evidence}{std}</tr>"
        )
    ev_head = f"<th>{_e(_t('evidence', lang))}</th>" if ev_col else ""
    std_head = f"<th>{_e(_t('standard', lang))}</th>" if std_col else ""
    head = "".join(
        f'<th class="nowrap">{_e(_t(k, lang))}</th>'
        for k in ("indicator", "value", "target", "passed")
    )
    return (
        f"<table><thead><tr>{head}{ev_head}{std_head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


_SOURCE_COLUMNS = (
    "number",
    "name",
    "kind",
    "district",
    "level",
    "accident_types",
    "department",
    "responsible_person",
)
"""Columns of the report's top risk sources table."""
_AREA_COLUMNS = (
    "number",
    "district",
    "level",
    "area_km2",
    "population",
    "dominant_factor_name",
    "measures",
)
"""Columns of the report's top risk areas table."""


def _top_table(
    frame: pd.DataFrame, columns: Sequence[str], top_n: int, lang: str, style: dict[str, Any]
) -> str:
    """The first ``top_n`` rows of a table with the "n in all" note, or "none"."""
    if not len(frame):
        return f"<p>{_e(_t('none', lang))}</p>"
    table = _html_table(frame.head(top_n), list(columns), lang, **style)
    return _top_note(len(frame), top_n, lang) + "\n" + table


def _top_note(n: int, top_n: int, lang: str) -> str:
    """ "n in all, the first k listed" above a table cut to its top rows."""
    k = min(top_n, n)
    return f'<p class="note">{_e(_t("of_total", lang).format(n=n, k=k))}</p>'
