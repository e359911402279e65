"""Reading one layer (:func:`read_layer`): the binding's column mapping, field types and
values checked row by row against the layer kind, geometries converted; every problem
with its file, row and column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pandas.api.types import is_datetime64_any_dtype

from riskmap.config import (
    FieldSpec,
    LayerBinding,
    LayerKind,
)
from riskmap.errors import (
    LayerDataError,
    Problem,
    Severity,
)
from riskmap.io.geometry import _checked_crs, _geometries_wgs84, _resolve_path
from riskmap.io.problems import _Problems
from riskmap.io.suggest import X_ALIASES, Y_ALIASES, suggest_columns
from riskmap.io.tables import read_table
from riskmap.io.values import (
    _CN_DIGITS,
    _FALSE_TOKENS,
    _TRUE_TOKENS,
    _norm_text,
    _numbers,
    _to_text,
    decimal_comma,
)


def _range_words(lo: float | None, hi: float | None) -> tuple[str, str]:
    """A field's allowed range in English and in Chinese ("" when it has no bound)."""
    if lo is not None and hi is not None:
        return f"between {lo:g} and {hi:g}", f"介于 {lo:g} 与 {hi:g} 之间"
    if lo is not None:
        return f"at least {lo:g}", f"不小于 {lo:g}"
    if hi is not None:
        return f"at most {hi:g}", f"不大于 {hi:g}"
    return "", ""


_CAST_TEXTS_ZH: dict[str, tuple[str, str]] = {
    "non_numeric": ("“{value}”不是数字{tail}", "{label}须为纯数字（不带单位或文字）"),
    "not_integer": ("{value:g} 不是整数{tail}", "{label}须为整数"),
    "out_of_range": ("{value:g} 超出范围：{label}须{rng}{tail}", "请更正取值（{rng}）"),
    "bad_date": ("“{value}”不是日期{tail}", "日期写作 2023-05-01（或 2023/5/1、2023年5月1日）"),
    "unknown_category": ("“{value}”不是允许的取值{tail}", "{label}须为以下之一：{allowed}"),
    "bad_bool": ("“{value}”不是“是/否”{tail}", "写作 是/否、yes/no、true/false 或 1/0"),
}
"""The same in Chinese (``tail``, ``label`` and ``rng`` in Chinese too)."""

_CAST_TEXTS: dict[str, tuple[str, str]] = {
    "non_numeric": (
        "'{value}' is not a number{tail}",
        "{label} must be a plain number (no units or text)",
    ),
    "not_integer": ("{value:g} is not a whole number{tail}", "{label} must be a whole number"),
    "out_of_range": (
        "{value:g} is out of range: {label} must be {rng}{tail}",
        "correct the value ({rng})",
    ),
    "bad_date": (
        "'{value}' is not a date{tail}",
        "write dates as 2023-05-01 (or 2023/5/1, 2023年5月1日)",
    ),
    "unknown_category": (
        "'{value}' is not an allowed value{tail}",
        "{label} must be one of: {allowed}",
    ),
    "bad_bool": ("'{value}' is not yes/no{tail}", "write 是/否, yes/no, true/false or 1/0"),
}
"""Problem code -> (message, hint) of a value that cannot be cast to its field's type."""


