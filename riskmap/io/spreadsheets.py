"""Reading CSV and Excel tables as bureaus have them: the text encoding detected (UTF-8,
UTF-8 with BOM, UTF-16, GB18030), the delimiter sniffed, blank rows skipped, a title row
above the headers, duplicate headers made unique, and formulas whose values were never
saved named.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from riskmap.io.problems import _fail, _Problems, _reader_warnings

_DELIMITERS = (",", "\t", ";", "|")


def _decode(raw: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    """Decode CSV bytes; returns (text, encoding used)."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError:
            raise _fail(
                "unknown_encoding",
                f"unknown text encoding '{encoding}'",
                "use e.g. utf-8, utf-8-sig or gbk, or leave encoding out to detect it",
                file,
                zh=(
                    f"无法识别文字编码“{encoding}”",
                    "请用 utf-8、utf-8-sig 或 gbk 等，或不指定编码以自动识别",
                ),
            ) from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise _fail(
                "unreadable_encoding",
                f"the file is not valid {encoding}: byte {exc.start} (line {line}) cannot be decoded",
                "leave 'encoding' out so riskmap detects it, or save the file as UTF-8 "
                "(Excel: 'CSV UTF-8')",
                file,
                row=line,
                zh=(
                    f"文件不是有效的 {encoding} 编码：第 {line} 行的第 {exc.start} 字节无法解码",
                    "请不指定编码以自动识别，或把文件另存为 UTF-8（Excel：“CSV UTF-8”）",
                ),
            ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode("utf-8-sig")
        return text, "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
        if "\x00" not in text:
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding:
        text = str(best)
        if "\x00" not in text:
            return text, best.encoding
    raise _fail(
        "unreadable_encoding",
        "the text encoding could not be recognised (tried UTF-8, UTF-8 with BOM, GB18030 "
        "and detection); the file may not be a text file",
        "save the file as 'CSV UTF-8' from Excel, or give 'encoding' in the project",
        file,
        zh=(
            "无法识别文件的文字编码（已尝试 UTF-8、带 BOM 的 UTF-8、GB18030 和自动检测）；"
            "文件可能不是文本文件",
            "请在 Excel 中另存为“CSV UTF-8”",
        ),
    )


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _clean_headers(headers: Sequence[Any]) -> list[str]:
    out = []
    for i, h in enumerate(headers):
        text = "" if h is None else str(h).replace("\ufeff", "").strip()
        out.append(text or f"(column {i + 1})")
    return out


def _check_headers(headers: list[str], problems: _Problems) -> list[str]:
    """Warn about duplicate headers and make them unique (``name (2)``)."""
    seen: Counter[str] = Counter()
    out = []
    for h in headers:
        seen[h] += 1
        if seen[h] > 1:
            new = f"{h} ({seen[h]})"
            problems.add(
                "warning",
                "duplicate_column",
                f"the header '{h}' appears more than once; the repeat is read as '{new}'",
                "give every column its own header",
                row=1,
                column=h,
                zh=(f"表头“{h}”出现不止一次；重复的一列按“{new}”读取", "请给每一列不同的表头"),
            )
            out.append(new)
        else:
            out.append(h)
    return out


def _read_csv(
    path: Path, encoding: str | None, file: str, problems: _Problems, header_row: int | None = None
) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise _fail(
            "empty_file",
            "the file is empty",
            "export the table again with its header row",
            file,
            zh=("文件为空", "请连同表头重新导出表格"),
        )
    text, used = _decode(raw, encoding, file)
    skipped = max((header_row or 1) - 1, 0)
    if skipped:
        text = "\n".join(text.split("\n")[skipped:])
    sep = _sniff_delimiter(text)
    header_line = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])
    headers = _check_headers(_clean_headers(header_line), problems)
    df, rows = _read_records(text, sep, headers, problems)
    rows = rows + skipped
    df.index = pd.Index(rows, name="row")
    df.attrs.update({"encoding": used, "format": "CSV", "delimiter": sep})
    return df


def _read_records(
    text: str, sep: str, headers: list[str], problems: _Problems
) -> tuple[pd.DataFrame, npt.NDArray[np.int64]]:
    """The rows under the header, as a spreadsheet user sees them: blank rows (and rows of
    empty cells such as ``,,,,``) are skipped, as in XLSX; a row with more values than the
    header has columns is reported (``wrong_field_count``) and left out, never truncated."""
    records = list(csv.reader(io.StringIO(text), delimiter=sep))[1:]
    good, rows, bad, bad_msgs, bad_zh = [], [], [], [], []
    for i, rec in enumerate(records):
        row = i + 2
        if not any(v.strip() for v in rec):
            continue
        if len(rec) > len(headers) and any(v.strip() for v in rec[len(headers) :]):
            bad.append(row)
            bad_msgs.append(f"{len(rec)} values but the header has {len(headers)} columns")
            bad_zh.append(f"有 {len(rec)} 个值，而表头只有 {len(headers)} 列")
            continue
        good.append((rec + [""] * len(headers))[: len(headers)])
        rows.append(row)
    problems.rows(
        "error",
        "wrong_field_count",
        bad,
        bad_msgs,
        "a value containing the delimiter must be in double quotes; check this row",
        zh=(bad_zh, "含有分隔符的值须放在双引号中；请检查这一行"),
    )
    df = (
        pd.DataFrame(good, columns=headers, dtype=str)
        if good
        else pd.DataFrame(columns=headers, dtype=str)
    )
    return df, np.asarray(rows, dtype=np.int64)


