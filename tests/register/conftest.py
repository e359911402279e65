"""Shared fixtures of the register's tests: one valid hazard, an open register in Wuhan's
area, a hazard brought to any status, and a tiny project with two districts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from factories import PHOTO_PNG
from shapely.geometry import box

from riskmap.register import HazardRegister

WUHAN_BBOX = (113.68, 29.97, 115.08, 31.36)

HazardFactory = Callable[..., dict[str, Any]]
"""``hazard(**over)``: the keyword arguments of one valid :meth:`HazardRegister.add`."""


def _hazard(**over: object) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "储罐区可燃气体报警器失效",
        "category": "危化",
        "grade": "重大",
        "lon": 114.30,
        "lat": 30.60,
        "district": "江岸",
        "adcode": "420102",
        "found_by": "张三",
        "responsible_unit": "某化工有限公司",
        "found_at": "2024-03-01",
        "deadline": "2024-05-01",
    }
    values.update(over)
    return values


@pytest.fixture
def hazard() -> HazardFactory:
    """A major hazmat hazard in 江岸 found 2024-03-01, due 2024-05-01; ``over`` replaces values."""
    return _hazard


@pytest.fixture
def wuhan_bbox() -> tuple[float, float, float, float]:
    return WUHAN_BBOX


@pytest.fixture
def reg(new_db: Callable[..., str]) -> Iterator[HazardRegister]:
    """A new register, its area Wuhan's, on each backend: a file in a folder that does not
    exist yet (SQLite) and a new database of the test server (PostgreSQL)."""
    with HazardRegister(new_db(), bbox=WUHAN_BBOX) as r:
        yield r


_PATHS: dict[str, list[str]] = {
    "registered": [],
    "rectifying": ["rectifying"],
    "awaiting_acceptance": ["rectifying", "awaiting_acceptance"],
    "closed": ["rectifying", "awaiting_acceptance", "closed"],
}


@pytest.fixture
def reach(hazard: HazardFactory) -> Callable[[HazardRegister, str], str]:
    """``reach(reg, status)``: the number of a new hazard brought to ``status``."""

    def _reach(reg: HazardRegister, status: str) -> str:
        n = reg.add(**hazard())
        if status == "voided":
            reg.void(n, "重复登记", by="管理员")
        for s in _PATHS.get(status, []):
            if s == "closed":
                reg.attach(n, PHOTO_PNG, "整改后.png", by="x")
            reg.move(n, s, by="x")
        return n

    return _reach


@pytest.fixture
def fill(hazard: HazardFactory) -> Callable[[HazardRegister], list[str]]:
    """``fill(reg)``: five hazards in three series and every kind of history — closed after
    a failed acceptance with a rectification photo, listed for supervision, voided, registered, linked to a layer —
    with notes over several lines; returns their numbers."""

    def _fill(reg: HazardRegister) -> list[str]:
        closed = reg.add(**hazard(title="=配电箱破损", description="二楼\n\t东侧"), note="首次")
        for to, note in [
            ("整改中", "制定方案"),
            ("待验收", ""),
            ("整改中", "验收不通过：\n仍有漏电"),
            ("待验收", "复查"),
            ("已销号", "验收通过"),
        ]:
            if to == "已销号":  # the rectification photo that acceptance needs
                reg.attach(closed, PHOTO_PNG, "整改后 (1).png", by="李四 (lisi, inspector)")
            reg.move(closed, to, by="李四 (lisi, inspector)", note=note)
        listed = reg.add(**hazard(deadline="2024-04-01"))
        reg.list_for_supervision(listed, "市安委办", "2024-06-30", by="王五", note="挂牌")
        reg.move(listed, "整改中", by="李四")
        voided = reg.add(
            **hazard(
                grade="一般",
                category="燃气",
                lon=114.123456789012,
                lat=30.600000000000001,
                layer_binding="gas_stations",
                feature_id="G-17",
            )
        )
        reg.void(voided, "重复登记\n见 420102-2024-WH-00001", by="管理员")
        other = reg.add(**hazard(district="江汉", adcode="420103", category="flood"))
        older = reg.add(**hazard(found_at="2023-12-31", deadline="2024-01-31"))
        return [closed, listed, voided, other, older]

    return _fill


@pytest.fixture
def project_yaml(tmp_path: Path) -> Path:
    """project.yaml of 'testcity': districts 江岸 (420102) and 江汉 (420103), its register
    at ``var/testcity-hazards.sqlite``."""
    root = tmp_path / "city"
    root.mkdir()
    gpd.GeoDataFrame(
        {"name": ["江岸", "江汉"], "adcode": ["420102", "420103"]},
        geometry=[box(114.25, 30.55, 114.35, 30.65), box(114.15, 30.55, 114.25, 30.65)],
        crs="EPSG:4326",
    ).to_file(root / "districts.geojson")
    (root / "project.yaml").write_text(
        "name: testcity\ntitle: {zh: 测试市, en: Test city}\nadcode: '420100'\n"
        "boundary: {path: districts.geojson}\ndistricts: {path: districts.geojson}\n"
        "hazard_register: {path: 'var/{name}-hazards.sqlite'}\nlayers: []\n",
        encoding="utf-8",
    )
    return root / "project.yaml"
