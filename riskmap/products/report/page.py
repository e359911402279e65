"""The printable report: one self-contained HTML page (A4 print styles, images inline)
and its PDF through Chromium.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap import __version__
from riskmap.config import ReportOptions
from riskmap.config.levels import LEVELS
from riskmap.errors import RiskmapError
from riskmap.io import ProjectData
from riskmap.products.inventory import Inventory, header_labels, view_table

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.products.indicators import Scorecard

from riskmap.products.report.figure import find_cjk_font, focus_extent, render_map_png
from riskmap.products.report.text import _e, _t

_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "WenQuanYi Micro Hei", sans-serif; font-size: 10pt; color: #1a1a1a; margin: 0 auto;
       max-width: 190mm; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; border-bottom: 2px solid #333; padding-bottom: 1mm; margin: 6mm 0 3mm; }
.meta { color: #555; font-size: 9pt; margin-bottom: 4mm; }
.page { break-before: page; page-break-before: always; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 8.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1.2mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eef0f3; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.code { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
table.small td.code { word-break: break-all; }
h2, .note { break-after: avoid; page-break-after: avoid; }
td.lvl { font-weight: 600; text-align: center; white-space: nowrap; }
.figure { text-align: center; break-inside: avoid; page-break-inside: avoid; }
.figure img { width: 100%; max-height: 200mm; object-fit: contain; border: 1px solid #ccc; }
td.nowrap { white-space: nowrap; }
table.small { font-size: 7.5pt; } table.small td, table.small th { padding: 0.6mm 1.2mm; }
.two { display: flex; gap: 4mm; align-items: flex-start; } .two table { flex: 1; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 3mm 0; }
.card { border: 1px solid #ccc; border-top-width: 4px; padding: 2mm 3mm; break-inside: avoid; }
.card .big { font-size: 15pt; font-weight: 700; }
.card .small { color: #555; font-size: 8.5pt; }
.note { color: #555; font-size: 8.5pt; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #c62828; font-weight: 600; }
footer { margin-top: 8mm; color: #777; font-size: 8pt; border-top: 1px solid #ccc; padding-top: 2mm; }
@media screen { body { padding: 10mm; background: #fff; } }
"""


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