def _note_decimal_comma(
    text: pd.Series, column: str, problems: _Problems, *, coordinates: bool = False
) -> None:
    """Say how an ambiguous column was read: with a decimal comma, or with ``1.000`` as one
    (a dot before three digits may separate thousands in some locales)."""
    values = pd.Series(text.dropna().to_numpy(), dtype="string").str.strip()
    dotted = values[values.str.contains(".", regex=False)]
    if (
        not decimal_comma(text)
        and len(dotted)
        and dotted.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+").all()
    ):
        problems.add(
            "warning",
            "ambiguous_number",
            f"'{dotted.iloc[0]}' is read with the dot as the decimal mark (not as thousands)",
            "if the dot separates thousands, write the number without it (e.g. 1000)",
            column=column,
            zh=(
                f"“{dotted.iloc[0]}”按小数点读取（不是千位分隔符）",
                "如果点号是千位分隔符，请去掉它（如写作 1000）",
            ),
        )
    if decimal_comma(text):
        example = next(v for v in text.dropna() if "," in str(v))
        problems.add(
            "warning",
            "decimal_comma",
            f"the numbers use a decimal comma (e.g. '{example}'): read with ',' as the decimal "
            "mark and '.' as thousands",
            "nothing to do if that is right; otherwise write numbers as 1500.5",
            column=column,
            zh=(
                f"数字使用逗号作小数点（如“{example}”）：按逗号为小数点、点号为千位分隔符读取",
                "如果正确则无需处理；否则请写作 1500.5",
            ),
        )


