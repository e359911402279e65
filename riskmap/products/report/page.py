"""The printable report: one self-contained HTML page (A4 print styles, images inline),
:func:`build_report` (and the core :func:`report_from_cells`).
"""

from __future__ import annotations

import base64
from datetime import date
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from riskmap import __version__
from riskmap.config import ReportOptions
from riskmap.errors import RiskmapError
from riskmap.io import ProjectData
from riskmap.products.inventory import Inventory, filter_inventory, view_table

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.products.indicators import Scorecard

from riskmap.products.report.figure import (
    district_name,
    find_cjk_font,
    focus_extent,
    render_map_png,
)
from riskmap.products.report.tables import (
    _AREA_COLUMNS,
    _SOURCE_COLUMNS,
    _cards_html,
    _grid_text,
    _html_table,
    _scorecard_html,
    _shorten,
    _summary_html,
    _top_table,
)
from riskmap.products.report.text import _e, _numbered, _param_name, _param_value, _t

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
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
h2, h3, .note { break-after: avoid; page-break-after: avoid; }
td.lvl { font-weight: 600; text-align: center; white-space: nowrap; }
.figure { text-align: center; break-inside: avoid; page-break-inside: avoid; }
.figure img { width: 100%; max-height: 200mm; object-fit: contain; border: 1px solid #ccc; }
td.nowrap, th.nowrap { white-space: nowrap; }
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
        district=o.district,
    )


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
    district: str | None = None,
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
        ``value``, ``target``, ``passed``; optional ``unit``, ``comparison``, ``standard`` /
        ``standard_zh`` and ``evidence`` / ``evidence_zh`` (shown in ``lang``), ``scope`` — only ``city`` rows are
        shown); the section is left out when None.
    top_n
        Rows of the top sources and areas tables.
    today
        The report's date (today by default).
    map_png
        A ready map image; drawn with :func:`render_map_png` when None.
    zoom
        Add a close-up of the densest red and orange cells (:func:`focus_extent`).
    district
        Adcode (or name) of one district: the report is the district's (title, headline
        figures, tables, scorecard rows when the table has them), its maps zoomed to it
        with the district outlined; the whole city when None.

    Returns
    -------
    str
        The HTML page: A4 print styles, no outside references, images as ``data:`` URIs.
    """
    p = data.project
    day = (today or date.today()).isoformat()
    if district:
        district = _resolve_district(data, district)
        cells = assessment_cells[assessment_cells["adcode"].astype(str) == district]
        inventory = filter_inventory(inventory, districts=[district])
    else:
        cells = assessment_cells
    place = district_name(data, district, lang)
    if lang == "en":
        where = f"{p.title.en}, {place}" if place else p.title.en
        title = f"{where}: {_t('title', lang)}"
    else:
        title = f"{p.title.zh}{place}{_t('title', lang)}"
    en_names = _english_names(data) if lang == "en" else {}

    def localised(frame: pd.DataFrame) -> pd.DataFrame:
        """A table in ``lang``, its district names in English in the English report."""
        out = view_table(frame, lang)
        if lang == "en" and "district" in out.columns:
            by_code = _english_codes(data)
            names = out["district"].astype(str)
            codes = out["adcode"].astype(str) if "adcode" in out.columns else names
            out["district"] = [
                by_code.get(c) or en_names.get(n, n) for c, n in zip(codes, names, strict=True)
            ]
        return out

    heading = iter(range(1, 100))

    def h2(key: str) -> str:
        return f"<h2>{_e(_numbered(next(heading), _t(key, lang), lang))}</h2>"

    png = (
        map_png
        if map_png is not None
        else render_map_png(data, assessment_cells, lang, district=district)
    )
    img = "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    parts: list[str] = [f"<h1>{_e(title)}</h1>"]
    scope = (
        f" · {_e(_t('scope_district', lang).format(name=place, code=district))}" if district else ""
    )
    parts.append(
        f'<div class="meta">{_e(_t("generated", lang))}: {_e(day)} · {_e(_t("version", lang))}: '
        f"{_e(__version__)} · {_e(_t('grid', lang))}: {_e(_grid_text(p, inventory, len(cells), lang))}"
        f" · {_e(p.name)} ({_e(p.adcode)}){scope}</div>"
    )
    parts.append(_cards_html(cells, lang))
    no_cjk = "" if find_cjk_font() else f'<p class="note">{_e(_t("no_cjk", lang))}</p>'
    parts.append(
        f'{h2("map")}<div class="figure">'
        f'<img alt="{_e(_t("map", lang))}" src="{img}">{no_cjk}</div>'
    )
    focus = focus_extent(cells) if zoom and len(cells) else None
    if focus is not None:
        zpng = render_map_png(data, assessment_cells, lang, extent=focus, district=district)
        zimg = "data:image/png;base64," + base64.b64encode(zpng).decode("ascii")
        note = _t("zoom_district_note" if district else "zoom_note", lang)
        parts.append(
            f'<section class="page"><h3>{_e(_t("zoom", lang))}</h3>'
            f'<p class="note">{_e(note)}</p><div class="figure">'
            f'<img alt="{_e(_t("zoom", lang))}" src="{zimg}"></div></section>'
        )

    # Summary, districts, accidents
    parts.append(f'<section class="page">{h2("summary")}')
    parts.append(_summary_html(cells, inventory, lang))
    parts.append(h2("districts"))
    d = localised(inventory.districts)
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
        parts.append(h2("accidents"))
        parts.append(f'<p class="note">{_e(_t("latest_quarter", lang).format(p=latest))}</p>')
        parts.append(
            _html_table(
                localised(acc[acc["period"] == latest]),
                ["rank", "district", "accidents", "deaths", "injuries", "direct_loss"],
                lang,
                numeric=["rank", "accidents", "deaths", "injuries", "direct_loss"],
                formats={"direct_loss": "{:,.1f}"},
                nowrap=["district"],
            )
        )
    parts.append("</section>")

    # Top sources and areas
    parts.append(f'<section class="page">{h2("sources")}')
    s = localised(inventory.sources)
    source_style = {"code": ["number"], "nowrap": ["district", "responsible_person"]}
    parts.append(_top_table(s, _SOURCE_COLUMNS, top_n, lang, source_style))
    parts.append(h2("areas"))
    a = localised(inventory.areas)
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
        parts.append(h2("scorecard"))
        scope_rows = (
            district
            if district
            and "scope" in indicators.columns
            and (indicators["scope"].astype(str) == district).any()
            else "city"
        )
        if district and scope_rows == "city":
            parts.append(f'<p class="note">{_e(_t("scorecard_city", lang))}</p>')
        parts.append(_scorecard_html(indicators, lang, scope=scope_rows, names=en_names))
    parts.append(h2("method"))
    parts.append(f"<p>{_e(_t('method_text', lang))}</p>")
    raw = inventory.parameters
    raw = raw[raw["section_en"] != "input sha256"]
    params = pd.DataFrame(
        {
            "parameter": [_param_name(str(k), lang) for k in raw["parameter"]],
            "value": [
                p.title.get(lang) if k == "title" else _param_value(str(k), v, lang)
                for k, v in zip(raw["parameter"], raw["value"], strict=True)
            ],
        }
    )
    half = (len(params) + 1) // 2
    plabels = {"parameter": _t("param_name", lang), "value": _t("param_value", lang)}
    parts.append(
        '<div class="two">'
        + _html_table(params.iloc[:half], ["parameter", "value"], lang, small=True, labels=plabels)
        + _html_table(params.iloc[half:], ["parameter", "value"], lang, small=True, labels=plabels)
        + "</div>"
    )
    parts.append(h2("inputs"))
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
    parts.append(f"<footer>riskmap {_e(__version__)} · {_e(day)} · {_e(title)}</footer>")

    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def _resolve_district(data: ProjectData, district: str) -> str:
    """The adcode of a district given by adcode or name (Chinese or English).

    Raises
    ------
    RiskmapError
        When the project has no such district (the message lists those it has).
    """
    d = data.districts
    text = str(district).strip()
    if not d.empty:
        codes = d["adcode"].astype(str)
        for col in ("adcode", "name", "name_en"):
            if col in d.columns:
                hit = codes[d[col].astype(str) == text]
                if len(hit):
                    return str(hit.iloc[0])
    known = (
        "、".join(f"{n}({c})" for n, c in zip(d["name"], d["adcode"], strict=True))
        if not d.empty and "name" in d.columns
        else "none"
    )
    raise RiskmapError(f"unknown district {text}; use a name or adcode of: {known}")


def _english_codes(data: ProjectData) -> dict[str, str]:
    """District adcode -> English name (``name_en`` of the districts data)."""
    d = data.districts
    if d.empty or "name_en" not in d.columns:
        return {}
    return {
        str(c): str(n)
        for c, n in zip(d["adcode"], d["name_en"], strict=True)
        if pd.notna(n) and str(n)
    }


def _english_names(data: ProjectData) -> dict[str, str]:
    """District Chinese name -> English name."""
    d = data.districts
    if d.empty or "name_en" not in d.columns or "name" not in d.columns:
        return {}
    return {
        str(z): str(n)
        for z, n in zip(d["name"], d["name_en"], strict=True)
        if pd.notna(n) and str(n)
    }
