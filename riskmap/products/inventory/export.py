"""Writing the inventory: CSV for Excel (UTF-8 with BOM, or GBK / GB18030 for older
Excel), XLSX (:mod:`~.workbook`), GeoJSON and GeoPackage with one geometry type per layer
(:mod:`~.layers`); text that could run as a formula is neutralised; a filtered inventory
says its filters (:mod:`~.filters`).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.errors import LayerDataError, Problem, RiskmapError, ValidationReport
from riskmap.io import csv_bytes, safe_frame
from riskmap.products.inventory.base import (
    ABOUT,
    CELLS,
    COUNTIES,
    ENCODINGS,
    FORMATS,
    LAYERS,
    SHEET_NAMES,
    SPATIAL_TABLES,
    TABLES,
    CsvEncoding,
    Inventory,
)
from riskmap.products.inventory.filters import about_table, filter_note
from riskmap.products.inventory.layers import (
    SpatialLayer,
    one_geometry_type,
    plain_table,
    spatial_layers,
    spatial_table,
)
from riskmap.products.inventory.workbook import _xlsx_bytes, export_xlsx

GPKG_VERSION = "1.2"
"""GeoPackage version written, for older readers: GDAL 3.6 (Debian 12) reads a 1.2 file
without a warning but warns that a 1.4 file (the default of recent GDAL) "may only be
partially supported"."""

GEOJSON_DIGITS = 7
"""Decimals of GeoJSON coordinates (degrees): about 1 cm."""

_GBK_FALLBACKS = str.maketrans({"²": "2", "³": "3"})
"""Characters of riskmap's own texts that GBK has no code for (``km²``, ``m³``), written as
plain digits in a GBK file. Any other character GBK cannot encode is reported."""

_MAX_REPORTED = 50
"""Cells named in the report of an encoding problem (then a count of the rest)."""


def _table_path(path: Path, table: str) -> Path:
    return path if table == "sources" else path.with_name(f"{path.stem}_{table}{path.suffix}")


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise RiskmapError(f"unknown CSV encoding '{encoding}'; use one of: {', '.join(ENCODINGS)}")


# --------------------------------------------------------------------------- CSV


def export_csv(
    frame: pd.DataFrame,
    path: str | Path,
    lang: str = "zh",
    *,
    encoding: CsvEncoding = "utf-8",
    table: str | None = None,
) -> Path:
    """Write one table as CSV for Excel: no geometry, numbers rounded, CRLF.

    Parameters
    ----------
    frame
        An inventory table (bilingual, canonical column names).
    path
        The file written.
    lang
        ``zh`` or ``en``: headers and texts.
    encoding
        ``utf-8`` (with a byte-order mark, so Excel shows Chinese; the default), ``gbk``
        (older Excel and WPS that read the Windows code page 936) or ``gb18030`` (every
        character; GBK's characters encoded as in GBK). ``km²``/``m³`` of riskmap's
        headers are written ``km2``/``m3`` in GBK.
    table
        The table's name (``cells`` names the cells' columns).

    Raises
    ------
    LayerDataError
        ``gbk`` and a cell holds a character GBK has no code for; the report names every
        such cell (row, column, character). Nothing is replaced: write it as ``gb18030``
        or ``utf-8``.
    """
    path = Path(path)
    data, problems = _csv_bytes_checked(frame, lang, encoding, table, path.name)
    _raise_problems(problems, encoding)
    path.write_bytes(data)
    return path


def _csv_bytes(
    frame: pd.DataFrame, lang: str, encoding: str = "utf-8", table: str | None = None
) -> bytes:
    data, problems = _csv_bytes_checked(frame, lang, encoding, table, f"{table or 'table'}.csv")
    _raise_problems(problems, encoding)
    return data


def _csv_bytes_checked(
    frame: pd.DataFrame, lang: str, encoding: str, table: str | None, name: str
) -> tuple[bytes, list[Problem]]:
    """The CSV bytes, or the problems that stop them being written in ``encoding``."""
    _check_encoding(encoding)
    people = plain_table(frame, lang, table)
    if encoding == "utf-8":
        return csv_bytes(people), []
    if encoding == "gbk":
        people = _translate(people, _GBK_FALLBACKS)
    safe = safe_frame(people)  # the formula guard of every CSV riskmap writes
    text = safe.to_csv(index=False, lineterminator="\r\n")
    try:
        return text.encode(encoding), []
    except UnicodeEncodeError:
        return b"", _unencodable(safe, encoding, name)


