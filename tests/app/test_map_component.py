"""The risk map as the app sends it to the browser (app/components/map.py): the map's frame
is made once and serves any weights, view and tile basemap, and a map drawn from its frame
reaches streamlit-folium's component with what ``st_folium`` itself would send."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from factories import city_data

from app.components import map as map_ui
from riskmap.maps import build_cell_index
from riskmap.pipeline import Study


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_data(city_data(), register=None, cell_size=1000)


def _map(study: Study, weights: Any = None, **kw: Any) -> Any:
    a = study.score(weights=weights)
    options = {"view": "level", "basemap": "none", "lang": "zh", "overlays": ("districts",)}
    options.update(kw)
    return map_ui.app_risk_map(a, index=build_cell_index(study.cells, 1000), **options)


def test_the_frame_is_the_same_for_any_weights_view_and_tile_basemap(study: Study) -> None:
    first = _map(study).riskmap_frame
    others = [
        _map(study, {"components": {"exposure": 0.9}}),
        _map(study, view="score"),
        _map(study, view="hazard", basemap="osm"),
        _map(study, overlays=("districts", "shelters")),
    ]
    assert all(m.riskmap_frame == first for m in others)
    # What changes is the score layers, sent apart.
    assert others[1].riskmap_layers.key != _map(study).riskmap_layers.key


def _sent(monkeypatch: pytest.MonkeyPatch, draw: Any) -> tuple[dict[str, Any], list[str]]:
    """What a draw sends: the map component's arguments and the HTML elements."""
    import streamlit as st
    import streamlit_folium

    sent: dict[str, Any] = {}
    html: list[str] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    monkeypatch.setattr(st, "html", lambda body, **kw: html.append(body))
    draw()
    sent.pop("on_change")
    return sent, html


def _feed(html: list[str]) -> tuple[list[str], str]:
    """The groups' scripts and the view of the feed element drawn next to the map."""
    from html.parser import HTMLParser

    groups: list[str] = []
    view: list[str] = []

    class Feed(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if "data-view" in a:
                view.append(a["data-view"] or "")
            if "data-group" in a:
                groups.append("")

        def handle_data(self, data: str) -> None:
            if groups:
                groups[-1] += data

    for body in html:
        Feed(convert_charrefs=True).feed(body)
    (only,) = view
    return groups, only


def test_the_map_is_sent_once_and_what_changes_goes_to_its_feed(
    study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit_folium import st_folium

    m = _map(study)
    cell = study.cells.geometry.iloc[:1].to_crs(4326).to_numpy()
    args, html = _sent(
        monkeypatch,
        lambda: map_ui.show_map(
            m,
            "k",
            highlight=map_ui.outline_group(cell, "none"),
            center=(30.5, 114.3),
            zoom=12,
            height=600,
        ),
    )
    # Another view, other weights, no outline, no zoom: the same map component.
    other = _map(study, {"components": {"exposure": 0.9}}, view="score")
    args2, html2 = _sent(monkeypatch, lambda: map_ui.show_map(other, "k", height=600))
    assert args2 == args
    assert html2 != html
    # The feed holds the groups' scripts as st_folium makes them, and the view.
    groups, view = _feed(html)
    assert view == "[[30.5, 114.3], 12]"
    assert _feed(html2)[1] == ""
    theirs, _ = _sent(
        monkeypatch,
        lambda: st_folium(
            copy.deepcopy(m),
            key="k",
            returned_objects=["last_clicked"],
            height=600,
            use_container_width=True,
            feature_group_to_add=[
                map_ui.DynamicLayers(m.riskmap_layers),
                map_ui.ScriptGroup(m.riskmap_in_place, "riskmap_in_place"),
                map_ui.outline_group(cell, "none"),
            ],
        ),
    )
    # The same text but for st_folium's dedent of the groups' scripts.
    squeeze = lambda text: [line.strip() for line in text.splitlines() if line.strip()]  # noqa: E731
    assert squeeze("".join(groups)) == squeeze(theirs.pop("feature_group"))
    # And the map itself is st_folium's.
    for name in ("script", "html", "header", "id", "key", "css_links", "js_links", "default"):
        assert args[name] == theirs[name], name


def test_a_district_view_is_centred_on_its_largest_part() -> None:
    """武昌区 has a small exclave 20 km south of its body: the view of the district is
    centred on the body (its centroid) with a zoom that fits the body, not on the middle
    of a box that takes in the exclave."""
    import geopandas as gpd
    import shapely

    body = shapely.box(114.30, 30.50, 114.40, 30.62)
    exclave = shapely.box(114.26, 30.34, 114.27, 30.35)
    frame = gpd.GeoDataFrame(geometry=[shapely.MultiPolygon([body, exclave])], crs=4326)
    (lat, lon), zoom = map_ui.view_of(frame, "none", main_part=True)
    assert abs(lat - 30.56) < 1e-6 and abs(lon - 114.35) < 1e-6
    (lat_box, _), zoom_box = map_ui.view_of(frame, "none")
    assert abs(lat_box - 30.48) < 1e-6  # the whole box's middle: outside the body
    assert zoom > zoom_box
