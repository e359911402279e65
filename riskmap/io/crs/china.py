"""GCJ-02 and BD-09, the obfuscated coordinate systems of Chinese web maps: vectorised
conversions to and from WGS84 (the inverses iterated to < 1e-9 degrees), tested against
prcoords.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_GCJ_A = 6378245.0

_GCJ_EE = 0.00669342162296594323

# Rough bounding box of China used by every public implementation (outside: no offset).
_CHINA_LON = (72.004, 137.8347)

_CHINA_LAT = (0.8293, 55.8271)

# BD-09 constants.
_X_PI = np.pi * 3000.0 / 180.0

_BD_DLON = 0.0065

_BD_DLAT = 0.006

# Inverse iteration: stop when the forward residual is below this (degrees).
_TOLERANCE_DEG = 1e-9

_MAX_ITERATIONS = 30


def _as_float_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Broadcast two coordinate inputs to flat float64 copies (inputs are never modified)."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x.ravel().copy(), y.ravel().copy()


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """True where a point is inside the rough bounding box where GCJ-02 applies."""
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _multiple_angles(
    s1: FloatArray, c1: FloatArray, *, high: bool = True
) -> tuple[FloatArray, ...]:
    """sin(t), sin(4t), sin(12t) and, if ``high``, sin(24t) and sin(72t) from sin/cos of t.

    Double- and triple-angle identities replace sine evaluations of the GCJ-02 formula
    (the slow part); the rounding they add is below 1e-12 metres. Works in place on new
    buffers (fewer temporaries); ``s1`` and ``c1`` are not modified.
    """
    s2 = s1 * c1
    s2 *= 2.0
    c2 = s1 * s1
    c2 *= -2.0
    c2 += 1.0  # cos 2t
    s4 = s2 * c2
    s4 *= 2.0
    np.multiply(s2, s2, out=s2)
    s2 *= -2.0
    s2 += 1.0  # s2 now holds cos 4t
    c4 = s2
    np.multiply(s4, s4, out=c2)
    c2 *= -4.0  # -4 sin^2 4t
    s12 = c2 + 3.0
    s12 *= s4  # sin 3u = sin u (3 - 4 sin^2 u)
    if not high:
        return s1, s4, s12
    c2 += 1.0
    c2 *= c4  # cos 3u = cos u (1 - 4 sin^2 u): c2 now holds cos 12t
    s24 = s12 * c2
    s24 *= 2.0
    s72 = s24 * s24
    s72 *= -4.0
    s72 += 3.0
    s72 *= s24
    return s1, s4, s12, s24, s72


def _quintuple(s: FloatArray, c: FloatArray) -> tuple[FloatArray, FloatArray]:
    """sin(5u) and cos(5u) from sin(u) and cos(u) (Chebyshev polynomials, stable on [-1, 1])."""
    return _t5(s), _t5(c)


def _t5(x: FloatArray) -> FloatArray:
    """x (16 x^4 - 20 x^2 + 5), in place on one new array: sin(5u) of sin(u), cos(5u) of cos(u)."""
    y = x * x
    y *= 16.0
    y -= 20.0
    y *= x
    y *= x
    y += 5.0
    y *= x
    return y


def _add_small_angle(
    pair: tuple[FloatArray, FloatArray], d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """sin(a + d) and cos(a + d) from (sin a, cos a) and a small angle d (|d| < 0.01 rad).

    The Taylor series of sin d (to d^5) and cos d (to d^4) are exact to double precision
    for |d| < 0.01; the inverse moves the base angles by less than 0.002 rad (the GCJ-02
    offset is below 0.03 degrees everywhere in the China box).
    """
    s0, c0 = pair
    d_sq = d * d
    sin_d = d_sq * (1.0 / 120.0)
    sin_d -= 1.0 / 6.0
    sin_d *= d_sq
    sin_d += 1.0
    sin_d *= d  # d - d^3/6 + d^5/120
    cos_d = d_sq * (1.0 / 24.0)
    cos_d -= 0.5
    cos_d *= d_sq
    cos_d += 1.0  # 1 - d^2/2 + d^4/24
    s = s0 * cos_d
    s += c0 * sin_d
    cos_d *= c0
    sin_d *= s0
    cos_d -= sin_d
    return s, cos_d


# Base angles of the offset series: u = pi x / 60 and v = pi y / 180 (x = lon - 105,
# y = lat - 35). Every sine of the formula is a multiple of one of them, and the latitude
# in radians is v + 35 degrees, so one sin/cos pair per variable is enough.
_U_PER_DEG = np.pi / 60.0

_V_PER_DEG = np.pi / 180.0

_SIN35 = float(np.sin(np.radians(35.0)))

_COS35 = float(np.cos(np.radians(35.0)))

# Metres -> degrees of latitude (times magic^1.5) and of longitude (times sqrt(magic)/cos).
_LAT_M_TO_DEG = 1.0 / (np.pi / 180.0 * _GCJ_A * (1.0 - _GCJ_EE))

_LON_M_TO_DEG = 1.0 / (np.pi / 180.0 * _GCJ_A)


def _offset_from_angles(
    x: FloatArray,
    y: FloatArray,
    u_pair: tuple[FloatArray, FloatArray],
    v_pair: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 offset in degrees at x = lon - 105, y = lat - 35, from (sin, cos) of u and v."""
    sin_u, cos_u = u_pair
    sin_v, cos_v = v_pair
    # x side: pi x/30 = 2u, t = pi x/12 = 5u; pi x/3 = 4t, pi x = 12t, 2 pi x = 24t, 6 pi x = 72t.
    sx30 = sin_u * cos_u  # sin(pi x/30) / 2
    sx1, sx4, sx12, sx24, sx72 = _multiple_angles(*_quintuple(sin_u, cos_u))
    # y side: w = 3v, pi y/30 = 2w = 6v, t = pi y/12 = 5w = 15v; pi y/3 = 4t, pi y = 12t.
    q = sin_v * sin_v
    q *= -4.0
    sin_w = q + 3.0
    sin_w *= sin_v  # sin 3v
    q += 1.0
    q *= cos_v  # cos 3v
    sy30 = sin_w * q  # sin(pi y/30) / 2
    sy1, sy4, sy12 = _multiple_angles(*_quintuple(sin_w, q), high=False)
    # Shared and polynomial terms (metres), Horner-like to save operations.
    shared = sx72
    shared += sx24
    shared *= 40.0 / 3.0
    sqrt_abs_x = np.abs(x)
    np.sqrt(sqrt_abs_x, out=sqrt_abs_x)
    # dlat_m = -100 + x (2 + 0.1 y) + y (3 + 0.2 y) + 0.2 sqrt|x| + sines
    d_lat = y * 0.1
    d_lat += 2.0
    d_lat *= x
    t = y * 0.2
    t += 3.0
    t *= y
    d_lat += t
    d_lat += sqrt_abs_x * 0.2
    d_lat += shared
    sy12 *= 40.0 / 3.0
    d_lat += sy12
    sy4 *= 80.0 / 3.0
    d_lat += sy4
    sy1 *= 320.0 / 3.0
    d_lat += sy1
    sy30 *= 1280.0 / 3.0
    d_lat += sy30
    d_lat -= 100.0
    # dlon_m = 300 + x (1 + 0.1 x + 0.1 y) + 2 y + 0.1 sqrt|x| + sines
    d_lon = x + y
    d_lon *= 0.1
    d_lon += 1.0
    d_lon *= x
    d_lon += shared
    np.multiply(y, 2.0, out=t)
    d_lon += t
    sqrt_abs_x *= 0.1
    d_lon += sqrt_abs_x
    sx12 *= 40.0 / 3.0
    d_lon += sx12
    sx4 *= 80.0 / 3.0
    d_lon += sx4
    np.multiply(sx1, 100.0, out=t)
    d_lon += t
    sx30 *= 400.0
    d_lon += sx30
    d_lon += 300.0
    # sin/cos of the latitude: lat (radians) = v + 35 degrees.
    sin_lat = sin_v * _COS35
    sin_lat += cos_v * _SIN35
    cos_lat = cos_v * _COS35
    cos_lat -= sin_v * _SIN35
    magic = sin_lat
    np.multiply(sin_lat, sin_lat, out=magic)
    magic *= -_GCJ_EE
    magic += 1.0
    sqrt_magic = np.sqrt(magic)
    # metres -> degrees: divide by the length of one degree of latitude / longitude.
    d_lat *= magic
    d_lat *= sqrt_magic
    d_lat *= _LAT_M_TO_DEG
    d_lon *= sqrt_magic
    d_lon /= cos_lat
    d_lon *= _LON_M_TO_DEG
    return d_lon, d_lat


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 offset in degrees (dlon, dlat) at WGS84 points, ignoring the China box.

    The public formula, with x = lon - 105 and y = lat - 35 (offsets in metres)::

        dlat_m = -100 + 2x + 3y + 0.2y² + 0.1xy + 0.2√|x|
                 + (20 sin 6πx + 20 sin 2πx + 20 sin πy + 40 sin(πy/3)
                    + 160 sin(πy/12) + 320 sin(πy/30)) · 2/3
        dlon_m = 300 + x + 2y + 0.1x² + 0.1xy + 0.1√|x|
                 + (20 sin 6πx + 20 sin 2πx + 20 sin πx + 40 sin(πx/3)
                    + 150 sin(πx/12) + 300 sin(πx/30)) · 2/3

    converted to degrees with the Krasovsky ellipsoid's radii of curvature. All sines
    are computed from one sin/cos pair of x and one of y (multiple-angle identities).
    """
    x = lon - 105.0
    y = lat - 35.0
    u = x * _U_PER_DEG
    v = y * _V_PER_DEG
    return _offset_from_angles(x, y, (np.sin(u), np.cos(u)), (np.sin(v), np.cos(v)))


def _gcj_inverse(t_lon: FloatArray, t_lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 -> WGS84 on flat finite arrays by fixed-point iteration ``p = t - offset(p)``.

    sin/cos of the base angles are evaluated once, at the target; each iteration moves
    them by the small angle between the estimate and the target (addition formulas), so
    an iteration costs no trigonometric call. The map contracts by a factor q of about
    0.004 to 0.01 per step, so the residual ``forward(p) - t`` left after a step is about
    q times that step. A point stops when its step is below 1e-9 degrees, or when its
    step times twice its own observed contraction (this step over the previous one) is:
    three iterations are usual, 30 at most. Each point's result depends on that point
    only, never on its neighbours in the array.
    """
    out_lon = np.empty_like(t_lon)
    out_lat = np.empty_like(t_lat)
    idx = np.arange(t_lon.size)
    x0 = t_lon - 105.0
    y0 = t_lat - 35.0
    u0 = x0 * _U_PER_DEG
    v0 = y0 * _V_PER_DEG
    u_pair0 = (np.sin(u0), np.cos(u0))
    v_pair0 = (np.sin(v0), np.cos(v0))
    # First step, from the target itself: p = t - offset(t), i.e. dx, dy = -offset(t).
    d_lon, d_lat = _offset_from_angles(x0, y0, u_pair0, v_pair0)
    dx = -d_lon
    dy = -d_lat
    prev_step = np.maximum(np.abs(d_lon), np.abs(d_lat))
    for iteration in range(2, _MAX_ITERATIONS + 1):
        u_pair = _add_small_angle(u_pair0, dx * _U_PER_DEG)
        v_pair = _add_small_angle(v_pair0, dy * _V_PER_DEG)
        d_lon, d_lat = _offset_from_angles(x0 + dx, y0 + dy, u_pair, v_pair)
        # New estimate p = t - offset(p): its distance from the target is -offset(p).
        step = np.maximum(np.abs(d_lon + dx), np.abs(d_lat + dy))
        dx = -d_lon
        dy = -d_lat
        if iteration == 2:
            # The first step follows the offset, not the contraction: no estimate yet.
            done = step < _TOLERANCE_DEG
        else:
            ratio = np.divide(step, prev_step, out=np.ones_like(step), where=prev_step > 0.0)
            done = step * np.minimum(1.0, 2.0 * ratio) < _TOLERANCE_DEG
        if done.all():
            break
        if done.any():
            out_lon[idx[done]] = t_lon[done] + dx[done]
            out_lat[idx[done]] = t_lat[done] + dy[done]
            keep = ~done
            idx = idx[keep]
            t_lon, t_lat, x0, y0 = t_lon[keep], t_lat[keep], x0[keep], y0[keep]
            u_pair0 = (u_pair0[0][keep], u_pair0[1][keep])
            v_pair0 = (v_pair0[0][keep], v_pair0[1][keep])
            dx, dy, step = dx[keep], dy[keep], step[keep]
        prev_step = step
    out_lon[idx] = t_lon + dx
    out_lat[idx] = t_lat + dy
    return out_lon, out_lat


