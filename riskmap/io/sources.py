"""Read users' files, map their columns, validate every row, convert to WGS84.

Formats: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 detected), XLSX, GeoJSON, GeoPackage,
zipped Shapefile (its ``.prj`` and ``.cpg`` honoured) and a plain ``.shp`` path.

Reading a layer collects *every* problem with the file name, the row as the user counts
it (CSV/XLSX: the spreadsheet row, header = row 1; vector files: the 1-based feature
number), the column header as it appears in the file, a message and a hint. The rule
(also in docs/DATA.md):

* a **file-level error** (file not found, unsupported format, unreadable encoding, empty
  file, no rows, missing required column, unknown CRS, unsafe zip) makes the layer
  unavailable: :func:`read_layer` returns ``None``;
* a **row error** (bad coordinates or geometry, a required value missing or malformed,
  duplicate id, outside the city) drops that row; the layer is usable with the good rows;
* a **warning** (bad value in an optional field, which is then left empty; a repaired
  polygon; a CRS disagreement between the file and the project) keeps the row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from riskmap.config import (
    BoundaryConfig,
    FieldSpec,
    LayerBinding,
    LayerKind,
    Project,
    load_layer_kinds,
)
from riskmap.errors import (
    CRSError,
    LayerDataError,
    Problem,
    Severity,
    UnsafeFileError,
    ValidationReport,
)
from riskmap.io import crs as crs_mod
from riskmap.io.data import Layer, ProjectData

__all__ = [
    "MAX_ROW_PROBLEMS",
    "MAX_UNZIPPED_BYTES",
    "SUPPORTED_FORMATS",
    "X_ALIASES",
    "Y_ALIASES",
    "file_sha256",
    "load_project_data",
    "read_layer",
    "read_table",
    "suggest_columns",
]

SUPPORTED_FORMATS: dict[str, str] = {
    ".csv": "CSV",
    ".txt": "CSV",
    ".xlsx": "Excel workbook",
    ".xlsm": "Excel workbook",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile",
}
"""File suffix -> format name, for every format :func:`read_table` reads."""

MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
"""A zip whose members add up to more than this (declared or actually written) is refused."""
MAX_ZIP_MEMBERS = 5_000
MAX_ROW_PROBLEMS = 50
"""Per file, problem code and column: rows reported one by one; the rest are summarised."""
BBOX_MARGIN_DEG = 0.05
BBOX_MARGIN_SHARE = 0.10
"""The city bounding box is widened by max(BBOX_MARGIN_DEG, BBOX_MARGIN_SHARE × its size)."""

X_ALIASES: tuple[str, ...] = ("经度", "lon", "lng", "long", "longitude", "x", "X坐标", "东坐标")
Y_ALIASES: tuple[str, ...] = ("纬度", "lat", "latitude", "y", "Y坐标", "北坐标")

_SUPPORTED_TEXT = "CSV (.csv), Excel (.xlsx), GeoJSON (.geojson/.json), GeoPackage (.gpkg), zipped Shapefile (.zip) or .shp"
_NULL_TOKENS = frozenset({"", "null", "none", "nan", "nat", "n/a", "na", "#n/a", "-", "--", "—", "/"})
_TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1", "是", "对", "有", "真", "已整改", "√"})
_FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0", "否", "错", "无", "假", "未整改", "×"})
_CN_DIGITS = str.maketrans("一二三四五六七八九", "123456789")
_GEOMETRY_TYPES = {
    "point": {"Point"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "any": {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}
_TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
               "MultiPolygon", "GeometryCollection")
_DELIMITERS = (",", "\t", ";", "|")


# ------------------------------------------------------------------ problem collector


class _Problems:
    """Collects the problems of one file; rows beyond MAX_ROW_PROBLEMS per code are summarised."""

    def __init__(self, file: str | None, layer: str | None) -> None:
        self.file = file
        self.layer = layer
        self.items: list[Problem] = []
        self._suppressed: Counter[tuple[str, str | None, Severity]] = Counter()
        self._shown: Counter[tuple[str, str | None]] = Counter()
        self._hints: dict[tuple[str, str | None, Severity], str] = {}

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        hint: str = "",
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.items.append(Problem(severity, code, message, hint, self.file, self.layer, row, column))

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.items.append(Problem(p.severity, p.code, p.message, p.hint, self.file or p.file,
                                      self.layer or p.layer, p.row, p.column))

    def rows(
        self,
        severity: Severity,
        code: str,
        rows: npt.ArrayLike,
        messages: Sequence[str] | str,
        hint: str = "",
        *,
        column: str | None = None,
    ) -> None:
        """One problem per row (row numbers as the user counts them), capped per code/column."""
        row_arr = np.asarray(rows).ravel()
        if row_arr.size == 0:
            return
        key = (code, column)
        room = max(MAX_ROW_PROBLEMS - self._shown[key], 0)
        shown = row_arr[:room]
        for i, r in enumerate(shown):
            msg = messages if isinstance(messages, str) else messages[i]
            self.add(severity, code, msg, hint, row=int(r), column=column)
        self._shown[key] += shown.size
        if row_arr.size > shown.size:
            self._suppressed[(code, column, severity)] += row_arr.size - shown.size
            self._hints[(code, column, severity)] = hint

    def errors_since(self, mark: int) -> bool:
        """True when an error was added after ``len(self.items) == mark``."""
        return any(p.severity == "error" for p in self.items[mark:])

    def finish(self) -> list[Problem]:
        out = list(self.items)
        for (code, column, severity), n in self._suppressed.items():
            out.append(Problem(severity, code,
                               f"{n:,d} more row(s) with the same problem (only the first "
                               f"{MAX_ROW_PROBLEMS} are listed)",
                               self._hints[(code, column, severity)], self.file, self.layer,
                               None, column))
        return out


def _fail(code: str, message: str, hint: str, file: str | None, *, unsafe: bool = False,
          row: int | None = None, column: str | None = None) -> LayerDataError:
    problem = Problem("error", code, message, hint, file, None, row, column)
    report = ValidationReport([problem])
    text = f"{file}: {message}" if file else message
    return UnsafeFileError(text, report) if unsafe else LayerDataError(text, report)


# ----------------------------------------------------------------------- text values


def _norm_text(s: str) -> str:
    """Full-width -> half-width (NFKC), stripped."""
    return unicodedata.normalize("NFKC", s).strip()


def _cell_text(v: Any) -> str | None:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        if not np.isfinite(v):
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, np.floating):
        return _cell_text(float(v))
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    text = str(v).strip()
    return None if text.lower() in _NULL_TOKENS else text


def _to_text(values: pd.Series) -> pd.Series:
    """Stripped text of every value (object dtype), ``None`` where the value is missing."""
    if pd.api.types.is_string_dtype(values) and not is_numeric_dtype(values):
        # Arrow-backed strings: strip/lower/isin run in C, not per value in Python.
        stripped = pd.Series(values, dtype="string[pyarrow]").str.strip()
        null = (stripped.isna() | stripped.str.lower().isin(_NULL_TOKENS)).to_numpy(dtype=bool)
        arr = np.array(stripped.to_numpy(dtype=object), dtype=object)  # NA is in `null`
        arr[null] = None
        return pd.Series(arr, index=values.index, dtype="object")
    arr = np.array([_cell_text(v) for v in values.to_numpy(dtype=object)], dtype=object)
    return pd.Series(arr, index=values.index, dtype=object)


def _numbers(values: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], pd.Series]:
    """Parse numbers: (values, missing, text). NaN where missing or not a number."""
    if is_numeric_dtype(values) and not is_bool_dtype(values):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = ~np.isfinite(arr)
        return np.where(missing, np.nan, arr), missing, _to_text(values)
    text = _to_text(values)
    missing = text.isna().to_numpy()
    num = np.array(pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
    retry = np.flatnonzero(~missing & np.isnan(num))
    if retry.size:  # full-width digits, thousands separators, inner spaces
        cleaned = (
            pd.Series(text.iloc[retry].to_numpy(), dtype="string")
            .str.normalize("NFKC")
            .str.replace(",", "", regex=False)
            .str.replace(r"\s+", "", regex=True)
        )
        num[retry] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    num[~np.isfinite(num)] = np.nan
    return num, missing, text


# ---------------------------------------------------------------------- read_table


def _decode(raw: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    """Decode CSV bytes; returns (text, encoding used)."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError:
            raise _fail("unknown_encoding", f"unknown text encoding '{encoding}'",
                        "use e.g. utf-8, utf-8-sig or gbk, or leave encoding out to detect it",
                        file) from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise _fail("unreadable_encoding",
                        f"the file is not valid {encoding}: byte {exc.start} (line {line}) cannot be decoded",
                        "leave 'encoding' out so riskmap detects it, or save the file as UTF-8 "
                        "(Excel: 'CSV UTF-8')", file, row=line) from None
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
    raise _fail("unreadable_encoding",
                "the text encoding could not be recognised (tried UTF-8, UTF-8 with BOM, GB18030 "
                "and detection); the file may not be a text file",
                "save the file as 'CSV UTF-8' from Excel, or give 'encoding' in the project", file)


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
            problems.add("warning", "duplicate_column",
                         f"the header '{h}' appears more than once; the repeat is read as '{new}'",
                         "give every column its own header", row=1, column=h)
            out.append(new)
        else:
            out.append(h)
    return out


