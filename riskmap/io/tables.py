"""Reading tables and vector files as bureaus have them: CSV in UTF-8, UTF-8 with BOM or
GBK (detected), XLSX, GeoJSON, GeoPackage, zipped Shapefiles (with .prj/.cpg), safe
unzipping (size and member limits, no path escapes).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from riskmap.errors import (
    Problem,
)
from riskmap.io.values import _fail, _Problems

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

_SUPPORTED_TEXT = "CSV (.csv), Excel (.xlsx), GeoJSON (.geojson/.json), GeoPackage (.gpkg), zipped Shapefile (.zip) or .shp"

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
            "empty_file", "the file is empty", "export the table again with its header row", file
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
    good, rows, bad, bad_msgs = [], [], [], []
    for i, rec in enumerate(records):
        row = i + 2
        if not any(v.strip() for v in rec):
            continue
        if len(rec) > len(headers) and any(v.strip() for v in rec[len(headers) :]):
            bad.append(row)
            bad_msgs.append(f"{len(rec)} values but the header has {len(headers)} columns")
            continue
        good.append((rec + [""] * len(headers))[: len(headers)])
        rows.append(row)
    problems.rows(
        "error",
        "wrong_field_count",
        bad,
        bad_msgs,
        "a value containing the delimiter must be in double quotes; check this row",
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
        )


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
        raise _fail(
            "unreadable_file",
            f"not a readable zip file ({exc})",
            "zip the shapefile's parts (.shp .shx .dbf .prj .cpg) again",
            file,
        ) from None
    hint = "zip only the data files, with plain relative names"
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise _fail(
                "unsafe_file",
                f"the zip holds {len(infos):,d} files (limit {MAX_ZIP_MEMBERS:,d})",
                hint,
                file,
                unsafe=True,
            )
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise _fail(
                "unsafe_file",
                f"the zip would unpack to {declared / 2**20:,.0f} MiB (limit {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB)",
                "split the data or simplify it",
                file,
                unsafe=True,
            )
        plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in infos:
            name = _zip_member_name(info).replace("\\", "/")
            parts = PurePosixPath(name)
            mode = (info.external_attr >> 16) & 0o170000
            if (
                name.startswith("/")
                or re.match(r"^[A-Za-z]:", name)
                or ".." in parts.parts
                or mode == 0o120000
            ):
                raise _fail(
                    "unsafe_file",
                    f"the zip member '{name}' points outside its folder (absolute path, '..' or a link)",
                    hint,
                    file,
                    unsafe=True,
                )
            if info.is_dir() or parts.parts[0] == "__MACOSX" or parts.name.startswith("._"):
                continue
            plan.append((info, parts))
        written = 0
        out = []
        root = dest.resolve()
        for info, parts in plan:
            target = (root / Path(*parts.parts)).resolve()
            if not target.is_relative_to(root):
                raise _fail(
                    "unsafe_file",
                    f"the zip member '{parts}' points outside its folder",
                    hint,
                    file,
                    unsafe=True,
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:
                            raise _fail(
                                "unsafe_file",
                                f"the zip unpacks to more than {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB",
                                "split the data or simplify it",
                                file,
                                unsafe=True,
                            )
                        dst.write(chunk)
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                zlib.error,
                NotImplementedError,
                RuntimeError,
            ) as exc:
                raise _fail(
                    "unreadable_file",
                    f"the zip member '{parts}' cannot be unpacked ({exc})",
                    "zip the files again (without a password)",
                    file,
                ) from None
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
    names = b"".join(
        raw[32 + 32 * i : 32 + 32 * i + 11].split(b"\x00")[0]
        for i in range(max((header_len - 33) // 32, 0))
    )
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


def _read_vector(
    path: Path, *, layer: str | None, encoding: str | None, file: str, problems: _Problems, fmt: str
) -> gpd.GeoDataFrame:
    import pyogrio

    suffix = path.suffix.lower()
    read_encoding = encoding
    if suffix == ".shp":
        missing = [s for s in (".shx", ".dbf") if _sibling(path, s) is None]
        if missing:
            raise _fail(
                "incomplete_shapefile",
                f"the shapefile '{path.name}' has no {' or '.join(missing)} part",
                "a shapefile is several files: zip .shp .shx .dbf .prj and .cpg together",
                file,
            )
        if _sibling(path, ".prj") is None:
            problems.add(
                "warning",
                "no_crs",
                f"the shapefile '{path.name}' has no .prj file",
                "the layer's 'crs' from the project is used (WGS84 when not given)",
            )
        if encoding is None and _sibling(path, ".cpg") is None:
            dbf = _sibling(path, ".dbf")
            read_encoding = _dbf_encoding(dbf) if dbf is not None else None
    try:
        layers_info = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise _fail(
            "unreadable_file",
            f"cannot open the file as {fmt} ({_short(exc)})",
            "check that it is a valid file of this format (open it in QGIS)",
            file,
        ) from None
    names = [str(n) for n in layers_info[:, 0]] if len(layers_info) else []
    if not names:
        raise _fail("no_rows", "the file holds no layer", "export the features again", file)
    if layer is not None and layer not in names:
        raise _fail(
            "layer_not_found",
            f"no layer named '{layer}'; the file has: {', '.join(names)}",
            "set 'layer' to one of these names",
            file,
        )
    if layer is None and len(names) > 1:
        raise _fail(
            "several_layers",
            f"the file has {len(names)} layers: {', '.join(names)}",
            "set 'layer' in the project to the one to use",
            file,
        )
    chosen = layer or names[0]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = pyogrio.read_dataframe(path, layer=chosen, encoding=read_encoding)
    except Exception as exc:
        raise _fail(
            "unreadable_file",
            f"cannot read the file as {fmt} ({_short(exc)})",
            "check that it is a valid file of this format (open it in QGIS)",
            file,
        ) from None
    _reader_warnings(problems, caught)
    if not isinstance(gdf, gpd.GeoDataFrame):
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([None] * len(gdf)))
    headers = _clean_headers([c for c in gdf.columns if c != gdf.geometry.name])
    geom_name = gdf.geometry.name
    rename = dict(zip([c for c in gdf.columns if c != geom_name], headers, strict=True))
    gdf = gdf.rename(columns=rename)
    gdf.index = pd.Index(np.arange(1, len(gdf) + 1), name="row")
    gdf.attrs.update(
        {
            "format": fmt,
            "layer": chosen,
            "encoding": read_encoding,
            "crs_implicit": fmt == "GeoJSON" and not _geojson_declares_crs(path),
        }
    )
    return gdf


def _geojson_declares_crs(path: Path) -> bool:
    """True when a GeoJSON file has a (pre-RFC 7946) ``crs`` member; else GDAL assumes WGS84."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
    return re.search(rb'"crs"\s*:', head) is not None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _reader_warnings(problems: _Problems, caught: list[warnings.WarningMessage]) -> None:
    """What a reader library warned about, as warnings of the report."""
    for w in caught:
        problems.add("warning", "reader_warning", str(w.message))


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    source_name: str | None = None,
    header_row: int | None = None,
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
    header_row
        The row (1-based, as Excel counts) that holds the headers of a CSV or workbook with
        a title row or two header rows above its data; rows above it are skipped. By
        default the first row (CSV) or the first non-empty row (workbook).

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
        hint = (
            "save it as .xlsx"
            if suffix in {".xls", ".et", ".ods"}
            else f"supported: {_SUPPORTED_TEXT}"
        )
        raise _fail(
            "unsupported_format", f"files of type '{suffix or '(none)'}' cannot be read", hint, file
        )
    if not p.exists():
        raise _fail(
            "file_not_found",
            f"file not found: {p}",
            "check the path (in a project file, paths are relative to the project's folder)",
            file,
        )
    if p.is_dir():
        raise _fail(
            "file_not_found", f"{p} is a folder, not a file", "give the path of a file", file
        )
    if p.stat().st_size == 0:
        raise _fail("empty_file", "the file is empty (0 bytes)", "export the data again", file)
    fmt = SUPPORTED_FORMATS[suffix]
    frame: pd.DataFrame | gpd.GeoDataFrame
    if fmt == "CSV":
        frame = _read_csv(p, encoding, file, problems, header_row)
    elif fmt == "Excel workbook":
        frame = _read_xlsx(p, sheet, file, problems, header_row)
    elif suffix == ".zip":
        frame = _read_zip(
            p, encoding=encoding, sheet=sheet, layer=layer, file=file, problems=problems
        )
    else:
        frame = _read_vector(
            p, layer=layer, encoding=encoding, file=file, problems=problems, fmt=fmt
        )
    return frame, problems.finish()


