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
from riskmap.io import ProjectData
from riskmap.products.inventory import Inventory, view_table

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.products.indicators import Scorecard

from riskmap.products.report.figure import find_cjk_font, focus_extent, render_map_png
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