def _read_csv(path: Path, encoding: str | None, file: str, problems: _Problems) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise _fail("empty_file", "the file is empty", "export the table again with its header row", file)
    text, used = _decode(raw, encoding, file)
    sep = _sniff_delimiter(text)
    header_line = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])
    headers = _check_headers(_clean_headers(header_line), problems)
    try:
        df = pd.read_csv(io.BytesIO(text.encode("utf-8")), encoding="utf-8", sep=sep, dtype=object,
                         keep_default_na=False, skip_blank_lines=False, header=0, names=headers,
                         index_col=False)
        rows = np.arange(len(df)) + 2
    except (pd.errors.ParserError, ValueError):
        df, rows = _read_csv_lenient(text, sep, headers, problems)
    df.index = pd.Index(rows, name="row")
    df.attrs.update({"encoding": used, "format": "CSV", "delimiter": sep})
    return df


def _read_csv_lenient(text: str, sep: str, headers: list[str], problems: _Problems) -> tuple[pd.DataFrame, npt.NDArray[np.int64]]:
    """Fallback for rows with too many fields: report them and keep the others."""
    records = list(csv.reader(io.StringIO(text), delimiter=sep))[1:]
    good, rows, bad, bad_msgs = [], [], [], []
    for i, rec in enumerate(records):
        row = i + 2
        if len(rec) > len(headers) and any(v.strip() for v in rec[len(headers):]):
            bad.append(row)
            bad_msgs.append(f"{len(rec)} values but the header has {len(headers)} columns")
            continue
        good.append((rec + [""] * len(headers))[: len(headers)])
        rows.append(row)
    problems.rows("error", "wrong_field_count", bad, bad_msgs,
                  "a value containing the delimiter must be in double quotes; check this row")
    df = pd.DataFrame(good, columns=headers, dtype=str) if good else pd.DataFrame(columns=headers, dtype=str)
    return df, np.asarray(rows, dtype=np.int64)


