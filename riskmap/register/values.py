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
from riskmap.register.vocabulary import _ADCODE_RE, _INDEXES, _allowed_text, _norm_token


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


def _unguard_text(text: str) -> str:
    """A cell of riskmap's own export read back: the formula guard taken off."""
    return unguard_text(text) if isinstance(text, str) else text


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

    def required_text(self, raw: Mapping[str, object], name: str, max_len: int) -> str:
        text = _unguard_text(_text(raw.get(name)))
        if not text:
            self.problem(
                name,
                f"{_COLUMN_BY_FIELD[name].zh} ({name}) is empty",
                "every hazard needs this value",
                code="missing_value",
            )
        elif len(text) > max_len:
            self.problem(name, f"{name} is longer than {max_len} characters", "shorten it")
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
        district = _text(raw.get("district"))
        adcode = _text(raw.get("adcode"))
        if not district:
            self.problem(
                "district", "所在区 (district) is empty", "name the district", code="missing_value"
            )
        if adcode and not _ADCODE_RE.match(adcode):
            self.problem(
                "adcode",
                f"'{adcode}' is not a 6-digit district adcode",
                "e.g. 420102",
                code="bad_adcode",
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
                    f"adcode {adcode} does not match district {district} ({known})",
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
        check.problem(
            "found_at",
            f"found_at {found_at} is in the future",
            "a hazard is registered after it is found",
        )
    if deadline is not None and deadline < found_at:
        check.problem(
            "deadline",
            f"deadline {deadline} is before found_at {found_at}",
            "the rectification deadline follows the day it was found",
        )
    rec["found_at"], rec["deadline"] = found_at, deadline
    if rec["status"] == "voided":
        check.problem(
            "status",
            "a record cannot be created voided",
            "register it, then void it with a reason",
            code="bad_status",
        )
    try:
        listed = _parse_bool(raw.get("listed"))
    except ValueError:
        check.problem(
            "listed", f"'{raw.get('listed')}' is not yes/no", "write 是 or 否", code="bad_value"
        )
        listed = False
    rec["listed"] = listed
    rec["supervising_unit"] = _text(raw.get("supervising_unit")) or None
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
    elif rec["supervising_unit"] or rec["listed_deadline"]:
        rec["supervising_unit"] = rec["listed_deadline"] = None
    binding = _text(raw.get("layer_binding")) or None
    feature = _text(raw.get("feature_id")) or None
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


def _actor(by: str | None) -> str:
    """Who makes a change: the ``by`` text, required, at most 100 characters."""
    text = _text(by)
    if not text:
        raise RegisterError("say who makes the change (by / 操作人)")
    if len(text) > 100:
        raise RegisterError("'by' is longer than 100 characters")
    return text
