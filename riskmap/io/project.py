"""Loading a project's data (:func:`load_project_data`): the boundary, the districts and
every bound layer, with one validation report and the input files' hashes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

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
    ValidationReport,
)
from riskmap.io import crs as crs_mod
from riskmap.io.data import Layer, ProjectData
from riskmap.io.geometry import _checked_crs, _geometries_wgs84
from riskmap.io.layers import read_layer
from riskmap.io.problems import _Problems
from riskmap.io.tables import read_table


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
        problems.add(
            "error",
            "wrong_geometry",
            "the boundary must be polygons (GeoJSON, GeoPackage or shapefile)",
            "export the city boundary as polygons",
            zh=("边界必须是面（GeoJSON、GeoPackage 或 Shapefile）", "请将城市边界导出为面要素"),
        )
        return None
    if len(frame) == 0:
        problems.add(
            "error",
            "no_rows",
            "the boundary file has no features",
            "export the city boundary again",
            zh=("边界文件没有要素", "请重新导出城市边界"),
        )
        return None
    spec = _checked_crs(cfg.crs, "crs" in cfg.model_fields_set, frame, problems)
    if spec is None:
        return None
    rows = frame.index.to_numpy(dtype=np.int64)
    geoms, ok = _geometries_wgs84(
        np.asarray(frame.geometry.array, dtype=object),
        rows,
        spec,
        geometry="polygon",
        bbox_wgs84=None,
        problems=problems,
        column=None,
        from_table=False,
    )
    if not ok.any():
        problems.add(
            "error",
            "no_valid_rows",
            "no usable boundary polygon",
            "fix the boundary file",
            zh=("没有可用的边界面", "请修正边界文件"),
        )
        return None
    _check_parts(geoms[ok], problems)
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms[ok], crs="EPSG:4326"), crs="EPSG:4326")


FAR_PART_KM = 50.0
"""A boundary part farther than this (and than twice the main part's size) from the main
part is taken for a stray polygon: it would move the working CRS and the layers' area."""


def _check_parts(geoms: npt.NDArray[np.object_], problems: _Problems) -> None:
    """Refuse a boundary whose parts lie far apart (a stray polygon, swapped coordinates)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    if len(parts) < 2:
        return
    main = parts[int(np.argmax(shapely.area(parts)))]
    lon, lat = (float(v) for v in shapely.centroid(main).coords[0])
    metric = crs_mod.working_crs(main, "auto")
    projected = gpd.GeoSeries(list(parts), crs="EPSG:4326").to_crs(metric)
    main_m = projected.iloc[int(np.argmax(projected.area))]
    x0, y0, x1, y1 = main_m.bounds
    limit_m = max(FAR_PART_KM * 1000.0, 2.0 * max(x1 - x0, y1 - y0))
    for i, part in enumerate(projected):
        gap = float(part.distance(main_m))
        if gap > limit_m:
            px, py = (float(v) for v in shapely.centroid(parts[i]).coords[0])
            problems.add(
                "error",
                "boundary_far_part",
                f"part {i + 1} of the boundary (centre {px:.3f}, {py:.3f}) lies {gap / 1000:,.0f} km "
                f"from its main part (centre {lon:.3f}, {lat:.3f})",
                "remove the stray polygon or fix its coordinates (swapped, or in another system)",
                zh=(
                    f"边界的第 {i + 1} 部分（中心 {px:.3f}, {py:.3f}）距主体部分（中心 "
                    f"{lon:.3f}, {lat:.3f}）{gap / 1000:,.0f} 公里",
                    "请删除这个离群的面，或修正其坐标（经纬度颠倒或属于另一坐标系）",
                ),
            )


MAX_AREA_DISTORTION = 0.01
"""The working CRS may change areas inside the boundary by at most 1 %."""


def _check_distortion(
    boundary_wgs84: Any, boundary_work: Any, work: Any, report: ValidationReport
) -> None:
    """Warn when the working CRS distorts areas inside the boundary by more than 1 %."""
    geodesic, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(boundary_wgs84)
    if not geodesic:
        return
    ratio = float(boundary_work.area) / abs(geodesic)
    if abs(ratio - 1.0) > MAX_AREA_DISTORTION:
        report.problems.append(
            Problem(
                "warning",
                "working_crs_distortion",
                f"the working CRS {work.name} makes areas inside the boundary {100 * (ratio - 1):+.1f} % "
                "off (population densities and shelter areas with them)",
                "use working_crs: auto (the UTM zone of the city's centre) or the Gauss-Kruger "
                "zone of the city",
                layer="boundary",
                message_zh=f"工作坐标系 {work.name} 使边界内面积偏差 {100 * (ratio - 1):+.1f} %"
                "（人口密度和避难场所面积随之偏差）",
                hint_zh="请使用 working_crs: auto（城市中心所在的 UTM 带）或城市所在的高斯-克吕格投影带",
            )
        )


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
        raise LayerDataError(
            f"the city boundary ({project.boundary.path}) cannot be used", boundary_report
        )
    boundary_wgs84 = shapely.union_all(np.asarray(boundary_gdf.geometry.array, dtype=object))
    boundary_wgs84 = shapely.make_valid(boundary_wgs84, method="structure", keep_collapsed=False)
    try:
        work = crs_mod.working_crs(boundary_wgs84, project.working_crs)
    except CRSError as exc:
        raise LayerDataError(f"working CRS: {exc}", boundary_report) from None
    bbox = tuple(float(v) for v in shapely.bounds(boundary_wgs84))
    boundary_work = gpd.GeoSeries([boundary_wgs84], crs="EPSG:4326").to_crs(work).iloc[0]
    _check_distortion(boundary_wgs84, boundary_work, work, report)

    # Districts: a broken file is reported and replaced by the boundary as one district.
    level_kind = kinds["district"] if "district" in kinds else _district_kind()
    dgdf = _read_level(
        project, "districts", project.districts, kind=level_kind, bbox=bbox, report=report
    )
    remember(project.resolve(project.districts.path))
    if dgdf is None:
        districts = gpd.GeoDataFrame(
            {"adcode": [project.adcode], "name": [project.title.zh], "name_en": [project.title.en]},
            geometry=[boundary_work],
            crs=work,
        )
        report.add(
            Problem(
                "warning",
                "districts_unavailable",
                "the districts file cannot be used; the whole boundary is used as one district",
                "fix the districts file",
                Path(project.districts.path).name,
                "districts",
                message_zh="行政区文件无法使用，整个边界按一个区处理",
                hint_zh="请修正行政区文件",
            )
        )
    else:
        districts = _level_frame(dgdf, work)
    # Counties (a province's second level): a broken file is reported and left out.
    counties = None
    if project.counties is not None:
        cgdf = _read_level(
            project, "counties", project.counties, kind=level_kind, bbox=bbox, report=report
        )
        remember(project.resolve(project.counties.path))
        if cgdf is None:
            report.add(
                Problem(
                    "warning",
                    "counties_unavailable",
                    "the counties file cannot be used; results are summarised per district only",
                    "fix the counties file",
                    Path(project.counties.path).name,
                    "counties",
                    message_zh="县级行政区文件无法使用，结果只按区汇总",
                    hint_zh="请修正县级行政区文件",
                )
            )
        else:
            counties = _level_frame(cgdf, work)

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
            report.add(
                Problem(
                    "error",
                    "unknown_kind",
                    unavailable[binding.name],
                    "",
                    path.name,
                    binding.name,
                    message_zh=f"未知的图层类别“{binding.kind}”",
                    hint_zh="请在 project.yaml 中填写已有的图层类别（见 docs/LAYERS.md）",
                )
            )
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
    return ProjectData(
        project=project,
        kinds=kinds,
        crs=work,
        boundary=boundary_work,
        districts=districts,
        layers=layers,
        unavailable=unavailable,
        report=report,
        file_hashes=hashes,
        counties=counties,
    )


def _read_level(
    project: Project,
    name: str,
    cfg: BoundaryConfig,
    *,
    kind: LayerKind,
    bbox: tuple[float, ...],
    report: ValidationReport,
) -> gpd.GeoDataFrame | None:
    """An administrative level's polygons (``id``, ``name``), problems added to ``report``."""
    binding = _boundary_binding(name, cfg, {"id": cfg.adcode_column, "name": cfg.name_column})
    gdf, problems = read_layer(binding, kind, root=project.root, bbox_wgs84=bbox)
    report.extend(problems)
    return gdf


def _level_frame(gdf: gpd.GeoDataFrame, work: Any) -> gpd.GeoDataFrame:
    """``adcode``, ``name``, ``name_en`` and geometry in the working CRS."""
    names_en = (
        gdf["name_en"].fillna("").astype(str).to_numpy()
        if "name_en" in gdf.columns
        else np.full(len(gdf), "", dtype=object)
    )
    return gpd.GeoDataFrame(
        {"adcode": gdf["id"].to_numpy(), "name": gdf["name"].to_numpy(), "name_en": names_en},
        geometry=gdf.geometry.to_crs(work).to_numpy(),
        crs=work,
    )


def _district_kind() -> LayerKind:
    """A minimal district kind for when riskmap/config/kinds/district.yaml is not among the kinds given."""
    from riskmap.config import Text

    return LayerKind(
        kind="district",
        name=Text(zh="行政区划", en="District boundary"),
        role="context",
        geometry="polygon",
        method="none",
        category_code="XZ",
        fields={
            "id": FieldSpec(
                type="str", label=Text(zh="行政区划代码", en="Adcode"), required=True, unique=True
            ),
            "name": FieldSpec(type="str", label=Text(zh="名称", en="Name"), required=True),
        },
    )
