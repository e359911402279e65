"""Values of a hazard record: the columns, header aliases, parsing and validation shared
by :meth:`HazardRegister.add` and :meth:`HazardRegister.import_file`.
"""

from __future__ import annotations

import builtins
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from riskmap.errors import Problem, RegisterError, Severity
from riskmap.io import unguard_text
from riskmap.register.vocabulary import (
    _INDEXES,
    COLUMN_HEADERS,
    _allowed_text,
    _ascii_digits,
    _norm_adcode,
    _norm_token,
    label,
)


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

_OTHER_NAMES = {"note": "备注", "by": "操作人"}
"""Chinese names of the texts that are not columns: a history note, who makes a change."""

_TEXT_LIMITS: dict[str, int] = {
    "title": 200,
    "description": 5_000,
    "district": 100,
    "found_by": 100,
    "responsible_unit": 200,
    "supervising_unit": 200,
    "layer_binding": 100,
    "feature_id": 200,
    "void_reason": 5_000,
    "note": 5_000,
    "by": 100,
}
"""Most characters of each text (the schema's column widths; notes and descriptions 5,000)."""

_MULTILINE = frozenset({"description", "void_reason", "note"})
"""Texts that may hold line breaks and tabs; every other text is one line."""

_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 9: "TAB", 10: "LF", 11: "VT", 12: "FF", 13: "CR",
                  27: "ESC", 127: "DEL"}  # fmt: skip

_MIN_YEAR = 1949
"""The earliest year a hazard may have been found (numbers carry a 4-digit year)."""

_IMPORT_STATUS = "registered"
"""The only status an import gives a new record; see :func:`_check_record`."""


def _field_name(name: str) -> str:
    """A field as people read it in a message: ``整改期限 (deadline)``."""
    column = _COLUMN_BY_FIELD.get(name)
    zh = column.zh if column is not None else _OTHER_NAMES.get(name)
    return f"{zh} ({name})" if zh else name


_IMPORT_REQUIRED = (
    "title",
    "category",
    "grade",
    "lon",
    "lat",
    "district",
    "found_by",
    "responsible_unit",
    "deadline",
)


_IMPORT_IGNORED = ("overdue", "void_reason", "created_at", "updated_at")
"""Columns an export carries that an import reads past (computed or kept by the register)."""

EXPORT_FIELDS: tuple[str, ...] = (
    "number",
    "title",
    "category",
    "grade",
    "status",
    "overdue",
    "lon",
    "lat",
    "district",
    "adcode",
    "found_at",
    "found_by",
    "responsible_unit",
    "deadline",
    "listed",
    "supervising_unit",
    "listed_deadline",
    "description",
    "layer_binding",
    "feature_id",
    "void_reason",
    "created_at",
    "updated_at",
)
"""Columns of :meth:`HazardRegister.export`, in order (headers: :data:`COLUMN_HEADERS`)."""


def _norm_header(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header)).strip().lower().lstrip("\ufeff")
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)
    return re.sub(r"[\s_*\-:]", "", text)


_HEADER_INDEX: dict[str, str] = {}

for _c in _COLUMNS:
    _en = COLUMN_HEADERS.get(_c.field, {}).get("en", _c.field)
    for _alias in (_c.field, _c.zh, _en, *_c.aliases):
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
    text = _ascii_digits(value).strip()
    text = text.split()[0] if text else text
    text = text.split("T")[0]
    text = re.sub(r"[年月/.]", "-", text).rstrip("日")
    if re.fullmatch(r"\d{8}", text, re.ASCII):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text, re.ASCII)
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


def _text_problem(name: str, text: str) -> tuple[str, str, str] | None:
    """``(code, message, hint)`` when a text breaks its field's rules, else None.

    A text is at most :data:`_TEXT_LIMITS` characters; no control character (Unicode
    category Cc: NUL, BEL, ESC ...) except a line break or tab in a multi-line text
    (description, note, void reason); a one-line text has none at all.
    """
    limit = _TEXT_LIMITS[name]
    if len(text) > limit:
        return (
            "too_long",
            f"{_field_name(name)} has {len(text):,} characters, more than the {limit:,} allowed",
            f"shorten it to {limit:,} characters",
        )
    allowed = "\t\n" if name in _MULTILINE else ""
    bad = [i for i, ch in enumerate(text) if ch not in allowed and unicodedata.category(ch) == "Cc"]
    if not bad:
        return None
    codes = sorted({ord(text[i]) for i in bad})
    shown = ", ".join(
        f"U+{c:04X}" + (f" {_CONTROL_NAMES[c]}" if c in _CONTROL_NAMES else "") for c in codes[:5]
    )
    hint = (
        "remove them: only line breaks and tabs may be kept"
        if allowed
        else "write it on one line, without tabs, line breaks or other control characters"
    )
    return (
        "control_character",
        f"{_field_name(name)} contains control character(s) {shown} (first at character "
        f"{bad[0] + 1})",
        hint + "; retype the text if it was pasted",
    )


