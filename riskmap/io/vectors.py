"""Reading vector files with pyogrio: GeoJSON, GeoPackage and Shapefiles (the parts a
shapefile needs, its .dbf encoding when no .cpg says it, the layer to read).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.io.problems import FORMATS_ZH, _fail, _Problems, _reader_warnings, _short
from riskmap.io.spreadsheets import _clean_headers


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
                zh=(
                    f"Shapefile“{path.name}”缺少 {' 或 '.join(missing)} 部分",
                    "Shapefile 由多个文件组成：请把 .shp .shx .dbf .prj 和 .cpg 一起压缩",
                ),
            )
        if _sibling(path, ".prj") is None:
            problems.add(
                "warning",
                "no_crs",
                f"the shapefile '{path.name}' has no .prj file",
                "the layer's 'crs' from the project is used (WGS84 when not given)",
                zh=(
                    f"Shapefile“{path.name}”没有 .prj 文件",
                    "使用所选的坐标系（未选时为 WGS84）",
                ),
            )
        if encoding is None and _sibling(path, ".cpg") is None:
            dbf = _sibling(path, ".dbf")
            read_encoding = _dbf_encoding(dbf) if dbf is not None else None
    try:
        layers_info = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise _fail(
            "unreadable_file",
            f"cannot open the file as {fmt} ({_short(exc).replace(str(path), file)})",
            "check that it is a valid file of this format (open it in QGIS)",
            file,
            zh=(
                f"文件无法按 {FORMATS_ZH.get(fmt, fmt)} 打开",
                "请确认文件是该格式的有效文件（用 QGIS 打开试试）",
            ),
        ) from None
    names = [str(n) for n in layers_info[:, 0]] if len(layers_info) else []
    if not names:
        raise _fail(
            "no_rows",
            "the file holds no layer",
            "export the features again",
            file,
            zh=("文件中没有图层", "请重新导出要素"),
        )
    if layer is not None and layer not in names:
        raise _fail(
            "layer_not_found",
            f"no layer named '{layer}'; the file has: {', '.join(names)}",
            "set 'layer' to one of these names",
            file,
            zh=(f"没有名为“{layer}”的图层；文件中有：{'、'.join(names)}", "请选择其中一个"),
        )
    if layer is None and len(names) > 1:
        raise _fail(
            "several_layers",
            f"the file has {len(names)} layers: {', '.join(names)}",
            "set 'layer' in the project to the one to use",
            file,
            zh=(f"文件有 {len(names)} 个图层：{'、'.join(names)}", "请选择要读取的一个"),
        )
    chosen = layer or names[0]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = pyogrio.read_dataframe(path, layer=chosen, encoding=read_encoding)
    except Exception as exc:
        raise _fail(
            "unreadable_file",
            f"cannot read the file as {fmt} ({_short(exc).replace(str(path), file)})",
            "check that it is a valid file of this format (open it in QGIS)",
            file,
            zh=(
                f"文件无法按 {FORMATS_ZH.get(fmt, fmt)} 读取",
                "请确认文件是该格式的有效文件（用 QGIS 打开试试）",
            ),
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
