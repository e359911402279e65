"""Hidden-hazard register (隐患台账): unified numbers, the closed loop, an audit trail.

An inspector records a hidden hazard (隐患) found in the city; the register gives it a
unified number ``{district adcode}-{year}-{category code}-{sequence:05d}`` and moves it
through the closed loop::

    已登记 registered -> 整改中 rectifying -> 待验收 awaiting acceptance -> 已销号 closed
                              ^-------------- failed acceptance --------------|

Major hazards (重大) can be listed for supervision (挂牌督办) with a supervising unit and
a deadline. Nothing is ever deleted: :meth:`HazardRegister.void` marks a record voided
(已作废) with a reason and keeps it. Every change appends a row to an append-only history
(who, when, from status, to status, action, note).

The register is an embedded SQLite database (WAL mode, foreign keys on, a busy timeout),
created and migrated automatically. Its SQL is plain and portable (PostgreSQL takes it
too); every SQLite-only statement (PRAGMAs, ``BEGIN IMMEDIATE``, the append-only
triggers) lives in the "SQLite dialect" block below. See docs/REGISTER.md.

Open hazards feed the risk map through :func:`open_hazards_layer`, a point layer of the
``hidden_hazard`` kind (riskmap/config/kinds/hidden_hazard.yaml).
"""

from __future__ import annotations

import builtins
import contextlib
import math
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.errors import (
    LayerDataError,
    Problem,
    RegisterError,
    Severity,
    TransitionError,
    ValidationReport,
)

if TYPE_CHECKING:
    import pyproj

    from riskmap.config import LayerKind, Project
    from riskmap.io import Layer

# --------------------------------------------------------------------------------------
# Vocabulary: codes stored in the database, labels shown to people (zh, en).
# --------------------------------------------------------------------------------------

CATEGORIES: dict[str, dict[str, str]] = {
    "hazmat": {"zh": "危化", "en": "hazardous chemicals", "code": "WH"},
    "fireworks": {"zh": "烟花爆竹", "en": "fireworks", "code": "YH"},
    "industry": {"zh": "工贸", "en": "industry and trade", "code": "GM"},
    "construction": {"zh": "建设施工", "en": "construction", "code": "JS"},
    "fire": {"zh": "消防", "en": "fire", "code": "XF"},
    "flood": {"zh": "防汛", "en": "flood", "code": "FX"},
    "geological": {"zh": "地质灾害", "en": "geological hazard", "code": "DZ"},
    "gas": {"zh": "燃气", "en": "gas", "code": "RQ"},
    "traffic": {"zh": "交通", "en": "traffic", "code": "JT"},
    "other": {"zh": "其他", "en": "other", "code": "QT"},
}
"""Category code -> zh label, en label and the two-letter code used in unified numbers."""

GRADES: dict[str, dict[str, str]] = {
    "general": {"zh": "一般", "en": "general"},
    "major": {"zh": "重大", "en": "major"},
}

STATUSES: dict[str, dict[str, str]] = {
    "registered": {"zh": "已登记", "en": "registered"},
    "rectifying": {"zh": "整改中", "en": "rectifying"},
    "awaiting_acceptance": {"zh": "待验收", "en": "awaiting acceptance"},
    "closed": {"zh": "已销号", "en": "closed"},
    "voided": {"zh": "已作废", "en": "voided"},
}

OPEN_STATUSES: tuple[str, ...] = ("registered", "rectifying", "awaiting_acceptance")
"""Statuses of a hazard that is still in the loop (counts on the map, can be overdue)."""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "registered": ("rectifying",),
    "rectifying": ("awaiting_acceptance",),
    "awaiting_acceptance": ("closed", "rectifying"),
    "closed": (),
    "voided": (),
}
"""Allowed moves of :meth:`HazardRegister.move`; voiding is :meth:`HazardRegister.void`."""

ACTIONS: dict[str, dict[str, str]] = {
    "register": {"zh": "登记", "en": "registered"},
    "import": {"zh": "导入", "en": "imported"},
    "start": {"zh": "开始整改", "en": "rectification started"},
    "submit": {"zh": "申请验收", "en": "submitted for acceptance"},
    "accept": {"zh": "验收销号", "en": "accepted and closed"},
    "reject": {"zh": "验收不通过", "en": "acceptance failed"},
    "list": {"zh": "挂牌督办", "en": "listed for supervision"},
    "void": {"zh": "作废", "en": "voided"},
}

_MOVE_ACTIONS: dict[tuple[str, str], str] = {
    ("registered", "rectifying"): "start",
    ("rectifying", "awaiting_acceptance"): "submit",
    ("awaiting_acceptance", "closed"): "accept",
    ("awaiting_acceptance", "rectifying"): "reject",
}

_NUMBER_RE = re.compile(r"^(\d{6})-(\d{4})-([A-Z]{2})-(\d{5,})$")
_ADCODE_RE = re.compile(r"^\d{6}$")

_EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "category": {
        "危险化学品": "hazmat", "危化品": "hazmat", "危险化学品安全": "hazmat",
        "烟花": "fireworks", "工贸行业": "industry", "工矿商贸": "industry",
        "建筑施工": "construction", "建设": "construction", "施工": "construction",
        "消防安全": "fire", "防汛抗旱": "flood", "地质": "geological", "地灾": "geological",
        "燃气安全": "gas", "道路交通": "traffic", "其它": "other",
    },
    "grade": {"一般隐患": "general", "重大隐患": "major", "ordinary": "general"},
    "status": {"登记": "registered", "整改": "rectifying", "验收": "awaiting_acceptance",
               "销号": "closed", "作废": "voided", "awaitingacceptance": "awaiting_acceptance"},
}

_VOCABULARIES: dict[str, dict[str, dict[str, str]]] = {
    "category": CATEGORIES, "grade": GRADES, "status": STATUSES,
}


def label(vocabulary: str, code: str, lang: str = "zh") -> str:
    """The label of a stored code, e.g. ``label("status", "rectifying")`` -> ``"整改中"``.

    Parameters
    ----------
    vocabulary
        ``"category"``, ``"grade"``, ``"status"`` or ``"action"``.
    code
        The code stored in the register.
    lang
        ``"zh"`` or ``"en"``.
    """
    table = ACTIONS if vocabulary == "action" else _VOCABULARIES[vocabulary]
    entry = table.get(code)
    if entry is None:
        return code
    return entry["en" if lang == "en" else "zh"]