def _read_xlsx(
    path: Path, sheet: str | None, file: str, problems: _Problems, header_at: int | None = None
) -> pd.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail(
            "unreadable_file",
            f"not a readable Excel workbook ({exc})",
            "open it in Excel and save it again as .xlsx",
            file,
            zh=("不是可读取的 Excel 工作簿", "请用 Excel 打开并另存为 .xlsx"),
        ) from None
    _reader_warnings(problems, caught)
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise _fail(
                "sheet_not_found",
                f"no sheet named '{sheet}'; the workbook has: {', '.join(names)}",
                "set 'sheet' to one of these names",
                file,
                zh=(f"没有名为“{sheet}”的工作表；工作簿中有：{'、'.join(names)}", "请选择其中一个"),
            )
        ws.reset_dimensions()
        header: list[str] | None = None
        header_row = 0
        data: list[tuple[Any, ...]] = []
        rows: list[int] = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if header_at is not None and r < header_at:
                continue
            if header is None:
                if any(v is not None and str(v).strip() for v in values):
                    header = list(values)
                    header_row = r
                continue
            if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                data.append(tuple(values))
                rows.append(r)
        sheet_name = ws.title
    finally:
        wb.close()
    if header is None:
        raise _fail(
            "empty_file",
            f"sheet '{sheet_name}' is empty",
            "put the header in the first row and one feature per row below it",
            file,
            zh=(f"工作表“{sheet_name}”为空", "请在第一行写表头，下方每行一个要素"),
        )
    width = max([len(header), *(len(d) for d in data)])
    headers = [*header, *([None] * (width - len(header)))]
    cleaned = _clean_headers(headers)
    # Drop trailing columns that have neither a header nor a value.
    keep = [
        i
        for i in range(width)
        if headers[i] is not None or any(i < len(d) and d[i] is not None for d in data)
    ]
    cleaned = _check_headers([cleaned[i] for i in keep], problems)
    matrix = [[d[i] if i < len(d) else None for i in keep] for d in data]
    df = (
        pd.DataFrame(matrix, columns=cleaned, dtype=object)
        if matrix
        else pd.DataFrame(columns=cleaned, dtype=object)
    )
    df.index = pd.Index(np.asarray(rows, dtype=np.int64), name="row")
    _formulas_without_values(
        path, sheet_name, df, columns=list(zip(cleaned, keep, strict=True)), problems=problems
    )
    if header_row != 1 and header_at is None:
        problems.add(
            "warning",
            "header_not_first_row",
            f"the header is in row {header_row} of sheet '{sheet_name}' (rows above it are empty)",
            "rows are numbered as in Excel",
            zh=(
                f"表头在工作表“{sheet_name}”的第 {header_row} 行（上方各行为空）",
                "行号与 Excel 中的行号一致",
            ),
        )
    df.attrs.update({"format": "Excel workbook", "sheet": sheet_name, "encoding": None})
    return df


def _formulas_without_values(
    path: Path,
    sheet: str,
    df: pd.DataFrame,
    *,
    columns: list[tuple[str, int]],
    problems: _Problems,
) -> None:
    """Name the empty cells that are formulas whose value was never saved (a workbook
    written by a program, not by Excel): they read as empty, which is not what they are."""
    empty = df.isna()
    if not len(df) or not empty.to_numpy().any():
        return
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        wanted = set(df.index)
        found: dict[str, list[int]] = {}
        for r, values in enumerate(wb[sheet].iter_rows(values_only=True), start=1):
            if r not in wanted:
                continue
            for col, i in columns:
                v = values[i] if i < len(values) else None
                if isinstance(v, str) and v.startswith("=") and bool(empty.loc[r, col]):
                    found.setdefault(col, []).append(r)
    finally:
        wb.close()
    for col, bad in found.items():
        problems.rows(
            "warning",
            "formula_without_value",
            np.asarray(bad, dtype=np.int64),
            "the cell holds a formula whose value was never saved, so it reads as empty",
            "open the file in Excel (or WPS) and save it, so the formulas' values are stored",
            column=col,
            zh=(
                "单元格中的公式从未保存计算结果，读作空值",
                "请用 Excel（或 WPS）打开文件并保存，使公式的值被保存",
            ),
        )
