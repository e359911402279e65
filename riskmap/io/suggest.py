"""Suggesting how to read a file: which layer kind it holds (from its columns and its name)
and which of its columns hold the kind's fields and the coordinates (Chinese and English
header aliases).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import PurePath

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


_KIND_KEYWORDS: dict[str, tuple[str, ...]] = {
    "accident": ("事故", "accident"),
    "community_station": ("服务站", "社区应急", "community"),
    "confined_space": ("有限空间", "confined"),
    "crowded_place": ("人员密集", "密集场所", "商场", "crowded"),
    "district": ("行政区划", "区划", "district"),
    "dust_explosion": ("粉尘", "涉爆", "dust"),
    "fault_zone": ("断裂", "断层", "fault"),
    "fire_station": ("消防站", "消防", "fire"),
    "fireworks_wholesaler": ("烟花", "爆竹", "fireworks", "firework"),
    "flood_zone": ("洪涝", "洪水", "洪泛", "flood"),
    "gas_station": ("加油", "加气", "gas", "fuel", "petrol"),
    "geological_hazard": (
        "地质灾害",
        "灾害点",
        "滑坡",
        "崩塌",
        "geological",
        "geohazard",
        "landslide",
    ),
    "hazmat_enterprise": ("危化", "危险化学品", "化工", "hazmat", "chemical"),
    "hidden_hazard": ("隐患", "hidden"),
    "high_rise": ("高层", "highrise", "high_rise"),
    "metal_smelting": ("冶金", "冶炼", "smelting", "metal"),
    "population": ("人口", "population", "pop"),
    "rescue_team": ("救援队", "队伍", "rescue"),
    "seismic_station": ("地震", "台站", "seismic"),
    "sensitive_target": (
        "敏感目标",
        "学校",
        "幼儿园",
        "医院",
        "养老院",
        "sensitive",
        "school",
        "hospital",
    ),
    "shelter": ("避难", "shelter"),
    "supply_depot": ("物资", "储备库", "depot", "supply", "reserve"),
    "tailings_pond": ("尾矿", "tailings"),
    "video_point": ("视频", "监控", "video", "camera", "cctv"),
    "vulnerable_people": ("特困", "困难群体", "独居", "vulnerable"),
    "waterlogging_point": ("易涝", "积水", "内涝", "waterlogging"),
}
"""Words (Chinese and English) that name a shipped layer kind in file names and headers,
besides the kind's own names."""

_NAME_FULL = 3.0
"""Score of a file name that holds a kind's full name (Chinese, English or its key)."""
_NAME_WORD = 2.0
"""Score of a file name that holds one of a kind's keywords."""
_HEADER_WORD = 0.5
"""Score of a kind's keyword in any column header (counted once per kind)."""
_PART_FILE_SHARE = 0.5
"""Share of the file name's score when a sheet or layer is read (its own name counts fully)."""
_MIN_SCORE = 0.5
"""Below this, nothing fits: no kind is suggested."""


def _words(text: str) -> set[str]:
    """ASCII words of a normalised text, a plural ``s`` dropped (``stations`` -> ``station``)."""
    out = set()
    for w in re.findall(r"[a-z]+", text):
        out.add(w)
        if len(w) > 3 and w.endswith("s"):
            out.add(w[:-1])
    return out


def _mentions(text: str, word: str) -> bool:
    """Whether a normalised text names a keyword: Chinese as a substring, English as whole
    words (``fire_station`` needs both words)."""
    w = _norm_header(word)
    if not w.isascii():
        return len(w) >= 2 and w in text
    parts = [p for p in re.split(r"[^a-z0-9]+", w) if p]
    return bool(parts) and set(parts) <= _words(text)


def _alias_match(header: str, alias: str) -> float:
    """1 for a header that is the alias (brackets such as a unit aside), 0.5 for one that
    contains it (Chinese aliases of two or more characters, English as a whole word), else 0."""
    a = _norm_header(alias)
    if not a:
        return 0.0
    if header == a or _norm_header(_strip_brackets(header)) == a:
        return 1.0
    if a.isascii():
        return 0.5 if len(a) >= 2 and a in _tokens(header) else 0.0
    return 0.5 if len(a) >= 2 and a in header else 0.0