def _free_text(value: object, name: str) -> str:
    """A typed text (a note, a reason, a unit, who): normalised as stored, stored as typed.

    Raises
    ------
    RegisterError
        Too long or with control characters; the message names the field and what to do.
    """
    text = _text(value)
    if name in _MULTILINE:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    problem = _text_problem(name, text)
    if problem is not None:
        raise RegisterError(f"{problem[1]}: {problem[2]}")
    return text


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
    shapes: Mapping[str, Any] | None = None
    """adcode -> the district's polygon in WGS84 (shapely): a point must lie in its
    district's (within :data:`_DISTRICT_TOLERANCE_DEG`)."""
    unguard: bool = False
    """Take the formula guard (``'=x`` -> ``=x``) off texts: only for CSV files, the
    format riskmap's exporter guards; typed values are stored exactly as typed."""

    def __post_init__(self) -> None:
        if self.districts is not None:  # the project's adcodes written the way records are
            self.districts = {n: _norm_adcode(a) or a for n, a in self.districts.items()}

    def problem(
        self,
        column: str | None,
        message: str,
        hint: str = "",
        code: str = "bad_value",
        severity: Severity = "error",
    ) -> None:
        header = self.headers.get(column, column) if column else None
        self.problems.append(
            Problem(severity, code, message, hint, file=self.file, row=self.row, column=header)
        )

    def text(
        self,
        raw: Mapping[str, object],
        name: str,
        *,
        required: bool = False,
        hint: str = "every hazard needs this value",
    ) -> str:
        """The text of a field as stored, or "" when it is missing or refused."""
        text = _text(raw.get(name))
        if self.unguard:
            text = unguard_text(text)
        if name in _MULTILINE:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text:
            if required:
                self.problem(name, f"{_field_name(name)} is empty", hint, code="missing_value")
            return ""
        problem = _text_problem(name, text)
        if problem is not None:
            code, message, fix = problem
            self.problem(name, message, fix, code=code)
            return ""
        return text

    def vocabulary(self, raw: Mapping[str, object], name: str, default: str | None = None) -> str:
        value = raw.get(name)
        if _is_blank(value):
            if default is not None:
                return default
            self.problem(
                name,
                f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                f"use one of {_allowed_text(name)}",
                code="missing_value",
            )
            return ""
        code = _INDEXES[name].get(_norm_token(value))
        if code is None:
            self.problem(
                name,
                f"'{value}' is not a known {name}",
                f"use one of {_allowed_text(name)}",
                code=f"bad_{name}",
            )
            return ""
        return code

    def date_value(self, raw: Mapping[str, object], name: str, *, required: bool) -> date | None:
        value = raw.get(name)
        if _is_blank(value):
            if required:
                self.problem(
                    name,
                    f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                    "give a date such as 2024-03-01",
                    code="missing_value",
                )
            return None
        try:
            return _parse_date(value)
        except ValueError:
            self.problem(
                name, f"'{value}' is not a date", "write it as 2024-03-01", code="bad_date"
            )
            return None

    def coordinates(self, raw: Mapping[str, object]) -> tuple[float, float]:
        values: dict[str, float] = {}
        for name, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
            value = raw.get(name)
            if _is_blank(value):
                self.problem(
                    name,
                    f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                    "give WGS84 longitude and latitude in decimal degrees",
                    code="missing_value",
                )
                continue
            try:
                number = _parse_float(value)
            except ValueError:
                self.problem(
                    name,
                    f"'{value}' is not a number",
                    "decimal degrees such as 114.305",
                    code="bad_coordinate",
                )
                continue
            if not math.isfinite(number) or not low <= number <= high:
                hint = "decimal degrees in WGS84"
                if name == "lat" and math.isfinite(number) and abs(number) <= 180:
                    hint += "; longitude and latitude look swapped"
                self.problem(
                    name,
                    f"{name} {value} is outside {low:g}..{high:g}",
                    hint,
                    code="bad_coordinate",
                )
                continue
            values[name] = number
        if len(values) < 2:
            return math.nan, math.nan
        lon, lat = values["lon"], values["lat"]
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            if not (x0 <= lon <= x1 and y0 <= lat <= y1):
                swapped = x0 <= lat <= x1 and y0 <= lon <= y1
                hint = (
                    "longitude and latitude look swapped"
                    if swapped
                    else f"the project's area is lon {x0:.3f}..{x1:.3f}, lat {y0:.3f}..{y1:.3f}"
                )
                self.problem(
                    "lon",
                    f"({lon}, {lat}) lies outside the project's area",
                    hint,
                    code="outside_area",
                )
        return lon, lat

    def place(self, raw: Mapping[str, object]) -> tuple[str, str]:
        """District and adcode; the adcode as 6 ASCII digits, one of the project's."""
        district = self.text(raw, "district", required=True, hint="name the district")
        given = _text(raw.get("adcode"))
        adcode = _norm_adcode(given) if given else ""
        if adcode is None:
            self.problem(
                "adcode",
                f"区划代码 (adcode) '{given}' is not a 6-digit district adcode",
                "write the district's six digits, e.g. 420102",
                code="bad_adcode",
            )
            return district, ""
        if self.districts is not None and adcode and adcode not in self.districts.values():
            codes = "、".join(f"{a} ({n})" for n, a in list(self.districts.items())[:20])
            self.problem(
                "adcode",
                f"区划代码 (adcode) {adcode} is not a district of the project",
                f"use one of {codes}",
                code="unknown_adcode",
            )
            return district, ""
        if self.districts is not None and district:
            known = self.districts.get(district)
            if known is None:
                names = "、".join(list(self.districts)[:20])
                self.problem(
                    "district",
                    f"'{district}' is not a district of the project",
                    f"use one of {names}",
                    code="unknown_district",
                )
            elif not adcode:
                adcode = known
            elif adcode != known:
                self.problem(
                    "adcode",
                    f"区划代码 (adcode) {adcode} does not match 所在区 (district) {district} "
                    f"({known})",
                    f"use {known} or correct the district",
                    code="bad_adcode",
                )
        if not adcode and district:
            self.problem(
                "adcode",
                "区划代码 (adcode) is empty",
                "give the district's 6-digit adcode",
                code="missing_value",
            )
        return district, adcode