def _read_zip(
    path: Path,
    *,
    encoding: str | None,
    sheet: str | None,
    layer: str | None,
    file: str,
    problems: _Problems,
) -> pd.DataFrame | gpd.GeoDataFrame:
    tmp = Path(tempfile.mkdtemp(prefix="riskmap-zip-"))
    try:
        members = _extract_zip(path, tmp, file)
        shps = [m for m in members if m.suffix.lower() == ".shp"]
        others = [
            m
            for m in members
            if m.suffix.lower() in SUPPORTED_FORMATS
            and m.suffix.lower() not in {".zip", ".shp", ".txt"}
        ]
        candidates = shps or others
        if layer is not None and len(candidates) > 1:
            candidates = [m for m in candidates if m.stem == layer] or candidates
        if not candidates:
            found = ", ".join(sorted(m.name for m in members)) or "(nothing)"
            raise _fail(
                "unsupported_format",
                f"the zip holds no shapefile (.shp) or other data file; it has: {found}",
                f"zip a shapefile's parts together; supported: {_SUPPORTED_TEXT}",
                file,
            )
        if len(candidates) > 1:
            raise _fail(
                "several_layers",
                f"the zip holds {len(candidates)} data files: {', '.join(m.name for m in candidates)}",
                "set 'layer' in the project to the file name (without extension) to use",
                file,
            )
        inner = candidates[0]
        inner_layer = None if inner.suffix.lower() == ".shp" else layer
        frame, inner_problems = read_table(
            inner, encoding=encoding, sheet=sheet, layer=inner_layer, source_name=file
        )
        problems.extend(inner_problems)
        frame.attrs["member"] = str(inner.relative_to(tmp))
        if inner.suffix.lower() == ".shp":
            frame.attrs["format"] = "zipped Shapefile"
        return frame
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
