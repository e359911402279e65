"""The printable risk assessment report: one self-contained HTML page (A4), optionally PDF.

:func:`build_report` writes the four-colour map (drawn offline with matplotlib, embedded
as a ``data:`` PNG), the legend, the district table, the top risk sources and areas, the
accident ranking, the safe-city scorecard (when given), the method's parameters and the
input files with their sha256 hashes. The page has no outside reference (no ``http(s)``
address in any ``src`` or ``href``) and every text that comes from a data file is
HTML-escaped. :func:`write_pdf` prints it with headless Chromium.

Modules: :mod:`~.text` (labels, escaping), :mod:`~.figure` (the map image),
:mod:`~.tables` (the page's tables and cards), :mod:`~.page` (:func:`build_report`),
:mod:`~.pdf` (:func:`write_report`, :func:`write_pdf`).
"""

from __future__ import annotations

from riskmap.products.report.figure import CJK_FONTS, find_cjk_font, focus_extent, render_map_png
from riskmap.products.report.page import build_report, report_from_cells
from riskmap.products.report.pdf import write_pdf, write_report

__all__ = [
    "CJK_FONTS",
    "build_report",
    "find_cjk_font",
    "focus_extent",
    "render_map_png",
    "report_from_cells",
    "write_pdf",
    "write_report",
]