def _is_text(values: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values))


def _translate(frame: pd.DataFrame, table: dict[int, str]) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(lambda v: v.translate(table) if isinstance(v, str) else v)
    out.columns = [str(c).translate(table) for c in out.columns]
    return out


def _has_code(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _unencodable(frame: pd.DataFrame, encoding: str, name: str) -> list[Problem]:
    """One problem per cell (and header) holding a character ``encoding`` has no code for."""
    text = "".join(map(str, frame.columns)) + "".join(
        frame[c].astype(str).str.cat() for c in frame.columns if _is_text(frame[c])
    )
    bad = sorted({ch for ch in set(text) if not _has_code(ch, encoding)})
    if not bad:  # not in a cell: in how the cells are joined (never expected)
        return [Problem("error", "unencodable", f"no {encoding.upper()} code", file=name)]
    pattern = "[" + "".join(re.escape(ch) for ch in bad) + "]"
    hint = "write the CSV as gb18030 or utf-8 (nothing is replaced)"
    problems = []

    def problem(row: int, column: str, value: str) -> Problem:
        chars = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in dict.fromkeys(value) if ch in bad)
        return Problem(
            "error",
            "unencodable",
            f"{chars}: no {encoding.upper()} code",
            hint=hint,
            file=name,
            row=row,
            column=column,
        )

    for col in frame.columns:
        if re.search(pattern, str(col)):
            problems.append(problem(1, str(col), str(col)))
        if not _is_text(frame[col]):
            continue
        values = frame[col].astype(str)
        for i in np.flatnonzero(values.str.contains(pattern, regex=True).to_numpy()):
            problems.append(problem(int(i) + 2, str(col), values.iloc[i]))
    return problems


def _raise_problems(problems: list[Problem], encoding: str) -> None:
    if not problems:
        return
    report = ValidationReport()
    report.extend(problems[:_MAX_REPORTED])
    if len(problems) > _MAX_REPORTED:
        report.add(
            Problem("error", "unencodable", f"... and {len(problems) - _MAX_REPORTED:,} more cells")
        )
    raise LayerDataError(
        f"the CSV cannot be written in {encoding.upper()}: {len(problems):,} cell(s) hold "
        f"characters {encoding.upper()} has no code for; write it as gb18030 (every character, "
        "the others encoded as in GBK) or utf-8",
        report,
    )


# --------------------------------------------------------------------------- GeoJSON