_DISTRICT_TOLERANCE_DEG = 0.0005
"""How far (degrees, about 50 m) a point may lie outside its district's polygon: district
files are generalised along their borders."""


def _check_in_district(rec: Mapping[str, Any], check: _RecordCheck) -> None:
    """The point lies in the polygon of its district (when the register knows them)."""
    shapes, adcode = check.shapes, rec.get("adcode")
    lon, lat = rec.get("lon"), rec.get("lat")
    if not shapes or not adcode or adcode not in shapes:
        return
    if not (isinstance(lon, float) and isinstance(lat, float)):
        return
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return
    import shapely

    point = shapely.Point(lon, lat)
    if shapely.dwithin(shapes[adcode], point, _DISTRICT_TOLERANCE_DEG):
        return
    inside = [a for a, shape in shapes.items() if shapely.intersects(shape, point)]
    names = {a: n for n, a in (check.districts or {}).items()}
    hint = (
        f"the point lies in {names.get(inside[0], '')} ({inside[0]}): choose that district, "
        "or check the coordinates"
        if inside
        else "the point lies in none of the project's districts: check the coordinates"
    )
    check.problem(
        "lon",
        f"({lon}, {lat}) is not in {rec.get('district')} ({adcode})",
        hint,
        code="outside_district",
    )


