"""The Streamlit app, run in-process with streamlit.testing (AppTest) on the Wuhan demo.

A coarse grid (1000 m, through ``RISKMAP_APP_CELL_SIZE``) keeps the runs fast; the
hidden-hazard register is a fresh SQLite file per test (``RISKMAP_APP_REGISTER``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = (
    "app/pages/risk_map.py",
    "app/pages/inventory.py",
    "app/pages/data.py",
    "app/pages/hazards.py",
    "app/pages/safe_city.py",
    "app/pages/method.py",
    "app/pages/change.py",
    "app/pages/monitoring.py",
)
TITLES = {
    "app/pages/inventory.py": ("风险清单", "Risk inventory"),
    "app/pages/data.py": ("数据", "Data"),
    "app/pages/hazards.py": ("隐患", "Hidden hazards"),
    "app/pages/safe_city.py": ("安全城市", "Safe city"),
    "app/pages/method.py": ("方法", "Method"),
    "app/pages/change.py": ("风险变化", "Change over time"),
    "app/pages/monitoring.py": ("监测预警", "Monitoring"),
}


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    return tmp_path


def new_app() -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_weights(at: Any) -> Any:
    """Open the sidebar's 权重 expander (its sliders are drawn only while it is open)."""
    at.session_state["w_weights_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: Any, page: str) -> Any:
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def headline(at: Any) -> list[list[str]]:
    """The headline table (cells, area, population per level) as rows of text."""
    df = at.table[0].value
    return [
        [str(i), *map(str, row)] for i, row in zip(df.index, df.to_numpy().tolist(), strict=True)
    ]


def sign_in(at: Any, who: str) -> None:
    """Sign in as one of the demo's accounts (signing out whoever is signed in)."""
    if "user" in at.session_state and at.session_state["user"] is not None:
        at.button(key="btn_sign_out").click().run()
    at.text_input(key="w_auth_user").input(who)
    at.text_input(key="w_auth_pw").input(f"{who}-demo-2021")
    next(b for b in at.button if b.label == "登录").click().run()
    assert at.session_state["user"].username == who


def texts(at: Any) -> str:
    parts = (
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    )
    parts += [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def wuhan_cells() -> Any:
    """The demo's 1000 m cells in WGS84 with their district (to click on them)."""
    from riskmap.config import load_project
    from riskmap.engine import build_grid
    from riskmap.io import load_project_data

    data = load_project_data(load_project("wuhan"))
    cells = build_grid(data.boundary, data.districts, cell_size=1000, crs=data.crs)
    full = cells[cells["area_m2"] > 999_000]
    pts = full.geometry.centroid.to_crs(4326)
    return full.assign(lon=pts.x.to_numpy(), lat=pts.y.to_numpy())


# ------------------------------------------------------------------------------- pages


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_runs_without_error(app_env: Path, lang: str) -> None:
    at = new_app()
    if lang == "en":
        at.sidebar.radio(key="w_lang").set_value("en").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    for page in PAGES[1:]:
        goto(at, page)
        assert not at.error, (page, [e.value for e in at.error])
        title = at.title[0].value
        assert title == TITLES[page][1 if lang == "en" else 0]


def test_map_page_has_its_settings(app_env: Path) -> None:
    at = new_app()
    assert not at.sidebar.slider  # the weights are folded away: no slider drawn
    before = headline(at)
    open_weights(at)
    assert headline(at) == before  # opening them changes nothing
    keys = {
        w.key
        for w in [
            *at.sidebar.selectbox,
            *at.sidebar.radio,
            *at.sidebar.multiselect,
            *at.sidebar.slider,
        ]
    }
    for key in (
        "w_lang",
        "w_project",
        "w_grid",
        "w_rule",
        "w_view",
        "w_basemap",
        "w_overlays",
        "w_district",
        "w_cw_exposure",
        "w_cw_vulnerability",
        "w_cw_coping_gap",
        "w_lw_hazmat",
    ):
        assert key in keys, key
    assert at.sidebar.selectbox(key="w_grid").value == "1000"
    assert set(at.sidebar.selectbox(key="w_rule").options) >= {
        "风险矩阵（可能性×严重性）",
        "自然断点",
    }
    rows = headline(at)
    assert [r[0] for r in rows] == ["重大", "较大", "一般", "低"]
    total = sum(int(r[1].replace(",", "")) for r in rows)
    assert total > 8000  # the whole city at 1000 m


def test_weight_change_changes_level_counts(app_env: Path) -> None:
    at = open_weights(new_app())
    before = headline(at)
    at.sidebar.slider(key="w_cw_coping_gap").set_value(0.0).run()
    after = headline(at)
    assert after != before
    assert "0.00" in at.sidebar.slider(key="w_cw_coping_gap").value.__format__(".2f")
    at.sidebar.button(key="btn_reset_weights").click().run()
    assert headline(at) == before


def test_level_rule_changes_level_counts(app_env: Path) -> None:
    at = new_app()
    before = headline(at)
    at.sidebar.selectbox(key="w_rule").set_value("quantiles").run()
    after = headline(at)
    assert after != before
    counts = [int(r[1].replace(",", "")) for r in after]
    total = sum(counts)
    # Quantile rule (0.60, 0.90, 0.98): at least 60 % of cells are 低 (ties at 0 included),
    # at most about 2 % are 重大.
    assert counts[3] / total >= 0.59
    assert counts[0] / total <= 0.025


def test_language_switch_changes_labels(app_env: Path) -> None:
    at = new_app()
    assert "城市安全风险电子地图" in at.title[0].value
    at.sidebar.radio(key="w_lang").set_value("en").run()
    assert "Urban safety risk map" in at.title[0].value
    assert [r[0] for r in headline(at)] == ["Major", "Significant", "General", "Low"]
    assert at.sidebar.selectbox(key="w_grid").label == "Cell size"
    assert at.sidebar.selectbox(key="w_rule").value == "matrix"


def test_district_filter_gives_district_figures(app_env: Path) -> None:
    at = new_app()
    city = headline(at)
    at.sidebar.selectbox(key="w_district").set_value("420102").run()  # 江岸区
    district = headline(at)
    assert "江岸区" in texts(at)
    assert (
        sum(int(r[1].replace(",", "")) for r in district)
        < sum(int(r[1].replace(",", "")) for r in city) / 5
    )


def test_click_on_map_opens_cell_details(app_env: Path, wuhan_cells: Any) -> None:
    at = new_app()
    cell = wuhan_cells.iloc[len(wuhan_cells) // 2]
    at.session_state["pending_click"] = {"lat": float(cell["lat"]), "lng": float(cell["lon"])}
    at.run()
    assert at.session_state["selected_cell"] == cell["cell_id"]
    body = texts(at)
    assert cell["cell_id"] in body and "建议措施" in body and "主要风险来源" in body
    assert any(m.label == "风险值（0–100）" for m in at.metric)
    # Why the level: R = L x S and its band under the matrix rule in force.
    why = re.search(
        r"风险矩阵 R = 可能性 (\d) × 严重性 (\d) = \*\*(\d+)\*\*，落在 R (\d+)–(\d+)", body
    )
    assert why is not None, body
    lik, sev, r, lo, hi = (int(g) for g in why.groups())
    assert r == lik * sev and lo <= r <= hi
    # In English the panel names the cell's district in English (the data's name_en).
    at.sidebar.radio(key="w_lang").set_value("en").run()
    caption = next(c.value for c in at.caption if cell["cell_id"] in c.value)
    assert caption.startswith("Cell ") and not re.search(r"[\u4e00-\u9fff]", caption), caption
    at.sidebar.radio(key="w_lang").set_value("zh").run()
    # A click outside the city says so.
    at.session_state["pending_click"] = {"lat": 10.0, "lng": 10.0}
    at.run()
    assert any("不在任何网格内" in i.value for i in at.info)


def score_of(at: Any) -> float:
    return float(
        next(m.value for m in at.metric if m.label in {"风险值（0–100）", "Risk score (0–100)"})
    )


def test_open_hidden_hazard_raises_risk_and_closing_removes_it(
    app_env: Path, wuhan_cells: Any
) -> None:
    at = new_app()
    # A populated cell away from the strongest sources.
    cells = wuhan_cells.sort_values("cell_id")
    cell = cells.iloc[len(cells) // 3]
    click = {"lat": float(cell["lat"]), "lng": float(cell["lon"])}
    at.session_state["pending_click"] = click
    at.run()
    before = score_of(at)

    goto(at, "app/pages/hazards.py")
    assert any("请先在左侧登录" in i.value for i in at.info)  # writing needs a signed-in user
    sign_in(at, "admin")
    at.session_state["hz_pending"] = click
    at.run()
    assert at.number_input(key="hz_lon").value == pytest.approx(float(cell["lon"]), abs=1e-5)
    assert at.text_input(key="hz_district_shown").value == cell["district"]  # from the point
    at.text_input(key="hz_title").input("储罐区泄漏报警失效")
    at.selectbox(key="hz_category").set_value("hazmat")
    at.radio(key="hz_grade").set_value("major")
    at.text_input(key="hz_found_by").input("检查员甲")
    at.text_input(key="hz_unit").input("某化工公司")
    at.button[0].click().run()
    assert not at.exception
    assert any("已登记" in s.value for s in at.success), [e.value for e in at.error]
    number = at.session_state["hz_selected"]
    assert "1 条未销号隐患" in texts(at)

    goto(at, "app/pages/risk_map.py")
    raised = score_of(at)
    assert raised > before

    goto(at, "app/pages/hazards.py")
    at.text_input(key="hz_void_reason").input("重复登记")
    at.button(key="hz_void_btn").click().run()
    assert any(number in s.value for s in at.success)
    goto(at, "app/pages/risk_map.py")
    assert score_of(at) == pytest.approx(before)


def test_hazard_moves_only_along_the_loop(app_env: Path, wuhan_cells: Any) -> None:
    at = goto(new_app(), "app/pages/hazards.py")
    assert any("台账校验通过" in s.value for s in at.success)  # the hash chain verified
    assert str(app_env) not in texts(at)  # no server path shown
    cell = wuhan_cells.iloc[10]
    sign_in(at, "admin")
    at.session_state["hz_pending"] = {"lat": float(cell["lat"]), "lng": float(cell["lon"])}
    at.run()
    at.text_input(key="hz_title").input("消防通道堵塞")
    at.selectbox(key="hz_category").set_value("fire")
    at.text_input(key="hz_found_by").input("检查员乙")
    at.text_input(key="hz_unit").input("物业公司")
    at.button[0].click().run()
    moves = [b.key for b in at.button if b.key and b.key.startswith("hz_move_")]
    assert moves == ["hz_move_rectifying"]
    at.button(key="hz_move_rectifying").click().run()
    moves = [b.key for b in at.button if b.key and b.key.startswith("hz_move_")]
    assert moves == ["hz_move_awaiting_acceptance"]
    assert any(df.value.shape[0] >= 2 for df in at.dataframe)  # history: registered, started


def test_inventory_page_has_tables_and_downloads(app_env: Path) -> None:
    at = goto(new_app(), "app/pages/inventory.py")
    labels = [t.label for t in at.tabs]
    assert labels == ["风险源清单", "风险区域", "网格", "分区汇总", "事故排名"]
    downloads = at.get("download_button")
    assert len(downloads) >= 6
    assert {m.key for m in at.multiselect} >= {"f_src_district", "f_src_level", "f_cells_factor"}
    n_before = len(at.dataframe[0].value)
    at.multiselect(key="f_src_level").set_value([4]).run()
    assert 0 < len(at.dataframe[0].value) < n_before


def test_data_page_lists_layers_with_status(app_env: Path) -> None:
    at = goto(new_app(), "app/pages/data.py")
    table = at.dataframe[0].value
    assert "危险化学品企业" in set(table["图层"])  # the layer's name, not its key (hazmat)
    assert set(table["状态"]) == {"可用"}


def test_broken_layer_leaves_the_app_running(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = app_env / "city"
    shutil.copytree(ROOT / "data" / "wuhan", project)
    (project / "gas_stations.csv").write_bytes(b"\x00\x01garbage without a header\n")
    monkeypatch.setenv("RISKMAP_APP_PROJECT", str(project / "project.yaml"))
    at = new_app()
    assert not at.error
    goto(at, "app/pages/data.py")
    table = at.dataframe[0].value
    status = dict(zip(table["图层"], table["状态"], strict=True))
    assert status["加油加气站"].startswith("不可用")  # named though it could not be read
    assert re.search(r"[\u4e00-\u9fff]", status["加油加气站"][4:])  # why, in Chinese
    assert not re.search(r"[A-Za-z]{3,} [a-z]{2,}", status["加油加气站"]), status  # no English
    assert status["危险化学品企业"] == "可用"
    at.sidebar.radio(key="w_lang").set_value("en").run()
    table = at.dataframe[0].value
    status = dict(zip(table["Layer"], table["Status"], strict=True))
    assert status["Gas station"].startswith("unavailable: ")
    assert not re.search(r"[\u4e00-\u9fff]", status["Gas station"]), status


def test_safe_city_scorecard_and_what_if(app_env: Path, wuhan_cells: Any) -> None:
    at = goto(new_app(), "app/pages/safe_city.py")
    card = at.dataframe[0].value
    assert "消防站5分钟可达人口比例" in set(card["指标"])
    assert any(
        str(e).startswith("覆盖 ") and "人，共" in str(e) for e in card["说明"]
    )  # Chinese evidence
    # Propose a fire station in a populated cell and compare.
    cell = wuhan_cells.iloc[len(wuhan_cells) // 2]
    at.session_state["wi_pending"] = {"lat": float(cell["lat"]), "lng": float(cell["lon"])}
    at.run()
    at.radio(key="wi_kind").set_value("fire_station").run()
    at.text_input(key="wi_name").input("规划消防站")
    next(b for b in at.button if b.label == "添加方案").click().run()
    assert at.session_state["proposals"][0]["kind"] == "fire_station"
    at.button(key="wi_run").click().run()
    assert not at.exception
    body = texts(at)
    assert "指标变化（全市）" in body and "风险等级变化" in body


def test_method_page_shows_weights(app_env: Path) -> None:
    at = goto(new_app(), "app/pages/method.py")
    weights = at.dataframe[0].value
    assert len(weights) > 5
    assert "暴露度 E" in set(weights["参数"])
    rule = at.table[0].value
    assert "可能性分级断点（危险性 H）" in set(rule["参数"])  # labelled, not a raw key
    text = texts(at)
    assert "一张网格的风险是怎么算出来的" in text and "R = L × S" in text  # the analyst's page
    folded = next(e for e in at.expander if e.label.startswith("完整方法说明"))
    full = "\n".join(m.value for m in folded.markdown)  # the specialists' text, folded away
    assert "Green's theorem" in full and "<!--" not in full and "```json" not in full
    at.radio(key="w_lang").set_value("en").run()
    assert "How a grid cell's risk is worked out" in texts(at)


def test_amap_click_is_converted_from_gcj02(app_env: Path, wuhan_cells: Any) -> None:
    import numpy as np

    from riskmap.io.crs import wgs84_to_gcj02

    at = new_app()
    at.sidebar.selectbox(key="w_basemap").set_value("amap").run()
    cell = wuhan_cells.iloc[len(wuhan_cells) // 2]
    glon, glat = wgs84_to_gcj02(np.array([cell["lon"]]), np.array([cell["lat"]]))
    at.session_state["pending_click"] = {"lat": float(glat[0]), "lng": float(glon[0])}
    at.run()
    assert at.session_state["selected_cell"] == cell["cell_id"]


def test_h3_grid_option(app_env: Path) -> None:
    at = new_app()
    squares = sum(int(r[1].replace(",", "")) for r in headline(at))
    at.sidebar.selectbox(key="w_grid").set_value("h3").run()
    at.sidebar.slider(key="w_h3res").set_value(6).run()
    assert not at.exception and not at.error
    hexes = sum(int(r[1].replace(",", "")) for r in headline(at))
    assert 100 < hexes < squares  # resolution 6 cells are about 36 km²
    assert "H3" in texts(at)


def test_a_shared_link_reopens_the_same_view(app_env: Path, wuhan_cells: Any) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(
        {"view": "score", "rule": "quantiles", "district": "420111", "grid": "1000",
         "overlays": "districts,shelters,nonsense", "cell": "r3380c245", "basemap": "evil"}
    )  # fmt: skip
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    ss = at.session_state
    assert ss["w_view"] == "score" and ss["w_rule"] == "quantiles"
    assert ss["w_district"] == "420111" and ss["w_grid"] == "1000"
    assert ss["w_overlays"] == ["districts", "shelters"]  # unknown overlays dropped
    assert ss["w_basemap"] == "none"  # an unknown basemap is ignored
    assert ss["selected_cell"] == "r3380c245"
    # The page writes its view back into the address: a link to it reopens the same map.
    assert at.query_params["view"] == "score" and at.query_params["cell"] == "r3380c245"


def test_a_shared_link_carries_the_weights(app_env: Path) -> None:
    """The sender's weights travel in the link (those differing from the defaults): the
    link opened in a fresh session shows the same level counts."""
    from streamlit.testing.v1 import AppTest

    at = open_weights(new_app())
    assert not {"w", "lw"} & set(at.query_params)  # default weights: a clean address
    at.sidebar.slider(key="w_cw_coping_gap").set_value(1.0)
    at.sidebar.slider(key="w_lw_hazmat").set_value(2.5)
    at.sidebar.selectbox(key="w_rule").set_value("quantiles")
    at.sidebar.selectbox(key="w_district").set_value("420106").run()
    assert not at.exception, [e.value for e in at.exception]
    sent = headline(at)
    link = dict(at.query_params)
    assert link["w"] == "coping_gap:1" and link["lw"] == "hazmat:2.5", link
    assert link["rule"] == "quantiles" and link["district"] == "420106"

    fresh = AppTest.from_file(APP, default_timeout=300)
    fresh.query_params.update(link)
    fresh.run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    assert headline(fresh) == sent
    assert fresh.session_state["w_cw_coping_gap"] == 1.0
    assert fresh.session_state["w_lw_hazmat"] == 2.5
    assert not fresh.warning
    # Without the weights the same link shows other counts: they are what made the levels.
    bare = AppTest.from_file(APP, default_timeout=300)
    bare.query_params.update({k: v for k, v in link.items() if k not in {"w", "lw"}})
    bare.run()
    assert headline(bare) != sent
    # Back to the defaults: the weights leave the address.
    open_weights(at).sidebar.button(key="btn_reset_weights").click().run()
    assert not {"w", "lw"} & set(at.query_params)


def test_a_link_with_bad_weights_says_what_it_left_out(app_env: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(
        {"w": "coping_gap:7,exposure:nan,vulnerability:0.3,*[x](http://e.vil)*:1",
         "lw": "hazmat:2,no_such_layer:1,<b>bold</b>:1,hazmat:-1"}
    )  # fmt: skip
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    ss = at.session_state
    assert ss["w_cw_vulnerability"] == 0.3 and ss["w_lw_hazmat"] == 2.0  # the valid ones
    defaults = ss["_weight_defaults"]  # the others keep the project's values
    assert ss["w_cw_coping_gap"] == defaults["w_cw_coping_gap"]
    assert ss["w_cw_exposure"] == defaults["w_cw_exposure"]
    (notice,) = [w.value for w in at.warning if "链接中的部分权重未采用" in w.value]
    for left_out in ("coping_gap:7", "exposure:nan", "no_such_layer:1", "hazmat:-1"):
        assert common_plain(left_out) in notice, notice
    # The link's text is shown as text: no link, no HTML.
    assert "](http" not in notice and "<b>" not in notice
    assert r"\<b\>bold\</b\>" in notice and r"\[x\]\(http" in notice
    assert at.query_params["w"] == "vulnerability:0.3" and at.query_params["lw"] == "hazmat:2"
    at.run()  # said once, when the link is opened
    assert not [w for w in at.warning if "链接中的部分权重未采用" in w.value]


def common_plain(text: str) -> str:
    from app.common import plain

    return plain(text)


def test_report_and_map_downloads_are_made_when_asked(app_env: Path) -> None:
    at = new_app()
    made = {f"btn_{w}" for w in ("report_html", "report_pdf", "map_html", "map_png")}
    assert not made & {b.key for b in at.button}  # folded away: not even their buttons drawn
    at.session_state["dl_open"] = True
    at.run()
    assert not any(k.startswith("dl_ready_") for k in at.session_state)  # nothing built yet
    for what in ("report_html", "map_html", "map_png"):
        at.button(key=f"btn_{what}").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state[f"dl_ready_{what}"]
    assert not at.error


def test_search_finds_a_source_by_name_and_opens_its_cell(app_env: Path) -> None:
    import pandas as pd

    hazmat = pd.read_csv(ROOT / "data" / "wuhan" / "hazmat_enterprises.csv", encoding="gbk")
    name = str(hazmat["企业名称"].iloc[0])
    at = new_app()
    at.text_input(key="w_search").input(name[2:8]).run()
    assert not at.exception, [e.value for e in at.exception]
    pick = at.selectbox(key="w_search_pick")
    assert any(name in str(o) for o in pick.options)
    cell = at.session_state["selected_cell"]
    assert cell.startswith("r") and texts(at).count(cell) >= 1
    at.text_input(key="w_search").input("不存在的名称XYZ").run()
    assert any("没有找到" in c.value for c in at.caption)


def test_monitoring_page_shows_the_demos_warnings_and_dynamic_risk(app_env: Path) -> None:
    at = goto(new_app(), "app/pages/monitoring.py")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["该时刻的预警"].replace(",", "")) > 0  # the demo month's storm
    assert int(metrics["预警总数"].replace(",", "")) >= 30
    assert any("动态风险" in c.value for c in at.caption)
    assert any("请先在左侧登录" in c.value for c in at.caption)  # acknowledging needs a user
    # The demo's leader signs in and acknowledges: the warning names the signed-in user.
    at.text_input(key="w_auth_user").input("leader")
    at.text_input(key="w_auth_pw").input("wrong-password")
    next(b for b in at.button if b.label == "登录").click().run()
    assert any("用户名或密码不正确" in e.value for e in at.error)
    at.text_input(key="w_auth_user").input("leader")
    at.text_input(key="w_auth_pw").input("leader-demo-2021")
    next(b for b in at.button if b.label == "登录").click().run()
    assert at.session_state["user"].role == "leader"
    at.button(key="btn_mon_ack").click().run()
    assert any("已由 leader" in s.value and "确认" in s.value for s in at.success), [
        s.value for s in at.success
    ]


def _file_hazard(at: Any, cells: Any, title: str, category: str, *, grade: str = "general") -> None:
    """Sign in as the demo's administrator, type the coordinates of a 洪山区 cell into the
    hazard form and register it."""
    sign_in(at, "admin")
    cell = cells[cells["district"] == "洪山区"].iloc[5]
    at.number_input(key="hz_lon").set_value(round(float(cell["lon"]), 6))
    at.number_input(key="hz_lat").set_value(round(float(cell["lat"]), 6))
    at.text_input(key="hz_title").input(title)
    at.selectbox(key="hz_category").set_value(category)
    at.radio(key="hz_grade").set_value(grade)
    at.text_input(key="hz_found_by").input("检查员丙")
    at.text_input(key="hz_unit").input("某单位")
    at.button[0].click().run()
    assert not at.exception


def test_typed_coordinates_decide_the_district(app_env: Path, wuhan_cells: Any) -> None:
    """The district is read-only and follows the point: a point typed in 洪山区 is filed
    under 洪山区 (420111); a point outside every district is refused with what to do."""
    at = goto(new_app(), "app/pages/hazards.py")
    _file_hazard(at, wuhan_cells, "燃气管线占压", "gas")
    assert at.text_input(key="hz_district_shown").disabled
    assert at.text_input(key="hz_district_shown").value == "洪山区"
    message = " ".join(s.value for s in at.success)
    assert "420111-" in message, message  # the number carries 洪山区's adcode
    at.number_input(key="hz_lon").set_value(120.0)
    at.number_input(key="hz_lat").set_value(35.0).run()
    assert at.text_input(key="hz_district_shown").value == "（不在本市任何行政区内）"
    assert any("不在本市任何行政区内" in w.value for w in at.warning)  # said before filing
    at.text_input(key="hz_title").input("城外")
    at.button[0].click().run()
    assert any("不在本市任何行政区内" in e.value for e in at.error)


def test_a_signed_in_inspector_cannot_move_another_districts_hazard(
    app_env: Path, wuhan_cells: Any
) -> None:
    """The demo inspector works in 江岸区 only: moving a 洪山区 hazard is refused and
    nothing changes; the demo leader may, and the history names the leader."""
    at = goto(new_app(), "app/pages/hazards.py")
    _file_hazard(at, wuhan_cells, "配电房积水", "flood")
    number = at.session_state["hz_selected"]
    assert number.startswith("420111-")
    for who in ("inspector", "leader"):
        sign_in(at, who)
        assert any("身份办理" in c.value for c in at.caption)  # no typed name when signed in
        at.button(key="hz_move_rectifying").click().run()
        if who == "inspector":
            assert any("无权办理" in e.value for e in at.error), [e.value for e in at.error]
    from riskmap.register import HazardRegister

    with HazardRegister(app_env / "hazards.sqlite") as reg:  # RISKMAP_APP_REGISTER
        history = reg.history(number)
    assert history["action"].tolist() == ["register", "start"]
    assert history["actor"].iloc[-1].endswith("(leader, leader)")


_NUMBER = re.compile(r"\d{6}-\d{4}-[A-Z]{2}-\d{5,}")


def _hazard_errors(at: Any) -> list[str]:
    """The page's error messages, without Markdown's escapes."""
    return [e.value.replace("\\", "") for e in at.error]


def _inspector_files(at: Any, title: str, found_by: str) -> str:
    """The signed-in inspector registers a fire hazard at the form's own point; its number."""
    at.text_input(key="hz_title").input(title)
    at.selectbox(key="hz_category").set_value("fire")
    at.text_input(key="hz_found_by").input(found_by)
    at.text_input(key="hz_unit").input("某物业")
    at.button[0].click().run()
    assert not _hazard_errors(at), _hazard_errors(at)
    return str(at.session_state["hz_selected"])


def test_an_inspectors_form_starts_in_their_district_and_keeps_the_number(
    app_env: Path,
) -> None:
    """The demo inspector (江岸区) opens the form: its point lies in 江岸区 and the district
    shown is 江岸区; after registering, the notice with the unified number stays beside
    the form through the rerun and the next one, until the next change."""
    at = goto(new_app(), "app/pages/hazards.py")
    sign_in(at, "inspector")
    assert at.text_input(key="hz_district_shown").value == "江岸区"
    number = _inspector_files(at, "楼道堆物", "检查员丁")
    assert number.startswith("420102-")  # 江岸区
    for _ in range(2):  # the rerun after the change, then any other run
        shown = [s.value for s in at.success if "已登记" in s.value]
        assert shown == [f"已登记，统一编号 {number}"], shown
        at.run()
    at.button(key="hz_move_rectifying").click().run()
    assert [s.value for s in at.success if "已转为" in s.value] == [f"{number} 已转为“整改中”。"]
    assert not any("已登记" in s.value for s in at.success)  # one notice: the last change
    at.sidebar.radio(key="w_lang").set_value("en").run()  # the notice follows the language
    assert f"{number} moved to 'Rectifying'." in [s.value for s in at.success]
    at.button(key="hz_void_btn").click().run()  # not the role's: said, the old notice goes
    assert _hazard_errors(at) == ["inspector (District inspector, Jiang'an) may not void hazards."]
    assert not any("moved to" in s.value for s in at.success)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_operator_is_named_once_with_role_and_district(
    app_env: Path, wuhan_cells: Any, lang: str
) -> None:
    """The acting user reads ``inspector（区级检查员·江岸区）``, and a refusal names the
    district the user may act in, in the page's language."""
    at = goto(new_app(), "app/pages/hazards.py")
    _file_hazard(at, wuhan_cells, "配电房积水", "flood")  # 洪山区, by the administrator
    sign_in(at, "inspector")
    if lang == "en":
        at.sidebar.radio(key="w_lang").set_value("en").run()
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # Markdown escapes
    if lang == "zh":
        assert "以 inspector（区级检查员·江岸区） 身份办理" in captions, captions
    else:
        assert "acting as inspector (District inspector, Jiang'an)" in captions, captions
    assert "(inspector, inspector)" not in captions
    signed_in = {
        "zh": "已登录：inspector（区级检查员·江岸区）",
        "en": "Signed in: inspector (District",
    }
    assert signed_in[lang] in captions, captions  # the sidebar says the same
    at.button(key="hz_move_rectifying").click().run()
    refusal = " ".join(_hazard_errors(at)).replace("\\", "")
    if lang == "zh":
        assert "无权办理该隐患：只能办理江岸区的隐患，该隐患在洪山区" in refusal, refusal
    else:
        assert "only hazards in Jiang'an; this one is in Hongshan" in refusal, refusal
    # Filing a point of another district is refused the same way, before the register.
    cell = wuhan_cells[wuhan_cells["district"] == "洪山区"].iloc[5]
    at.number_input(key="hz_lon").set_value(round(float(cell["lon"]), 6))
    at.number_input(key="hz_lat").set_value(round(float(cell["lat"]), 6))
    at.text_input(key="hz_title").input("另一区")
    at.text_input(key="hz_found_by").input("x")
    at.text_input(key="hz_unit").input("y")
    at.button[0].click().run()
    refusal = " ".join(_hazard_errors(at))
    assert ("江岸区" if lang == "zh" else "Jiang'an") in refusal, refusal


def test_hazard_page_errors_are_in_the_page_language(app_env: Path, wuhan_cells: Any) -> None:
    """Registering with empty fields, voiding without a reason, listing without a unit and
    accepting without an attachment or a reason: each says what to do, in Chinese."""
    at = goto(new_app(), "app/pages/hazards.py")
    sign_in(at, "admin")  # a user of the whole city: the form starts at its centre
    assert at.text_input(key="hz_district_shown").value == "洪山区"  # holds the centre
    at.button[0].click().run()  # nothing filled in
    assert _hazard_errors(at) == ["请填写：隐患名称、发现人、整改责任单位。"]
    _file_hazard(at, wuhan_cells, "危化品仓库", "hazmat", grade="major")
    at.button(key="hz_void_btn").click().run()
    assert _hazard_errors(at) == ["请填写作废原因。"]
    at.button(key="hz_list_btn").click().run()
    assert _hazard_errors(at) == ["请填写督办单位。"]
    for target in ("rectifying", "awaiting_acceptance"):
        at.button(key=f"hz_move_{target}").click().run()
    at.button(key="hz_move_closed").click().run()
    assert _hazard_errors(at) == ["没有整改附件：请先上传整改照片或 PDF，或填写无附件验收理由。"]
    for message in _hazard_errors(at):
        assert not re.search(r"[A-Za-z]{4}", message), message


def test_an_import_is_said_in_the_page_language_and_kept_through_the_rerun(
    app_env: Path, wuhan_cells: Any
) -> None:
    """A sheet with a bad row is refused with a Chinese headline; a good one is imported,
    and its notice stays after the rerun that lists the new hazard."""
    at = goto(new_app(), "app/pages/hazards.py")
    sign_in(at, "admin")
    cell = wuhan_cells[wuhan_cells["district"] == "洪山区"].iloc[5]
    header = "隐患名称,类别,等级,经度,纬度,所在区,发现人,整改责任单位,整改期限\n"
    point = f"{cell['lon']:.6f},{cell['lat']:.6f}"
    bad = header + "排水口堵塞,防汛,一般,,,洪山区,甲,乙,2099-01-01\n"
    good = header + f"排水口堵塞,防汛,一般,{point},洪山区,甲,乙,2099-01-01\n"
    for body, ok in ((bad, False), (good, True)):
        at.file_uploader(key="hz_import_file").upload("隐患.csv", body.encode("utf-8")).run()
        at.button(key="hz_import_btn").click().run()
        if ok:
            notices = [s.value.replace("\\", "") for s in at.success]
            assert any("已从 隐患.csv 导入 1 条隐患" in n for n in notices), notices
            assert "1 条记录" in texts(at)  # the list shows it after the rerun
        else:
            refused = _hazard_errors(at)
            assert any("未能导入 隐患.csv，没有写入任何记录" in e for e in refused), refused
            report = at.dataframe[-1].value
            assert "必填项为空" in " ".join(report["说明"]), report.to_dict("records")
            assert not report["说明"].str.contains("[A-Za-z]{4}").any()


def test_register_files_are_for_administrators_and_overdue_hazards_are_listed(
    app_env: Path, wuhan_cells: Any
) -> None:
    import io
    import zipfile

    import openpyxl

    at = goto(new_app(), "app/pages/hazards.py")
    _file_hazard(at, wuhan_cells, "排水泵站故障", "flood")
    assert any("逾期隐患清单（0 条" in e.label for e in at.expander)
    sign_in(at, "leader")
    assert any("请以管理员账号登录" in c.value for c in at.caption)  # not an administrator
    sign_in(at, "admin")
    at.button(key="hz_export_make").click().run()
    wb = openpyxl.load_workbook(io.BytesIO(at.session_state["hz_export"]))
    assert wb.sheetnames == ["隐患台账", "变更记录"]
    assert wb["隐患台账"]["B2"].value == "排水泵站故障"
    at.button(key="hz_backup_make").click().run()
    with zipfile.ZipFile(io.BytesIO(at.session_state["hz_backup"])) as zf:
        assert "manifest.json" in zf.namelist()
    body = texts(at)
    leaks = [line for line in body.splitlines() if str(app_env) in line]
    assert not leaks and "hazards" in body  # the register's file name, no folder


def test_a_project_that_requires_sign_in_shows_nothing_before_it(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    root = app_env / "city"
    shutil.copytree(ROOT / "data" / "wuhan", root, ignore=shutil.ignore_patterns("var"))
    text = (root / "project.yaml").read_text(encoding="utf-8")
    (root / "project.yaml").write_text(text + "\nauth: {required: true}\n", encoding="utf-8")
    monkeypatch.setenv("RISKMAP_APP_PROJECT", str(root / "project.yaml"))
    at = new_app()
    assert not at.exception
    assert any("需要登录后查看" in i.value for i in at.info)
    assert not at.get("iframe") and "城市安全风险电子地图" not in texts(at)
    sign_in(at, "viewer")
    assert not any("需要登录后查看" in i.value for i in at.info)
    assert "城市安全风险电子地图" in texts(at)


def test_the_app_keeps_its_register_on_postgresql(
    app_env: Path, wuhan_cells: Any, postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RISKMAP_APP_REGISTER may name a PostgreSQL database: demo accounts, sign-in,
    registration and the verified chain all work there; the page names the server
    without its password."""
    url = postgres.new_database().replace("postgres@", "postgres:secret-pw@")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", url)
    at = goto(new_app(), "app/pages/hazards.py")
    assert any("台账校验通过" in s.value for s in at.success)
    _file_hazard(at, wuhan_cells, "地下车库积水", "flood")
    assert at.session_state["hz_selected"].startswith("420111-")
    body = texts(at)
    assert "secret-pw" not in body and "postgresql://postgres@127.0.0.1" in body.replace("\\", "")
    from riskmap.register import HazardRegister

    with HazardRegister(url) as reg:
        assert reg.dialect == "postgresql" and len(reg.list()) == 1 and reg.verify().ok


def test_a_scenario_is_saved_to_the_project_and_loaded_back(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    root = app_env / "city"
    shutil.copytree(ROOT / "data" / "wuhan", root, ignore=shutil.ignore_patterns("var"))
    monkeypatch.setenv("RISKMAP_APP_PROJECT", str(root / "project.yaml"))
    at = new_app()
    assert not any("还没有保存的情景" in c.value for c in at.caption)  # folded: not drawn
    at.session_state["w_scenarios_open"] = True  # open 情景 (and 权重)
    open_weights(at)
    assert any("还没有保存的情景" in c.value for c in at.caption)
    at.selectbox(key="w_rule").set_value("quantiles")
    at.slider(key="w_lw_hazmat").set_value(2.5)
    at.selectbox(key="w_district").set_value("420111")
    at.run()
    at.text_input(key="sc_name").input("汛期 重点区")
    at.button(key="btn_sc_save").click().run()
    assert any("已保存情景" in s.value for s in at.success)
    saved = json.loads((root / "scenarios" / "汛期 重点区.json").read_text(encoding="utf-8"))
    assert saved["settings"]["w_rule"] == "quantiles" and saved["settings"]["w_lw_hazmat"] == 2.5
    # Back to other settings, then load the scenario: they return.
    at.selectbox(key="w_rule").set_value("matrix")
    at.slider(key="w_lw_hazmat").set_value(1.0)
    at.run()
    at.selectbox(key="sc_pick").set_value("汛期 重点区")
    at.button(key="btn_sc_load").click().run()
    assert not at.exception
    assert at.session_state["w_rule"] == "quantiles"
    assert at.session_state["w_lw_hazmat"] == 2.5 and at.session_state["w_district"] == "420111"
    assert any("已载入情景" in s.value for s in at.success)
    # A name that could leave the folder is refused.
    at.text_input(key="sc_name").input("../../etc/x")
    at.button(key="btn_sc_save").click().run()
    assert any("情景名称为" in e.value for e in at.error)
    assert sorted(p.name for p in (root / "scenarios").iterdir()) == ["汛期 重点区.json"]


def test_two_projects_of_the_same_folder_name_are_told_apart(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of the demo in another ``wuhan`` folder: the sidebar names each with the
    folder above it, and the project chosen stays chosen."""
    copy = app_env / "copies" / "wuhan"
    shutil.copytree(ROOT / "data" / "wuhan", copy, ignore=shutil.ignore_patterns("var"))
    monkeypatch.setenv("RISKMAP_APP_PROJECT", str(copy / "project.yaml"))
    at = new_app()
    box = at.sidebar.selectbox(key="w_project")
    assert box.options == ["wuhan · copies", "wuhan · data"]
    assert box.value == str((copy / "project.yaml").resolve())
    demo = str(ROOT / "data" / "wuhan" / "project.yaml")
    box.set_value(demo).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["w_project"] == demo
    at.sidebar.selectbox(key="w_rule").set_value("quantiles").run()  # another click
    assert at.session_state["w_project"] == demo
    assert at.sidebar.selectbox(key="w_project").value == demo


def test_two_saved_scenarios_are_compared(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    root = app_env / "city"
    shutil.copytree(ROOT / "data" / "wuhan", root, ignore=shutil.ignore_patterns("var"))
    monkeypatch.setenv("RISKMAP_APP_PROJECT", str(root / "project.yaml"))
    (root / "scenarios").mkdir()
    for name, rule, hazmat in (("现状", "matrix", 1.0), ("危化加权", "quantiles", 3.0)):
        record = {
            "format": "riskmap-scenario",
            "name": name,
            "settings": {"w_rule": rule, "w_lw_hazmat": hazmat, "w_lw_no_such_layer": 2.0},
            "proposals": [],
        }
        (root / "scenarios" / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    at = goto(new_app(), "app/pages/change.py")
    at.radio(key="w_change_mode").set_value("scenarios").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="w_change_sa").set_value("现状")
    at.selectbox(key="w_change_sb").set_value("危化加权").run()
    metrics = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    assert (
        metrics["等级上升网格"] + metrics["等级下降网格"] > 0
    )  # another rule and weights move cells
    assert any("两个情景的风险等级图" in m.value for m in at.markdown)
    movers = at.dataframe[1].value
    assert {"现状", "危化加权"} <= set(movers.columns)  # the levels under each scenario
    # Each scenario's map states its own rule: A the matrix, B the quantiles (with the
    # score thresholds its assessment derived), never B's counts under A's rule.
    legend_a, legend_b = map_legends(at)[1:]  # after the change map
    assert "风险矩阵" in legend_a and "R 20–25" in legend_a
    assert "分位数" in legend_b and "风险矩阵" not in legend_b and "R 20–25" not in legend_b
    assert re.search(r"最高 \d+% · &gt; \d+\.\d", legend_b), legend_b


def map_legends(at: Any) -> list[str]:
    """The legend HTML of each map drawn (streamlit-folium's components), in page order."""
    import json

    out = []
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args or "{}")
        page = str(args.get("html", "")) + str(args.get("script", ""))
        strings = re.findall(r'innerHTML = ("(?:[^"\\]|\\.)*")', page)  # JS strings
        out.append(next((h for h in map(json.loads, strings) if "rm-legend" in h), ""))
    return out


def test_the_map_opens_with_shelters_and_stations(app_env: Path) -> None:
    """Shelters, fire and community stations are on at opening, as the mission promises."""
    at = new_app()
    shown = at.session_state["w_overlays"]
    for overlay in ("shelters", "fire_stations", "community_stations", "districts"):
        assert overlay in shown, shown


def test_attachments_speak_the_page_language(app_env: Path) -> None:
    """An attachment that is not a photo or a PDF is refused in Chinese with its name; a
    photo is added, its uploader named once with the role in Chinese, and the history
    names its stage in Chinese (the note the hash chain vouches for keeps the stored key)."""
    import io

    from PIL import Image

    at = goto(new_app(), "app/pages/hazards.py")
    sign_in(at, "inspector")
    number = _inspector_files(at, "消防通道堵塞", "检查员戊")

    at.file_uploader(key="hz_ev_file").upload("现场.jpg", b"not really a photo").run()
    at.button(key="hz_ev_btn").click().run()
    errors = _hazard_errors(at)
    assert any("现场.jpg 不是照片" in e for e in errors), errors

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    at.file_uploader(key="hz_ev_file").upload("整改后.png", buf.getvalue()).run()
    at.radio(key="hz_ev_stage").set_value("rectification")
    at.button(key="hz_ev_btn").click().run()
    assert not _hazard_errors(at), _hazard_errors(at)
    assert at.session_state["hz_selected"] == number
    frames = [df.value for df in at.dataframe]
    added = next(f for f in frames if "上传人" in f.columns)
    assert list(added["上传人"]) == ["inspector（区级检查员）"]
    history = next(f for f in frames if "操作人" in f.columns)
    notes = " ".join(str(v) for v in history.iloc[:, -1])
    assert "整改 整改后.png" in notes and "rectification" not in notes, notes
