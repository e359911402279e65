"""CRS names (riskmap.io.crs.names): parse_crs and the Gauss-Kruger hint."""

from __future__ import annotations

import pyproj
import pytest

from riskmap.errors import CRSError
from riskmap.io import crs


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
