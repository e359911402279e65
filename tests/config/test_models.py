"""Layer kinds and project files: typed, validated, typos fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from riskmap.config import LAYERS_DIR, load_layer_kinds, load_project, parse_layer_kind
from riskmap.errors import ConfigError

KIND_FILES = sorted(LAYERS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", KIND_FILES, ids=[p.stem for p in KIND_FILES])
def test_every_layer_kind_loads(path: Path) -> None:
    kind = parse_layer_kind(yaml.safe_load(path.read_text(encoding="utf-8")), path)
    assert kind.kind == path.stem
    assert kind.name.zh and kind.name.en
    assert kind.fields["id"].required
    if kind.role == "hazard":
        assert kind.accident_types or kind.group in {"history", "register"}
        assert kind.department is not None
        assert kind.measures, "a hazard kind recommends measures"
    if kind.method == "kernel":
        assert kind.reference is not None and kind.reference > 0


def test_required_kinds_exist() -> None:
    kinds = load_layer_kinds()
    required = {
        "hazmat_enterprise",
        "fireworks_wholesaler",
        "gas_station",
        "tailings_pond",
        "dust_explosion",
        "confined_space",
        "metal_smelting",
        "waterlogging_point",
        "geological_hazard",
        "flood_zone",
        "fault_zone",
        "population",
        "vulnerable_people",
        "sensitive_target",
        "high_rise",
        "crowded_place",
        "shelter",
        "fire_station",
        "community_station",
        "supply_depot",
        "rescue_team",
        "accident",
        "seismic_station",
        "video_point",
        "district",
    }
    assert required <= set(kinds)
    codes = [k.category_code for k in kinds.values()]
    assert len(codes) == len(set(codes)), "category codes are unique"


def _kind_dict(name: str) -> dict:
    return yaml.safe_load((LAYERS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def test_unknown_key_in_layer_kind_is_an_error(tmp_path: Path) -> None:
    data = _kind_dict("gas_station")
    data["radius"]["defualt"] = 300  # typo
    with pytest.raises(ConfigError, match=r"radius\.defualt: unknown key"):
        parse_layer_kind(data, tmp_path / "gas_station.yaml")


def test_category_field_needs_allowed_values(tmp_path: Path) -> None:
    data = _kind_dict("gas_station")
    data["fields"]["grade"].pop("allowed")
    with pytest.raises(ConfigError, match="allowed"):
        parse_layer_kind(data, tmp_path / "gas_station.yaml")


def test_rule_naming_unknown_field_is_an_error(tmp_path: Path) -> None:
    data = _kind_dict("hazmat_enterprise")
    data["intensity"]["field"] = "grad"
    with pytest.raises(ConfigError, match="unknown field 'grad'"):
        parse_layer_kind(data, tmp_path / "hazmat_enterprise.yaml")


def _write_project(tmp_path: Path, extra: str = "", layer: str = "") -> Path:
    text = f"""
name: testcity
title: {{zh: 测试市, en: Test city}}
adcode: "123400"
boundary: {{path: boundary.geojson}}
districts: {{path: districts.geojson}}
layers:
  - name: gas
    kind: gas_station
    path: gas.csv
    crs: GCJ02
    {layer}
{extra}
"""
    p = tmp_path / "project.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_project_loads_and_resolves_paths(tmp_path: Path) -> None:
    project = load_project(_write_project(tmp_path))
    assert project.name == "testcity"
    assert project.resolve("gas.csv") == (tmp_path / "gas.csv").resolve()
    assert project.grid.cell_size == 250


def test_project_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cell_szie: unknown key"):
        load_project(_write_project(tmp_path, extra="cell_szie: 100"))


def test_project_unknown_kind_lists_known(tmp_path: Path) -> None:
    p = _write_project(tmp_path)
    p.write_text(
        p.read_text(encoding="utf-8").replace("gas_station", "gas_stations"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"unknown kind 'gas_stations'.*hazmat_enterprise"):
        load_project(p)


def test_project_column_for_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'grad' is not a field of kind 'gas_station'"):
        load_project(_write_project(tmp_path, layer="columns: {grad: 等级}"))


def test_project_weight_for_unknown_layer(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'gass' is not the name of a layer"):
        load_project(_write_project(tmp_path, extra="weights: {layers: {gass: 2}}"))


def test_unknown_project_name_lists_known() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_project("atlantis")