def _cast_field(
    field: str,
    spec: FieldSpec,
    values: pd.Series,
    rows: npt.NDArray[np.int64],
    *,
    header: str,
    problems: _Problems,
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Cast one column to the field's type; returns (values, bad-row mask for errors)."""
    severity: Severity = "error" if spec.required else "warning"
    tail = "" if spec.required else "; the value is left empty"
    tail_zh = "" if spec.required else "；该值留空"
    bad = np.zeros(len(values), dtype=bool)
    label = spec.label.en
    label_zh = f"“{spec.label.zh}”"

    def flag(
        code: str, mask: npt.NDArray[np.bool_], shown: Any, rng: tuple[str, str] = ("", "")
    ) -> npt.NDArray[np.bool_]:
        """Report the rows of ``mask`` with the code's message (``shown[i]`` is the value)."""
        message, hint = _CAST_TEXTS[code]
        message_zh, hint_zh = _CAST_TEXTS_ZH[code]
        idx = np.flatnonzero(mask)
        allowed = ", ".join(spec.allowed or ())
        fmt = {"tail": tail, "label": label, "rng": rng[0], "allowed": allowed}
        fmt_zh = {"tail": tail_zh, "label": label_zh, "rng": rng[1], "allowed": allowed}
        messages = [message.format(value=shown[i], **fmt) for i in idx]
        messages_zh = [message_zh.format(value=shown[i], **fmt_zh) for i in idx]
        problems.rows(
            severity,
            code,
            rows[idx],
            messages,
            hint.format(**fmt),
            column=header,
            zh=(messages_zh, hint_zh.format(**fmt_zh)),
        )
        return mask

    if spec.type in {"int", "float"}:
        num, missing, text = _numbers(values)
        _note_decimal_comma(text, header, problems)
        not_num = ~missing & np.isnan(num)
        bad |= flag("non_numeric", not_num, text.to_numpy())
        if spec.type == "int":
            frac = np.isfinite(num) & (num != np.round(num))
            bad |= flag("not_integer", frac, num)
        low = (
            np.isfinite(num) & (num < spec.min)
            if spec.min is not None
            else np.zeros(len(num), bool)
        )
        high = (
            np.isfinite(num) & (num > spec.max)
            if spec.max is not None
            else np.zeros(len(num), bool)
        )
        bad |= flag("out_of_range", low | high, num, rng=_range_words(spec.min, spec.max))
        num = np.where(bad, np.nan, num)
        if spec.type == "int":
            result = pd.Series(
                pd.array(np.where(np.isnan(num), 0, num).astype(np.int64), dtype="Int64")
            )
            result[np.isnan(num)] = pd.NA
        else:
            result = pd.Series(num, dtype=np.float64)
        return result, bad if spec.required else np.zeros(len(values), bool)
    if spec.type == "date":
        if is_datetime64_any_dtype(values):
            parsed = pd.to_datetime(values, errors="coerce")
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_localize(None)  # keep the local wall-clock time
            text = _to_text(values)
        else:
            text = _to_text(values)
            norm = _map_distinct(text, _normalise_date)
            parsed = pd.to_datetime(norm, errors="coerce", format="ISO8601")
        parsed_arr = pd.Series(parsed.to_numpy(), dtype="datetime64[ns]")
        missing = text.isna().to_numpy()
        not_date = ~missing & parsed_arr.isna().to_numpy()
        bad |= flag("bad_date", not_date, text.to_numpy())
        parsed_arr = parsed_arr.mask(bad)
        return parsed_arr, bad if spec.required else np.zeros(len(values), bool)
    text = _to_text(values)
    if spec.type == "category":
        allowed = tuple(spec.allowed or ())
        lookup: dict[str, str] = {}
        for a in allowed:
            lookup.setdefault(_norm_text(a).lower(), a)
            lookup.setdefault(_norm_text(a).lower().translate(_CN_DIGITS), a)
        mapped = _map_distinct(
            text,
            lambda v: lookup.get(
                _norm_text(v).lower(), lookup.get(_norm_text(v).lower().translate(_CN_DIGITS))
            ),
        )
        unknown = (text.notna() & mapped.isna()).to_numpy()
        bad |= flag("unknown_category", unknown, text.to_numpy())
        arr = mapped.to_numpy(dtype=object, copy=True)
        arr[pd.isna(arr) | bad] = None
        return pd.Series(arr, dtype=object), bad if spec.required else np.zeros(len(values), bool)
    if spec.type == "bool":
        norm = _map_distinct(text, lambda v: _norm_text(v).lower())
        is_true = norm.isin(_TRUE_TOKENS).to_numpy()
        is_false = norm.isin(_FALSE_TOKENS).to_numpy()
        not_bool = text.notna().to_numpy() & ~is_true & ~is_false
        bad |= flag("bad_bool", not_bool, text.to_numpy())
        result = pd.Series(pd.array(is_true, dtype="boolean"))
        result[~(is_true | is_false)] = pd.NA
        return result, bad if spec.required else np.zeros(len(values), bool)
    return pd.Series(text.to_numpy(dtype=object), dtype=object), bad


_WHOLE_WITH_ZEROS = re.compile(r"^([0-9]+)\.0+$")


def _same_key(value: object) -> object:
    """What two ids (or unique values) are compared by: the text with full-width forms
    folded (NFKC), blanks trimmed and case ignored, and a whole number written with a
    trailing ``.0`` as the number (``12.0`` is ``12``, as a spreadsheet or pandas writes an
    integer code). Leading zeros are kept: ``001`` and ``1`` are different codes."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    whole = _WHOLE_WITH_ZEROS.match(text)
    return whole.group(1) if whole else text


def _map_distinct(text: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """``func`` of every text value (None where missing), called once per distinct value."""
    codes, distinct = pd.factorize(text, use_na_sentinel=True)
    mapped = np.array([*(func(str(v)) for v in distinct), None], dtype=object)  # code -1 -> None
    return pd.Series(mapped[codes], index=text.index, dtype=object)


def _normalise_date(v: str) -> str | None:
    t = _norm_text(v)
    t = re.sub(r"(?<=\d)(Z|[+-]\d{2}:?\d{2})$", "", t)  # keep the local wall-clock time
    t = re.sub(r"[年月/.]", "-", t).replace("日", "").replace("号", "")
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$", t)
    if m:
        t = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}{m.group(4)}"
    elif re.fullmatch(r"\d{8}", t):
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    return t.strip()


def read_layer(
    binding: LayerBinding,
    kind: LayerKind,
    *,
    root: Path | str,
    bbox_wgs84: Sequence[float] | None = None,
    name: str | None = None,
    row_ids: bool = False,
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read one bound layer, validate every row and convert it to EPSG:4326.

    Parameters
    ----------
    binding
        The project's binding: file path, CRS, encoding, sheet/layer, x/y and column mapping
        (fields the mapping does not name are found by :func:`suggest_columns`).
    kind
        The layer kind: fields with types, required/unique flags, allowed values and ranges;
        the geometry type.
    root
        Folder that a relative ``binding.path`` is relative to (the project's folder).
    bbox_wgs84
        The city's bounding box (minx, miny, maxx, maxy) in degrees; features outside it
        (plus a margin) are errors, with swapped longitude/latitude recognised.
    name
        The file name shown in problems (e.g. an upload's original name); the file's own
        name by default.
    row_ids
        When the file has no id column, number the features by their row as the user
        counts it (2 for the first row under a table's header, the feature number in a
        vector file), with a warning that says so; ``gdf.attrs["ids_from_rows"]`` is then
        True. By default a missing id column is an error.

    Returns
    -------
    gdf, problems
        The good rows with the kind's canonical fields (every field of the kind is a
        column; ``id`` str, ``name`` str, '' when absent), geometry in EPSG:4326 — or None
        when the file cannot be used (file-level error) or no row is good. ``problems``
        lists every problem; no exception escapes for bad data.
    """
    path = _resolve_path(binding.path, root)
    shown = name or path.name
    problems = _Problems(shown, binding.name)
    try:
        frame, read_problems = read_table(
            path,
            encoding=binding.encoding,
            sheet=binding.sheet,
            layer=binding.layer,
            source_name=shown,
            header_row=binding.header_row,
        )
    except LayerDataError as exc:
        problems.extend(exc.report.problems)
        return None, problems.finish()
    problems.extend(read_problems)
    gdf = _validate_frame(frame, binding, kind, bbox_wgs84, problems, row_ids=row_ids)
    return gdf, problems.finish()


def _validate_frame(
    frame: pd.DataFrame,
    binding: LayerBinding,
    kind: LayerKind,
    bbox_wgs84: Sequence[float] | None,
    problems: _Problems,
    *,
    row_ids: bool = False,
) -> gpd.GeoDataFrame | None:
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    geom_name = frame.geometry.name if is_vector else None
    headers = [str(c) for c in frame.columns if c != geom_name]
    found = ", ".join(headers) or "(none)"
    if len(frame) == 0:
        problems.add(
            "error",
            "no_rows",
            "the file has no rows of data" if not is_vector else "the file has no features",
            "add the features below the header row"
            if not is_vector
            else "export the features again",
            zh=("文件没有数据行", "请在表头下方添加数据")
            if not is_vector
            else ("文件没有要素", "请重新导出要素"),
        )
        return None
    mark = len(problems.items)
    spec = _checked_crs(binding.crs, "crs" in binding.model_fields_set, frame, problems, bbox_wgs84)
    if spec is None:
        return None
    suggested = suggest_columns(headers, kind)
    mapping: dict[str, str] = {}
    for field, spec_f in kind.fields.items():
        header = binding.columns.get(field)
        if header is not None:
            if header in headers:
                mapping[field] = header
                continue
            problems.add(
                "error" if spec_f.required else "warning",
                "missing_column",
                f"the column '{header}' given for {field} is not in the file; columns found: {found}",
                "fix 'columns' in the project (headers must match exactly)",
                row=1 if not is_vector else None,
                column=header,
                zh=(
                    f"为“{spec_f.label.zh}”指定的列“{header}”不在文件中；文件中的列：{found}",
                    "请改选列（列名须完全一致）",
                ),
            )
            continue
        if field in suggested:
            mapping[field] = suggested[field]
        elif field == "id" and row_ids:
            first = "feature 1" if is_vector else f"row {int(frame.index[0])}"
            problems.add(
                "warning",
                "ids_from_rows",
                f"the file has no id column: each feature's id is its row number ({first} "
                f"has id {int(frame.index[0])})",
                f"add an id column (e.g. {', '.join(spec_f.aliases[:3])}) to keep ids "
                "when rows are added or removed",
                zh=(
                    "文件没有编号列：以行号作为各要素的编号（"
                    + ("第 1 个要素" if is_vector else f"第 {int(frame.index[0])} 行")
                    + f"的编号为 {int(frame.index[0])}）",
                    f"如需在增删行后编号不变，请加一列编号（如 {'、'.join(spec_f.aliases[:3])}）",
                ),
            )
        elif spec_f.required:
            aliases = ", ".join(spec_f.aliases[:6])
            problems.add(
                "error",
                "missing_column",
                f"no column for the required field '{field}' ({spec_f.label.en}); columns found: {found}",
                f"name a column e.g. {aliases}, or map it under 'columns: {{{field}: <header>}}' in the project",
                row=1 if not is_vector else None,
                zh=(
                    f"没有必填字段“{spec_f.label.zh}”的列；文件中的列：{found}",
                    f"请把一列命名为如 {'、'.join(spec_f.aliases[:6])}，或在上方为它选择一列",
                ),
            )
    xcol = ycol = None
    if not is_vector:
        if kind.geometry in {"line", "polygon"}:
            problems.add(
                "error",
                "wrong_geometry",
                f"a table gives points, but this layer needs {kind.geometry}s",
                "use a GeoJSON, GeoPackage or zipped shapefile for lines and polygons",
                zh=(
                    "表格只能给出点，而此图层需要" + ("线" if kind.geometry == "line" else "面"),
                    "线和面请使用 GeoJSON、GeoPackage 或压缩的 Shapefile",
                ),
            )
        for axis, given, key in (("x", binding.x, "_x"), ("y", binding.y, "_y")):
            col = given if given is not None else suggested.get(key)
            if col is None or col not in headers:
                what = "longitude/easting (x)" if axis == "x" else "latitude/northing (y)"
                names = ", ".join(X_ALIASES if axis == "x" else Y_ALIASES)
                problems.add(
                    "error",
                    "missing_column",
                    f"no {what} column"
                    + (f" '{col}'" if col else "")
                    + f"; columns found: {found}",
                    f"name the column one of {names}, or set '{axis}:' in the project",
                    row=1,
                    column=col,
                    zh=(
                        ("没有经度/东坐标（x）列" if axis == "x" else "没有纬度/北坐标（y）列")
                        + (f"“{col}”" if col else "")
                        + f"；文件中的列：{found}",
                        f"请把该列命名为 {names} 之一，或在上方选择该列",
                    ),
                )
            elif axis == "x":
                xcol = col
            else:
                ycol = col
    if problems.errors_since(mark):
        return None
    rows = frame.index.to_numpy(dtype=np.int64)
    n = len(frame)
    ok = np.ones(n, dtype=bool)
    # Geometry in the source CRS.
    if is_vector:
        src = np.asarray(frame.geometry.array, dtype=object)
        geo_column = None
    else:
        assert xcol is not None and ycol is not None
        xs, xmiss, xtext = _numbers(frame[xcol])
        ys, ymiss, ytext = _numbers(frame[ycol])
        for col, vals, miss, text in ((xcol, xs, xmiss, xtext), (ycol, ys, ymiss, ytext)):
            _note_decimal_comma(text, col, problems, coordinates=True)
            idx = np.flatnonzero(miss)
            problems.rows(
                "error",
                "missing_coordinates",
                rows[idx],
                "the coordinate is empty",
                "fill in the coordinate or delete the row",
                column=col,
                zh=("坐标为空", "请填写坐标或删除该行"),
            )
            idx = np.flatnonzero(~miss & np.isnan(vals))
            problems.rows(
                "error",
                "non_numeric",
                rows[idx],
                [f"'{text.iloc[i]}' is not a number" for i in idx],
                "coordinates must be decimal numbers (e.g. 114.305); convert degrees-minutes-seconds",
                column=col,
                zh=(
                    [f"“{text.iloc[i]}”不是数字" for i in idx],
                    "坐标须为十进制数（如 114.305）；度分秒请先换算",
                ),
            )
        good_xy = np.isfinite(xs) & np.isfinite(ys)
        ok &= good_xy
        src = np.full(n, None, dtype=object)
        src[good_xy] = shapely.points(xs[good_xy], ys[good_xy])
        geo_column = xcol
    geom_ok_rows = np.flatnonzero(ok)
    wgs, gok = _geometries_wgs84(
        src[geom_ok_rows],
        rows[geom_ok_rows],
        spec,
        geometry=kind.geometry,
        bbox_wgs84=bbox_wgs84,
        problems=problems,
        column=geo_column,
        from_table=not is_vector,
    )
    geometry = np.full(n, None, dtype=object)
    geometry[geom_ok_rows] = wgs
    ok[geom_ok_rows[~gok]] = False
    # Fields.
    columns: dict[str, Any] = {}
    from_rows = row_ids and "id" in kind.fields and "id" not in mapping
    for field, spec_f in kind.fields.items():
        header = mapping.get(field)
        if field == "id" and from_rows:
            columns[field] = pd.Series(rows.astype(str), dtype=object)
            continue
        if header is None:
            columns[field] = _empty_field(spec_f, n)
            continue
        values, bad = _cast_field(
            field,
            spec_f,
            frame[header].reset_index(drop=True),
            rows,
            header=header,
            problems=problems,
        )
        if spec_f.required:
            missing = pd.Series(values).isna().to_numpy() & ~bad  # '' and NULL tokens are missing
            idx = np.flatnonzero(missing)
            problems.rows(
                "error",
                "missing_value",
                rows[idx],
                f"the required {field} ({spec_f.label.en}) is empty",
                "fill it in or delete the row",
                column=header,
                zh=(f"必填的“{spec_f.label.zh}”为空", "请填写或删除该行"),
            )
            bad = bad | missing
        ok &= ~bad
        if spec_f.unique:
            keys = pd.Series(values).astype(object)
            same = keys.map(_same_key)
            repeated = same.duplicated(keep="first").to_numpy()
            dup = keys.notna().to_numpy() & repeated
            if dup.any():
                firsts = dict(zip(same[~repeated], rows[~repeated], strict=True))
                first_row = same.map(firsts).to_numpy()
                idx = np.flatnonzero(dup)
                code = "duplicate_id" if field == "id" else "duplicate_value"
                problems.rows(
                    "error",
                    code,
                    rows[idx],
                    [f"'{keys.iloc[i]}' is used again (first in row {first_row[i]})" for i in idx],
                    f"every {field} must be unique; the repeated row is left out",
                    column=header,
                    zh=(
                        [f"“{keys.iloc[i]}”重复（首次出现在第 {first_row[i]} 行）" for i in idx],
                        f"“{spec_f.label.zh}”不能重复；重复的行未加入",
                    ),
                )
                ok &= ~dup
        columns[field] = values
    if "name" in columns:
        columns["name"] = (
            pd.Series(columns["name"])
            .astype(object)
            .where(pd.Series(columns["name"]).notna(), "")
            .astype(str)
        )
    if "id" in columns:
        columns["id"] = pd.Series(columns["id"]).astype(object)
    keep = np.flatnonzero(ok)
    if keep.size == 0:
        problems.add(
            "error",
            "no_valid_rows",
            f"none of the {n:,d} row(s) can be used",
            "fix the problems listed for this file",
            zh=(f"{n:,d} 行中没有一行可用", "请按表中所列修改文件"),
        )
        return None
    data = {f: pd.Series(v).iloc[keep].reset_index(drop=True) for f, v in columns.items()}
    if "id" in data:
        data["id"] = data["id"].astype(str)
    out = gpd.GeoDataFrame(
        data, geometry=gpd.GeoSeries(geometry[keep], crs="EPSG:4326"), crs="EPSG:4326"
    )
    out.attrs.update(
        {
            "source_crs": spec.label,
            "encoding": frame.attrs.get("encoding"),
            "format": frame.attrs.get("format"),
            "rows_read": n,
            "ids_from_rows": from_rows,
        }
    )
    return out


def _empty_field(spec: FieldSpec, n: int) -> pd.Series:
    if spec.type == "float":
        return pd.Series(np.full(n, np.nan))
    if spec.type == "int":
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if spec.type == "bool":
        return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
    if spec.type == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    return pd.Series([None] * n, dtype=object)
