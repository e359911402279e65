"""Shared fixtures of the io tests: known positions in Wuhan, small files written into the
test's folder, and reading a layer the way a project does."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pyproj
import pytest
import shapely

from riskmap.config import LayerBinding, LayerKind, load_layer_kinds
from riskmap.errors import Problem
from riskmap.io import read_layer

_GEOD = pyproj.Geod(ellps="WGS84")


class Files:
    """Writes test files into one folder and reads them as a project's layers.

    The class attributes are the data the tests share: Wuhan's bounding box, known WGS84
    positions in Wuhan, and the heads and rows of the small CSVs the tests write.
    """

    # Wuhan's bounding box in WGS84 (minx, miny, maxx, maxy), rounded outwards.
    BBOX = (113.68, 29.96, 115.09, 31.37)
    # Known WGS84 positions in Wuhan.
    LONS = np.array([114.3055, 114.2650, 114.4125, 114.1450, 114.5200])
    LATS = np.array([30.5928, 30.6170, 30.4810, 30.5600, 30.8000])
    GAS_CSV = "编号,名称,经度,纬度,站点等级\nG1,中山加油站,114.3055,30.5928,一级\nG2,汉阳加油站,114.2650,30.6170,二级\n"
    HEAD = "编号,名称,经度,纬度\n"
    OK = "G9,好站,114.2650,30.6170\n"
    HZ = "编号,名称,重大危险源等级,R值,从业人数,经度,纬度\n"
    ACC = "编号,发生日期,事故类型,死亡人数,经度,纬度\n"

    def __init__(self, root: Path, kinds: dict[str, LayerKind]) -> None:
        self.root = root
        self.kinds = kinds

    def sub(self, name: str) -> Files:
        """The same helper for a new subfolder ``name``."""
        folder = self.root / name
        folder.mkdir()
        return Files(folder, self.kinds)

    # ---------------------------------------------------------------- writing files

    def text(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.root / name
        path.write_bytes(text.encode(encoding))
        return path

    def binary(self, name: str) -> Path:
        path = self.root / name
        path.write_bytes(bytes(range(256)) * 4)
        return path

    def geojson(self, name: str, features: list[dict[str, Any]]) -> Path:
        path = self.root / name
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
            encoding="utf-8",
        )
        return path

    @staticmethod
    def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
        return {"type": "Feature", "properties": props, "geometry": geometry}

    def xlsx(self, name: str, rows: list[list[Any]], title: str = "Sheet1") -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = title
        for r in rows:
            ws.append(r)
        path = self.root / name
        wb.save(path)
        return path

    def zip(self, name: str, files: dict[str, bytes | Path]) -> Path:
        path = self.root / name
        with zipfile.ZipFile(path, "w") as zf:
            for member, content in files.items():
                zf.writestr(member, content.read_bytes() if isinstance(content, Path) else content)
        return path

    def points(self, n: int = 3, crs: str = "EPSG:4326", **columns: Any) -> gpd.GeoDataFrame:
        """``n`` of the known positions with an id and a name, in ``crs``."""
        data = {
            "编号": [f"P{i}" for i in range(n)],
            "名称": [f"站{i}" for i in range(n)],
            **columns,
        }
        return gpd.GeoDataFrame(
            data, geometry=shapely.points(self.LONS[:n], self.LATS[:n]), crs="EPSG:4326"
        ).to_crs(crs)

    def shp_parts(self) -> dict[str, Path]:
        d = self.root / "parts"
        d.mkdir()
        self.points(2).to_file(d / "pts.shp")
        return {p.name: p for p in d.iterdir()}

    def gpkg2(self) -> Path:
        """A GeoPackage with two layers, ``a`` and ``b``."""
        path = self.root / "two.gpkg"
        if not path.exists():
            self.points(2).to_file(path, layer="a", driver="GPKG")
            self.points(2).to_file(path, layer="b", driver="GPKG")
        return path

    # ---------------------------------------------------------------- reading layers

    def binding(self, path: Path | str, kind: str = "gas_station", **kw: Any) -> LayerBinding:
        return LayerBinding(name="layer", kind=kind, path=str(path), **kw)

    def read(
        self, path: Path | str, kind: str = "gas_station", **kw: Any
    ) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
        """Read ``path`` as a layer of ``kind`` in Wuhan (the binding's options in ``kw``)."""
        return read_layer(
            self.binding(path, kind, **kw), self.kinds[kind], root=self.root, bbox_wgs84=self.BBOX
        )

    @staticmethod
    def distances_m(gdf: gpd.GeoDataFrame, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Metres between the points of ``gdf`` (WGS84) and the positions given."""
        _, _, dist = _GEOD.inv(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), lons, lats)
        return np.abs(dist)


@pytest.fixture(scope="session")
def kinds() -> dict[str, LayerKind]:
    return load_layer_kinds()


@pytest.fixture
def files(tmp_path: Path, kinds: dict[str, LayerKind]) -> Files:
    return Files(tmp_path, kinds)