def export_geojson(frame: gpd.GeoDataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write one spatial table as GeoJSON (RFC 7946, WGS84 longitude/latitude) of one
    geometry type: lines as MultiLineStrings, polygons as MultiPolygons; a table mixing
    points with lines or polygons as one point per feature (a point on its surface;
    :func:`export_inventory` writes the shapes as layers of their own)."""
    path = Path(path)
    path.write_bytes(_geojson_bytes(one_geometry_type(spatial_table(frame, lang))[0]))
    return path


def _geojson_bytes(
    frame: gpd.GeoDataFrame, name: str | None = None, description: str | None = None
) -> bytes:
    """A layer ready for people (WGS84, one geometry type) as GeoJSON bytes; ``name`` and
    ``description`` become members of the FeatureCollection (GDAL reads them as the layer's
    name and DESCRIPTION)."""
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, GEOJSON_DIGITS))
    collection = frame.set_geometry(geoms, crs=frame.crs).to_geo_dict(drop_id=True)
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if name:
        head["name"] = name
    if description:
        head["description"] = description
    doc = {**head, **{k: v for k, v in collection.items() if k != "type"}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _title(inv: Inventory, name: str, lang: str) -> str:
    """The title of a layer or table for people, with the filters when there are any."""
    title = SHEET_NAMES[name][1 if lang == "en" else 0]
    note = filter_note(inv, lang)
    return f"{title} — {note}" if note else title


# --------------------------------------------------------------------------- GeoPackage


def export_geopackage(
    inv: Inventory, path: str | Path, lang: str = "zh", *, cells: bool = False
) -> Path:
    """Write the inventory as one GeoPackage (version 1.2; an existing file is replaced).

    Spatial layers in WGS84, one geometry type each (:func:`spatial_layers`):
    ``sources_points``, ``sources_lines``, ``sources_polygons``, ``areas``, ``districts``
    and, when ``cells``, ``cells``; the other tables as attribute tables
    (``accidents_month``, ``accidents_quarter``, ``parameters``) and, when the inventory is
    filtered, ``about``. Each layer's description is its title, plus the filters.
    """
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()

    def write(frame: pd.DataFrame, name: str, **kwargs: Any) -> None:
        first = not path.exists()
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            append=not first,
            dataset_options={"VERSION": GPKG_VERSION} if first else None,
            layer_options={"DESCRIPTION": _title(inv, name, lang)},
            **kwargs,
        )

    layers = spatial_layers(inv, lang, cells=cells)
    for layer in layers:
        write(layer.frame, layer.name, geometry_type=layer.geometry_type)
    written = {layer.name for layer in layers}
    for table in TABLES:
        if table in written or table in {"sources", "areas"}:
            continue
        out = plain_table(getattr(inv, table), lang, table)
        if out.empty and not len(out.columns):
            continue
        write(out, table)
    if inv.filters:
        tables = [*TABLES, CELLS] if cells and inv.cells is not None else list(TABLES)
        write(plain_table(about_table(inv, lang, tables=tables), lang), ABOUT)
    return path


# --------------------------------------------------------------------------- entry points


def _csv_tables(inv: Inventory, cells: bool) -> list[str]:
    tables = list(TABLES)
    if cells and inv.cells is not None:
        tables.append(CELLS)
    if inv.filters:
        tables.append(ABOUT)
    return tables


def _table_frame(inv: Inventory, table: str, lang: str, tables: Sequence[str]) -> pd.DataFrame:
    if table == ABOUT:
        return about_table(inv, lang, tables=[t for t in tables if t != ABOUT])
    if table == CELLS:
        if inv.cells is None:
            raise RiskmapError("this inventory has no cells table (build it with build_inventory)")
        return inv.cells
    if table == COUNTIES:
        if inv.counties is None:
            raise RiskmapError("this inventory has no counties: the project has no counties file")
        return inv.counties
    return getattr(inv, table)


def export_inventory(
    inv: Inventory,
    path: str | Path,
    fmt: str,
    lang: str = "zh",
    *,
    cells: bool = False,
    encoding: CsvEncoding = "utf-8",
) -> list[Path]:
    """Write the inventory in one format; the one entry point of the command line and app.

    Parameters
    ----------
    inv
        The inventory (:func:`build_inventory`, or :func:`filter_inventory` of it).
    path
        The output file (:func:`export_file_name` names it after the filters). ``xlsx``
        and ``gpkg`` hold every table in this one file. ``csv`` writes the sources at
        ``path`` and each other table next to it as ``{stem}_{table}.csv``; ``geojson``
        writes the sources as points at ``path`` and each other spatial layer that has
        features as ``{stem}_{layer}.geojson`` (``sources_lines``, ``sources_polygons``,
        ``areas``, ``districts``, ``cells``), one geometry type per file.
    fmt
        ``csv``, ``xlsx``, ``geojson`` or ``gpkg``.
    lang
        ``zh`` (default) or ``en``: headers and texts.
    cells
        Also write the assessed cells (level, score, components): a layer, sheet or file
        ``cells``. Off by default: a city has many cells.
    encoding
        CSV only: ``utf-8`` (with BOM), ``gbk`` or ``gb18030`` (see :func:`export_csv`).

    Returns
    -------
    list of Path
        The files written. A filtered inventory adds its ``about`` table (sheet 说明 /
        About; ``{stem}_about.csv``).

    Raises
    ------
    LayerDataError
        ``gbk`` and a text GBK cannot encode (every cell named; no file is written).
    RiskmapError
        An unknown format or encoding, or an encoding asked of another format than csv.
    """
    _check_encoding(encoding)
    if encoding != "utf-8" and fmt != "csv":
        raise RiskmapError(f"the encoding '{encoding}' applies to csv exports, not to {fmt}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        tables = _csv_tables(inv, cells)
        files: list[tuple[Path, bytes]] = []
        problems: list[Problem] = []
        for t in tables:
            target = _table_path(path, t)
            frame = _table_frame(inv, t, lang, tables)
            data, found = _csv_bytes_checked(frame, lang, encoding, t, target.name)
            files.append((target, data))
            problems.extend(found)
        _raise_problems(problems, encoding)  # nothing written when a table cannot be
        for target, data in files:
            target.write_bytes(data)
        return [target for target, _ in files]
    if fmt == "xlsx":
        return [export_xlsx(inv, path, lang, cells=cells)]
    if fmt == "geojson":
        written = []
        for layer in spatial_layers(inv, lang, cells=cells):
            main = layer.name == LAYERS[0]
            if main or len(layer.frame):
                target = path if main else path.with_name(f"{path.stem}_{layer.name}{path.suffix}")
                data = _geojson_bytes(layer.frame, layer.name, _title(inv, layer.name, lang))
                target.write_bytes(data)
                written.append(target)
        return written
    if fmt == "gpkg":
        return [export_geopackage(inv, path, lang, cells=cells)]
    raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")


def _geojson_layer(inv: Inventory, table: str, lang: str) -> SpatialLayer:
    name = "sources_points" if table == "sources" else table
    known = (*LAYERS, CELLS)
    if name not in known:
        raise RiskmapError(
            f"GeoJSON holds a spatial layer ({', '.join(('sources', *known))}), not '{table}'"
        )
    for layer in spatial_layers(inv, lang, cells=name == CELLS):
        if layer.name == name:
            return layer
    raise RiskmapError(f"this inventory has no '{name}' layer")


def to_bytes(
    inv: Inventory,
    fmt: str,
    lang: str = "zh",
    table: str = "sources",
    *,
    cells: bool = False,
    encoding: CsvEncoding = "utf-8",
) -> bytes:
    """The bytes of one export, for download buttons.

    ``xlsx`` and ``gpkg`` hold every table (and the cells when ``cells``); ``csv`` the one
    ``table`` asked for (a table of :data:`TABLES`, ``cells`` or ``about``) in ``encoding``;
    ``geojson`` one spatial layer (``sources`` = ``sources_points``, ``sources_lines``,
    ``sources_polygons``, ``areas``, ``districts``, ``cells``). Name the file with
    :func:`export_file_name`, which says the filters.
    """
    _check_encoding(encoding)
    if encoding != "utf-8" and fmt != "csv":
        raise RiskmapError(f"the encoding '{encoding}' applies to csv exports, not to {fmt}")
    known = (*TABLES, *SPATIAL_TABLES, *LAYERS, CELLS, COUNTIES, ABOUT)
    if table not in known:
        raise RiskmapError(f"unknown inventory table '{table}'; known: {', '.join(TABLES)}")
    if fmt == "csv":
        if table not in (*TABLES, CELLS, COUNTIES, ABOUT):
            raise RiskmapError(f"a CSV holds a table ({', '.join(TABLES)}), not '{table}'")
        frame = _table_frame(inv, table, lang, _csv_tables(inv, cells or table == CELLS))
        return _csv_bytes(frame, lang, encoding, table)
    if fmt == "xlsx":
        return _xlsx_bytes(inv, lang, cells=cells)
    if fmt == "geojson":
        layer = _geojson_layer(inv, table, lang)
        return _geojson_bytes(layer.frame, layer.name, _title(inv, layer.name, lang))
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            out = export_geopackage(inv, Path(tmp) / "inventory.gpkg", lang, cells=cells)
            return out.read_bytes()
    raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")


def write_assess_outputs(inv: Inventory, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    """The inventory files of ``python -m riskmap assess``: ``inventory.csv`` (sources,
    UTF-8 with BOM), ``inventory.xlsx`` (every table), ``districts.csv`` and, for a
    project with counties, ``counties.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        export_csv(inv.sources, out / "inventory.csv", lang),
        export_xlsx(inv, out / "inventory.xlsx", lang),
        export_csv(inv.districts, out / "districts.csv", lang),
    ]
    if inv.counties is not None:
        written.append(export_csv(inv.counties, out / "counties.csv", lang))
    return written
