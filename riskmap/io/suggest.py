"""Suggesting a column mapping: which columns of a file hold a layer kind's fields and the
coordinates (Chinese and English header aliases).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from riskmap.config import (
    LayerKind,
)

X_ALIASES: tuple[str, ...] = ("经度", "lon", "lng", "long", "longitude", "x", "X坐标", "东坐标")

Y_ALIASES: tuple[str, ...] = ("纬度", "lat", "latitude", "y", "Y坐标", "北坐标")


def _norm_header(h: str) -> str:
    text = unicodedata.normalize("NFKC", str(h)).strip().lower()
    return re.sub(r"\s+", "", text)


def _strip_brackets(h: str) -> str:
    return re.sub(r"[(\[{【][^)\]}】]*[)\]}】]", "", h).strip()


def _tokens(h: str) -> set[str]:
    return set(re.findall(r"[a-z]+|[0-9]+|[\u4e00-\u9fff]+", h))


def _is_ascii(s: str) -> bool:
    return s.isascii()


def suggest_columns(headers: Iterable[str], kind: LayerKind) -> dict[str, str]:
    """Suggest which column of a file holds each field of a layer kind.

    Matching, in order (each header is used once): exact alias (case-insensitive,
    stripped, full-width characters and brackets made half-width), exact alias after
    removing a bracketed part such as a unit (``人口数（人）``), then an alias contained in
    the header (Chinese aliases of two or more characters; ASCII aliases as a whole word),
    longer aliases first.

    Parameters
    ----------
    headers
        Column headers as they appear in the file.
    kind
        The layer kind whose ``fields[...].aliases`` are matched.

    Returns
    -------
    dict
        Field name -> header, plus ``'_x'`` (longitude/easting) and ``'_y'``
        (latitude/northing) when coordinate columns are found.
    """
    header_list = [str(h) for h in headers]
    normed = [_norm_header(h) for h in header_list]
    stripped = [_norm_header(_strip_brackets(n)) for n in normed]
    targets: list[tuple[str, tuple[str, ...]]] = [
        (name, tuple(dict.fromkeys([name, *spec.aliases]))) for name, spec in kind.fields.items()
    ]
    targets += [("_x", X_ALIASES), ("_y", Y_ALIASES)]
    out: dict[str, str] = {}
    used: set[int] = set()

    def assign(field: str, idx: int) -> None:
        out[field] = header_list[idx]
        used.add(idx)

    for candidates in (normed, stripped):
        for field, aliases in targets:
            if field in out:
                continue
            for alias in aliases:
                a = _norm_header(alias)
                hits = [i for i, h in enumerate(candidates) if i not in used and h == a]
                if hits:
                    assign(field, hits[0])
                    break
    # Substring matches, longest alias first across all fields.
    subs = sorted(
        (
            (len(_norm_header(a)), field, _norm_header(a))
            for field, aliases in targets
            for a in aliases
        ),
        key=lambda t: -t[0],
    )
    for _, field, a in subs:
        if field in out:
            continue
        if _is_ascii(a):
            if len(a) < 2:
                continue
            hits = [i for i, h in enumerate(normed) if i not in used and a in _tokens(h)]
        else:
            if len(a) < 2:
                continue
            hits = [i for i, h in enumerate(normed) if i not in used and a in h]
        if hits:
            assign(field, hits[0])
    return out