def _norm_token(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return re.sub(r"[\s_\-]", "", text)


def _vocabulary_index(vocabulary: str) -> dict[str, str]:
    table = _VOCABULARIES[vocabulary]
    index: dict[str, str] = {}
    for code, entry in table.items():
        for text in (code, entry["zh"], entry["en"]):
            index[_norm_token(text)] = code
        if "code" in entry:
            index[_norm_token(entry["code"])] = code
    for text, code in _EXTRA_ALIASES.get(vocabulary, {}).items():
        index[_norm_token(text)] = code
    return index


_INDEXES = {name: _vocabulary_index(name) for name in _VOCABULARIES}


def parse_code(vocabulary: str, value: object) -> str:
    """A stored code from a code or a label in either language.

    ``parse_code("status", "待验收")`` -> ``"awaiting_acceptance"``;
    ``parse_code("category", "WH")`` -> ``"hazmat"``.

    Raises
    ------
    RegisterError
        The value is not known; the message lists the values allowed.
    """
    code = _INDEXES[vocabulary].get(_norm_token(value))
    if code is None:
        raise RegisterError(f"unknown {vocabulary} '{value}': use one of {_allowed_text(vocabulary)}")
    return code


def _allowed_text(vocabulary: str) -> str:
    return ", ".join(f"{e['zh']} ({c})" for c, e in _VOCABULARIES[vocabulary].items())


class HazardTransitionError(TransitionError):
    """A refused status change, with its parts for a UI.

    Attributes
    ----------
    number : the hazard's unified number.
    current : its status code now.
    requested : the status code asked for.
    allowed : the status codes it may move to with :meth:`HazardRegister.move`.
    """

    def __init__(self, number: str, current: str, requested: str, allowed: Sequence[str]) -> None:
        self.number = number
        self.current = current
        self.requested = requested
        self.allowed = tuple(allowed)
        super().__init__(f"{self.text('zh')} / {self.text('en')}")

    def text(self, lang: str = "zh") -> str:
        """The message in one language (``"zh"`` or ``"en"``)."""
        en = lang == "en"
        cur = label("status", self.current, lang)
        req = label("status", self.requested, lang)
        if self.current in ("closed", "voided"):
            if en:
                return f"{self.number} is {cur}: a {cur} hazard cannot change any more"
            return f"{self.number} {cur}，不能再变更"
        nxt = ("、" if not en else ", ").join(label("status", s, lang) for s in self.allowed)
        if self.requested == "voided":
            if en:
                return (f"{self.number} is {cur}: void it with a reason (void), not a move; "
                        f"allowed next: {nxt}")
            return f"{self.number} 当前为{cur}：作废须填写原因（void），不能直接变更；可变更为：{nxt}"
        if en:
            return (
                f"{self.number} is {cur}: it cannot move to {req}; "
                f"allowed next: {nxt} (or void it)"
            )
        return f"{self.number} 当前为{cur}，不能变更为{req}；可变更为：{nxt}（或作废）"


# --------------------------------------------------------------------------------------
# Schema: an ordered list of portable SQL scripts (version n = _MIGRATIONS[n - 1]).
# --------------------------------------------------------------------------------------

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " applied_at TIMESTAMP NOT NULL)"
)


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_MIGRATIONS: tuple[str, ...] = (
    f"""
CREATE TABLE hazard_counter (
    adcode VARCHAR(6) NOT NULL,
    year INTEGER NOT NULL,
    category_code VARCHAR(2) NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq > 0),
    PRIMARY KEY (adcode, year, category_code)
);
CREATE TABLE hazard (
    number VARCHAR(40) NOT NULL PRIMARY KEY,
    adcode VARCHAR(6) NOT NULL,
    year INTEGER NOT NULL,
    category_code VARCHAR(2) NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    category VARCHAR(20) NOT NULL CHECK (category IN ({_in_list(CATEGORIES)})),
    grade VARCHAR(10) NOT NULL CHECK (grade IN ({_in_list(GRADES)})),
    lon DOUBLE PRECISION NOT NULL CHECK (lon >= -180 AND lon <= 180),
    lat DOUBLE PRECISION NOT NULL CHECK (lat >= -90 AND lat <= 90),
    district VARCHAR(100) NOT NULL,
    layer_binding VARCHAR(100),
    feature_id VARCHAR(200),
    found_at DATE NOT NULL,
    found_by VARCHAR(100) NOT NULL,
    responsible_unit VARCHAR(200) NOT NULL,
    deadline DATE NOT NULL,
    status VARCHAR(20) NOT NULL CHECK (status IN ({_in_list(STATUSES)})),
    listed SMALLINT NOT NULL CHECK (listed IN (0, 1)),
    supervising_unit VARCHAR(200),
    listed_deadline DATE,
    void_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (adcode, year, category_code, seq),
    FOREIGN KEY (adcode, year, category_code)
        REFERENCES hazard_counter (adcode, year, category_code),
    CHECK (listed = 0 OR (grade = 'major' AND supervising_unit IS NOT NULL
                          AND listed_deadline IS NOT NULL)),
    CHECK ((status = 'voided' AND void_reason IS NOT NULL)
           OR (status <> 'voided' AND void_reason IS NULL)),
    CHECK ((layer_binding IS NULL AND feature_id IS NULL)
           OR (layer_binding IS NOT NULL AND feature_id IS NOT NULL))
);
CREATE INDEX hazard_status_idx ON hazard (status);
CREATE INDEX hazard_adcode_idx ON hazard (adcode);
CREATE TABLE hazard_history (
    number VARCHAR(40) NOT NULL REFERENCES hazard (number),
    step INTEGER NOT NULL CHECK (step > 0),
    changed_at TIMESTAMP NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(20) NOT NULL CHECK (action IN ({_in_list(ACTIONS)})),
    from_status VARCHAR(20),
    to_status VARCHAR(20) NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (number, step)
)
""",
)

# --------------------------------------------------------------------------------------
# SQLite dialect: the only SQLite-specific statements of the register.
# --------------------------------------------------------------------------------------

_SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
)
_SQLITE_BEGIN_WRITE = "BEGIN IMMEDIATE"
"""Take the write lock at the start, so reads inside a write transaction see the latest data."""

_SQLITE_GUARDS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TRIGGER hazard_history_no_update BEFORE UPDATE ON hazard_history "
        "BEGIN SELECT RAISE(ABORT, 'hazard_history is append-only'); END",
        "CREATE TRIGGER hazard_history_no_delete BEFORE DELETE ON hazard_history "
        "BEGIN SELECT RAISE(ABORT, 'hazard_history is append-only'); END",
        "CREATE TRIGGER hazard_no_delete BEFORE DELETE ON hazard "
        "BEGIN SELECT RAISE(ABORT, 'hidden hazards are never deleted: void them'); END",
        "CREATE TRIGGER hazard_number_fixed "
        "BEFORE UPDATE OF number, adcode, year, category_code, seq ON hazard "
        "BEGIN SELECT RAISE(ABORT, 'a unified number never changes'); END",
        "CREATE TRIGGER hazard_counter_forward BEFORE UPDATE ON hazard_counter "
        "WHEN NEW.last_seq <> OLD.last_seq + 1 "
        "BEGIN SELECT RAISE(ABORT, 'number counters only move forward by one'); END",
        "CREATE TRIGGER hazard_counter_no_delete BEFORE DELETE ON hazard_counter "
        "BEGIN SELECT RAISE(ABORT, 'number counters are never deleted'); END",
    ),
}
"""Dialect-specific guards applied together with the migration of the same version."""


