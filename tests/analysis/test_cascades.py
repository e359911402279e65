"""Cascade rules: a pair is found when the rule's distance holds, and acts as a scenario."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from factories import CRS, X0, Y0, city_data, make_hazmat
from shapely.geometry import Point

from riskmap.analysis import cascade_factors, find_cascades
from riskmap.config import load_layer_kinds
from riskmap.pipeline import Study


def test_a_site_beyond_the_rules_distance_makes_no_pair(city_study: Study) -> None:
    pairs = find_cascades(city_study.data)
    natech = pairs[pairs["rule"] == "hazmat_enterprise.natech_flood"]
    # The flood zone covers x 6-9 km, y 0-2 km: WH0001 (8.5 km, 2.5 km) is 500 m away,
    # beyond the rule's 200 m; no other site is near it.
    assert natech.empty


def test_the_rule_fires_on_a_constructed_pair_and_not_on_a_distant_one() -> None:
    hazmat = make_hazmat(
        ["IN", "NEAR", "FAR"], ["一级", "二级", "三级"], [(7000, 1000), (7000, 2150), (500, 5500)]
    )
    pairs = find_cascades(city_data(hazmat=hazmat))
    natech = pairs[pairs["rule"] == "hazmat_enterprise.natech_flood"]
    assert set(natech["source_id"]) == {"IN", "NEAR"}
    row = natech.set_index("source_id").loc["NEAR"]
    assert row["distance_m"] == 150.0
    assert row["target_id"] == "HL-7"
    assert "Seveso" in row["reference"]
    assert row["measures"]


def test_domino_pairs_are_listed_once() -> None:
    hazmat = make_hazmat(
        ["A", "B", "C"], ["一级", "一级", "一级"], [(500, 500), (900, 500), (5000, 5000)]
    )
    pairs = find_cascades(city_data(hazmat=hazmat))
    domino = pairs[pairs["rule"] == "hazmat_enterprise.domino"]
    assert list(zip(domino["source_id"], domino["target_id"], strict=True)) == [("A", "B")]
    assert domino["distance_m"].iloc[0] == 400.0


def test_cascades_raise_likelihood_only_as_a_scenario() -> None:
    hazmat = make_hazmat(["IN"], ["二级"], [(7000, 1000)])
    study = Study.from_data(city_data(hazmat=hazmat), register=None, cell_size=1000)
    plain = study.score()
    assert "cascades_factor" not in plain.params
    raised = study.score(cascades=True)
    factor = cascade_factors(study.cascades(), study.cells)
    acted = factor > 1
    assert acted.any()
    h0, h1 = plain.cells["hazard"].to_numpy(), raised.cells["hazard"].to_numpy()
    assert (h1[acted] >= h0[acted]).all() and (h1[acted] > h0[acted]).any()
    np.testing.assert_array_equal(h1[~acted], h0[~acted])
    assert (raised.cells["level_rank"].to_numpy() >= plain.cells["level_rank"].to_numpy()).all()


def test_every_rule_cites_its_source_and_names_known_kinds() -> None:
    kinds = load_layer_kinds()
    rules = [(k, r) for k, kind in kinds.items() for r in kind.cascades]
    assert {r.type for _, r in rules} == {"natech", "domino", "exposure"}
    for _, rule in rules:
        assert len(rule.source) > 20
        assert set(rule.with_kinds) <= set(kinds)


def test_a_dense_target_only_counts_above_its_capacity() -> None:
    hazmat = make_hazmat(["S"], ["二级"], [(1000, 4000)])
    targets = gpd.GeoDataFrame(
        {
            "id": ["small", "big"],
            "name": ["幼儿园", "医院"],
            "type": ["学校", "医院"],
            "capacity": [100, 800],
        },
        geometry=[Point(X0 + 1200, Y0 + 4000), Point(X0 + 1000, Y0 + 4300)],
        crs=CRS,
    )
    data = city_data(hazmat=hazmat)
    from factories import make_project_data

    layers = {n: (layer.kind.kind, layer.gdf) for n, layer in data.layers.items()}
    layers["targets"] = ("sensitive_target", targets)
    data = make_project_data(layers, boundary=data.boundary, districts=data.districts, crs=CRS)
    pairs = find_cascades(data)
    near = pairs[pairs["rule"] == "hazmat_enterprise.sensitive_target"]
    assert list(near["target_id"]) == ["big"]
