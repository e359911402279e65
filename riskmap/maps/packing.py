"""Compact point payloads: positions as integer deltas on a ~1 m lattice, symbols as runs,
and tooltips as text, deflated text, or left out, as the page's budget allows.

A city's few thousand points cost little; a province's twenty thousand, written as
5-decimal longitudes and latitudes with a tooltip each, were 1.75 MB of the Hubei page.
Points are sorted by symbol, then along a Z-order curve, so that consecutive points are
near each other and their deltas short. Tooltips are kept as text while the page's
tooltip budget lasts (most useful layers first), then deflated (the page inflates them with
the browser's own ``DecompressionStream`` when a layer is first shown), and past that
budget a layer's points show only the layer's name on hover.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from riskmap.maps.text import _COORD_DIGITS

TIP_TEXT_BYTES = 420_000
"""At most this many bytes of point tooltips are written as plain text in a page (a city
of Wuhan's size needs about 300 kB in Chinese, 380 kB in English: it keeps every
tooltip as text)."""

TIP_PACKED_BYTES = 150_000
"""At most this many bytes of deflated (base64) point tooltips in a page, after the text."""


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """The low 21 bits of ``v`` spread to the even bits of a 64-bit integer."""
    v = v.astype(np.uint64) & np.uint64(0x1FFFFF)
    out = np.zeros_like(v)
    for bit in range(21):  # a loop over bits, not over points
        out |= ((v >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
    return out


def _lattice(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes as integers in 10^-5 degree units (about 1 m)."""
    q = 10.0**_COORD_DIGITS
    return np.rint(lon * q).astype(np.int64), np.rint(lat * q).astype(np.int64)


def _point_order(ix: np.ndarray, iy: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Points by symbol, then along a Z-order curve (~20 m steps): neighbours follow each
    other, so position deltas are short and symbols come in runs."""
    if len(ix) == 0:
        return np.zeros(0, dtype=np.intp)
    gx = (ix - ix.min()) // 16
    gy = (iy - iy.min()) // 16
    z = _spread_bits(gx) | (_spread_bits(gy) << np.uint64(1))
    return np.lexsort((z, codes))


def _runs(codes: np.ndarray) -> list[int]:
    """Sorted codes as ``[code, count, code, count, ...]``."""
    if len(codes) == 0:
        return []
    cut = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], cut])
    counts = np.diff(np.concatenate([starts, [len(codes)]]))
    return np.column_stack([codes[starts], counts]).ravel().astype(int).tolist()


def _per_point(values: np.ndarray, digits: int) -> float | list[float]:
    """One number when every point has it, else one a point."""
    v = np.round(values.astype(float), digits)
    if len(v) and bool((v == v[0]).all()):
        return float(v[0]) if digits else int(v[0])
    return v.tolist() if digits else v.astype(np.int64).tolist()


def pack_text(values: Sequence[str]) -> str:
    """A list of strings as base64 of its deflated (zlib) JSON, for ``rm.inflate``."""
    raw = json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def text_bytes(values: Sequence[str]) -> int:
    """Bytes that ``values`` take in the page as a JSON list."""
    return len(json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode())


def pack_points(
    lon: np.ndarray,
    lat: np.ndarray,
    codes: np.ndarray,
    *,
    radius: np.ndarray | None = None,
    metres: np.ndarray | None = None,
    tips: Sequence[str] | None = None,
    tip_mode: str = "text",
    fallback: str = "",
) -> dict[str, Any]:
    """The page's payload of one point overlay (decoded by ``rm.unpack``).

    ``o``: the first point, ``q``: ``dx, dy`` from the point before (10^-5 degrees),
    ``c``: symbol runs ``[code, count, ...]``, ``r``: radius in pixels, ``m``: radius in
    metres (one number when all are equal), ``t``: tooltips as text, ``tz``: as deflated
    text (``tip_mode="packed"``), ``tn``: what a point without a tooltip shows.
    """
    ix, iy = _lattice(np.asarray(lon, float), np.asarray(lat, float))
    code = np.asarray(codes, dtype=np.int64)
    order = _point_order(ix, iy, code)
    ix, iy, code = ix[order], iy[order], code[order]
    out: dict[str, Any] = {"o": [int(ix[0]), int(iy[0])] if len(ix) else [0, 0]}
    d = np.zeros((len(ix), 2), dtype=np.int64)
    if len(ix):
        d[1:, 0] = np.diff(ix)
        d[1:, 1] = np.diff(iy)
    out["q"] = d.ravel().tolist()
    out["c"] = _runs(code)
    if radius is not None:
        out["r"] = _per_point(np.asarray(radius)[order], 0)  # whole pixels
    if metres is not None:
        out["m"] = _per_point(np.asarray(metres)[order], 0)
    if tips is not None and tip_mode != "none":
        ordered = [tips[i] for i in order.tolist()]
        if tip_mode == "packed":
            out["tz"] = pack_text(ordered)
        else:
            out["t"] = ordered
    if fallback:
        out["tn"] = fallback
    return out


def assign_tip_modes(
    sizes: Sequence[tuple[int, int]],
    text_budget: int = TIP_TEXT_BYTES,
    packed_budget: int = TIP_PACKED_BYTES,
) -> list[str]:
    """``text``, ``packed`` or ``none`` for each layer's tooltips, from their (text, packed)
    sizes, in the order given (most important first): as text while the text budget
    lasts, else deflated while the packed budget lasts, else none."""
    modes = ["none"] * len(sizes)
    text_left, packed_left = text_budget, packed_budget
    for i, (plain, packed) in enumerate(sizes):
        if plain <= text_left:
            modes[i] = "text"
            text_left -= plain
        elif packed <= packed_left:
            modes[i] = "packed"
            packed_left -= packed
    return modes


_ASSET_SCRIPT = re.compile(r'<script data-asset="[^"]*">\n(.*?)\n</script>\n?', re.DOTALL)
_MAIN_SCRIPT = re.compile(r"<script>\n((?:(?!<script>).)*)</script>\s*</html>\s*$", re.DOTALL)

_BOOT = """<script>
(function() {
  var z = "%(blob)s";
  if (typeof DecompressionStream === 'undefined') {
    document.body.insertAdjacentHTML('beforeend', %(old)s);
    return;
  }
  var bin = atob(z), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  new Response(stream).text().then(function(text) {
    JSON.parse(text).forEach(function(code) {
      var s = document.createElement('script');
      s.text = code;
      document.body.appendChild(s);
    });
  });
})();
</script>
</html>
"""

_OLD_BROWSER = (
    '<p style="position:absolute;top:40%;width:100%;text-align:center;font:16px sans-serif">'
    "此地图页面需要 2023 年以后的浏览器（Chrome 80、Firefox 113、Safari 16.4 及以上）。<br>"
    "This map needs a browser from 2023 or later (Chrome 80, Firefox 113, Safari 16.4 or newer).</p>"
)


def pack_page(page: str) -> str:
    """A map page whose scripts (Leaflet, its plugins and the map's own) are stored
    deflated and run, in their order, once the browser has inflated them
    (``DecompressionStream``; an older browser shows a line that says so).

    For a page over the size limit (a province): its numbers take about half the space.
    Returns ``page`` unchanged when it does not have a map page's shape.
    """
    main = _MAIN_SCRIPT.search(page)
    if main is None:
        return page
    assets = _ASSET_SCRIPT.findall(page[: main.start()])
    head = _ASSET_SCRIPT.sub("", page[: main.start()])
    blob = pack_text([*assets, main.group(1)])
    return head + _BOOT % {"blob": blob, "old": json.dumps(_OLD_BROWSER, ensure_ascii=False)}