def _split_script(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _connect_sqlite(path: Path, timeout: float) -> sqlite3.Connection:
    """Open the database: autocommit driver mode (we issue BEGIN/COMMIT), WAL, pragmas."""
    try:
        conn = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    except sqlite3.Error as exc:
        raise RegisterError(f"{path}: cannot open the register: {exc}") from None
    deadline = time.monotonic() + timeout
    while True:  # switching a new file to WAL needs a moment alone with it
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                conn.close()
                raise RegisterError(f"{path.name}: cannot open the register: {exc}") from None
            time.sleep(0.05)
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            conn.close()
            raise RegisterError(
                f"{path.name}: not a hidden-hazard register ({exc}); give the register's "
                ".sqlite file, or a new file name to start one"
            ) from None
    if str(mode).lower() != "wal":
        conn.close()
        raise RegisterError(f"{path.name}: the register needs WAL mode, got '{mode}'")
    for pragma in _SQLITE_PRAGMAS:
        conn.execute(pragma)
    return conn


# --------------------------------------------------------------------------------------
# Values: parsing and validation shared by add() and import_file().
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Column:
    field: str
    zh: str
    aliases: tuple[str, ...] = ()


_COLUMNS: tuple[_Column, ...] = (
    _Column("number", "统一编号", ("编号", "隐患编号", "no")),
    _Column("title", "隐患名称", ("标题", "名称", "隐患标题", "隐患", "name")),
    _Column("category", "类别", ("隐患类别", "行业类别", "行业", "类型", "type")),
    _Column("grade", "等级", ("隐患等级", "级别", "level")),
    _Column("status", "状态", ("隐患状态", "整改状态")),
    _Column("lon", "经度", ("lng", "longitude", "x")),
    _Column("lat", "纬度", ("latitude", "y")),
    _Column("district", "所在区", ("行政区", "区", "区县", "所属区")),
    _Column("adcode", "区划代码", ("行政区划代码", "区代码", "行政区代码")),
    _Column("found_at", "发现日期", ("发现时间", "排查日期", "排查时间", "登记日期")),
    _Column("found_by", "发现人", ("排查人", "检查人", "登记人")),
    _Column("responsible_unit", "责任单位", ("整改责任单位", "unit", "责任主体")),
    _Column("deadline", "整改期限", ("整改时限", "整改完成期限", "期限")),
    _Column("description", "隐患描述", ("描述", "情况说明", "备注")),
    _Column("listed", "挂牌督办", ("是否挂牌督办", "督办")),
    _Column("supervising_unit", "督办单位", ("挂牌督办单位",)),
    _Column("listed_deadline", "督办期限", ("挂牌督办期限", "督办时限")),
    _Column("layer_binding", "关联图层", ("图层", "layer")),
    _Column("feature_id", "关联要素编号", ("要素编号", "feature")),
    _Column("overdue", "是否逾期", ("逾期",)),
    _Column("void_reason", "作废原因", ()),
    _Column("created_at", "创建时间", ()),
    _Column("updated_at", "更新时间", ()),
)
_COLUMN_BY_FIELD = {c.field: c for c in _COLUMNS}
_IMPORT_REQUIRED = (
    "title", "category", "grade", "lon", "lat", "district", "found_by",
    "responsible_unit", "deadline",
)
_IMPORT_IGNORED = ("overdue", "void_reason", "created_at", "updated_at")
"""Columns an export carries that an import reads past (computed or kept by the register)."""

EXPORT_FIELDS: tuple[str, ...] = (
    "number", "title", "category", "grade", "status", "overdue", "lon", "lat", "district",
    "adcode", "found_at", "found_by", "responsible_unit", "deadline", "listed",
    "supervising_unit", "listed_deadline", "description", "layer_binding", "feature_id",
    "void_reason", "created_at", "updated_at",
)
"""Columns of :meth:`HazardRegister.export`, in order (English headers are these names)."""


def _norm_header(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header)).strip().lower().lstrip("\ufeff")
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)
    return re.sub(r"[\s_*\-:]", "", text)


