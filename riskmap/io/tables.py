"""Reading any supported file as it is: :func:`read_table` checks the path and format and
hands the file to its reader (CSV and XLSX in :mod:`~riskmap.io.spreadsheets`, vector
files in :mod:`~riskmap.io.vectors`); a zip is unpacked safely (:mod:`~riskmap.io.archives`)
and the data file inside it is read.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from riskmap.errors import Problem
from riskmap.io.archives import _extract_zip
from riskmap.io.problems import FORMATS_ZH, _fail, _Problems, _short
from riskmap.io.spreadsheets import _read_csv, _read_xlsx
from riskmap.io.vectors import _read_vector

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

_SUPPORTED_TEXT = "CSV (.csv), Excel (.xlsx), GeoJSON (.geojson/.json), GeoPackage (.gpkg), zipped Shapefile (.zip) or .shp"
_SUPPORTED_TEXT_ZH = "CSV（.csv）、Excel（.xlsx）、GeoJSON（.geojson/.json）、GeoPackage（.gpkg）、压缩的 Shapefile（.zip）或 .shp"


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
            "unsupported_format",
            f"files of type '{suffix or '(none)'}' cannot be read",
            hint,
            file,
            zh=(
                f"无法读取“{suffix or '（无扩展名）'}”类型的文件",
                "请另存为 .xlsx"
                if suffix in {".xls", ".et", ".ods"}
                else f"支持的格式：{_SUPPORTED_TEXT_ZH}",
            ),
        )
    if not p.exists():
        raise _fail(
            "file_not_found",
            f"file not found: {p}",
            "check the path (in a project file, paths are relative to the project's folder)",
            file,
            zh=(f"找不到文件：{file}", "请检查路径（项目文件中的路径相对于项目文件夹）"),
        )
    if p.is_dir():
        raise _fail(
            "file_not_found",
            f"{p} is a folder, not a file",
            "give the path of a file",
            file,
            zh=(f"{file} 是文件夹而不是文件", "请给出文件的路径"),
        )
    if p.stat().st_size == 0:
        raise _fail(
            "empty_file",
            "the file is empty (0 bytes)",
            "export the data again",
            file,
            zh=("文件为空（0 字节）", "请重新导出数据"),
        )
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


def list_parts(path: str | Path, *, source_name: str | None = None) -> tuple[str, ...]:
    """The parts of a file a reader must choose between: the sheets of a workbook, the
    layers of a GeoPackage; empty for formats that hold one table.

    Parameters
    ----------
    path
        The file.
    source_name
        The file name shown in errors (e.g. the original name of an upload).

    Returns
    -------
    tuple of str
        Sheet or layer names in the file's order (pass one as ``sheet`` or ``layer`` to
        :func:`read_table`).

    Raises
    ------
    LayerDataError
        When the file cannot be opened as its format.
    """
    p = Path(path)
    file = source_name or p.name
    fmt = SUPPORTED_FORMATS.get(p.suffix.lower())
    try:
        if fmt == "Excel workbook":
            import openpyxl

            wb = openpyxl.load_workbook(p, read_only=True)
            try:
                return tuple(str(n) for n in wb.sheetnames)
            finally:
                wb.close()
        if fmt == "GeoPackage":
            import pyogrio

            info = pyogrio.list_layers(p)
            return tuple(str(n) for n in info[:, 0]) if len(info) else ()
    except Exception as exc:  # openpyxl and pyogrio raise many kinds of error
        raise _fail(
            "unreadable_file",
            f"cannot open the file as {fmt} ({_short(exc).replace(str(p), file)})",
            "check that it is a valid file of this format (open it in Excel or QGIS)",
            file,
            zh=(
                f"文件无法按 {FORMATS_ZH.get(str(fmt), fmt)} 打开",
                "请确认文件是该格式的有效文件（用 Excel 或 QGIS 打开试试）",
            ),
        ) from None
    return ()


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
                zh=(
                    f"压缩包中没有 Shapefile（.shp）或其他数据文件；其中有：{found}",
                    f"请把 Shapefile 的各部分一起压缩；支持的格式：{_SUPPORTED_TEXT_ZH}",
                ),
            )
        if len(candidates) > 1:
            raise _fail(
                "several_layers",
                f"the zip holds {len(candidates)} data files: {', '.join(m.name for m in candidates)}",
                "set 'layer' in the project to the file name (without extension) to use",
                file,
                zh=(
                    f"压缩包中有 {len(candidates)} 个数据文件："
                    + "、".join(m.name for m in candidates),
                    "每个压缩包只放一个图层的文件",
                ),
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
