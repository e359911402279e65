"""GCJ-02 and BD-09 (riskmap.io.crs.china) against the independent implementation in prcoords."""

from __future__ import annotations

import numpy as np
import prcoords
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
