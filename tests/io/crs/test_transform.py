"""Converting columns and geometries to and from WGS84, and the working CRS
(riskmap.io.crs.transform)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
import shapely.affinity

from riskmap.errors import CRSError
from riskmap.io import crs


def _utm(geom: shapely.Geometry) -> shapely.Geometry:
    return crs.from_wgs84_geometries(geom, "EPSG:32650")[0]


def test_polygon_keeps_its_shape() -> None:
    # a 1 km x 600 m L-shaped polygon in Wuhan, in GCJ-02
    poly = shapely.Polygon(
        [(114.30, 30.60), (114.31, 30.60), (114.31, 30.603), (114.305, 30.603),
         (114.305, 30.605), (114.30, 30.605)]
    )  # fmt: skip
    (out,) = crs.to_wgs84_geometries(poly, "GCJ02")
    assert out.geom_type == "Polygon"
    assert shapely.get_num_coordinates(out) == shapely.get_num_coordinates(poly)
    a, b = _utm(shapely.Polygon(poly.exterior.coords)), _utm(out)  # same coordinates read as WGS84
    shift = np.array(b.centroid.coords[0]) - np.array(a.centroid.coords[0])
    assert 100.0 < np.hypot(*shift) < 1000.0  # GCJ-02 offsets are hundreds of metres
    # GCJ-02 is a smooth but non-linear shift (its fastest term has a 16 km period), so a
    # 1 km polygon moves almost rigidly: same shape to within a few metres.
    moved = shapely.affinity.translate(a, *shift)
    assert b.area == pytest.approx(a.area, rel=5e-3)
    assert shapely.hausdorff_distance(moved, b) < 3.0
    assert out.is_valid and out.exterior.is_ccw == poly.exterior.is_ccw


def test_geometry_types_and_vertices_match_point_conversion() -> None:
    geoms = [
        shapely.Point(114.3, 30.6),
        shapely.LineString([(114.3, 30.6), (114.4, 30.7)]),
        shapely.box(114.0, 30.0, 114.1, 30.1),
        shapely.MultiPolygon(
            [shapely.box(114.0, 30.0, 114.1, 30.1), shapely.box(114.2, 30.2, 114.3, 30.3)]
        ),
        shapely.MultiPoint([(114.3, 30.6), (114.5, 30.5)]),
        shapely.Point(114.3, 30.6, 12.0),
        None,
        shapely.Polygon(),
    ]
    for name, func in (("GCJ02", crs.gcj02_to_wgs84), ("BD09", crs.bd09_to_wgs84)):
        out = crs.to_wgs84_geometries(geoms, name)
        assert isinstance(out, np.ndarray) and out.shape == (len(geoms),)
        assert out[6] is None and out[7].is_empty
        for src, dst in zip(geoms[:6], out[:6], strict=True):
            assert dst.geom_type == src.geom_type
            xy = shapely.get_coordinates(src)
            expected = np.column_stack(func(xy[:, 0], xy[:, 1]))
            np.testing.assert_allclose(shapely.get_coordinates(dst), expected, rtol=0, atol=1e-12)
        assert out[5].has_z and shapely.get_coordinates(out[5], include_z=True)[0, 2] == 12.0


def test_geometry_round_trip_and_geoseries_input() -> None:
    series = gpd.GeoSeries(
        [shapely.box(114.0, 30.0, 114.1, 30.1), shapely.Point(114.3, 30.6)], crs=4326
    )
    for name in ("GCJ02", "BD09", "EPSG:4547", "CGCS2000"):
        there = crs.from_wgs84_geometries(series, name)
        back = crs.to_wgs84_geometries(there, name)
        assert all(shapely.equals_exact(back, series.values, tolerance=1e-8))
    # the input series is untouched
    assert series.iloc[1].equals(shapely.Point(114.3, 30.6))


def test_projected_geometry_uses_pyproj() -> None:
    transformer = pyproj.Transformer.from_crs(4547, 4326, always_xy=True)
    point = shapely.Point(529000.0, 3386000.0)  # Wuhan in CGCS2000 GK CM 114E
    (out,) = crs.to_wgs84_geometries(point, "EPSG:4547")
    lon, lat = transformer.transform(529000.0, 3386000.0)
    assert out.x == pytest.approx(lon, abs=1e-12) and out.y == pytest.approx(lat, abs=1e-12)
    assert 113.5 < out.x < 115.5 and 30 < out.y < 31


def test_wgs84_geometries_pass_unchanged() -> None:
    point = shapely.Point(114.3, 30.6)
    (out,) = crs.to_wgs84_geometries([point], "WGS84")
    assert out.equals(point)


def test_to_wgs84_xy_for_tables() -> None:
    x = np.array([114.3, 114.4])
    y = np.array([30.6, 30.7])
    np.testing.assert_array_equal(crs.to_wgs84_xy(x, y, "GCJ-02")[0], crs.gcj02_to_wgs84(x, y)[0])
    np.testing.assert_array_equal(crs.to_wgs84_xy(x, y, "BD09")[1], crs.bd09_to_wgs84(x, y)[1])
    lon, _ = crs.to_wgs84_xy(x, y, "WGS84")
    np.testing.assert_array_equal(lon, x)
    assert lon is not x  # a new array
    e, n = crs.from_wgs84_xy(x, y, "EPSG:32650")
    back_lon, back_lat = crs.to_wgs84_xy(e, n, "EPSG:32650")
    np.testing.assert_allclose(back_lon, x, atol=1e-9)
    np.testing.assert_allclose(back_lat, y, atol=1e-9)
    assert np.all(e > 100_000) and np.all(n > 3_000_000)


# ----------------------------------------------------------------------- working_crs

WUHAN = shapely.box(113.68, 29.97, 115.08, 31.36)


def test_working_crs_auto_for_wuhan_is_utm_50n() -> None:
    assert crs.working_crs(WUHAN).to_epsg() == 32650
    assert crs.working_crs(WUHAN, "AUTO").to_epsg() == 32650
    assert crs.working_crs(gpd.GeoSeries([WUHAN], crs=4326)).to_epsg() == 32650
    assert crs.working_crs(gpd.GeoDataFrame(geometry=[WUHAN], crs=4326)).to_epsg() == 32650


def test_working_crs_auto_converts_a_projected_frame_and_handles_the_south() -> None:
    projected = gpd.GeoSeries([WUHAN], crs=4326).to_crs(4547)
    assert crs.working_crs(projected).to_epsg() == 32650
    sydney = shapely.box(150.5, -34.2, 151.5, -33.5)
    assert crs.working_crs(sydney).to_epsg() == 32756
    urumqi = shapely.box(87.3, 43.6, 87.9, 44.0)
    assert crs.working_crs(urumqi).to_epsg() == 32645


def test_working_crs_explicit_projected_setting() -> None:
    assert crs.working_crs(WUHAN, "EPSG:4547").to_epsg() == 4547
    assert crs.working_crs(WUHAN, "epsg 32649").to_epsg() == 32649


@pytest.mark.parametrize("setting", ["WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG:2249", "nonsense"])
def test_working_crs_rejects_non_metric_settings(setting) -> None:
    # EPSG:2249 is projected but in US survey feet
    with pytest.raises(CRSError):
        crs.working_crs(WUHAN, setting)


def test_working_crs_rejects_empty_or_non_degree_boundaries() -> None:
    with pytest.raises(CRSError, match="empty"):
        crs.working_crs(shapely.Polygon())
    with pytest.raises(CRSError, match="degrees"):
        crs.working_crs(shapely.box(529000.0, 3386000.0, 539000.0, 3396000.0))
