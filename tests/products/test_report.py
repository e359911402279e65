"""Printable report: self-contained HTML, escaped names, map image, scorecard, PDF."""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from factories import area_ranks, city_cells, city_data

import riskmap as rm
from riskmap.config import ReportOptions
from riskmap.config.levels import LEVELS
from riskmap.errors import RiskmapError
from riskmap.products import build_inventory, build_report, compute_indicators
from riskmap.products.inventory import inventory_from_cells
from riskmap.products.report import (
    focus_extent,
    render_map_png,
    report_from_cells,
    write_pdf,
    write_report,
)
from riskmap.products.report.figure import map_title

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


_ZH_NUMS = "一二三四五六七八九十"


def _headings(page: str) -> list[str]:
    return re.findall(r"<h([23])>([^<]*)</h\1>", page)


def test_section_numbers_follow_the_page_order(report_zh: str, report_inputs: tuple) -> None:
    """Numbered headings are consecutive from 一 (1 in English) in the order they appear,
    and the close-up is an unnumbered sub-heading right after the map's."""
    data, cells, inv = report_inputs
    english = report_from_cells(data, cells, inv, lang="en")
    for page, number in ((report_zh, r"^(\S)、"), (english, r"^(\d+)\. ")):
        heads = _headings(page)
        numbered = [re.match(number, text) for level, text in heads if level == "2"]
        assert all(numbered), heads
        got = [m.group(1) for m in numbered if m]
        want = (
            list(_ZH_NUMS[: len(got)])
            if page is report_zh
            else [str(i + 1) for i in range(len(got))]
        )
        assert got == want, heads
        assert heads[0][0] == "2" and heads[1][0] == "3"  # the close-up inside the map's section
        assert len(got) >= 8


def test_district_report_is_the_districts(report_inputs: tuple) -> None:
    """A district's report names it in the title, and its figures and tables are its own."""
    data, cells, inv = report_inputs
    mine = cells[cells["adcode"] == "420102"]
    page = report_from_cells(data, cells, inv, district="甲区", today=date(2024, 5, 1))
    assert page == report_from_cells(data, cells, inv, district="420102", today=date(2024, 5, 1))
    assert "<h1>测试市甲区城市安全风险评估报告</h1>" in page
    assert f"{len(mine):,} 个" in page  # the grid's cells: the district's
    total = float(mine["area_m2"].sum()) / 1e6
    assert f"<td class='num'>{total:,.2f}</td>" in page  # the summary's total area
    district_rows = re.findall(r'<td class="nowrap">(甲区|乙区)</td>', page)
    assert district_rows and set(district_rows) == {"甲区"}
    others = inv.sources[inv.sources["adcode"] != "420102"]["number"]
    assert not any(n.replace("-", "-<wbr>") in page for n in others)
    city = report_from_cells(data, cells, inv, today=date(2024, 5, 1))
    assert "<h1>测试市城市安全风险评估报告</h1>" in city and "范围：甲区" not in city
    with pytest.raises(RiskmapError, match="unknown district"):
        report_from_cells(data, cells, inv, district="丙区")


def test_report_words_for_people(report_inputs: tuple) -> None:
    """Parameter keys, English units and Chinese words of the data are shown in words of
    the page's language; district names in English in the English report."""
    data, cells, inv = report_inputs
    named = dataclasses.replace(data, districts=data.districts.assign(name_en=["Jia", "Yi"]))
    card = pd.DataFrame(
        {
            "name_zh": [
                "人均有效避难面积",
                "每处中心避难场所服务人口",
                "风险评估与四色图已完成",
                "重大风险区人口比例",
            ],
            "name_en": [
                "Shelter area per person",
                "People per central shelter",
                "Map produced",
                "Population at 重大 (major) risk",
            ],
            "scope": ["city"] * 4,
            "value": [0.940659, 1540815.3, 1.0, 18.36750],
            "unit": ["m²/person", "people", "yes=1", "%"],
            "target": [1.5, 500000.0, 1.0, float("nan")],
            "comparison": [">=", "<=", "==", ""],
            "passed": [False, False, True, None],
            "evidence": ["a", "b", "c", "screening 一级 500 m"],
            "evidence_zh": ["a", "b", "c", "d"],
        }
    )
    zh = report_from_cells(named, cells, inv, indicators=card)
    assert "levels.likelihood_breaks" not in zh and "可能性分级断点" in zh
    assert "0.94 米²/人" in zh and "1,540,815 人" in zh and "18.4 %" in zh
    assert "已完成" in zh
    assert "m²/person" not in zh and "yes=1" not in zh and "0.9407" not in zh
    en = report_from_cells(named, cells, inv, "en", card)
    assert "Likelihood class breaks" in en and "levels.likelihood_breaks" not in en
    assert "Population at major risk" in en and "grade 1 500 m" in en
    assert '<td class="nowrap">Jia</td>' in en and "甲区" not in en.split("<h2>")[2]


def test_focus_extent_is_the_densest_cluster() -> None:
    """The close-up frames the dense cluster of red and orange cells, not a lone one far
    away."""
    cells = city_cells(area_ranks())
    ext = focus_extent(cells)
    assert ext is not None
    far = cells.iloc[[0]].copy()
    far["geometry"] = far.geometry.translate(60_000, 60_000)
    far["level_rank"] = 4
    both = pd.concat([cells, far], ignore_index=True)
    assert focus_extent(both) == ext


def _pixels(png: bytes, rgb: tuple[int, int, int]) -> int:
    import io

    from matplotlib import image

    arr = (image.imread(io.BytesIO(png))[..., :3] * 255).round()
    return int((abs(arr - rgb).max(axis=-1) <= 3).sum())


def test_render_map_png_draws_the_view_title_and_district(report_inputs: tuple) -> None:
    data, cells, _ = report_inputs
    cells = cells.assign(score=range(len(cells)))
    low = tuple(int(LEVELS[0].color[i : i + 2], 16) for i in (1, 3, 5))
    level = render_map_png(data, cells, "zh", width_in=3.0, dpi=60)
    score = render_map_png(data, cells, "zh", width_in=3.0, dpi=60, view="score")
    assert _pixels(level, low) > 100 and _pixels(score, low) == 0  # a ramp, not four colours
    title = map_title(data, "score", "zh", "420102")
    assert title == "测试市甲区 · 风险值"
    titled = render_map_png(data, cells, "zh", width_in=3.0, dpi=60, title=title)
    assert _height(titled) > _height(level)
    outline = (0x1F, 0x3A, 0x93)
    chosen = render_map_png(data, cells, "zh", width_in=3.0, dpi=150, district="420102")
    whole = render_map_png(data, cells, "zh", width_in=3.0, dpi=150)
    assert _pixels(chosen, outline) > 20 and _pixels(whole, outline) == 0


def _height(png: bytes) -> int:
    return int.from_bytes(png[20:24], "big")
