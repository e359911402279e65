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


def _sent(monkeypatch: pytest.MonkeyPatch, draw: Any) -> dict[str, Any]:
    import streamlit_folium

    sent: dict[str, Any] = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    draw()
    sent.pop("on_change")
    return sent


def test_a_map_is_sent_from_its_frame_as_st_folium_sends_it(
    study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit_folium import st_folium

    m = _map(study)
    cell = study.cells.geometry.iloc[:1].to_crs(4326).to_numpy()
    ours = _sent(
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
    groups = [
        map_ui.DynamicLayers(m.riskmap_layers),
        map_ui.ScriptGroup(m.riskmap_in_place, "riskmap_in_place"),
        map_ui.outline_group(cell, "none"),
    ]
    theirs = _sent(
        monkeypatch,
        lambda: st_folium(
            copy.deepcopy(m),
            key="k",
            returned_objects=["last_clicked"],
            height=600,
            use_container_width=True,
            center=(30.5, 114.3),
            zoom=12,
            feature_group_to_add=groups,
        ),
    )
    assert ours.keys() == theirs.keys()
    # The same text but for st_folium's dedent of the groups' scripts.
    squeeze = lambda text: [line.strip() for line in text.splitlines() if line.strip()]  # noqa: E731
    assert squeeze(ours.pop("feature_group")) == squeeze(theirs.pop("feature_group"))
    assert ours == theirs
