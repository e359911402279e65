"""The map page's headline figures (cells, area, people per level): the district groups
of the grid are kept between assessments, and give the same figures as made afresh."""

from __future__ import annotations

import pandas as pd
from factories import city_data

from app import common
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