def _column_score(headers: list[str], kind: LayerKind, df: Counter[str], common: set[str]) -> float:
    """Evidence of the headers for one kind: each distinctive field found scores its best
    match, divided by the number of kinds that share the alias (a header ``类型`` says little;
    ``最大容纳人数`` says a lot)."""
    score = 0.0
    for field, spec in kind.fields.items():
        if field in common:
            continue
        best = 0.0
        for alias in dict.fromkeys([field, *spec.aliases]):
            share = df[_norm_header(alias)] or 1
            for h in headers:
                best = max(best, _alias_match(h, alias) / share)
        score += best
    return score


def _name_score(stem: str, kind: LayerKind) -> float:
    names = [kind.name.zh, kind.name.en, kind.kind]
    flat = re.sub(r"[\s_\-]+", "", stem)
    if any(
        len(f) >= 2 and f in flat for f in (re.sub(r"[\s_\-]+", "", _norm_header(x)) for x in names)
    ):
        return _NAME_FULL
    if any(_mentions(stem, w) for w in _KIND_KEYWORDS.get(kind.kind, ())):
        return _NAME_WORD
    return 0.0


def suggest_kind(
    columns: Iterable[str],
    file_name: str,
    kinds: Mapping[str, LayerKind],
    *,
    geometry: str | None = None,
    part: str | None = None,
) -> str | None:
    """Suggest which layer kind a file holds, from its column headers and its name.

    Each kind is scored: its distinctive fields found among the headers (the aliases of
    its YAML; an exact header scores more than one that contains the alias, and an alias
    shared by several kinds scores less), its full name (Chinese, English or key) or a
    keyword (``加油``, ``避难``, ``hazmat`` ...) in the file name, and a keyword in a header
    (``消防站名称``). Fields every other kind has (id, name, district, address ...) say
    nothing and are not counted.

    Parameters
    ----------
    columns
        The file's column headers (a vector file's geometry column left out).
    file_name
        The file's name as the user knows it (``人员密集场所.csv``); directories are ignored.
    kinds
        The kinds to choose from, by name (e.g. ``ProjectData.kinds``).
    geometry
        ``point``, ``line`` or ``polygon`` when the file's geometry is known (a table gives
        points): kinds that need another geometry are left out.
    part
        The name of the workbook's sheet or the GeoPackage's layer read (``避难场所``,
        ``shelters``): it names the kind as the file name does and counts fully; the name
        of a file with several parts then counts half (it names the collection).

    Returns
    -------
    str or None
        The best kind's name; None when no kind scores at least a little or two kinds tie
        (the user must choose).
    """
    headers = [_norm_header(h) for h in columns if str(h).strip()]
    stem = _norm_header(PurePath(str(file_name).replace("\\", "/")).stem)
    part_name = _norm_header(part) if part else ""
    candidates = {
        k: v for k, v in kinds.items() if geometry is None or v.geometry in {"any", geometry}
    }
    if not candidates:
        return None
    n = len(kinds)
    field_count = Counter(f for v in kinds.values() for f in v.fields)
    common = {f for f, c in field_count.items() if c * 2 >= n}
    df: Counter[str] = Counter()
    for v in kinds.values():
        aliases = {
            _norm_header(a)
            for f, spec in v.fields.items()
            if f not in common
            for a in (f, *spec.aliases)
        }
        df.update(aliases)
    scores: dict[str, float] = {}
    for name, kind in candidates.items():
        named = (
            _name_score(part_name, kind) + _PART_FILE_SHARE * _name_score(stem, kind)
            if part_name
            else _name_score(stem, kind)
        )
        score = _column_score(headers, kind, df, common) + named
        words = _KIND_KEYWORDS.get(name, ())
        if any(_mentions(h, w) for h in headers for w in words):
            score += _HEADER_WORD
        scores[name] = score
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, top = ranked[0]
    if top < _MIN_SCORE or (len(ranked) > 1 and math.isclose(ranked[1][1], top)):
        return None
    return best
