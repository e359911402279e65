"""The map page's headline figures (cells, area, people per level): the district groups
of the grid are kept between assessments, and give the same figures as made afresh."""

from __future__ import annotations

import pandas as pd
from factories import city_data

from app import common
from app.i18n import text
from riskmap.pipeline import Study


def test_kept_district_groups_give_the_figures_made_afresh() -> None:
    study = Study.from_data(city_data(), register=None, cell_size=1000)
    first = study.score()
    codes = common.district_codes(first.cells)
    other = study.score(weights={"components": {"exposure": 0.9}, "layers": {}})
    for cells in (first.cells, other.cells):
        for adcode in ("", str(cells["adcode"].iloc[0])):
            pd.testing.assert_frame_equal(
                common.level_summary(cells, adcode, codes=codes),
                common.level_summary(cells, adcode),
            )


def test_people_are_given_in_ten_thousands_in_chinese_and_thousands_in_english(
    monkeypatch,
) -> None:
    """A city's millions in full overflowed the narrow table: the column says its unit."""
    study = Study.from_data(city_data(), register=None, cell_size=1000)
    cells = study.score().cells
    people = cells.groupby("level_rank")["population"].sum()
    for lang_, header, unit in (("zh", "人口（万人）", 1e4), ("en", "Population (thousands)", 1e3)):
        monkeypatch.setattr(common, "lang", lambda lang_=lang_: lang_)
        monkeypatch.setattr(common, "t", lambda key, lang_=lang_, **kw: text(key, lang_, **kw))
        table = common.level_summary(cells)
        shown = table[header].tolist()
        expected = []
        for rank in (4, 3, 2, 1):  # 重大 first
            p = float(people.get(rank, 0.0))
            v = p / unit
            expected.append("0" if p <= 0 else "<0.1" if v < 0.05 else f"{v:,.1f}")
        assert shown == expected
    # a city's level: millions of people
    monkeypatch.setattr(common, "lang", lambda: "zh")
    assert [common._people_scaled(p) for p in (2_264_512, 300, 0)] == ["226.5", "<0.1", "0"]
    monkeypatch.setattr(common, "lang", lambda: "en")
    assert [common._people_scaled(p) for p in (2_264_512, 300, 0)] == ["2,264.5", "0.3", "0"]
