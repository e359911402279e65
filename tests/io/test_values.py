"""Cell values: thousands separators and decimal commas."""

from __future__ import annotations

from typing import Any

import pandas as pd


def test_thousands_separators_stay_thousands() -> None:

    from riskmap.io.values import _numbers

    values = pd.Series(["1,500", "2,000,000", "12", "３４"], dtype=object)
    assert list(_numbers(values)[0]) == [1500.0, 2_000_000.0, 12.0, 34.0]
    decimals = pd.Series(["1500,5", "1.234,5", "7"], dtype=object)
    assert list(_numbers(decimals)[0]) == [1500.5, 1234.5, 7.0]


def test_decimal_commas_are_read_as_decimals_and_said(files: Any) -> None:
    """A ';'-delimited export with decimal commas: 114,30 is a longitude, not 11430 metres."""
    path = files.root / "gas.csv"
    lon, lat = (f"{v:.4f}".replace(".", ",") for v in (files.LONS[0], files.LATS[0]))
    path.write_text(f"编号;名称;储量（吨）;经度;纬度\nG1;甲站;1500,5;{lon};{lat}\nG2;乙站;1.234,5;{lon};{lat}\n",
                    encoding="utf-8")  # fmt: skip
    gdf, problems = files.read(path)
    assert gdf is not None and len(gdf) == 2
    assert not [p for p in problems if p.code == "projected_as_degrees"]
    assert abs(float(gdf.geometry.x.iloc[0]) - round(float(files.LONS[0]), 4)) < 1e-9
    said = {p.column for p in problems if p.code == "decimal_comma"}
    assert {"经度", "纬度"} <= said
