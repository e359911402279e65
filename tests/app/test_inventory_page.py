"""The inventory page (issue 15, item 8): an ordinary rerun builds no download, and a
download asked for still holds the filtered table.

The page gives each ``st.download_button`` a function as its data, which Streamlit calls
only when the button is pressed; here the functions are kept as the page registers them
and called as the button would.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "app/pages/inventory.py"


@pytest.fixture
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The app on 1000 m cells with a fresh register; counts every export riskmap makes
    and keeps the download functions the pages register (by button key)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    import riskmap.products.inventory as inv_mod

    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    record: dict[str, Any] = {"exports": 0, "makers": {}}
    for name in ("to_bytes", "export_csv", "export_geojson"):
        original = getattr(inv_mod, name)

        def counted(*args: Any, _f: Callable[..., Any] = original, **kwargs: Any) -> Any:
            record["exports"] += 1
            return _f(*args, **kwargs)

        monkeypatch.setattr(inv_mod, name, counted)
    add_deferred = MediaFileManager.add_deferred

    def keep(self: MediaFileManager, fn: Any, *args: Any, **kwargs: Any) -> str:
        file_id = add_deferred(self, fn, *args, **kwargs)
        record["makers"][file_id] = fn
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return record


def _open(page: str = PAGE) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _download(at: Any, made: dict[str, Any], key: str) -> bytes:
    """What pressing the download button ``key`` gives."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    file_id = button.proto.deferred_file_id
    assert file_id and not button.proto.url, "the bytes were made before the button was pressed"
    data = made["makers"][file_id]()
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def _rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _shown_rows(at: Any, index: int) -> int:
    """The row count in the ``index``-th "共 N 条" caption."""
    captions = [c.value for c in at.caption if "条（筛选后）" in c.value]
    return int(captions[index].split("共 ")[1].split(" 条")[0])


def test_reruns_build_no_download(made: dict[str, Any]) -> None:
    at = _open()
    at.multiselect(key="f_src_level").set_value([4, 3]).run()
    at.multiselect(key="f_cells_level").set_value([4]).run()
    at.radio(key="f_acc_period").set_value("quarter").run()
    assert not at.exception, [e.value for e in at.exception]
    assert made["exports"] == 0
    buttons = list(at.get("download_button"))
    assert len(buttons) >= 12
    # Every download is made only when asked: a function, no bytes and no file yet.
    assert all(b.proto.deferred_file_id and not b.proto.url for b in buttons)


def test_requested_downloads_hold_the_filtered_tables(made: dict[str, Any]) -> None:
    at = _open()
    at.multiselect(key="f_src_level").set_value([4]).run()
    at.multiselect(key="f_cells_level").set_value([4]).run()
    n_sources, n_cells = _shown_rows(at, 0), _shown_rows(at, 2)
    assert n_sources > 0 and n_cells > 0

    sources = _rows(_download(at, made, "dl_sources_csv"))
    assert sources[0][0] == "统一编号"
    assert len(sources) - 1 == n_sources
    cells = _rows(_download(at, made, "dl_cells_csv"))
    assert len(cells) - 1 == n_cells
    assert {r[cells[0].index("风险等级")] for r in cells[1:]} == {"重大"}
    geo = json.loads(_download(at, made, "dl_cells_geojson"))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == n_cells
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert 113 < lon < 116 and 29 < lat < 32  # WGS84 longitude/latitude
    workbook = _download(at, made, "dl_sources_xlsx")
    assert workbook[:2] == b"PK"  # an XLSX is a zip
    assert made["exports"] >= 4


def test_district_chart_shows_every_district(made: dict[str, Any]) -> None:
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    at = _open()
    districts = set(at.dataframe[3].value["所在区"].astype(str))
    assert len(districts) == 13  # Wuhan's districts
    chart = at.get("vega_lite_chart")[0]
    drawn = {
        name
        for ds in chart.proto.datasets
        for name in convert_arrow_bytes_to_pandas_df(ds.data.data)["district"].astype(str)
    }
    assert drawn == districts
    spec = json.loads(chart.proto.spec)
    assert spec["height"] == {"step": 24}  # one row per district: the chart grows with them
    assert spec["encoding"]["y"]["axis"] == {"labelLimit": 0, "labelOverlap": False}


def test_a_province_has_its_county_summary_and_says_whole_province(
    made: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factories import write_tiny_province

    monkeypatch.setenv("RISKMAP_APP_PROJECT", str(write_tiny_province(tmp_path / "province")))
    at = _open()
    tabs = [tab.label for tab in at.tabs]
    assert tabs.index("分县汇总") == tabs.index("分区汇总") + 1
    counties = at.dataframe[4].value
    assert sorted(counties["县级区划代码"].astype(str)) == ["420102", "420103", "420202", "420203"]
    rows = _rows(_download(at, made, "dl_counties_csv"))
    assert rows[0][:5] == ["排名", "所在区", "区划代码", "所在县（市、区）", "县级区划代码"]
    assert len(rows) == 5
    at.switch_page("app/pages/risk_map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("全省" in m.value for m in at.markdown)
