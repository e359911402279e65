"""Naming a coordinate system: WGS84, CGCS2000, GCJ02, BD09, EPSG codes and anything
pyproj knows, parsed into a :class:`CRSSpec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pyproj

from riskmap.errors import CRSError

CRSKind = Literal["gcj02", "bd09", "pyproj"]

WGS84 = pyproj.CRS.from_epsg(4326)

CGCS2000 = pyproj.CRS.from_epsg(4490)


@dataclass(frozen=True)
class CRSSpec:
    """A coordinate system as riskmap understands it.

    Attributes
    ----------
    kind : ``"gcj02"`` or ``"bd09"`` for the Chinese offset systems (converted by the
        formulas in this module), ``"pyproj"`` for anything pyproj can transform.
    crs : the pyproj CRS; for GCJ-02 and BD-09 the geographic base, EPSG:4326.
    label : a short human-readable name, e.g. ``"GCJ-02 (火星坐标)"``.
    """

    kind: CRSKind
    crs: pyproj.CRS
    label: str

    @property
    def is_wgs84(self) -> bool:
        """True when coordinates need no conversion to reach EPSG:4326."""
        return self.kind == "pyproj" and self.crs == WGS84


_GCJ02_SPEC = CRSSpec("gcj02", WGS84, "GCJ-02 (火星坐标)")

_BD09_SPEC = CRSSpec("bd09", WGS84, "BD-09 (百度坐标)")

_WGS84_SPEC = CRSSpec("pyproj", WGS84, "WGS84 (EPSG:4326)")

_CGCS2000_SPEC = CRSSpec("pyproj", CGCS2000, "CGCS2000 (EPSG:4490)")

# Keys are normalised: upper case, without spaces, dashes, underscores, slashes, dots.
_ALIASES: dict[str, CRSSpec] = {
    "WGS84": _WGS84_SPEC,
    "WGS1984": _WGS84_SPEC,
    "EPSG4326": _WGS84_SPEC,
    "4326": _WGS84_SPEC,
    "LONLAT": _WGS84_SPEC,
    "CGCS2000": _CGCS2000_SPEC,
    "CGCS": _CGCS2000_SPEC,
    "EPSG4490": _CGCS2000_SPEC,
    "4490": _CGCS2000_SPEC,
    "国家2000": _CGCS2000_SPEC,
    "2000国家大地坐标系": _CGCS2000_SPEC,
    "GCJ02": _GCJ02_SPEC,
    "GCJ": _GCJ02_SPEC,
    "MARS": _GCJ02_SPEC,
    "AMAP": _GCJ02_SPEC,
    "GAODE": _GCJ02_SPEC,
    "火星坐标": _GCJ02_SPEC,
    "火星坐标系": _GCJ02_SPEC,
    "BD09": _BD09_SPEC,
    "BD09LL": _BD09_SPEC,
    "BD": _BD09_SPEC,
    "BAIDU": _BD09_SPEC,
    "百度坐标": _BD09_SPEC,
    "百度坐标系": _BD09_SPEC,
}


ACCEPTED_NAMES = (
    "WGS84 (also WGS-84, EPSG:4326, 4326)",
    "CGCS2000 (EPSG:4490)",
    "GCJ02 (GCJ-02, 火星坐标; Amap/Gaode, Tencent)",
    "BD09 (BD-09, 百度坐标; Baidu)",
    "EPSG:nnnn, e.g. EPSG:4547 (CGCS2000 3-degree Gauss-Kruger CM 114E)",
    "any WKT, PROJ string or CRS name that pyproj understands",
)


_EPSG_RE = re.compile(r"^(?:EPSG:?)?(\d{4,6})$")


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-_/.]+", "", name).upper()


def _label(crs: pyproj.CRS) -> str:
    code = crs.to_epsg(min_confidence=100)
    name = crs.name if crs.name and crs.name != "unknown" else crs.srs
    return f"{name} (EPSG:{code})" if code is not None else name


def _accepted_text() -> str:
    return "; ".join(ACCEPTED_NAMES)


def parse_crs(name: str | int | pyproj.CRS | CRSSpec) -> CRSSpec:
    """Understand a coordinate system name from a project file or the app.

    Parameters
    ----------
    name
        ``WGS84``, ``WGS-84``, ``EPSG:4326``, ``4326``, ``CGCS2000``, ``GCJ02``, ``GCJ-02``,
        ``BD09``, ``BD-09``, ``EPSG:4547``, ... (case, spaces and dashes do not matter),
        an EPSG code as an int, anything else pyproj understands (WKT, PROJ string, CRS
        name), a ``pyproj.CRS`` or a ``CRSSpec`` (returned as is).

    Returns
    -------
    CRSSpec
        Kind (``gcj02``, ``bd09`` or ``pyproj``), pyproj CRS and a readable label.

    Raises
    ------
    CRSError
        If the name is empty or not understood; the message lists the accepted names.
    """
    if isinstance(name, CRSSpec):
        return name
    if isinstance(name, pyproj.CRS):
        return CRSSpec("pyproj", name, _label(name))
    if isinstance(name, bool) or not isinstance(name, str | int):
        raise CRSError(
            f"Coordinate system must be a name or an EPSG code, not {type(name).__name__} "
            f"({name!r}). Accepted: {_accepted_text()}."
        )
    text = str(name).strip()
    if not text:
        raise CRSError(f"Coordinate system name is empty. Accepted: {_accepted_text()}.")
    key = _normalise(text)
    if key in _ALIASES:
        return _ALIASES[key]
    match = _EPSG_RE.match(key)
    user_input = f"EPSG:{match.group(1)}" if match else text
    try:
        crs = pyproj.CRS.from_user_input(user_input)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"Coordinate system {text!r} is not understood. Accepted: {_accepted_text()}."
        ) from exc
    if crs == WGS84:
        return _WGS84_SPEC
    return CRSSpec("pyproj", crs, _label(crs))


def gauss_kruger_hint(lon: float | None = None, easting: float | None = None) -> str:
    """The CGCS2000 Gauss-Krüger systems that fit data at longitude ``lon`` (e.g. the
    project's centre), or the zone an 8-digit ``easting`` carries in front, as a hint.

    3-degree zone n has central meridian 3n°E (EPSG:4534 for 75°E ... 4554 for 135°E
    without the zone in the easting, 4513 for zone 25 ... 4533 for zone 45 with it); a
    6-degree zone n has central meridian (6n - 3)°E (4502 ... 4512 without, 4491 for zone
    13 ... 4501 for zone 23 with it).
    """
    if easting is not None and abs(easting) >= 1e7:
        zone = int(abs(easting) // 1e6)
        if 25 <= zone <= 45:
            return (
                f"EPSG:{4513 + zone - 25} (CGCS2000 3-degree Gauss-Kruger zone {zone}, "
                f"central meridian {3 * zone}°E, the zone number written in front of the easting)"
            )
        if 13 <= zone <= 23:
            return (
                f"EPSG:{4491 + zone - 13} (CGCS2000 6-degree Gauss-Kruger zone {zone}, "
                f"central meridian {6 * zone - 3}°E, the zone number written in front of the easting)"
            )
    if lon is None or not 73.5 <= lon <= 136.5:
        return "the EPSG code of the CGCS2000 Gauss-Kruger zone of the data (e.g. EPSG:4534-4554)"
    cm3 = min(max(3 * round(lon / 3), 75), 135)
    cm6 = min(max(6 * (int(lon // 6) + 1) - 3, 75), 135)
    return (
        f"EPSG:{4534 + (cm3 - 75) // 3} (CGCS2000 3-degree Gauss-Kruger, central meridian "
        f"{cm3}°E) or EPSG:{4502 + (cm6 - 75) // 6} (6-degree, central meridian {cm6}°E)"
    )