def _num(v: Any) -> str:
    """A number for people: thousands separated, at most 4 significant digits below 1,000."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    if np.isnan(f):
        return ""
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


def _scorecard_html(indicators: pd.DataFrame, lang: str) -> str:
    df = indicators
    if "scope" in df.columns:
        df = df[df["scope"].astype(str) == "city"]
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
    rows = []
    for _, r in df.iterrows():
        name = r[name_col] if name_col else ""
        unit = r["unit"] if "unit" in df.columns and pd.notna(r["unit"]) else ""
        value = _num(r.get("value"))
        target = _num(r.get("target"))
        if target and "comparison" in df.columns and pd.notna(r.get("comparison")):
            target = f"{r['comparison']} {target}"
        passed = r.get("passed")
        if passed is None or (isinstance(passed, float) and np.isnan(passed)):
            verdict = f"<td>{_e(_t('na', lang))}</td>"
        elif bool(passed):
            verdict = f'<td class="ok">✓ {_e(_t("yes", lang))}</td>'
        else:
            verdict = f'<td class="bad">✗ {_e(_t("no", lang))}</td>'
        evidence = f"<td>{_e(r[ev_col])}</td>" if ev_col else ""
        std = f"<td>{_e(r['standard'])}</td>" if "standard" in df.columns else ""
        rows.append(
            f"<tr><td>{_e(name)}</td><td class='num'>{_e(value)} {_e(unit)}</td>"
            f"<td class='num'>{_e(target)}</td>{verdict}{evidence}{std}</tr>"
        )
    ev_head = f"<th>{_e(_t('evidence', lang))}</th>" if ev_col else ""
    std_head = f"<th>{_e(_t('standard', lang))}</th>" if "standard" in df.columns else ""
    head = "".join(
        f"<th>{_e(_t(k, lang))}</th>" for k in ("indicator", "value", "target", "passed")
    )
    return (
        f"<table><thead><tr>{head}{ev_head}{std_head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def build_report(
    assessment: Assessment,
    options: ReportOptions | None = None,
    *,
    inventory: Inventory | None = None,
    scorecard: Scorecard | None = None,
    register_summary: pd.DataFrame | None = None,
    map_png: bytes | None = None,
) -> str:
    """A self-contained, printable HTML report of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`.
    options
        Language, table lengths, sections; :class:`~riskmap.config.ReportOptions`
        defaults when None.
    inventory
        The assessment's risk inventory; built when None.
    scorecard
        The assessment's safe-city scorecard; computed when None and
        ``options.indicators`` is true.
    register_summary
        The register's district summary for the scorecard's hidden-hazard indicators
        (used when the scorecard is computed here).
    map_png
        A ready map image; drawn when None.

    Returns
    -------
    str
        The HTML page: A4 print styles, no outside references, images as ``data:`` URIs.
    """
    from riskmap.products.indicators import compute_indicators
    from riskmap.products.inventory import build_inventory

    o = options or ReportOptions()
    inv = inventory if inventory is not None else build_inventory(assessment)
    table = None
    if o.indicators:
        card = (
            scorecard
            if scorecard is not None
            else compute_indicators(assessment, register_summary=register_summary)
        )
        table = card.table
    return report_from_cells(
        assessment.data,
        assessment.cells,
        inv,
        o.lang,
        table,
        top_n=o.top_n,
        today=o.today,
        map_png=map_png,
        zoom=o.zoom,
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


def report_from_cells(
    data: ProjectData,
    assessment_cells: gpd.GeoDataFrame,
    inventory: Inventory,
    lang: str = "zh",
    indicators: pd.DataFrame | None = None,
    *,
    top_n: int = 20,
    today: date | None = None,
    map_png: bytes | None = None,
    zoom: bool = True,
) -> str:
    """The report of cells that may not come from an :class:`Assessment`;
    :func:`build_report` funnels into it.

    Parameters
    ----------
    data
        The loaded project.
    assessment_cells
        ``Assessment.cells`` (working CRS).
    inventory
        The risk inventory of the same assessment (:func:`riskmap.products.inventory.build_inventory`).
    lang
        ``zh`` (default) or ``en``.
    indicators
        The safe-city scorecard table (columns ``indicator`` or ``name_zh``/``name_en``,
        ``value``, ``target``, ``passed``; optional ``unit``, ``comparison``, ``standard``,
        ``evidence`` / ``evidence_zh`` (shown in ``lang``), ``scope`` — only ``city`` rows are
        shown); the section is left out when None.
    top_n
        Rows of the top sources and areas tables.
    today
        The report's date (today by default).
    map_png
        A ready map image; drawn with :func:`render_map_png` when None.
    zoom
        Add a second map zoomed to the red and orange cells (:func:`focus_extent`).

    Returns
    -------
    str
        The HTML page: A4 print styles, no outside references, images as ``data:`` URIs.
    """
    cells = assessment_cells
    p = data.project
    day = (today or date.today()).isoformat()
    if lang == "en":
        title = f"{p.title.en}: {_t('title', lang)}"
    else:
        title = f"{p.title.zh}{_t('title', lang)}"
    png = map_png if map_png is not None else render_map_png(data, cells, lang)
    img = "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    parts: list[str] = [f"<h1>{_e(title)}</h1>"]
    parts.append(
        f'<div class="meta">{_e(_t("generated", lang))}: {_e(day)} · {_e(_t("version", lang))}: '
        f"{_e(__version__)} · {_e(_t('grid', lang))}: {_e(_grid_text(p, inventory, len(cells), lang))}"
        f" · {_e(p.name)} ({_e(p.adcode)})</div>"
    )
    parts.append(_cards_html(cells, lang))
    no_cjk = "" if find_cjk_font() else f'<p class="note">{_e(_t("no_cjk", lang))}</p>'
    parts.append(
        f'<h2>{_e(_t("map", lang))}</h2><div class="figure">'
        f'<img alt="{_e(_t("map", lang))}" src="{img}">{no_cjk}</div>'
    )
    focus = focus_extent(cells) if zoom else None
    if focus is not None:
        zpng = render_map_png(data, cells, lang, extent=focus)
        zimg = "data:image/png;base64," + base64.b64encode(zpng).decode("ascii")
        parts.append(
            f'<section class="page"><h2>{_e(_t("zoom", lang))}</h2>'
            f'<p class="note">{_e(_t("zoom_note", lang))}</p><div class="figure">'
            f'<img alt="{_e(_t("zoom", lang))}" src="{zimg}"></div></section>'
        )

    # Summary, districts, accidents
    parts.append(f'<section class="page"><h2>{_e(_t("summary", lang))}</h2>')
    parts.append(_summary_html(cells, inventory, lang))
    parts.append(f"<h2>{_e(_t('districts', lang))}</h2>")
    d = view_table(inventory.districts, lang)
    dcols = [
        "rank",
        "district",
        "area_km2_major",
        "area_km2_significant",
        "area_km2_general",
        "area_km2_low",
        "population_major",
        "population_significant",
        "sources_major",
        "sources_significant",
        "sources",
    ]
    fmts = {c: "{:,.2f}" for c in dcols if c.startswith("area_km2")}
    parts.append(
        _html_table(
            d,
            dcols,
            lang,
            numeric=[c for c in dcols if c != "district"],
            formats=fmts,
            nowrap=["district"],
        )
    )
    acc = inventory.accidents_quarter
    if len(acc):
        latest = acc["period"].iloc[0]
        parts.append(f"<h2>{_e(_t('accidents', lang))}</h2>")
        parts.append(f'<p class="note">{_e(_t("latest_quarter", lang).format(p=latest))}</p>')
        parts.append(
            _html_table(
                acc[acc["period"] == latest],
                ["rank", "district", "accidents", "deaths", "injuries", "direct_loss"],
                lang,
                numeric=["rank", "accidents", "deaths", "injuries", "direct_loss"],
                formats={"direct_loss": "{:,.1f}"},
                nowrap=["district"],
            )
        )
    parts.append("</section>")

    # Top sources and areas
    parts.append(f'<section class="page"><h2>{_e(_t("sources", lang))}</h2>')
    s = view_table(inventory.sources, lang)
    source_style = {"code": ["number"], "nowrap": ["district", "responsible_person"]}
    parts.append(_top_table(s, _SOURCE_COLUMNS, top_n, lang, source_style))
    parts.append(f"<h2>{_e(_t('areas', lang))}</h2>")
    a = view_table(inventory.areas, lang)
    a = a.assign(measures=a["measures"].map(lambda m: _shorten(m, 220 if lang == "en" else 90)))
    area_style = {
        "numeric": ["area_km2", "population"],
        "code": ["number"],
        "formats": {"area_km2": "{:,.2f}"},
        "nowrap": ["district", "dominant_factor_name"],
    }
    parts.append(_top_table(a, _AREA_COLUMNS, top_n, lang, area_style))
    parts.append("</section>")

    # Scorecard, method, parameters, inputs
    parts.append('<section class="page">')
    if indicators is not None:
        parts.append(f"<h2>{_e(_t('scorecard', lang))}</h2>")
        parts.append(_scorecard_html(indicators, lang))
    parts.append(f"<h2>{_e(_t('method', lang))}</h2>")
    parts.append(f"<p>{_e(_t('method_text', lang))}</p>")
    raw = inventory.parameters
    params = view_table(raw[raw["section_en"] != "input sha256"], lang)
    half = (len(params) + 1) // 2
    parts.append(
        '<div class="two">'
        + _html_table(params.iloc[:half], ["parameter", "value"], lang, small=True)
        + _html_table(params.iloc[half:], ["parameter", "value"], lang, small=True)
        + "</div>"
    )
    parts.append(f"<h2>{_e(_t('inputs', lang))}</h2>")
    files = pd.DataFrame(sorted(data.file_hashes.items()), columns=["file", "sha256"])
    parts.append(
        _html_table(
            files,
            ["file", "sha256"],
            lang,
            code=["sha256"],
            small=True,
            labels={"file": _t("file", lang), "sha256": _t("sha256", lang)},
        )
    )
    if data.unavailable:
        items = "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in data.unavailable.items())
        parts.append(f"<p>{_e(_t('unavailable', lang))}:</p><ul>{items}</ul>")
    rep = data.report
    checks = _t("problems", lang).format(e=len(rep.errors), w=len(rep.warnings))
    parts.append(f'<p class="note">{_e(checks)}</p></section>')
    parts.append(
        f"<footer>riskmap {_e(__version__)} · {_e(day)} · {_e(p.title.get(lang))}</footer>"
    )

    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def write_report(html_text: str, path: str | Path) -> Path:
    """Write the report's HTML (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180.0) -> Path:
    """Print an HTML report to PDF (A4) with headless Chromium.

    Raises
    ------
    RiskmapError
        When no ``chromium`` (or ``chromium-browser``/``google-chrome``) is installed, or
        printing fails.
    """
    exe = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if exe is None:
        raise RiskmapError(
            "printing to PDF needs Chromium: install the 'chromium' package, or print the HTML from a browser"
        )
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            result = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise RiskmapError(
                f"Chromium did not finish printing {html_path.name} in {timeout:.0f} s"
            ) from None
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RiskmapError(
            f"Chromium could not print {html_path.name}: {result.stderr.strip()[-500:]}"
        )
    return pdf_path
