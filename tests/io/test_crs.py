"""Tests of riskmap.io.crs against the independent implementation in prcoords."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import prcoords
import pyproj
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmap.errors import CRSError
from riskmap.io import crs

GEOD = pyproj.Geod(ellps="WGS84")
TOLERANCE_M = 0.5


def _grid(
    lon0: float, lon1: float, lat0: float, lat1: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(lon0, lon1, n), np.linspace(lat0, lat1, n))
    return lon.ravel(), lat.ravel()


def _points() -> tuple[np.ndarray, np.ndarray]:
    """A grid over mainland China plus a dense grid over Wuhan (~114.3E 30.6N)."""
    china = _grid(74.0, 134.0, 19.0, 53.0, 25)
    wuhan = _grid(113.68, 115.08, 29.97, 31.36, 25)
    return np.concatenate([china[0], wuhan[0]]), np.concatenate([china[1], wuhan[1]])


LON, LAT = _points()


def _distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def _reference(func, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """prcoords works point by point on (lat, lon) tuples."""
    out = np.array([func((la, lo)) for lo, la in zip(lon, lat, strict=True)])
    return out[:, 1], out[:, 0]


@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        (crs.wgs84_to_gcj02, prcoords.wgs_gcj),
        (crs.gcj02_to_wgs84, prcoords.gcj_wgs_bored),
        (crs.gcj02_to_bd09, prcoords.gcj_bd),
        (crs.bd09_to_gcj02, prcoords.bd_gcj_bored),
        (crs.wgs84_to_bd09, prcoords.wgs_bd),
        (crs.bd09_to_wgs84, prcoords.bd_wgs_bored),
    ],
    ids=lambda f: f.__name__,
)
def test_conversion_matches_prcoords_over_china_and_wuhan(ours, reference) -> None:
    lon, lat = ours(LON, LAT)
    ref_lon, ref_lat = _reference(reference, LON, LAT)
    distance = _distance_m(lon, lat, ref_lon, ref_lat)
    assert distance.max() < TOLERANCE_M
    # and the conversion did move the points (by tens to hundreds of metres)
    assert _distance_m(lon, lat, LON, LAT).min() > 10.0


@pytest.mark.parametrize(
    ("inverse", "forward"),
    [
        (crs.gcj02_to_wgs84, crs.wgs84_to_gcj02),
        (crs.bd09_to_gcj02, crs.gcj02_to_bd09),
        (crs.bd09_to_wgs84, crs.wgs84_to_bd09),
    ],
    ids=lambda f: f.__name__,
)
def test_inverse_is_iterated_to_convergence(inverse, forward) -> None:
    lon, lat = inverse(LON, LAT)
    back_lon, back_lat = forward(lon, lat)
    assert np.abs(back_lon - LON).max() < 1e-9
    assert np.abs(back_lat - LAT).max() < 1e-9


def test_inverse_is_better_than_the_one_step_approximation() -> None:
    lon, lat = crs.gcj02_to_wgs84(LON, LAT)
    rough_lon, rough_lat = _reference(prcoords.gcj_wgs, LON, LAT)
    back_ours = crs.wgs84_to_gcj02(lon, lat)
    back_rough = crs.wgs84_to_gcj02(rough_lon, rough_lat)
    error_ours = _distance_m(*back_ours, LON, LAT)
    error_rough = _distance_m(*back_rough, LON, LAT)
    assert error_ours.max() < 1e-3
    assert error_rough.max() > 1.0  # the one-step inverse is off by metres somewhere


@pytest.mark.parametrize(
    ("there", "back"),
    [
        (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
        (crs.gcj02_to_wgs84, crs.wgs84_to_gcj02),
        (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
        (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
    ],
    ids=lambda f: f.__name__,
)
def test_round_trip_within_half_a_metre(there, back) -> None:
    lon, lat = back(*there(LON, LAT))
    assert _distance_m(lon, lat, LON, LAT).max() < TOLERANCE_M


@settings(max_examples=200, deadline=None)
@given(
    lon=st.floats(min_value=73.0, max_value=135.0, allow_nan=False),
    lat=st.floats(min_value=18.0, max_value=54.0, allow_nan=False),
)
def test_round_trip_property(lon: float, lat: float) -> None:
    for there, back in (
        (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
        (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    ):
        out_lon, out_lat = back(*there(lon, lat))
        assert _distance_m(out_lon, out_lat, lon, lat) < 1e-3


def test_outside_china_is_unchanged() -> None:
    lon = np.array([2.35, -74.0, 139.7, 151.2, 100.5, 80.0])
    lat = np.array([48.85, 40.7, 35.7, -33.9, 60.0, -5.0])  # Paris, NYC, Tokyo, Sydney, ...
    for func in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84):
        out_lon, out_lat = func(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_mixed_inside_and_outside_china() -> None:
    lon, lat = crs.wgs84_to_gcj02([114.3, 2.35], [30.6, 48.85])
    assert (lon[0], lat[0]) != (114.3, 30.6)
    assert (lon[1], lat[1]) == (2.35, 48.85)


def test_shapes_scalars_lists_and_inputs_untouched() -> None:
    lon0, lat0 = crs.gcj02_to_wgs84(114.3, 30.6)
    assert np.shape(lon0) == () and np.shape(lat0) == ()
    lon1, _ = crs.gcj02_to_wgs84([114.3, 114.4], [30.6, 30.7])
    assert lon1.shape == (2,)
    grid_lon = np.full((3, 4), 114.3)
    grid_lat = np.full((3, 4), 30.6)
    before = grid_lon.copy()
    lon2, lat2 = crs.gcj02_to_wgs84(grid_lon, grid_lat)
    assert lon2.shape == (3, 4)
    np.testing.assert_array_equal(grid_lon, before)
    assert lon2[0, 0] == pytest.approx(float(lon0))
    assert lat2[2, 3] == pytest.approx(float(lat0))
    # broadcasting a scalar latitude against an array of longitudes
    lon3, lat3 = crs.wgs84_to_gcj02(np.array([114.0, 114.5]), 30.6)
    assert lon3.shape == lat3.shape == (2,)


def test_nan_stays_nan_and_does_not_disturb_others() -> None:
    lon, lat = crs.gcj02_to_wgs84([np.nan, 114.3], [30.6, 30.6])
    assert np.isnan(lon[0])
    ref_lon, ref_lat = crs.gcj02_to_wgs84(114.3, 30.6)
    assert (lon[1], lat[1]) == (float(ref_lon), float(ref_lat))
    b_lon, b_lat = crs.bd09_to_wgs84([np.nan], [np.nan])
    assert np.isnan(b_lon[0]) and np.isnan(b_lat[0])


def test_empty_input() -> None:
    lon, lat = crs.bd09_to_wgs84([], [])
    assert lon.shape == lat.shape == (0,)


# ----------------------------------------------------------------------- parse_crs


@pytest.mark.parametrize(
    ("name", "kind", "epsg"),
    [
        ("WGS84", "pyproj", 4326),
        ("WGS-84", "pyproj", 4326),
        ("wgs 84", "pyproj", 4326),
        ("EPSG:4326", "pyproj", 4326),
        ("epsg:4326", "pyproj", 4326),
        ("4326", "pyproj", 4326),
        (4326, "pyproj", 4326),
        ("CGCS2000", "pyproj", 4490),
        ("cgcs-2000", "pyproj", 4490),
        ("EPSG:4490", "pyproj", 4490),
        ("GCJ02", "gcj02", 4326),
        ("GCJ-02", "gcj02", 4326),
        ("gcj02", "gcj02", 4326),
        (" gcj_02 ", "gcj02", 4326),
        ("火星坐标", "gcj02", 4326),
        ("BD09", "bd09", 4326),
        ("BD-09", "bd09", 4326),
        ("bd09ll", "bd09", 4326),
        ("EPSG:4547", "pyproj", 4547),
        ("EPSG 4547", "pyproj", 4547),
        ("EPSG:32650", "pyproj", 32650),
        ("CGCS2000 / 3-degree Gauss-Kruger CM 114E", "pyproj", 4547),
    ],
)
def test_parse_crs_names(name, kind, epsg) -> None:
    spec = crs.parse_crs(name)
    assert spec.kind == kind
    assert spec.crs.to_epsg() == epsg
    assert spec.label


def test_parse_crs_passes_through_specs_and_pyproj_objects() -> None:
    spec = crs.parse_crs("GCJ02")
    assert crs.parse_crs(spec) is spec
    utm = pyproj.CRS.from_epsg(32650)
    assert crs.parse_crs(utm).crs == utm
    proj_string = crs.parse_crs("+proj=utm +zone=50 +datum=WGS84 +units=m")
    assert proj_string.kind == "pyproj" and proj_string.crs.is_projected
    assert proj_string.label != "unknown"


def test_crsspec_is_frozen() -> None:
    spec = crs.parse_crs("WGS84")
    with pytest.raises(AttributeError):
        spec.kind = "gcj02"  # type: ignore[misc]


@pytest.mark.parametrize(
    "name", ["GCJ03", "Mars-2", "EPSG:99999999", "", "   ", "not a crs", 3.5, None]
)
def test_parse_crs_bad_name(name) -> None:
    with pytest.raises(CRSError) as info:
        crs.parse_crs(name)
    message = str(info.value)
    assert "WGS84" in message and "GCJ02" in message and "BD09" in message
    assert isinstance(info.value, ValueError)


# ------------------------------------------------------------------------ geometries


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


def test_large_arrays_match_point_by_point() -> None:
    # more points than one internal chunk: every chunk gives what a lone point gives
    rng = np.random.default_rng(7)
    lon = rng.uniform(113.68, 115.08, 40_000)
    lat = rng.uniform(29.97, 31.36, 40_000)
    for func in (crs.gcj02_to_wgs84, crs.bd09_to_wgs84, crs.wgs84_to_gcj02):
        out_lon, out_lat = func(lon, lat)
        for i in (0, 16_383, 16_384, 32_768, 39_999):
            one_lon, one_lat = func(lon[i], lat[i])
            assert abs(out_lon[i] - one_lon) < 1e-12 and abs(out_lat[i] - one_lat) < 1e-12


def test_inverse_converges_across_the_whole_box_and_near_105e() -> None:
    # The GCJ-02 inverse stops on an estimate of its own contraction: check the residual
    # where that is hardest (the box corners with the largest offsets, high latitudes, and
    # the sqrt|lon - 105| kink) on random points, against the independent forward formula.
    rng = np.random.default_rng(11)
    lon = np.concatenate([rng.uniform(72.1, 137.8, 60_000), rng.uniform(104.99, 105.01, 20_000)])
    lat = np.concatenate([rng.uniform(0.9, 55.8, 60_000), rng.uniform(1.0, 55.8, 20_000)])
    w_lon, w_lat = crs.gcj02_to_wgs84(lon, lat)
    pairs = zip(w_lon[::20], w_lat[::20], strict=True)
    ref = np.array([prcoords.wgs_gcj((la, lo)) for lo, la in pairs])
    assert np.abs(ref[:, 1] - lon[::20]).max() < 1e-9
    assert np.abs(ref[:, 0] - lat[::20]).max() < 1e-9
    back_lon, back_lat = crs.wgs84_to_gcj02(w_lon, w_lat)
    assert np.abs(back_lon - lon).max() < 1e-9
    assert np.abs(back_lat - lat).max() < 1e-9


def _tm_params(code: int) -> dict[str, float]:
    """The transverse Mercator parameters of an EPSG code, by name (pyproj as the oracle)."""
    import pyproj

    op = pyproj.CRS.from_epsg(code).coordinate_operation
    assert op is not None
    return {p.name: float(p.value) for p in op.params}


@pytest.mark.parametrize("lon", [76.0, 87.6, 104.1, 111.3, 114.3, 121.5, 126.6, 134.0])
def test_gauss_kruger_hint_names_the_zone_of_the_data(lon: float) -> None:
    """The hint's EPSG codes have the central meridian it says (pyproj as the oracle) and
    the data's longitude lies in their zone."""
    import re

    hint = crs.gauss_kruger_hint(lon)
    (code3, cm3), (code6, cm6) = re.findall(r"EPSG:(\d+) \([^)]*?central meridian (\d+)°E", hint)
    for code, cm, half in ((code3, cm3, 1.5), (code6, cm6, 3.0)):
        params = _tm_params(int(code))
        assert params["Longitude of natural origin"] == float(cm)
        assert abs(lon - float(cm)) <= half


@pytest.mark.parametrize(
    ("easting", "zone"), [(38_512_345.0, 38), (39_400_000.0, 39), (20_500_000.0, 20)]
)
def test_gauss_kruger_hint_reads_the_zone_in_front_of_an_easting(easting: float, zone: int) -> None:
    import re

    code = int(re.search(r"EPSG:(\d+)", crs.gauss_kruger_hint(None, easting)).group(1))
    params = _tm_params(code)
    assert (
        params["False easting"] == zone * 1e6 + 500_000.0
    )  # the zone number is in the false easting