def _gcj_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS84 -> GCJ-02 on flat arrays, without the China box test."""
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _bd_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 -> BD-09 on flat arrays."""
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_inverse_rough(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """BD-09 -> GCJ-02, the usual one-step approximation (start of the iteration)."""
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target_lon: FloatArray,
    target_lat: FloatArray,
    start_lon: FloatArray,
    start_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(p) == target`` by fixed-point iteration ``p -= forward(p) - target``.

    The GCJ-02 and BD-09 offsets change slowly with position (the Jacobian of
    ``forward`` is close to the identity), so each step shrinks the error by a factor
    of a few hundred. A point stops when its last step (its residual
    ``forward(p) - target`` before the step) is below 1e-9 degrees; the error left is
    then smaller still. Four steps are usual, 30 at most. Only points not yet
    converged are iterated. Non-finite points stay as they are.
    """
    lon = start_lon.copy()
    lat = start_lat.copy()
    active = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    for _ in range(_MAX_ITERATIONS):
        if active.size == 0:
            break
        f_lon, f_lat = forward(lon[active], lat[active])
        r_lon = f_lon - target_lon[active]
        r_lat = f_lat - target_lat[active]
        lon[active] -= r_lon
        lat[active] -= r_lat
        # This step moved the point by `step`; the error left is about q * step with the
        # contraction q < 0.05, so a step below the tolerance means converged.
        # NaN (overflow far outside any sensible range) compares False: dropped.
        step = np.maximum(np.abs(r_lon), np.abs(r_lat))
        active = active[step > _TOLERANCE_DEG]
    return lon, lat


def _shape_of(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[int, ...]:
    return np.broadcast_shapes(np.shape(lon), np.shape(lat))


def _wgs_to_gcj_flat(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    out_lon, out_lat = lon.copy(), lat.copy()
    inside = _in_china(lon, lat)
    out_lon[inside], out_lat[inside] = _gcj_forward(lon[inside], lat[inside])
    return out_lon, out_lat


def _gcj_to_wgs_flat(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = _in_china(lon, lat)
    if inside.all():
        return _gcj_inverse(lon, lat)  # new arrays; the usual case, no copies or masks
    out_lon, out_lat = lon.copy(), lat.copy()
    if inside.any():
        out_lon[inside], out_lat[inside] = _gcj_inverse(lon[inside], lat[inside])
    return out_lon, out_lat


def _bd_to_gcj_flat(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _invert(_bd_forward, lon, lat, *_bd_inverse_rough(lon, lat))


def _wgs_to_bd_flat(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _bd_forward(*_wgs_to_gcj_flat(lon, lat))


def _bd_to_wgs_flat(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_wgs_flat(*_bd_to_gcj_flat(lon, lat))


# Points per chunk: the temporaries of a chunk stay in the CPU cache, which is faster than
# whole-array numpy expressions and keeps peak memory flat (about 20 MB at any size).
_CHUNK = 16_384


def _convert(
    core: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Broadcast, flatten, run ``core`` chunk by chunk into new arrays, restore the shape."""
    shape = _shape_of(lon, lat)
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    x = x.ravel()
    y = y.ravel()
    out_lon = np.empty(x.size, dtype=np.float64)
    out_lat = np.empty(x.size, dtype=np.float64)
    for start in range(0, x.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        out_lon[part], out_lat[part] = core(x[part], y[part])
    return out_lon.reshape(shape), out_lat.reshape(shape)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude to GCJ-02 (火星坐标).

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees: scalars, lists or arrays (broadcast together).

    Returns
    -------
    lon, lat
        New float64 arrays of the broadcast shape (0-d for scalar input). Points outside
        the rough bounding box of China are returned unchanged; NaN stays NaN.
    """
    return _convert(_wgs_to_gcj_flat, lon, lat)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to WGS84, iterated to convergence.

    The inverse has no closed form; it is solved per point by fixed-point iteration until
    the forward transform of the result matches the input within 1e-9 degrees (about
    0.1 mm), at most 30 iterations (three are usual). Arguments and result as
    :func:`wgs84_to_gcj02`.
    """
    return _convert(_gcj_to_wgs_flat, lon, lat)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to BD-09 (百度坐标).

    Arguments and result as :func:`wgs84_to_gcj02` (degrees in; new float64 arrays of the
    broadcast shape out).
    """
    return _convert(_bd_forward, lon, lat)


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude to GCJ-02, iterated to convergence.

    Starts from the usual one-step inverse and iterates until the forward transform of
    the result matches the input within 1e-9 degrees. Arguments and result as
    :func:`wgs84_to_gcj02`.
    """
    return _convert(_bd_to_gcj_flat, lon, lat)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude to BD-09 (through GCJ-02).

    Arguments and result as :func:`wgs84_to_gcj02`.
    """
    return _convert(_wgs_to_bd_flat, lon, lat)


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude to WGS84 (through GCJ-02), iterated to convergence
    as :func:`gcj02_to_wgs84`. Arguments and result as :func:`wgs84_to_gcj02`.
    """
    return _convert(_bd_to_wgs_flat, lon, lat)