def _read_xlsx(path: Path, sheet: str | None, file: str, problems: _Problems) -> pd.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail("unreadable_file", f"not a readable Excel workbook ({exc})",
                    "open it in Excel and save it again as .xlsx", file) from None
    for w in caught:
        problems.add("warning", "reader_warning", str(w.message))
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise _fail("sheet_not_found", f"no sheet named '{sheet}'; the workbook has: {', '.join(names)}",
                        "set 'sheet' to one of these names", file)
        ws.reset_dimensions()
        header: list[str] | None = None
        header_row = 0
        data: list[tuple[Any, ...]] = []
        rows: list[int] = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
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
        raise _fail("empty_file", f"sheet '{sheet_name}' is empty",
                    "put the header in the first row and one feature per row below it", file)
    width = max([len(header), *(len(d) for d in data)])
    headers = [*header, *([None] * (width - len(header)))]
    cleaned = _clean_headers(headers)
    # Drop trailing columns that have neither a header nor a value.
    keep = [i for i in range(width) if headers[i] is not None or any(
        i < len(d) and d[i] is not None for d in data)]
    cleaned = _check_headers([cleaned[i] for i in keep], problems)
    matrix = [[d[i] if i < len(d) else None for i in keep] for d in data]
    df = pd.DataFrame(matrix, columns=cleaned, dtype=object) if matrix else pd.DataFrame(columns=cleaned, dtype=object)
    df.index = pd.Index(np.asarray(rows, dtype=np.int64), name="row")
    if header_row != 1:
        problems.add("warning", "header_not_first_row",
                     f"the header is in row {header_row} of sheet '{sheet_name}' (rows above it are empty)",
                     "rows are numbered as in Excel")
    df.attrs.update({"format": "Excel workbook", "sheet": sheet_name, "encoding": None})
    return df


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """Member name, decoding GBK names written by Chinese Windows zip tools."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _extract_zip(path: Path, dest: Path, file: str) -> list[Path]:
    """Extract a zip safely: no absolute paths, no '..', no links, bounded total size."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail("unreadable_file", f"not a readable zip file ({exc})",
                    "zip the shapefile's parts (.shp .shx .dbf .prj .cpg) again", file) from None
    hint = "zip only the data files, with plain relative names"
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise _fail("unsafe_file", f"the zip holds {len(infos):,d} files (limit {MAX_ZIP_MEMBERS:,d})",
                        hint, file, unsafe=True)
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise _fail("unsafe_file",
                        f"the zip would unpack to {declared / 2**20:,.0f} MiB (limit {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB)",
                        "split the data or simplify it", file, unsafe=True)
        plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in infos:
            name = _zip_member_name(info).replace("\\", "/")
            parts = PurePosixPath(name)
            mode = (info.external_attr >> 16) & 0o170000
            if (name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts.parts
                    or mode == 0o120000):
                raise _fail("unsafe_file",
                            f"the zip member '{name}' points outside its folder (absolute path, '..' or a link)",
                            hint, file, unsafe=True)
            if info.is_dir() or parts.parts[0] == "__MACOSX" or parts.name.startswith("._"):
                continue
            plan.append((info, parts))
        written = 0
        out = []
        root = dest.resolve()
        for info, parts in plan:
            target = (root / Path(*parts.parts)).resolve()
            if not target.is_relative_to(root):
                raise _fail("unsafe_file", f"the zip member '{parts}' points outside its folder",
                            hint, file, unsafe=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:
                            raise _fail("unsafe_file",
                                        f"the zip unpacks to more than {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB",
                                        "split the data or simplify it", file, unsafe=True)
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
                raise _fail("unreadable_file", f"the zip member '{parts}' cannot be unpacked ({exc})",
                            "zip the files again (without a password)", file) from None
            out.append(target)
    return out


def _sibling(shp: Path, suffix: str) -> Path | None:
    for cand in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if cand.exists():
            return cand
    for cand in shp.parent.glob(shp.stem + ".*"):
        if cand.suffix.lower() == suffix:
            return cand
    return None


def _dbf_encoding(dbf: Path) -> str | None:
    """Guess a .dbf's text encoding when no .cpg says it: UTF-8, else GB18030, else None."""
    raw = dbf.read_bytes()
    if len(raw) < 32:
        return None
    ldid = raw[29]
    if ldid == 0x4D:  # code page 936 (GBK)
        return "gb18030"
    header_len = int.from_bytes(raw[8:10], "little")
    names = b"".join(raw[32 + 32 * i: 32 + 32 * i + 11].split(b"\x00")[0]
                     for i in range(max((header_len - 33) // 32, 0)))
    body = names + raw[header_len:].rstrip(b"\x1a")
    if not re.search(rb"[\x80-\xff]", body):
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            body.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return None


def _read_vector(path: Path, *, layer: str | None, encoding: str | None, file: str,
                 problems: _Problems, fmt: str) -> gpd.GeoDataFrame:
    import pyogrio

    suffix = path.suffix.lower()
    read_encoding = encoding
    if suffix == ".shp":
        missing = [s for s in (".shx", ".dbf") if _sibling(path, s) is None]
        if missing:
            raise _fail("incomplete_shapefile",
                        f"the shapefile '{path.name}' has no {' or '.join(missing)} part",
                        "a shapefile is several files: zip .shp .shx .dbf .prj and .cpg together", file)
        if _sibling(path, ".prj") is None:
            problems.add("warning", "no_crs", f"the shapefile '{path.name}' has no .prj file",
                         "the layer's 'crs' from the project is used (WGS84 when not given)")
        if encoding is None and _sibling(path, ".cpg") is None:
            dbf = _sibling(path, ".dbf")
            read_encoding = _dbf_encoding(dbf) if dbf is not None else None
    try:
        layers_info = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise _fail("unreadable_file", f"cannot open the file as {fmt} ({_short(exc)})",
                    "check that it is a valid file of this format (open it in QGIS)", file) from None
    names = [str(n) for n in layers_info[:, 0]] if len(layers_info) else []
    if not names:
        raise _fail("no_rows", "the file holds no layer", "export the features again", file)
    if layer is not None and layer not in names:
        raise _fail("layer_not_found", f"no layer named '{layer}'; the file has: {', '.join(names)}",
                    "set 'layer' to one of these names", file)
    if layer is None and len(names) > 1:
        raise _fail("several_layers", f"the file has {len(names)} layers: {', '.join(names)}",
                    "set 'layer' in the project to the one to use", file)
    chosen = layer or names[0]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = pyogrio.read_dataframe(path, layer=chosen, encoding=read_encoding)
    except Exception as exc:
        raise _fail("unreadable_file", f"cannot read the file as {fmt} ({_short(exc)})",
                    "check that it is a valid file of this format (open it in QGIS)", file) from None
    for w in caught:
        problems.add("warning", "reader_warning", str(w.message))
    if not isinstance(gdf, gpd.GeoDataFrame):
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([None] * len(gdf)))
    headers = _clean_headers([c for c in gdf.columns if c != gdf.geometry.name])
    geom_name = gdf.geometry.name
    rename = dict(zip([c for c in gdf.columns if c != geom_name], headers, strict=True))
    gdf = gdf.rename(columns=rename)
    gdf.index = pd.Index(np.arange(1, len(gdf) + 1), name="row")
    gdf.attrs.update({"format": fmt, "layer": chosen, "encoding": read_encoding,
                      "crs_implicit": fmt == "GeoJSON" and not _geojson_declares_crs(path)})
    return gdf


def _geojson_declares_crs(path: Path) -> bool:
    """True when a GeoJSON file has a (pre-RFC 7946) ``crs`` member; else GDAL assumes WGS84."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
    return re.search(rb'"crs"\s*:', head) is not None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    source_name: str | None = None,
) -> tuple[pd.DataFrame | gpd.GeoDataFrame, list[Problem]]:
    """Read one file as it is: every column as in the file, rows numbered as the user counts.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``, ``.xlsx``/``.xlsm``, ``.geojson``/``.json``, ``.gpkg``, ``.shp``
        or ``.zip`` (holding a shapefile or one of the other formats).
    encoding
        Text encoding of a CSV (or of a shapefile's .dbf without .cpg). Detected when None:
        UTF-8 (with or without BOM) strictly first, then GB18030 (a superset of GBK), then
        charset-normalizer.
    sheet
        Worksheet name of a workbook; the first sheet when None.
    layer
        Layer of a GeoPackage (or shapefile name inside a zip); needed only when there
        are several.
    source_name
        The file name shown in problems (e.g. the original name of an upload).

    Returns
    -------
    frame, problems
        A DataFrame (tables: all values as read, CSV values as text) or a GeoDataFrame
        (vector files, in the file's own CRS), indexed by ``row``: the spreadsheet row
        (header = row 1) or the 1-based feature number. ``frame.attrs`` holds ``format``,
        ``encoding`` (the one used), and ``sheet`` or ``layer``. ``problems`` are the
        warnings and row errors found while reading.

    Raises
    ------
    LayerDataError
        When the file cannot be used at all (not found, unsupported format, unreadable
        encoding, empty, several layers and none chosen); ``exc.report`` holds the problem.
    UnsafeFileError
        For a zip with members outside its folder or too large when unpacked.
    """
    p = Path(path)
    file = source_name or p.name
    problems = _Problems(file, None)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_FORMATS:
        hint = "save it as .xlsx" if suffix in {".xls", ".et", ".ods"} else f"supported: {_SUPPORTED_TEXT}"
        raise _fail("unsupported_format", f"files of type '{suffix or '(none)'}' cannot be read", hint, file)
    if not p.exists():
        raise _fail("file_not_found", f"file not found: {p}",
                    "check the path (in a project file, paths are relative to the project's folder)", file)
    if p.is_dir():
        raise _fail("file_not_found", f"{p} is a folder, not a file", "give the path of a file", file)
    if p.stat().st_size == 0:
        raise _fail("empty_file", "the file is empty (0 bytes)", "export the data again", file)
    fmt = SUPPORTED_FORMATS[suffix]
    frame: pd.DataFrame | gpd.GeoDataFrame
    if fmt == "CSV":
        frame = _read_csv(p, encoding, file, problems)
    elif fmt == "Excel workbook":
        frame = _read_xlsx(p, sheet, file, problems)
    elif suffix == ".zip":
        frame = _read_zip(p, encoding=encoding, sheet=sheet, layer=layer, file=file, problems=problems)
    else:
        frame = _read_vector(p, layer=layer, encoding=encoding, file=file, problems=problems, fmt=fmt)
    return frame, problems.finish()


def _read_zip(path: Path, *, encoding: str | None, sheet: str | None, layer: str | None,
              file: str, problems: _Problems) -> pd.DataFrame | gpd.GeoDataFrame:
    tmp = Path(tempfile.mkdtemp(prefix="riskmap-zip-"))
    try:
        members = _extract_zip(path, tmp, file)
        shps = [m for m in members if m.suffix.lower() == ".shp"]
        others = [m for m in members if m.suffix.lower() in SUPPORTED_FORMATS
                  and m.suffix.lower() not in {".zip", ".shp", ".txt"}]
        candidates = shps or others
        if layer is not None and len(candidates) > 1:
            candidates = [m for m in candidates if m.stem == layer] or candidates
        if not candidates:
            found = ", ".join(sorted(m.name for m in members)) or "(nothing)"
            raise _fail("unsupported_format", f"the zip holds no shapefile (.shp) or other data file; it has: {found}",
                        f"zip a shapefile's parts together; supported: {_SUPPORTED_TEXT}", file)
        if len(candidates) > 1:
            raise _fail("several_layers",
                        f"the zip holds {len(candidates)} data files: {', '.join(m.name for m in candidates)}",
                        "set 'layer' in the project to the file name (without extension) to use", file)
        inner = candidates[0]
        inner_layer = None if inner.suffix.lower() == ".shp" else layer
        frame, inner_problems = read_table(inner, encoding=encoding, sheet=sheet, layer=inner_layer,
                                           source_name=file)
        problems.extend(inner_problems)
        frame.attrs["member"] = str(inner.relative_to(tmp))
        if inner.suffix.lower() == ".shp":
            frame.attrs["format"] = "zipped Shapefile"
        return frame
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- suggest_columns


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
        ((len(_norm_header(a)), field, _norm_header(a)) for field, aliases in targets for a in aliases),
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


# --------------------------------------------------------------------- read_layer


def _resolve_path(path: str, root: Path | str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (Path(root) / p).resolve()


def _crs_equal(a: pyproj.CRS, b: pyproj.CRS) -> bool:
    if a == b:
        return True
    ea, eb = a.to_epsg(min_confidence=70), b.to_epsg(min_confidence=70)
    return ea is not None and ea == eb


def _source_crs(binding_crs: str, explicit: bool, frame: pd.DataFrame, problems: _Problems) -> crs_mod.CRSSpec:
    """The CRS of the file's coordinates: the project's when given, else the file's own."""
    spec = crs_mod.parse_crs(binding_crs)
    file_crs = frame.crs if isinstance(frame, gpd.GeoDataFrame) else None
    if file_crs is None:
        return spec
    file_crs = pyproj.CRS.from_user_input(file_crs)
    if not explicit:
        return crs_mod.parse_crs(file_crs)
    if spec.kind in {"gcj02", "bd09"}:
        if not file_crs.is_geographic:
            problems.add("warning", "crs_mismatch",
                         f"the file declares {crs_mod.parse_crs(file_crs).label} but the project says {spec.label}; "
                         f"the project's {spec.label} is used",
                         "remove 'crs' from the project to use the file's own, or fix the file")
        return spec
    implicit = frame.attrs.get("crs_implicit", False)
    if not implicit and not _crs_equal(file_crs, spec.crs):
        problems.add("warning", "crs_mismatch",
                     f"the file declares {crs_mod.parse_crs(file_crs).label} but the project says {spec.label}; "
                     f"the project's {spec.label} is used",
                     "remove 'crs' from the project to use the file's own, or fix the file")
    return spec


def _checked_crs(binding_crs: str, explicit: bool, frame: pd.DataFrame,
                 problems: _Problems) -> crs_mod.CRSSpec | None:
    """The source CRS, or None (with an ``unknown_crs`` problem) when it cannot reach WGS84."""
    hint = ("use WGS84, CGCS2000, GCJ02, BD09 or EPSG:nnnn (e.g. EPSG:4547 for CGCS2000 "
            "Gauss-Kruger CM 114°E)")
    try:
        spec = _source_crs(binding_crs, explicit, frame, problems)
    except CRSError as exc:
        problems.add("error", "unknown_crs", str(exc).split(" Accepted:")[0], hint)
        return None
    try:
        crs_mod.to_wgs84_xy(np.array([0.0]), np.array([0.0]), spec)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
        problems.add("error", "unknown_crs",
                     f"coordinates in {spec.label} cannot be converted to WGS84 ({_short(exc)})", hint)
        return None
    return spec


def _is_geographic(spec: crs_mod.CRSSpec) -> bool:
    return spec.kind != "pyproj" or bool(spec.crs.is_geographic)


def _margin_box(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    m = max(BBOX_MARGIN_DEG, BBOX_MARGIN_SHARE * max(maxx - minx, maxy - miny))
    return minx - m, miny - m, maxx + m, maxy + m


def _swap_xy(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    return np.asarray(shapely.transform(geoms, lambda c: c[:, ::-1]), dtype=object)


def _fmt_xy(x: float, y: float) -> str:
    return f"x={x:.6g}, y={y:.6g}"


def _geometries_wgs84(
    geoms: npt.NDArray[np.object_],
    rows: npt.NDArray[np.int64],
    spec: crs_mod.CRSSpec,
    *,
    geometry: str,
    bbox_wgs84: Sequence[float] | None,
    problems: _Problems,
    column: str | None,
    from_table: bool,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Check and convert source geometries; returns (WGS84 geometries, good-row mask)."""
    n = len(geoms)
    ok = np.ones(n, dtype=bool)
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out, ok
    geoms = np.asarray(geoms, dtype=object)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if not from_table:
        problems.rows("error", "null_geometry", rows[missing], "the feature has no geometry (null or empty)",
                      "draw the feature again or delete it", column=column)
    ok &= ~missing
    # Geometry type for the kind (multi-points of one point become points).
    type_ids = shapely.get_type_id(geoms)
    single_mp = (type_ids == 4) & (shapely.get_num_geometries(geoms) == 1) & ok
    if single_mp.any():
        geoms = geoms.copy()
        geoms[single_mp] = shapely.get_geometry(geoms[single_mp], 0)
        type_ids = shapely.get_type_id(geoms)
    allowed = _GEOMETRY_TYPES[geometry]
    names = np.array((*_TYPE_NAMES, "None"), dtype=object)[np.where(type_ids < 0, 8, type_ids)]
    wrong = ok & ~np.isin(names, list(allowed))
    if wrong.any():
        idx = np.flatnonzero(wrong)
        problems.rows("error", "wrong_geometry", rows[idx],
                      [f"the geometry is a {names[i]}; this layer needs {geometry} geometries" for i in idx],
                      f"convert the features to {geometry}s, or bind the file to a layer kind of that geometry",
                      column=column)
    ok &= ~wrong
    # Values in the wrong unit: degrees vs metres (on bounds, before conversion).
    bounds = np.full((n, 4), np.nan)
    bounds[ok] = shapely.bounds(geoms[ok])
    bx0, by0, bx1, by1 = bounds.T
    ax = np.fmax(np.abs(bx0), np.abs(bx1))
    ay = np.fmax(np.abs(by0), np.abs(by1))
    bad_num = ok & ~(np.isfinite(bounds).all(axis=1))
    problems.rows("error", "bad_coordinates", rows[bad_num], "the coordinates are not finite numbers",
                  "fix the coordinates", column=column)
    ok &= ~bad_num
    swapped = np.zeros(n, dtype=bool)
    if _is_geographic(spec):
        out_of_range = ok & ((ax > 180) | (ay > 90))
        swap_like = out_of_range & (ax <= 90) & (ay <= 180)
        swapped |= swap_like
        projected = out_of_range & ~swap_like & ((ax > 1000) | (ay > 1000))
        other = out_of_range & ~swap_like & ~projected
        idx = np.flatnonzero(projected)
        problems.rows("error", "projected_as_degrees", rows[idx],
                      [f"{_fmt_xy(bx0[i], by0[i])} are not longitude/latitude in degrees: they look like "
                       f"projected coordinates in metres, but the layer's crs is {spec.label}" for i in idx],
                      "set the layer's crs to the projected system, e.g. EPSG:4547 (CGCS2000 3-degree "
                      "Gauss-Kruger, central meridian 114°E)", column=column)
        idx = np.flatnonzero(other)
        problems.rows("error", "bad_coordinates", rows[idx],
                      [f"{_fmt_xy(bx0[i], by0[i])} is outside the range of longitude (±180) / latitude (±90)"
                       for i in idx], "fix the coordinates", column=column)
        ok &= ~out_of_range
    else:
        degrees = ok & (ax <= 180) & (ay <= 90)
        idx = np.flatnonzero(degrees)
        problems.rows("error", "degrees_as_projected", rows[idx],
                      [f"{_fmt_xy(bx0[i], by0[i])} look like longitude/latitude in degrees, but the layer's "
                       f"crs is the projected {spec.label}" for i in idx],
                      "set the layer's crs to WGS84, CGCS2000, GCJ02 or BD09", column=column)
        ok &= ~degrees
    # Convert the good rows.
    idx = np.flatnonzero(ok)
    if idx.size:
        converted = crs_mod.to_wgs84_geometries(geoms[idx], spec)
        out[idx] = converted
        cb = shapely.bounds(converted)
        nonfinite = ~np.isfinite(cb).all(axis=1)
        problems.rows("error", "bad_coordinates", rows[idx[nonfinite]],
                      f"the coordinates cannot be converted from {spec.label} to WGS84",
                      "check the layer's crs and the coordinates", column=column)
        ok[idx[nonfinite]] = False
    # Inside the city's bounding box?
    if bbox_wgs84 is not None:
        box = shapely.box(*_margin_box(bbox_wgs84))
        idx = np.flatnonzero(ok)
        outside = idx[~shapely.intersects(out[idx], box)] if idx.size else idx
        if outside.size:
            try:
                swapped_back = crs_mod.to_wgs84_geometries(_swap_xy(geoms[outside]), spec)
                inside_if_swapped = shapely.intersects(swapped_back, box)
            except Exception:
                inside_if_swapped = np.zeros(outside.size, dtype=bool)
            swapped[outside[inside_if_swapped]] = True
            far = outside[~inside_if_swapped]
            ok[outside] = False
            minx, miny, maxx, maxy = (float(v) for v in bbox_wgs84)
            reps = shapely.point_on_surface(out[far]) if far.size else np.array([], dtype=object)
            problems.rows("error", "outside_bbox", rows[far],
                          [f"the feature at lon {shapely.get_x(p):.5f}, lat {shapely.get_y(p):.5f} is outside the "
                           f"city (lon {minx:.3f}..{maxx:.3f}, lat {miny:.3f}..{maxy:.3f})" for p in reps],
                          "check the coordinates and the layer's crs (GCJ02/BD09/WGS84/a projected EPSG code)",
                          column=column)
    idx = np.flatnonzero(swapped)
    if idx.size:
        problems.rows("error", "swapped_xy", rows[idx],
                      [f"longitude and latitude appear to be swapped ({_fmt_xy(bx0[i], by0[i])})" for i in idx],
                      "swap the columns (or x/y in the project), longitude/easting is x" if from_table
                      else "swap the coordinates' axis order when exporting the file", column=column)
        ok[idx] = False
        out[idx] = None
    # Repair invalid polygons and lines.
    idx = np.flatnonzero(ok)
    if idx.size:
        invalid = idx[~shapely.is_valid(out[idx])]
        if invalid.size:
            reasons = shapely.is_valid_reason(out[invalid])
            repaired = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
            empty = shapely.is_empty(repaired) | shapely.is_missing(repaired)
            problems.rows("warning", "invalid_geometry", rows[invalid[~empty]],
                          [f"invalid geometry ({r}); repaired" for r in reasons[~empty]],
                          "check the feature's outline in a GIS (self-intersection, duplicate rings)",
                          column=column)
            problems.rows("error", "null_geometry", rows[invalid[empty]],
                          "the geometry is invalid and nothing is left after repair",
                          "draw the feature again", column=column)
            out[invalid] = repaired
            ok[invalid[empty]] = False
    out[~ok] = None
    return out, ok


def _cast_field(field: str, spec: FieldSpec, values: pd.Series, rows: npt.NDArray[np.int64], *,
                header: str, problems: _Problems) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Cast one column to the field's type; returns (values, bad-row mask for errors)."""
    severity: Severity = "error" if spec.required else "warning"
    tail = "" if spec.required else "; the value is left empty"
    bad = np.zeros(len(values), dtype=bool)
    label = f"{spec.label.en} ({spec.label.zh})"
    if spec.type in {"int", "float"}:
        num, missing, text = _numbers(values)
        not_num = ~missing & np.isnan(num)
        idx = np.flatnonzero(not_num)
        problems.rows(severity, "non_numeric", rows[idx],
                      [f"'{text.iloc[i]}' is not a number{tail}" for i in idx],
                      f"{label} must be a plain number (no units or text)", column=header)
        bad |= not_num
        if spec.type == "int":
            frac = np.isfinite(num) & (num != np.round(num))
            idx = np.flatnonzero(frac)
            problems.rows(severity, "not_integer", rows[idx],
                          [f"{num[i]:g} is not a whole number{tail}" for i in idx],
                          f"{label} must be a whole number", column=header)
            bad |= frac
        low = np.isfinite(num) & (num < spec.min) if spec.min is not None else np.zeros(len(num), bool)
        high = np.isfinite(num) & (num > spec.max) if spec.max is not None else np.zeros(len(num), bool)
        rng = f"between {spec.min:g} and {spec.max:g}" if spec.min is not None and spec.max is not None else (
            f"at least {spec.min:g}" if spec.min is not None else f"at most {spec.max:g}" if spec.max is not None else "")
        idx = np.flatnonzero(low | high)
        problems.rows(severity, "out_of_range", rows[idx],
                      [f"{num[i]:g} is out of range: {label} must be {rng}{tail}" for i in idx],
                      f"correct the value ({rng})", column=header)
        bad |= low | high
        num = np.where(bad, np.nan, num)
        if spec.type == "int":
            result = pd.Series(pd.array(np.where(np.isnan(num), 0, num).astype(np.int64), dtype="Int64"))
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
        idx = np.flatnonzero(not_date)
        problems.rows(severity, "bad_date", rows[idx], [f"'{text.iloc[i]}' is not a date{tail}" for i in idx],
                      "write dates as 2023-05-01 (or 2023/5/1, 2023年5月1日)", column=header)
        bad |= not_date
        parsed_arr = parsed_arr.mask(bad)
        return parsed_arr, bad if spec.required else np.zeros(len(values), bool)
    text = _to_text(values)
    if spec.type == "category":
        allowed = tuple(spec.allowed or ())
        lookup: dict[str, str] = {}
        for a in allowed:
            lookup.setdefault(_norm_text(a).lower(), a)
            lookup.setdefault(_norm_text(a).lower().translate(_CN_DIGITS), a)
        mapped = _map_distinct(text, lambda v: lookup.get(_norm_text(v).lower(), lookup.get(
            _norm_text(v).lower().translate(_CN_DIGITS))))
        unknown = (text.notna() & mapped.isna()).to_numpy()
        idx = np.flatnonzero(unknown)
        problems.rows(severity, "unknown_category", rows[idx],
                      [f"'{text.iloc[i]}' is not an allowed value{tail}" for i in idx],
                      f"{label} must be one of: {', '.join(allowed)}", column=header)
        bad |= unknown
        arr = mapped.to_numpy(dtype=object, copy=True)
        arr[pd.isna(arr) | bad] = None
        return pd.Series(arr, dtype=object), bad if spec.required else np.zeros(len(values), bool)
    if spec.type == "bool":
        norm = _map_distinct(text, lambda v: _norm_text(v).lower())
        is_true = norm.isin(_TRUE_TOKENS).to_numpy()
        is_false = norm.isin(_FALSE_TOKENS).to_numpy()
        not_bool = text.notna().to_numpy() & ~is_true & ~is_false
        idx = np.flatnonzero(not_bool)
        problems.rows(severity, "bad_bool", rows[idx], [f"'{text.iloc[i]}' is not yes/no{tail}" for i in idx],
                      "write 是/否, yes/no, true/false or 1/0", column=header)
        bad |= not_bool
        result = pd.Series(pd.array(is_true, dtype="boolean"))
        result[~(is_true | is_false)] = pd.NA
        return result, bad if spec.required else np.zeros(len(values), bool)
    return pd.Series(text.to_numpy(dtype=object), dtype=object), bad


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
        frame, read_problems = read_table(path, encoding=binding.encoding, sheet=binding.sheet,
                                          layer=binding.layer, source_name=shown)
    except LayerDataError as exc:
        problems.extend(exc.report.problems)
        return None, problems.finish()
    problems.extend(read_problems)
    gdf = _validate_frame(frame, binding, kind, bbox_wgs84, problems)
    return gdf, problems.finish()


def _validate_frame(frame: pd.DataFrame, binding: LayerBinding, kind: LayerKind,
                    bbox_wgs84: Sequence[float] | None, problems: _Problems) -> gpd.GeoDataFrame | None:
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    geom_name = frame.geometry.name if is_vector else None
    headers = [str(c) for c in frame.columns if c != geom_name]
    found = ", ".join(headers) or "(none)"
    if len(frame) == 0:
        problems.add("error", "no_rows", "the file has no rows of data" if not is_vector else "the file has no features",
                     "add the features below the header row" if not is_vector else "export the features again")
        return None
    mark = len(problems.items)
    spec = _checked_crs(binding.crs, "crs" in binding.model_fields_set, frame, problems)
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
            problems.add("error" if spec_f.required else "warning", "missing_column",
                         f"the column '{header}' given for {field} is not in the file; columns found: {found}",
                         "fix 'columns' in the project (headers must match exactly)", row=1 if not is_vector else None,
                         column=header)
            continue
        if field in suggested:
            mapping[field] = suggested[field]
        elif spec_f.required:
            aliases = ", ".join(spec_f.aliases[:6])
            problems.add("error", "missing_column",
                         f"no column for the required field '{field}' ({spec_f.label.zh}); columns found: {found}",
                         f"name a column e.g. {aliases}, or map it under 'columns: {{{field}: <header>}}' in the project",
                         row=1 if not is_vector else None)
    xcol = ycol = None
    if not is_vector:
        if kind.geometry in {"line", "polygon"}:
            problems.add("error", "wrong_geometry",
                         f"a table gives points, but this layer needs {kind.geometry}s",
                         "use a GeoJSON, GeoPackage or zipped shapefile for lines and polygons")
        for axis, given, key in (("x", binding.x, "_x"), ("y", binding.y, "_y")):
            col = given if given is not None else suggested.get(key)
            if col is None or col not in headers:
                what = "longitude/easting (x)" if axis == "x" else "latitude/northing (y)"
                names = ", ".join(X_ALIASES if axis == "x" else Y_ALIASES)
                problems.add("error", "missing_column",
                             f"no {what} column" + (f" '{col}'" if col else "") + f"; columns found: {found}",
                             f"name the column one of {names}, or set '{axis}:' in the project",
                             row=1, column=col)
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
            idx = np.flatnonzero(miss)
            problems.rows("error", "missing_coordinates", rows[idx], "the coordinate is empty",
                          "fill in the coordinate or delete the row", column=col)
            idx = np.flatnonzero(~miss & np.isnan(vals))
            problems.rows("error", "non_numeric", rows[idx], [f"'{text.iloc[i]}' is not a number" for i in idx],
                          "coordinates must be decimal numbers (e.g. 114.305); convert degrees-minutes-seconds",
                          column=col)
        good_xy = np.isfinite(xs) & np.isfinite(ys)
        ok &= good_xy
        src = np.full(n, None, dtype=object)
        src[good_xy] = shapely.points(xs[good_xy], ys[good_xy])
        geo_column = xcol
    geom_ok_rows = np.flatnonzero(ok)
    wgs, gok = _geometries_wgs84(src[geom_ok_rows], rows[geom_ok_rows], spec,
                                 geometry=kind.geometry, bbox_wgs84=bbox_wgs84, problems=problems,
                                 column=geo_column,
                                 from_table=not is_vector)
    geometry = np.full(n, None, dtype=object)
    geometry[geom_ok_rows] = wgs
    ok[geom_ok_rows[~gok]] = False
    # Fields.
    columns: dict[str, Any] = {}
    for field, spec_f in kind.fields.items():
        header = mapping.get(field)
        if header is None:
            columns[field] = _empty_field(spec_f, n)
            continue
        values, bad = _cast_field(field, spec_f, frame[header].reset_index(drop=True), rows,
                                  header=header, problems=problems)
        if spec_f.required:
            missing = pd.Series(values).isna().to_numpy() & ~bad  # '' and NULL tokens are missing
            idx = np.flatnonzero(missing)
            problems.rows("error", "missing_value", rows[idx], f"the required {field} ({spec_f.label.zh}) is empty",
                          "fill it in or delete the row", column=header)
            bad = bad | missing
        ok &= ~bad
        if spec_f.unique:
            keys = pd.Series(values).astype(object)
            repeated = keys.duplicated(keep="first").to_numpy()
            dup = keys.notna().to_numpy() & repeated
            if dup.any():
                firsts = dict(zip(keys[~repeated], rows[~repeated], strict=True))
                first_row = keys.map(firsts).to_numpy()
                idx = np.flatnonzero(dup)
                code = "duplicate_id" if field == "id" else "duplicate_value"
                problems.rows("error", code, rows[idx],
                              [f"'{keys.iloc[i]}' is used again (first in row {first_row[i]})" for i in idx],
                              f"every {field} must be unique; the repeated row is left out", column=header)
                ok &= ~dup
        columns[field] = values
    if "name" in columns:
        columns["name"] = pd.Series(columns["name"]).astype(object).where(pd.Series(columns["name"]).notna(), "").astype(str)
    if "id" in columns:
        columns["id"] = pd.Series(columns["id"]).astype(object)
    keep = np.flatnonzero(ok)
    if keep.size == 0:
        problems.add("error", "no_valid_rows", f"none of the {n:,d} row(s) can be used",
                     "fix the problems listed for this file")
        return None
    data = {f: pd.Series(v).iloc[keep].reset_index(drop=True) for f, v in columns.items()}
    if "id" in data:
        data["id"] = data["id"].astype(str)
    out = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry[keep], crs="EPSG:4326"), crs="EPSG:4326")
    out.attrs.update({"source_crs": spec.label, "encoding": frame.attrs.get("encoding"),
                      "format": frame.attrs.get("format"), "rows_read": n})
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


# -------------------------------------------------------------- load_project_data


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _boundary_binding(name: str, cfg: BoundaryConfig, columns: dict[str, str]) -> LayerBinding:
    data: dict[str, Any] = {"name": name, "kind": "district", "path": cfg.path, "columns": columns}
    if "crs" in cfg.model_fields_set:
        data["crs"] = cfg.crs
    return LayerBinding(**data)


def _read_boundary(project: Project, problems: _Problems) -> gpd.GeoDataFrame | None:
    cfg = project.boundary
    path = project.resolve(cfg.path)
    problems.file = path.name
    try:
        frame, read_problems = read_table(path, source_name=path.name)
    except LayerDataError as exc:
        problems.extend(exc.report.problems)
        return None
    problems.extend(read_problems)
    if not isinstance(frame, gpd.GeoDataFrame):
        problems.add("error", "wrong_geometry", "the boundary must be polygons (GeoJSON, GeoPackage or shapefile)",
                     "export the city boundary as polygons")
        return None
    if len(frame) == 0:
        problems.add("error", "no_rows", "the boundary file has no features", "export the city boundary again")
        return None
    spec = _checked_crs(cfg.crs, "crs" in cfg.model_fields_set, frame, problems)
    if spec is None:
        return None
    rows = frame.index.to_numpy(dtype=np.int64)
    geoms, ok = _geometries_wgs84(np.asarray(frame.geometry.array, dtype=object), rows, spec,
                                  geometry="polygon", bbox_wgs84=None, problems=problems, column=None,
                                  from_table=False)
    if not ok.any():
        problems.add("error", "no_valid_rows", "no usable boundary polygon", "fix the boundary file")
        return None
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms[ok], crs="EPSG:4326"), crs="EPSG:4326")


def load_project_data(project: Project, kinds: dict[str, LayerKind] | None = None) -> ProjectData:
    """Read the boundary, districts and every enabled layer of a project.

    Parameters
    ----------
    project
        A loaded project (:func:`riskmap.config.load_project`).
    kinds
        Layer kinds; :func:`riskmap.config.load_layer_kinds` by default.

    Returns
    -------
    ProjectData
        Boundary (dissolved to one geometry), districts (``adcode``, ``name``) and layers,
        all in the working CRS (``crs.working_crs(boundary, project.working_crs)``);
        ``unavailable`` maps each binding that could not be used (or is disabled) to the
        reason; ``report`` holds every problem and ``counts`` (binding -> features used);
        ``file_hashes`` maps each file read (relative to the project folder) to its SHA-256.

    Raises
    ------
    LayerDataError
        When the boundary is missing or unusable (``exc.report`` lists the problems).
    """
    kinds = kinds if kinds is not None else load_layer_kinds()
    report = ValidationReport()
    hashes: dict[str, str] = {}

    def remember(path: Path) -> None:
        if path.is_file():
            try:
                key = path.relative_to(project.root.resolve()).as_posix()
            except ValueError:
                key = path.as_posix()
            hashes[key] = file_sha256(path)

    boundary_problems = _Problems(None, "boundary")
    boundary_gdf = _read_boundary(project, boundary_problems)
    boundary_report = ValidationReport(boundary_problems.finish())
    report.extend(boundary_report.problems)
    remember(project.resolve(project.boundary.path))
    if boundary_gdf is None or not boundary_report.ok:
        raise LayerDataError(f"the city boundary ({project.boundary.path}) cannot be used", boundary_report)
    boundary_wgs84 = shapely.union_all(np.asarray(boundary_gdf.geometry.array, dtype=object))
    boundary_wgs84 = shapely.make_valid(boundary_wgs84, method="structure", keep_collapsed=False)
    try:
        work = crs_mod.working_crs(boundary_wgs84, project.working_crs)
    except CRSError as exc:
        raise LayerDataError(f"working CRS: {exc}", boundary_report) from None
    bbox = tuple(float(v) for v in shapely.bounds(boundary_wgs84))
    boundary_work = gpd.GeoSeries([boundary_wgs84], crs="EPSG:4326").to_crs(work).iloc[0]

    # Districts: a broken file is reported and replaced by the boundary as one district.
    dcfg = project.districts
    dbinding = _boundary_binding("districts", dcfg, {"id": dcfg.adcode_column, "name": dcfg.name_column})
    dgdf, dproblems = read_layer(dbinding, kinds["district"] if "district" in kinds else _district_kind(),
                                 root=project.root, bbox_wgs84=bbox)
    report.extend(dproblems)
    remember(project.resolve(dcfg.path))
    if dgdf is None:
        districts = gpd.GeoDataFrame({"adcode": [project.adcode], "name": [project.title.zh]},
                                     geometry=[boundary_work], crs=work)
        report.add(Problem("warning", "districts_unavailable",
                           "the districts file cannot be used; the whole boundary is used as one district",
                           "fix the districts file", Path(dcfg.path).name, "districts"))
    else:
        districts = gpd.GeoDataFrame({"adcode": dgdf["id"].to_numpy(), "name": dgdf["name"].to_numpy()},
                                     geometry=dgdf.geometry.to_crs(work).to_numpy(), crs=work)

    layers: dict[str, Layer] = {}
    unavailable: dict[str, str] = {}
    for binding in project.layers:
        path = project.resolve(binding.path)
        if not binding.enabled:
            unavailable[binding.name] = "disabled in the project file"
            continue
        kind = kinds.get(binding.kind)
        if kind is None:
            unavailable[binding.name] = f"unknown layer kind '{binding.kind}'"
            report.add(Problem("error", "unknown_kind", unavailable[binding.name], "", path.name, binding.name))
            continue
        gdf, problems = read_layer(binding, kind, root=project.root, bbox_wgs84=bbox)
        report.extend(problems)
        remember(path)
        if gdf is None:
            errors = [p for p in problems if p.severity == "error"]
            unavailable[binding.name] = errors[0].message if errors else "no usable features"
            report.counts[binding.name] = 0
            continue
        attrs = dict(gdf.attrs)
        work_gdf = gdf.to_crs(work)
        work_gdf.attrs.update(attrs)
        layers[binding.name] = Layer(binding=binding, kind=kind, gdf=work_gdf, source=path)
        report.counts[binding.name] = len(work_gdf)
    return ProjectData(project=project, kinds=kinds, crs=work, boundary=boundary_work, districts=districts,
                       layers=layers, unavailable=unavailable, report=report, file_hashes=hashes)


def _district_kind() -> LayerKind:
    """A minimal district kind for when riskmap/config/kinds/district.yaml is not among the kinds given."""
    from riskmap.config import Text

    return LayerKind(
        kind="district", name=Text(zh="行政区划", en="District boundary"), role="context",
        geometry="polygon", method="none", category_code="XZ",
        fields={"id": FieldSpec(type="str", label=Text(zh="行政区划代码", en="Adcode"), required=True, unique=True),
                "name": FieldSpec(type="str", label=Text(zh="名称", en="Name"), required=True)},
    )