_HEADER_INDEX: dict[str, str] = {}
for _c in _COLUMNS:
    for _alias in (_c.field, _c.zh, *_c.aliases):
        _HEADER_INDEX.setdefault(_norm_header(_alias), _c.field)


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _parse_date(value: object) -> date:
    """A date from a date, a datetime, an Excel serial number or a text such as 2024年3月1日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20_000 <= value <= 80_000:  # an Excel serial day number (1954..2119)
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError(str(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.split()[0] if text else text
    text = text.split("T")[0]
    text = re.sub(r"[年月/.]", "-", text).rstrip("日")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not m:
        raise ValueError(str(value))
    return date(int(m[1]), int(m[2]), int(m[3]))


def _parse_bool(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if _is_blank(value):
        return False
    token = _norm_token(value)
    if token in {"是", "1", "true", "yes", "y", "√", "已挂牌", "挂牌"}:
        return True
    if token in {"否", "0", "false", "no", "n", "×", "未挂牌"}:
        return False
    raise ValueError(str(value))


def _parse_float(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | float):
        return float(value)
    return float(unicodedata.normalize("NFKC", str(value)).strip())


def _text(value: object) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an adcode or id read from Excel as a number
    return unicodedata.normalize("NFC", str(value)).strip()


def _guard_text(text: str) -> str:
    """Keep a spreadsheet from reading a text cell as a formula (CSV/formula injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _unguard_text(text: str) -> str:
    return text[1:] if text[:2] in ("'=", "'+", "'-", "'@") else text


@dataclass
class _RecordCheck:
    """Validates one record's raw values; collects problems instead of stopping."""

    bbox: tuple[float, float, float, float] | None
    districts: Mapping[str, str] | None
    today: date
    file: str | None = None
    row: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    problems: builtins.list[Problem] = field(default_factory=list)

    def problem(self, column: str | None, message: str, hint: str = "", code: str = "bad_value",
                severity: Severity = "error") -> None:
        header = self.headers.get(column, column) if column else None
        self.problems.append(
            Problem(severity, code, message, hint, file=self.file, row=self.row, column=header)
        )

    def required_text(self, raw: Mapping[str, object], name: str, max_len: int) -> str:
        text = _unguard_text(_text(raw.get(name)))
        if not text:
            self.problem(name, f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                         "every hazard needs this value", code="missing_value")
        elif len(text) > max_len:
            self.problem(name, f"{name} is longer than {max_len} characters", "shorten it")
        return text

    def vocabulary(self, raw: Mapping[str, object], name: str, default: str | None = None) -> str:
        value = raw.get(name)
        if _is_blank(value):
            if default is not None:
                return default
            self.problem(name, f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                         f"use one of {_allowed_text(name)}", code="missing_value")
            return ""
        code = _INDEXES[name].get(_norm_token(value))
        if code is None:
            self.problem(name, f"'{value}' is not a known {name}",
                         f"use one of {_allowed_text(name)}", code=f"bad_{name}")
            return ""
        return code

    def date_value(self, raw: Mapping[str, object], name: str, *, required: bool) -> date | None:
        value = raw.get(name)
        if _is_blank(value):
            if required:
                self.problem(name, f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                             "give a date such as 2024-03-01", code="missing_value")
            return None
        try:
            return _parse_date(value)
        except ValueError:
            self.problem(name, f"'{value}' is not a date", "write it as 2024-03-01",
                         code="bad_date")
            return None

    def coordinates(self, raw: Mapping[str, object]) -> tuple[float, float]:
        values: dict[str, float] = {}
        for name, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
            value = raw.get(name)
            if _is_blank(value):
                self.problem(name, f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                             "give WGS84 longitude and latitude in decimal degrees",
                             code="missing_value")
                continue
            try:
                number = _parse_float(value)
            except ValueError:
                self.problem(name, f"'{value}' is not a number",
                             "decimal degrees such as 114.305", code="bad_coordinate")
                continue
            if not math.isfinite(number) or not low <= number <= high:
                hint = "decimal degrees in WGS84"
                if name == "lat" and math.isfinite(number) and abs(number) <= 180:
                    hint += "; longitude and latitude look swapped"
                self.problem(name, f"{name} {value} is outside {low:g}..{high:g}", hint,
                             code="bad_coordinate")
                continue
            values[name] = number
        if len(values) < 2:
            return math.nan, math.nan
        lon, lat = values["lon"], values["lat"]
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            if not (x0 <= lon <= x1 and y0 <= lat <= y1):
                swapped = x0 <= lat <= x1 and y0 <= lon <= y1
                hint = ("longitude and latitude look swapped" if swapped else
                        f"the project's area is lon {x0:.3f}..{x1:.3f}, lat {y0:.3f}..{y1:.3f}")
                self.problem("lon", f"({lon}, {lat}) lies outside the project's area", hint,
                             code="outside_area")
        return lon, lat

    def place(self, raw: Mapping[str, object]) -> tuple[str, str]:
        district = _text(raw.get("district"))
        adcode = _text(raw.get("adcode"))
        if not district:
            self.problem("district", "所在区 (district) is empty", "name the district",
                         code="missing_value")
        if adcode and not _ADCODE_RE.match(adcode):
            self.problem("adcode", f"'{adcode}' is not a 6-digit district adcode",
                         "e.g. 420102", code="bad_adcode")
            return district, ""
        if self.districts is not None and district:
            known = self.districts.get(district)
            if known is None:
                names = "、".join(list(self.districts)[:20])
                self.problem("district", f"'{district}' is not a district of the project",
                             f"use one of {names}", code="unknown_district")
            elif not adcode:
                adcode = known
            elif adcode != known:
                self.problem("adcode", f"adcode {adcode} does not match district {district} ({known})",
                             f"use {known} or correct the district", code="bad_adcode")
        if not adcode and district:
            self.problem("adcode", "区划代码 (adcode) is empty",
                         "give the district's 6-digit adcode", code="missing_value")
        return district, adcode


def _check_record(raw: Mapping[str, object], check: _RecordCheck) -> dict[str, Any]:
    """Validate and normalise one record; problems go to ``check.problems``."""
    rec: dict[str, Any] = {
        "title": check.required_text(raw, "title", 200),
        "category": check.vocabulary(raw, "category"),
        "grade": check.vocabulary(raw, "grade"),
        "status": check.vocabulary(raw, "status", default="registered"),
        "found_by": check.required_text(raw, "found_by", 100),
        "responsible_unit": check.required_text(raw, "responsible_unit", 200),
        "description": _unguard_text(_text(raw.get("description"))),
    }
    rec["lon"], rec["lat"] = check.coordinates(raw)
    rec["district"], rec["adcode"] = check.place(raw)
    found_at = check.date_value(raw, "found_at", required=False) or check.today
    deadline = check.date_value(raw, "deadline", required=True)
    if found_at > check.today:
        check.problem("found_at", f"found_at {found_at} is in the future",
                      "a hazard is registered after it is found")
    if deadline is not None and deadline < found_at:
        check.problem("deadline", f"deadline {deadline} is before found_at {found_at}",
                      "the rectification deadline follows the day it was found")
    rec["found_at"], rec["deadline"] = found_at, deadline
    if rec["status"] == "voided":
        check.problem("status", "a record cannot be created voided",
                      "register it, then void it with a reason", code="bad_status")
    try:
        listed = _parse_bool(raw.get("listed"))
    except ValueError:
        check.problem("listed", f"'{raw.get('listed')}' is not yes/no", "write 是 or 否",
                      code="bad_value")
        listed = False
    rec["listed"] = listed
    rec["supervising_unit"] = _text(raw.get("supervising_unit")) or None
    rec["listed_deadline"] = check.date_value(raw, "listed_deadline", required=False)
    if listed:
        if rec["grade"] == "general":
            check.problem("listed", "only major (重大) hazards are listed for supervision",
                          "set grade to 重大 or listed to 否", code="bad_listing")
        if not rec["supervising_unit"]:
            check.problem("supervising_unit", "a listed hazard needs a supervising unit",
                          "name the unit that supervises it (督办单位)", code="missing_value")
        if rec["listed_deadline"] is None:
            check.problem("listed_deadline", "a listed hazard needs a supervision deadline",
                          "give the date (督办期限)", code="missing_value")
    elif rec["supervising_unit"] or rec["listed_deadline"]:
        rec["supervising_unit"] = rec["listed_deadline"] = None
    binding = _text(raw.get("layer_binding")) or None
    feature = _text(raw.get("feature_id")) or None
    if (binding is None) != (feature is None):
        check.problem("feature_id" if binding else "layer_binding",
                      "a link to a layer feature needs both the layer name and the feature id",
                      "give both or neither", code="bad_link")
        binding = feature = None
    rec["layer_binding"], rec["feature_id"] = binding, feature
    return rec


# --------------------------------------------------------------------------------------
# Files: CSV/XLSX through riskmap.io.sources.read_table (encodings, row numbers as the user
# counts them), kept as text cells per row.
# --------------------------------------------------------------------------------------

_TABLE_FORMATS = ("CSV", "Excel workbook")
_PLACEHOLDER_HEADER = re.compile(r"\(column \d+\)")  # read_table's name for a blank header


def _read_rows(
    path: Path, sheet: str | None, name: str
) -> tuple[builtins.list[str], builtins.list[tuple[int, builtins.list[object]]], builtins.list[Problem]]:
    """Header, ``(spreadsheet row, values)`` of every non-blank data row, and reading problems.

    Raises
    ------
    LayerDataError
        The file is missing, not a CSV/XLSX file, or unreadable (``report`` says why).
    """
    from riskmap.io import SUPPORTED_FORMATS, read_table

    if SUPPORTED_FORMATS.get(path.suffix.lower()) not in _TABLE_FORMATS:
        problem = Problem("error", "unsupported_format",
                          f"files of type '{path.suffix or '(none)'}' cannot be imported",
                          "save it as .xlsx or as .csv in UTF-8", file=name)
        raise LayerDataError(f"{name}: cannot import", ValidationReport([problem]))
    frame, problems = read_table(path, sheet=sheet, source_name=name)
    header = ["" if _PLACEHOLDER_HEADER.fullmatch(str(h)) else str(h) for h in frame.columns]
    rows = [
        (int(row), builtins.list(values))
        for row, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
        if not all(_is_blank(v) for v in values)
    ]
    return header, rows, problems


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`HazardRegister.import_file` did.

    Attributes
    ----------
    file : the file name as the user knows it.
    numbers : unified numbers assigned, in file order (empty for a dry run).
    rows : data rows read.
    report : warnings (an import with errors raises ``LayerDataError`` instead).
    """

    file: str
    numbers: tuple[str, ...]
    rows: int
    report: ValidationReport

    @property
    def count(self) -> int:
        return len(self.numbers)


# --------------------------------------------------------------------------------------
# The register.
# --------------------------------------------------------------------------------------

_RECORD_COLUMNS: tuple[str, ...] = (
    "number", "adcode", "year", "category_code", "seq", "title", "description", "category",
    "grade", "lon", "lat", "district", "layer_binding", "feature_id", "found_at", "found_by",
    "responsible_unit", "deadline", "status", "listed", "supervising_unit", "listed_deadline",
    "void_reason", "created_at", "updated_at",
)
_DATE_COLUMNS = ("found_at", "deadline", "listed_deadline")
LIST_COLUMNS: tuple[str, ...] = (*_RECORD_COLUMNS, "overdue")
"""Columns of :meth:`HazardRegister.list` (codes, not labels; see :func:`format_hazards`)."""
HISTORY_COLUMNS: tuple[str, ...] = (
    "number", "step", "changed_at", "actor", "action", "from_status", "to_status", "note",
)

_OVERDUE_SQL = (
    f"CASE WHEN status IN ({_in_list(OPEN_STATUSES)}) AND (deadline < ? OR "
    "(listed = 1 AND listed_deadline < ?)) THEN 1 ELSE 0 END"
)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _as_list(value: str | Iterable[str] | None) -> builtins.list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return builtins.list(value)


def default_register_path(project: Project) -> Path:
    """Where a project keeps its register: ``project.hazard_register.path`` resolved."""
    return project.resolve(project.hazard_register.path)


class HazardRegister:
    """The hidden-hazard register of one city, kept in one SQLite file.

    Parameters
    ----------
    path
        The database file; created (with its folder) and migrated when needed.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` in WGS84 that every location must fall in
        (the project's area); no check when None.
    districts
        District name -> 6-digit adcode; when given, a district must be one of them and
        the adcode may be left out.
    timeout
        Seconds to wait for another writer before giving up (SQLite busy timeout).

    Use it as a context manager, or call :meth:`close`. One instance may be shared by
    threads (calls are serialised); processes each open their own.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        bbox: Sequence[float] | None = None,
        districts: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.path = Path(path).expanduser().resolve()
        if bbox is not None and len(bbox) != 4:
            raise RegisterError("bbox is (min_lon, min_lat, max_lon, max_lat)")
        self.bbox: tuple[float, float, float, float] | None = (
            None if bbox is None else (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
        )
        self.districts = dict(districts) if districts is not None else None
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RegisterError(f"{self.path}: cannot create the register's folder: {exc}") from None
        self._conn: sqlite3.Connection | None = _connect_sqlite(self.path, timeout)
        try:
            self._migrate()
        except BaseException:
            self.close()
            raise

    # ---- plumbing -------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RegisterError(f"{self.path.name}: the register is closed")
        return self._conn

    def __enter__(self) -> HazardRegister:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HazardRegister({str(self.path)!r})"

    def close(self) -> None:
        """Close the database connection (further calls raise RegisterError)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock from its start."""
        with self._lock:
            conn = self.conn
            try:
                conn.execute(_SQLITE_BEGIN_WRITE)
            except sqlite3.OperationalError as exc:
                raise RegisterError(f"{self.path.name}: the register is busy ({exc}); try again") from None
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise RegisterError(f"{self.path.name}: the change was not saved: {exc}") from None

    def _query(self, sql: str, params: Sequence[object] = ()) -> builtins.list[tuple[Any, ...]]:
        with self._lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def schema_version(self) -> int:
        """The schema version of the database (the number of migrations applied)."""
        row = self._query("SELECT MAX(version) FROM schema_version")[0]
        return int(row[0] or 0)

    def _migrate(self) -> None:
        try:
            current = self.schema_version()
        except sqlite3.OperationalError:
            current = 0
        if current > len(_MIGRATIONS):
            raise RegisterError(
                f"{self.path.name}: schema version {current} is newer than this riskmap "
                f"({len(_MIGRATIONS)}); upgrade riskmap"
            )
        if current == len(_MIGRATIONS):
            return
        with self._write() as conn:
            conn.execute(_SCHEMA_VERSION_TABLE)
            current = int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)
            for version in range(current + 1, len(_MIGRATIONS) + 1):
                for statement in _split_script(_MIGRATIONS[version - 1]):
                    conn.execute(statement)
                for statement in _SQLITE_GUARDS.get(version, ()):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, _now()),
                )

    # ---- writing --------------------------------------------------------------------

    def _checker(self, today: date | None, file: str | None = None) -> _RecordCheck:
        return _RecordCheck(self.bbox, self.districts, today or date.today(), file=file)

    def _insert(self, conn: sqlite3.Connection, rec: Mapping[str, Any], *, by: str,
                action: str, note: str) -> str:
        """Number and insert one validated record with its first history row."""
        year = rec["found_at"].year
        code = CATEGORIES[rec["category"]]["code"]
        seq = conn.execute(
            "INSERT INTO hazard_counter (adcode, year, category_code, last_seq) "
            "VALUES (?, ?, ?, 1) ON CONFLICT (adcode, year, category_code) "
            "DO UPDATE SET last_seq = hazard_counter.last_seq + 1 RETURNING last_seq",
            (rec["adcode"], year, code),
        ).fetchone()[0]
        number = f"{rec['adcode']}-{year}-{code}-{seq:05d}"
        now = _now()
        row = {
            **{k: rec.get(k) for k in _RECORD_COLUMNS},
            "number": number, "year": year, "category_code": code, "seq": seq,
            "listed": int(bool(rec["listed"])), "void_reason": None,
            "created_at": now, "updated_at": now,
        }
        for k in _DATE_COLUMNS:
            row[k] = row[k].isoformat() if row[k] is not None else None
        placeholders = ", ".join("?" for _ in _RECORD_COLUMNS)
        conn.execute(
            f"INSERT INTO hazard ({', '.join(_RECORD_COLUMNS)}) VALUES ({placeholders})",
            tuple(row[k] for k in _RECORD_COLUMNS),
        )
        self._append_history(conn, number, by=by, action=action, from_status=None,
                             to_status=rec["status"], note=note, when=now)
        if rec["listed"]:
            self._append_history(
                conn, number, by=by, action="list", from_status=rec["status"],
                to_status=rec["status"],
                note=f"{rec['supervising_unit']} {rec['listed_deadline'].isoformat()}", when=now,
            )
        return number

    @staticmethod
    def _append_history(conn: sqlite3.Connection, number: str, *, by: str, action: str,
                        from_status: str | None, to_status: str, note: str, when: str) -> None:
        step = conn.execute(
            "SELECT COALESCE(MAX(step), 0) + 1 FROM hazard_history WHERE number = ?", (number,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO hazard_history (number, step, changed_at, actor, action, from_status, "
            "to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (number, step, when, by, action, from_status, to_status, note),
        )

    def add(
        self,
        *,
        title: str,
        category: str,
        grade: str,
        lon: float,
        lat: float,
        district: str,
        found_by: str,
        responsible_unit: str,
        deadline: date | str,
        adcode: str | None = None,
        found_at: date | str | None = None,
        description: str = "",
        layer_binding: str | None = None,
        feature_id: str | None = None,
        by: str | None = None,
        note: str = "",
        today: date | None = None,
    ) -> str:
        """Register a new hidden hazard and return its unified number.

        Parameters
        ----------
        title, description
            What the hazard is.
        category
            A code (``hazmat``, ``fire`` ...), its two-letter code or its label (危化, 消防 ...).
        grade
            ``一般`` / ``重大`` (or ``general`` / ``major``).
        lon, lat
            WGS84 decimal degrees.
        district, adcode
            The district's name and 6-digit adcode (adcode may be left out when the
            register knows the project's districts).
        found_by, responsible_unit
            Who found it; who must fix it.
        deadline, found_at
            Rectification deadline; the day it was found (today when None). Dates or
            ISO text. The number's year is the year of ``found_at``.
        layer_binding, feature_id
            Optional link to a feature of a project layer (both or neither).
        by
            Who registers it (the history's actor); ``found_by`` when None.
        today
            The date taken as today (tests).

        Raises
        ------
        RegisterError
            A value is missing or wrong; the message lists every problem.
        """
        raw = {
            "title": title, "category": category, "grade": grade, "lon": lon, "lat": lat,
            "district": district, "adcode": adcode, "found_by": found_by,
            "responsible_unit": responsible_unit, "deadline": deadline, "found_at": found_at,
            "description": description, "layer_binding": layer_binding, "feature_id": feature_id,
        }
        check = self._checker(today)
        rec = _check_record(raw, check)
        if check.problems:
            raise RegisterError(
                "the hazard was not registered: " + "; ".join(
                    f"{p.column}: {p.message}" + (f" ({p.hint})" if p.hint else "")
                    for p in check.problems
                )
            )
        actor = _actor(by or rec["found_by"])
        with self._write() as conn:
            return self._insert(conn, rec, by=actor, action="register", note=note)

    def _current(self, conn: sqlite3.Connection, number: str) -> tuple[str, str, int]:
        row = conn.execute(
            "SELECT status, grade, listed FROM hazard WHERE number = ?", (number,)
        ).fetchone()
        if row is None:
            raise RegisterError(f"no hidden hazard numbered '{number}' in the register")
        return str(row[0]), str(row[1]), int(row[2])

    def move(self, number: str, to_status: str, by: str, note: str = "") -> str:
        """Move a hazard one step along the closed loop; returns the new status code.

        Parameters
        ----------
        number
            Its unified number.
        to_status
            The status to move to, as a code or a label (``整改中``, ``rectifying`` ...).
            Moving 待验收 back to 整改中 records a failed acceptance.
        by
            Who does it (kept in the history).
        note
            Why, or what was checked (kept in the history).

        Raises
        ------
        TransitionError
            (a :class:`HazardTransitionError`) the move is not allowed from the current
            status; the message names it and the allowed next statuses in zh and en.
        RegisterError
            Unknown number or status, or no ``by``.
        """
        target = parse_code("status", to_status)
        actor = _actor(by)
        with self._write() as conn:
            current, _, _ = self._current(conn, number)
            allowed = TRANSITIONS[current]
            if target not in allowed:
                raise HazardTransitionError(number, current, target, allowed)
            now = _now()
            conn.execute(
                "UPDATE hazard SET status = ?, updated_at = ? WHERE number = ?",
                (target, now, number),
            )
            self._append_history(conn, number, by=actor, action=_MOVE_ACTIONS[(current, target)],
                                 from_status=current, to_status=target, note=note, when=now)
        return target

    def list_for_supervision(self, number: str, unit: str, deadline: date | str, by: str,
                             note: str = "") -> None:
        """List a major (重大) open hazard for supervision (挂牌督办).

        Listing it again replaces the supervising unit and deadline (both kept in the
        history).

        Raises
        ------
        RegisterError
            Not a major hazard, already closed or voided, no unit, or a bad date.
        """
        actor = _actor(by)
        unit = _text(unit)
        if not unit:
            raise RegisterError("a listed hazard needs a supervising unit (督办单位)")
        try:
            when = _parse_date(deadline)
        except ValueError:
            raise RegisterError(f"'{deadline}' is not a date: write it as 2024-03-01") from None
        with self._write() as conn:
            status, grade, _ = self._current(conn, number)
            if status not in OPEN_STATUSES:
                raise HazardTransitionError(number, status, status, ())
            if grade != "major":
                raise RegisterError(
                    f"{number} is a 一般 (general) hazard: only 重大 (major) hazards are "
                    "listed for supervision"
                )
            now = _now()
            conn.execute(
                "UPDATE hazard SET listed = 1, supervising_unit = ?, listed_deadline = ?, "
                "updated_at = ? WHERE number = ?",
                (unit, when.isoformat(), now, number),
            )
            text = f"{unit} {when.isoformat()}" + (f": {note}" if note else "")
            self._append_history(conn, number, by=actor, action="list", from_status=status,
                                 to_status=status, note=text, when=now)

    def void(self, number: str, reason: str, by: str) -> None:
        """Void a hazard (已作废): it stays in the register, off the map, and never changes again.

        Raises
        ------
        TransitionError
            It is already closed or voided.
        RegisterError
            No reason, no ``by``, or an unknown number.
        """
        actor = _actor(by)
        reason = _text(reason)
        if not reason:
            raise RegisterError("voiding a hazard needs a reason (作废原因)")
        with self._write() as conn:
            status, _, _ = self._current(conn, number)
            if status not in OPEN_STATUSES:
                raise HazardTransitionError(number, status, "voided", ())
            now = _now()
            conn.execute(
                "UPDATE hazard SET status = 'voided', void_reason = ?, updated_at = ? "
                "WHERE number = ?",
                (reason, now, number),
            )
            self._append_history(conn, number, by=actor, action="void", from_status=status,
                                 to_status="voided", note=reason, when=now)

    def import_file(
        self,
        path: str | Path,
        by: str,
        *,
        sheet: str | None = None,
        file_name: str | None = None,
        dry_run: bool = False,
        today: date | None = None,
    ) -> ImportResult:
        """Register every row of a CSV or XLSX file, all or nothing.

        Headers may be Chinese or English (标题/隐患名称, 类别, 等级, 经度, 纬度, 所在区,
        区划代码, 发现日期, 发现人, 责任单位, 整改期限, 状态, 挂牌督办, 督办单位, 督办期限 ...).
        An optional 状态 column may start a record at 已登记, 整改中, 待验收 or 已销号.
        A 统一编号 column (e.g. from an export) is checked: a number already in the
        register is an error, so the same file cannot be imported twice; new numbers
        are always assigned by the register.

        Parameters
        ----------
        path
            The file (.csv in UTF-8, UTF-8 with BOM or GBK; or .xlsx).
        by
            Who imports (kept in each record's history).
        sheet
            XLSX sheet name; the first sheet when None.
        file_name
            The name shown in problems (e.g. an upload's original name).
        dry_run
            Validate only; nothing is written.
        today
            The date taken as today (tests).

        Raises
        ------
        LayerDataError
            Any row is wrong; ``report`` lists every problem with file, row (header is
            row 1), column and hint. Nothing is written.
        """
        path = Path(path)
        actor = _actor(by)
        name = file_name or path.name
        report = ValidationReport()
        header, rows, read_problems = _read_rows(path, sheet, name)
        report.extend(read_problems)
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for i, h in enumerate(header):
            if not h:
                continue
            fld = _HEADER_INDEX.get(_norm_header(h))
            if fld is None:
                report.add(Problem("warning", "unknown_column", f"column '{h}' is not used",
                                   "see docs/REGISTER.md for the columns read", file=name,
                                   row=1, column=h))
            elif fld in columns:
                report.add(Problem("error", "duplicate_column",
                                   f"'{h}' and '{headers[fld]}' both mean {fld}",
                                   "keep one of them", file=name, row=1, column=h))
            else:
                columns[fld] = i
                headers[fld] = h
        required = [f for f in _IMPORT_REQUIRED if f not in columns]
        if "adcode" not in columns and self.districts is None:
            required.append("adcode")
        for f in required:
            col = _COLUMN_BY_FIELD[f]
            report.add(Problem(
                "error", "missing_column", f"no column for {col.zh} ({f})",
                f"add a column headed {col.zh}" + (f" or {', '.join(col.aliases[:3])}" if col.aliases else ""),
                file=name, row=1,
            ))
        if not rows:
            report.add(Problem("error", "empty", "the file has no data rows",
                               "put one hazard per row under the header row", file=name))
        if not report.ok:
            raise LayerDataError(f"{name}: cannot import", report)

        check = self._checker(today, name)
        check.headers = headers
        records = []
        numbers_given: dict[str, int] = {}
        for row_number, values in rows:
            raw = {f: values[i] if i < len(values) else None for f, i in columns.items()}
            check.row = row_number
            records.append(_check_record(raw, check))
            given = _text(raw.get("number"))
            if given:
                numbers_given[given] = row_number
        report.extend(check.problems)
        if numbers_given:
            placeholders = ", ".join("?" for _ in numbers_given)
            existing = self._query(
                f"SELECT number FROM hazard WHERE number IN ({placeholders})",
                builtins.list(numbers_given),
            )
            for (number,) in existing:
                report.add(Problem(
                    "error", "already_registered", f"{number} is already in the register",
                    "this row was imported before; remove it from the file",
                    file=name, row=numbers_given[number], column=headers["number"],
                ))
        if not report.ok:
            raise LayerDataError(
                f"{name}: {len(report.errors)} problem(s); nothing was imported", report
            )
        if dry_run:
            return ImportResult(name, (), len(rows), report)
        numbers = []
        with self._write() as conn:
            for (row_number, _), rec in zip(rows, records, strict=True):
                number = self._insert(conn, rec, by=actor, action="import",
                                      note=f"{name} row {row_number}")
                numbers.append(number)
        return ImportResult(name, tuple(numbers), len(rows), report)

    # ---- reading --------------------------------------------------------------------

    def get(self, number: str, *, today: date | None = None) -> dict[str, Any]:
        """One record as a dict (dates as ``datetime.date``, ``listed``/``overdue`` as bool).

        Raises
        ------
        RegisterError
            No hazard has this number.
        """
        df = self._select("WHERE number = ?", [number], today=today)
        if df.empty:
            raise RegisterError(f"no hidden hazard numbered '{number}' in the register")
        return {str(k): _plain(v) for k, v in df.iloc[0].to_dict().items()}

    def history(self, number: str) -> pd.DataFrame:
        """Every change of one hazard, oldest first (columns :data:`HISTORY_COLUMNS`).

        Raises
        ------
        RegisterError
            No hazard has this number.
        """
        rows = self._query(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM hazard_history WHERE number = ? "
            "ORDER BY step",
            [number],
        )
        if not rows:
            self.get(number)  # raises for an unknown number
        return pd.DataFrame(rows, columns=builtins.list(HISTORY_COLUMNS))

    def _select(self, where: str, params: Sequence[object], *, today: date | None,
                overdue: bool | None = None, limit: int | None = None) -> pd.DataFrame:
        day = (today or date.today()).isoformat()
        sql = (
            f"SELECT {', '.join(_RECORD_COLUMNS)}, {_OVERDUE_SQL} AS overdue FROM hazard {where}"
        )
        full: builtins.list[object] = [day, day, *params]
        if overdue is not None:
            sql = f"SELECT * FROM ({sql}) q WHERE overdue = ?"
            full.append(int(overdue))
        sql += " ORDER BY overdue DESC, listed DESC, deadline ASC, number ASC"
        if limit is not None:
            sql += " LIMIT ?"
            full.append(int(limit))
        df = pd.DataFrame(self._query(sql, full), columns=builtins.list(LIST_COLUMNS))
        for col in _DATE_COLUMNS:
            df[col] = df[col].map(lambda v: date.fromisoformat(v) if isinstance(v, str) else None)
        df["listed"] = df["listed"].astype(bool)
        df["overdue"] = df["overdue"].astype(bool)
        df["lon"] = df["lon"].astype(float)
        df["lat"] = df["lat"].astype(float)
        df["year"] = df["year"].astype(int)
        df["seq"] = df["seq"].astype(int)
        return df

    def export(self, path: str | Path, lang: str = "zh", *, today: date | None = None) -> Path:
        """Write every record (closed and voided included) to .xlsx or .csv (UTF-8 with BOM).

        Parameters
        ----------
        path
            Target file; its suffix (.xlsx or .csv) chooses the format.
        lang
            ``"zh"``: Chinese headers and labels (危化, 重大, 整改中, 是/否); ``"en"``:
            English headers (the field names) and codes. Either imports back.
        today
            The date taken as today for the 是否逾期 column.

        Returns
        -------
        Path
            The file written.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise RegisterError(f"export to .xlsx or .csv, not '{path.suffix}'")
        table = format_hazards(
            self.list(include_voided=True, today=today).sort_values("number"), lang
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            out = table.copy()
            for col in out.columns:
                if not pd.api.types.is_numeric_dtype(out[col]):
                    out[col] = out[col].map(lambda v: _guard_text(v) if isinstance(v, str) else v)
            out.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            _write_xlsx(table, path, sheet="隐患台账" if lang != "en" else "hazards")
        return path

    def list(
        self,
        *,
        status: str | Iterable[str] | None = None,
        grade: str | Iterable[str] | None = None,
        category: str | Iterable[str] | None = None,
        district: str | Iterable[str] | None = None,
        adcode: str | Iterable[str] | None = None,
        overdue: bool | None = None,
        listed: bool | None = None,
        include_voided: bool = False,
        today: date | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Records as a DataFrame, overdue first, then listed, then by deadline.

        Parameters
        ----------
        status
            One status or several (codes or labels), or ``"open"`` for every status
            still in the loop. Voided records are left out unless asked for here or by
            ``include_voided``.
        grade, category, district, adcode
            One value or several (codes or labels for grade and category).
        overdue, listed
            Keep only records that are (True) or are not (False).
        today
            The date taken as today for ``overdue``.
        limit
            At most this many rows.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`LIST_COLUMNS`; dates are ``datetime.date``; ``listed`` and
            ``overdue`` are bool; codes, not labels (:func:`format_hazards` translates).
        """
        where: builtins.list[str] = []
        params: builtins.list[object] = []
        statuses = _as_list(status)
        if statuses is not None:
            codes: builtins.list[str] = []
            for s in statuses:
                codes.extend(OPEN_STATUSES if _norm_token(s) in ("open", "未销号", "在册")
                             else [parse_code("status", s)])
            where.append(f"status IN ({', '.join('?' for _ in codes)})")
            params.extend(codes)
        elif not include_voided:
            where.append("status <> 'voided'")
        for name, values in (("grade", grade), ("category", category)):
            items = _as_list(values)
            if items is not None:
                where.append(f"{name} IN ({', '.join('?' for _ in items)})")
                params.extend(parse_code(name, v) for v in items)
        for name, values in (("district", district), ("adcode", adcode)):
            items = _as_list(values)
            if items is not None:
                where.append(f"{name} IN ({', '.join('?' for _ in items)})")
                params.extend(_text(v) for v in items)
        if listed is not None:
            where.append("listed = ?")
            params.append(int(listed))
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self._select(clause, params, today=today, overdue=overdue, limit=limit)


def _actor(by: str | None) -> str:
    text = _text(by)
    if not text:
        raise RegisterError("say who makes the change (by / 操作人)")
    if len(text) > 100:
        raise RegisterError("'by' is longer than 100 characters")
    return text


def _plain(value: Any) -> Any:
    """A plain Python value: numpy scalars unwrapped, missing values (NaN, NA) as None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_xlsx(table: pd.DataFrame, path: Path, sheet: str) -> None:
    """Write a table with openpyxl: dates as dates, every text cell as text (never a formula)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append([str(c) for c in table.columns])
    for values in table.itertuples(index=False, name=None):
        ws.append([None if _is_blank(v) else _plain(v) for v in values])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)


def format_hazards(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A table of records for people: export columns, headers and labels in one language.

    Parameters
    ----------
    df
        Rows from :meth:`HazardRegister.list` (not modified).
    lang
        ``"zh"``: Chinese headers (统一编号, 隐患名称 ...) and labels (危化, 重大, 已登记,
        是/否); ``"en"``: the field names as headers and the stored codes.
    """
    out = df.loc[:, builtins.list(EXPORT_FIELDS)].copy()
    if lang == "en":
        return out.reset_index(drop=True)
    for name in ("category", "grade", "status"):
        out[name] = out[name].map(lambda c, n=name: label(n, c, "zh"))
    for name in ("listed", "overdue"):
        out[name] = out[name].map({True: "是", False: "否"})
    out = out.rename(columns={f: _COLUMN_BY_FIELD[f].zh for f in EXPORT_FIELDS})
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Functions for the app, the engine and the indicators.
# --------------------------------------------------------------------------------------

@contextlib.contextmanager
def _opened(register: HazardRegister | str | Path) -> Iterator[HazardRegister]:
    if isinstance(register, HazardRegister):
        yield register
    else:
        with HazardRegister(register) as reg:
            yield reg


def list_hazards(
    register: HazardRegister | str | Path,
    *,
    status: str | Iterable[str] | None = None,
    grade: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    district: str | Iterable[str] | None = None,
    overdue: bool | None = None,
    listed: bool | None = None,
    include_voided: bool = False,
    today: date | None = None,
) -> pd.DataFrame:
    """Records for a table in the app, overdue and listed first (see :meth:`HazardRegister.list`).

    ``register`` is an open :class:`HazardRegister` or the path of its database.
    """
    with _opened(register) as reg:
        return reg.list(status=status, grade=grade, category=category, district=district,
                        overdue=overdue, listed=listed, include_voided=include_voided,
                        today=today)


def get_hazard(register: HazardRegister | str | Path, number: str, *,
               today: date | None = None) -> dict[str, Any]:
    """One record as a dict, with ``history``: a list of dicts (oldest change first).

    Raises
    ------
    RegisterError
        No hazard has this number.
    """
    with _opened(register) as reg:
        record = reg.get(number, today=today)
        record["history"] = [
            {k: _plain(v) for k, v in r.items()} for r in reg.history(number).to_dict("records")
        ]
        return record


SUMMARY_COLUMNS: tuple[str, ...] = (
    "adcode", "district", "total", "open", "open_major", "listed", "overdue", "overdue_major",
    "closed",
)


def district_summary(register: HazardRegister | str | Path, *,
                     today: date | None = None) -> pd.DataFrame:
    """Counts of hazards by district, for the indicators.

    Returns
    -------
    pandas.DataFrame
        One row per district adcode: ``district`` (its latest name), ``total`` (not
        voided), ``open`` (still in the loop), ``open_major``, ``listed`` (open and
        listed), ``overdue`` (open and overdue), ``overdue_major``, ``closed``.
    """
    with _opened(register) as reg:
        df = reg.list(today=today)
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("adcode", "district") else int)
                             for c in SUMMARY_COLUMNS})
    is_open = df["status"].isin(OPEN_STATUSES)
    major = df["grade"] == "major"
    flags = pd.DataFrame({
        "adcode": df["adcode"],
        "total": 1,
        "open": is_open.astype(int),
        "open_major": (is_open & major).astype(int),
        "listed": (is_open & df["listed"]).astype(int),
        "overdue": df["overdue"].astype(int),
        "overdue_major": (df["overdue"] & major).astype(int),
        "closed": (df["status"] == "closed").astype(int),
    })
    counts = flags.groupby("adcode", sort=True).sum()
    names = df.sort_values("created_at").groupby("adcode")["district"].last()
    counts.insert(0, "district", names)
    return counts.reset_index().loc[:, builtins.list(SUMMARY_COLUMNS)]


HAZARD_LAYER_FIELDS: tuple[str, ...] = (
    "id", "name", "district", "grade", "status", "overdue", "listed",
)


def open_hazards_layer(register: HazardRegister | str | Path,
                       today: date | None = None) -> gpd.GeoDataFrame:
    """Open hazards (not closed, not voided) as a ``hidden_hazard`` point layer.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points with the fields of riskmap/config/kinds/hidden_hazard.yaml: ``id`` (unified
        number), ``name``, ``district``, ``grade`` (一般/重大), ``status`` (已登记/整改中/
        待验收), ``overdue`` and ``listed`` (bool). The kind's intensity rule weights
        重大, overdue and listed hazards more.
    """
    with _opened(register) as reg:
        df = reg.list(status="open", today=today)
    data = pd.DataFrame({
        "id": df["number"].astype(str),
        "name": df["title"].astype(str),
        "district": df["district"].astype(str),
        "grade": df["grade"].map({c: e["zh"] for c, e in GRADES.items()}).astype(str),
        "status": df["status"].map({c: e["zh"] for c, e in STATUSES.items()}).astype(str),
        "overdue": df["overdue"].astype(bool),
        "listed": df["listed"].astype(bool),
    })
    geometry = gpd.points_from_xy(df["lon"].to_numpy(float), df["lat"].to_numpy(float), crs="EPSG:4326")
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


def build_hazards_layer(
    register: HazardRegister | str | Path,
    crs: pyproj.CRS | str,
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    today: date | None = None,
    name: str = "hidden_hazards",
) -> Layer:
    """The register's open hazards as an engine :class:`~riskmap.io.data.Layer` in ``crs``.

    Add it to a project's data with ``data.with_layers({layer.name: layer})``.
    """
    from riskmap.config import LayerBinding, load_layer_kinds
    from riskmap.io import Layer

    kind = (kinds if kinds is not None else load_layer_kinds())["hidden_hazard"]
    with _opened(register) as reg:
        gdf = open_hazards_layer(reg, today=today).to_crs(crs)
        binding = LayerBinding(name=name, kind="hidden_hazard", path=str(reg.path))
    return Layer(binding=binding, kind=kind, gdf=gdf, source=None)


# --------------------------------------------------------------------------------------
# Projects: the default database path, the area and the districts.
# --------------------------------------------------------------------------------------

_GEOGRAPHIC_SPECS = {"WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG4326", "EPSG4490"}
_BBOX_PAD_DEG = 0.02
"""Margin around the boundary's bounds: covers GCJ-02/BD-09 offsets (< 0.015°)."""


def project_bbox(project: Project) -> tuple[float, float, float, float]:
    """The project's boundary bounds in WGS84 degrees, padded by 0.02° (about 2 km).

    A sanity check for locations (swapped or mistyped coordinates), not a containment test.

    Raises
    ------
    LayerDataError
        The boundary file cannot be read.
    """
    gdf = _read_boundary_file(project.resolve(project.boundary.path))
    spec = re.sub(r"[\s_\-:]", "", project.boundary.crs.upper())
    if spec not in _GEOGRAPHIC_SPECS:
        source_crs = f"EPSG:{spec[4:]}" if spec.startswith("EPSG") else project.boundary.crs
        gdf = gdf.set_crs(source_crs, allow_override=True).to_crs("EPSG:4326")
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise LayerDataError(f"{project.boundary.path}: the boundary has no geometry")
    p = _BBOX_PAD_DEG
    return x0 - p, y0 - p, x1 + p, y1 + p


def project_districts(project: Project) -> dict[str, str]:
    """District name -> adcode from the project's districts file.

    Raises
    ------
    LayerDataError
        The districts file cannot be read or lacks the name/adcode columns.
    """
    cfg = project.districts
    gdf = _read_boundary_file(project.resolve(cfg.path))
    missing = [c for c in (cfg.name_column, cfg.adcode_column) if c not in gdf.columns]
    if missing:
        raise LayerDataError(f"{cfg.path}: no column(s) {', '.join(missing)} for district names/adcodes")
    return {_text(n): _text(a) for n, a in zip(gdf[cfg.name_column], gdf[cfg.adcode_column], strict=True)}


def _read_boundary_file(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise LayerDataError(f"{path.name}: cannot read: {exc}") from None


def open_register(project: Project, *, timeout: float = 30.0) -> HazardRegister:
    """The register of a project: its default path, its area as bbox, its districts."""
    return HazardRegister(
        default_register_path(project),
        bbox=project_bbox(project),
        districts=project_districts(project),
        timeout=timeout,
    )


__all__ = [
    "ACTIONS", "CATEGORIES", "EXPORT_FIELDS", "GRADES", "HAZARD_LAYER_FIELDS", "HISTORY_COLUMNS",
    "LIST_COLUMNS", "OPEN_STATUSES", "STATUSES", "SUMMARY_COLUMNS", "TRANSITIONS",
    "HazardRegister", "HazardTransitionError", "ImportResult", "build_hazards_layer",
    "default_register_path", "district_summary", "format_hazards", "get_hazard", "label",
    "list_hazards", "open_hazards_layer", "open_register", "parse_code", "project_bbox",
    "project_districts",
]