def _check_record(raw: Mapping[str, object], check: _RecordCheck) -> dict[str, Any]:
    """Validate and normalise one record; problems go to ``check.problems``."""
    rec: dict[str, Any] = {
        "title": check.text(raw, "title", required=True),
        "category": check.vocabulary(raw, "category"),
        "grade": check.vocabulary(raw, "grade"),
        "status": check.vocabulary(raw, "status", default=_IMPORT_STATUS),
        "found_by": check.text(raw, "found_by", required=True),
        "responsible_unit": check.text(raw, "responsible_unit", required=True),
        "description": check.text(raw, "description"),
    }
    rec["lon"], rec["lat"] = check.coordinates(raw)
    rec["district"], rec["adcode"] = check.place(raw)
    _check_in_district(rec, check)
    found_at, deadline = _check_dates(raw, check)
    rec["found_at"], rec["deadline"] = found_at or check.today, deadline
    _check_status(raw, check, rec["status"])
    try:
        listed = _parse_bool(raw.get("listed"))
    except ValueError:
        check.problem(
            "listed", f"'{raw.get('listed')}' is not yes/no", "write 是 or 否", code="bad_value"
        )
        listed = False
    rec["listed"] = listed
    rec["supervising_unit"] = check.text(raw, "supervising_unit") or None
    rec["listed_deadline"] = check.date_value(raw, "listed_deadline", required=False)
    if listed:
        if rec["grade"] == "general":
            check.problem(
                "listed",
                "only major (重大) hazards are listed for supervision",
                "set grade to 重大 or listed to 否",
                code="bad_listing",
            )
        if not rec["supervising_unit"]:
            check.problem(
                "supervising_unit",
                "a listed hazard needs a supervising unit",
                "name the unit that supervises it (督办单位)",
                code="missing_value",
            )
        if rec["listed_deadline"] is None:
            check.problem(
                "listed_deadline",
                "a listed hazard needs a supervision deadline",
                "give the date (督办期限)",
                code="missing_value",
            )
        elif found_at is not None and rec["listed_deadline"] < found_at:
            check.problem(
                "listed_deadline",
                f"督办期限 (listed_deadline) {rec['listed_deadline']} is before "
                f"发现日期 (found_at) {found_at}",
                f"give a supervision deadline on or after {found_at}, the day it was found",
            )
    elif rec["supervising_unit"] or rec["listed_deadline"]:
        rec["supervising_unit"] = rec["listed_deadline"] = None
    binding = check.text(raw, "layer_binding") or None
    feature = check.text(raw, "feature_id") or None
    if (binding is None) != (feature is None):
        check.problem(
            "feature_id" if binding else "layer_binding",
            "a link to a layer feature needs both the layer name and the feature id",
            "give both or neither",
            code="bad_link",
        )
        binding = feature = None
    rec["layer_binding"], rec["feature_id"] = binding, feature
    return rec


def _check_dates(raw: Mapping[str, object], check: _RecordCheck) -> tuple[date | None, date | None]:
    """``found_at`` (today when blank; None when refused) and ``deadline``.

    The year found is 1949 to next year and not after today; the rectification deadline
    is on or after the day found.
    """
    given = raw.get("found_at")
    found_at = check.date_value(raw, "found_at", required=False)
    if found_at is None and _is_blank(given):
        found_at = check.today
    deadline = check.date_value(raw, "deadline", required=True)
    if found_at is None:
        return None, deadline
    last_year = check.today.year + 1
    if not _MIN_YEAR <= found_at.year <= last_year:
        check.problem(
            "found_at",
            f"发现日期 (found_at) {found_at.isoformat()} is not in the years "
            f"{_MIN_YEAR}..{last_year}",
            "give the day the hazard was found with its 4-digit year, e.g. 2024-03-01",
            code="bad_date",
        )
        return None, deadline
    if found_at > check.today:
        check.problem(
            "found_at",
            f"发现日期 (found_at) {found_at} is in the future",
            "a hazard is registered after it is found",
        )
    if deadline is not None and deadline < found_at:
        check.problem(
            "deadline",
            f"整改期限 (deadline) {deadline} is before 发现日期 (found_at) {found_at}",
            f"give a rectification deadline on or after {found_at}, the day it was found",
        )
    return found_at, deadline


def _check_status(raw: Mapping[str, object], check: _RecordCheck, status: str) -> None:
    """An imported record is 已登记 (registered): an import may not skip the closed loop.

    A record in another state (整改中, 待验收, 已销号, 已作废) comes back only with its full
    history, restored from a backup of the register (``hazards restore``), never from a
    sheet, whatever 统一编号 the row carries.
    """
    if status in ("", _IMPORT_STATUS):
        return
    given = label("status", status)
    restore = (
        "a record in that state comes back only with its full history, via "
        "'python -m riskmap hazards restore BACKUP' from a backup made by 'hazards backup'"
    )
    if status == "voided":
        check.problem(
            "status",
            f"状态 (status) {given} ({status}): a record cannot be created voided; {restore}",
            "to void a new hazard, register it (状态 已登记 or empty), then void it with a "
            "reason (作废原因)",
            code="bad_status",
        )
        return
    check.problem(
        "status",
        f"状态 (status) {given} ({status}) cannot be imported: an import registers new "
        f"hazards as 已登记 (registered); {restore}",
        "restore the backup into an empty register; to register the hazard anew, set 状态 "
        "to 已登记 or leave it empty",
        code="bad_status",
    )


def _actor(by: str | None) -> str:
    """Who makes a change: the ``by`` text, required, one line of at most 100 characters."""
    text = _free_text(by, "by")
    if not text:
        raise RegisterError("say who makes the change (by / 操作人)")
    return text
