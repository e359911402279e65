"""Printable report: self-contained HTML, escaped names, map image, scorecard, PDF."""

from __future__ import annotations

import base64
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from factories import area_ranks, city_cells, city_data

import riskmap as rm
from riskmap.config import ReportOptions
from riskmap.products import build_inventory, build_report, compute_indicators
from riskmap.products.inventory import inventory_from_cells
from riskmap.products.report import (
    focus_extent,
    render_map_png,
    report_from_cells,
    write_pdf,
    write_report,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report_inputs() -> tuple:
    data = city_data()
    cells = city_cells(area_ranks())
    inv = inventory_from_cells(data, cells, {"grid": {"kind": "square", "cell_size": 1000.0}})
    return data, cells, inv


@pytest.fixture(scope="module")
def report_zh(report_inputs: tuple) -> str:
    data, cells, inv = report_inputs
    scorecard = pd.DataFrame(
        {
            "indicator": ["消防站5分钟可达人口比例", "人均有效避难面积"],
            "value": [82.5, 1.8],
            "target": [100.0, 1.5],
            "passed": [False, True],
        }
    )
    return report_from_cells(data, cells, inv, indicators=scorecard, today=date(2024, 5, 1))


def test_report_has_no_external_references(report_zh: str) -> None:
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", report_zh, flags=re.I)
    assert refs, "the map image is referenced"
    assert all(r.startswith("data:") for r in refs), refs
    assert not re.search(r"url\(\s*['\"]?https?:", report_zh)
    assert "@import" not in report_zh


def test_report_escapes_names_from_files(report_zh: str) -> None:
    assert "<script>alert(1)</script>" not in report_zh
    assert "&lt;script&gt;alert(1)&lt;/script&gt;低洼区" in report_zh
    assert "<script" not in report_zh.lower()


def test_report_embeds_decodable_map_images(report_zh: str) -> None:
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', report_zh)
    assert len(images) == 2  # whole city and the close-up of the red and orange cells
    assert all(base64.b64decode(b).startswith(PNG) for b in images)


def test_report_sections_numbers_and_provenance(report_zh: str, report_inputs: tuple) -> None:
    _, _, inv = report_inputs
    assert "测试市城市安全风险评估报告" in report_zh
    assert "@page" in report_zh and "A4" in report_zh and "break-before: page" in report_zh
    for heading in (
        "分区风险汇总与排名",
        "重点风险源清单",
        "重点风险区域清单",
        "方法与参数",
        "数据来源",
    ):
        assert heading in report_zh
    # top source (highest level) and every area number are listed
    top = inv.sources["number"].iloc[0].replace("-", "-<wbr>")
    assert top in report_zh
    assert "ab" * 32 in report_zh  # input file hash
    assert "2024-05-01" in report_zh
    assert "1000 m 方格" in report_zh
    # the scorecard: both verdicts rendered
    assert "安全发展示范城市指标" in report_zh
    assert "未达标" in report_zh and "✓" in report_zh


def test_report_without_scorecard_and_in_english(report_inputs: tuple) -> None:
    data, cells, inv = report_inputs
    text = report_from_cells(data, cells, inv, lang="en", zoom=False)
    assert "Safe-city scorecard" not in text
    assert "Test City: Urban safety risk assessment report" in text
    assert text.count("data:image/png") == 1
    assert ">Major<" in text


def test_report_with_no_red_or_orange_cells_has_no_close_up() -> None:
    data, cells = city_data(), city_cells()
    assert focus_extent(cells) is None
    inv = inventory_from_cells(data, cells)
    text = report_from_cells(data, cells, inv)
    assert text.count("data:image/png") == 1


def test_focus_extent_covers_the_hot_cells_with_a_minimum_span() -> None:
    ext = focus_extent(city_cells(area_ranks()), min_span_m=8000.0)
    assert ext is not None
    minx, miny, maxx, maxy = ext
    assert maxx - minx >= 8000 and maxy - miny >= 5000 * 1.1 - 1e-6


def test_render_map_png_is_a_png(report_inputs: tuple) -> None:
    data, cells, _ = report_inputs
    png = render_map_png(data, cells, "zh", width_in=3.0, dpi=60)
    assert png.startswith(PNG)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_write_pdf(report_inputs: tuple, tmp_path: Path) -> None:
    data, cells, inv = report_inputs
    html_path = write_report(report_from_cells(data, cells, inv, zoom=False), tmp_path / "r.html")
    pdf = write_pdf(html_path, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_build_report_is_the_report_of_the_assessment(assessment: rm.Assessment) -> None:
    """The Assessment-first entry point builds the inventory and the scorecard it is not
    given, uses those it is given, and ``indicators=False`` leaves the scorecard out."""
    day = date(2024, 5, 1)
    inv = build_inventory(assessment)
    card = compute_indicators(assessment)
    opts = ReportOptions(lang="en", top_n=3, zoom=False, today=day)
    text = build_report(assessment, opts, inventory=inv, scorecard=card, map_png=PNG)
    core = report_from_cells(
        assessment.data,
        assessment.cells,
        inv,
        "en",
        card.table,
        top_n=3,
        today=day,
        map_png=PNG,
        zoom=False,
    )
    assert text == core
    assert "Safe-city scorecard" in text
    # Built here when not given: the same page.
    assert build_report(assessment, opts, map_png=PNG) == core
    without = build_report(
        assessment, opts.model_copy(update={"indicators": False}), inventory=inv, map_png=PNG
    )
    assert "Safe-city scorecard" not in without
    assert without == report_from_cells(
        assessment.data, assessment.cells, inv, "en", top_n=3, today=day, map_png=PNG, zoom=False
    )
