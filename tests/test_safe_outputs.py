"""Every CSV and XLSX riskmap writes is safe to open: no name from the data becomes a live
formula in Excel or WPS (CSV/formula injection)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
from factories import city_data, make_hazmat

import riskmap as rm
from riskmap.io import FORMULA_STARTS
from riskmap.products.inventory import export_inventory, write_assess_outputs
from riskmap.products.whatif import export_proposals
from riskmap.register import HazardRegister

EVIL = [
    '=HYPERLINK("http://example.invalid","点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "-2+3",
]


def _assessment() -> rm.Assessment:
    hazmat = make_hazmat(["WH0001", "WH0002", "WH0003", "WH0004", "WH0005"], ["一级"] * 5,
                         [(500 + 1000 * i, 500) for i in range(5)])  # fmt: skip
    hazmat["name"] = EVIL
    data = city_data(hazmat=hazmat)
    return rm.Study.from_data(data, cell_size=1000.0, register=None).score()


def _live_formulas(path: Path) -> list[str]:
    """Cells of an XLSX stored as formulas (``<f>`` elements in a sheet's XML)."""
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]


def _unsafe_csv_cells(path: Path) -> list[str]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cells = [*table.columns, *table.to_numpy().ravel()]
    return [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_STARTS)]


def test_every_export_neutralises_formula_like_names(tmp_path: Path) -> None:
    a = _assessment()
    inv = rm.build_inventory(a)
    assert set(EVIL) <= set(inv.sources["name"])  # the names are in the inventory as they are
    written = [
        *write_assess_outputs(inv, tmp_path / "assess"),
        *export_inventory(inv, tmp_path / "csv" / "inventory.csv", "csv"),
        *export_inventory(inv, tmp_path / "xlsx" / "inventory.xlsx", "xlsx"),
    ]
    written.append(rm.export_scorecard(rm.compute_indicators(a), tmp_path / "ind")["csv"])
    proposals = [{"kind": "shelter", "name": EVIL[0], "lon": 114.3, "lat": 30.6, "type": "紧急",
                  "area_m2": 3000.0}]  # fmt: skip
    written.append(export_proposals(proposals, tmp_path / "proposals.csv"))
    with HazardRegister(tmp_path / "reg.sqlite") as reg:
        reg.add(title=EVIL[1], category="消防", grade="一般", lon=114.3, lat=30.6, district="江岸区",
                adcode="420102", found_by=EVIL[2], responsible_unit=EVIL[3], deadline="2099-01-01")  # fmt: skip
        written += [reg.export(tmp_path / "reg.csv"), reg.export(tmp_path / "reg.xlsx")]
    xlsx = [p for p in written if p.suffix == ".xlsx"]
    csvs = [p for p in written if p.suffix == ".csv"]
    assert len(xlsx) >= 3 and len(csvs) >= 8
    for path in xlsx:
        assert _live_formulas(path) == [], path
    for path in csvs:
        assert _unsafe_csv_cells(path) == [], path
    # the text is kept, only guarded: a person still reads the name
    sources = pd.read_csv(tmp_path / "assess" / "inventory.csv", dtype=str, encoding="utf-8-sig")
    assert "'" + EVIL[1] in set(sources.iloc[:, 1]) | set(sources.to_numpy().ravel())


def test_the_register_reads_its_guarded_export_back(tmp_path: Path) -> None:
    with HazardRegister(tmp_path / "a.sqlite") as reg:
        reg.add(title=EVIL[0], category="消防", grade="一般", lon=114.3, lat=30.6, district="江岸区",
                adcode="420102", found_by="张三", responsible_unit="某单位", deadline="2099-01-01")  # fmt: skip
        path = reg.export(tmp_path / "a.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "'" + EVIL[0].replace('"', '""') in text
