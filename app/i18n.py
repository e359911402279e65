"""Every label of the app in Chinese (default) and English, in one table.

riskmap gives its own texts in both languages (layer kind names, measures, levels,
legends, inventory headers); this table holds the app's own words. :func:`text` looks a
key up; a missing key is a programming error and raises ``KeyError`` (tests load every
page in both languages).
"""

from __future__ import annotations

from riskmap.config.catalogue import LABELS

LANGS: dict[str, str] = {"zh": "中文", "en": "English"}
"""Language code -> its name in the language switch."""

TEXTS: dict[str, tuple[str, str]] = {
    # ---- app and navigation
    "app_title": ("城市安全风险电子地图", "Urban safety risk map"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_map": ("风险地图", "Risk map"),
    "page_inventory": ("风险清单", "Risk inventory"),
    "page_data": ("数据", "Data"),
    "page_hazards": ("隐患", "Hidden hazards"),
    "page_safecity": ("安全城市", "Safe city"),
    "page_method": ("方法", "Method"),
    "project": ("项目", "Project"),
    "no_projects": (
        "未找到项目（data/*/project.yaml）。",
        "No project found (data/*/project.yaml).",
    ),
    "project_error": ("项目无法加载：", "The project cannot be loaded: "),
    "computing": (
        "正在计算风险（首次加载较慢）…",
        "Computing the risk (the first load takes longest)…",
    ),
    "settings_caption": (
        "网格：{grid} · 分级规则：{rule} · 数据：{extra}",
        "Grid: {grid} · level rule: {rule} · data: {extra}",
    ),
    "extra_none": ("项目数据", "project data"),
    "extra_some": (
        "项目数据 + {uploads} 个上传图层 + {hazards} 条未销号隐患",
        "project data + {uploads} uploaded layer(s) + {hazards} open hidden hazard(s)",
    ),
    "grid_square": ("{size:g} 米方格", "{size:g} m squares"),
    "grid_h3": ("H3 分辨率 {res}", "H3 resolution {res}"),
    "error_generic": ("操作失败：", "The operation failed: "),
    "problems_table": ("问题清单", "Problems"),
    # validation report columns
    "rp_severity": ("级别", "Severity"),
    "rp_code": ("代码", "Code"),
    "rp_layer": ("图层", "Layer"),
    "rp_file": ("文件", "File"),
    "rp_row": ("行", "Row"),
    "rp_column": ("列", "Column"),
    "rp_message": ("说明", "Message"),
    "rp_hint": ("建议", "Hint"),
    "sev_error": ("错误", "error"),
    "sev_warning": ("警告", "warning"),
    # ---- risk map: sidebar
    "sec_grid": ("网格", "Grid"),
    "cell_size": ("网格大小", "Cell size"),
    "cell_m": ("{size} 米", "{size} m"),
    "grid_h3_option": ("H3 六边形", "H3 hexagons"),
    "h3_res": ("H3 分辨率", "H3 resolution"),
    "sec_weights": ("权重", "Weights"),
    "component_weights": ("后果分量权重（E、V、L）", "Consequence weights (E, V, L)"),
    "layer_weights": ("图层权重", "Layer weights"),
    "reset_weights": ("恢复默认权重", "Reset weights"),
    "sec_levels": ("分级", "Levels"),
    "level_rule": ("分级规则", "Level rule"),
    "sec_display": ("显示", "Display"),
    "view": ("专题", "View"),
    "basemap": ("底图", "Basemap"),
    "overlays": ("叠加图层", "Overlays"),
    "district": ("行政区", "District"),
    "whole_city": ("全市", "Whole city"),
    # ---- risk map: main
    "headline": (
        "{scope}：各风险等级的网格、面积与人口",
        "{scope}: cells, area and population per risk level",
    ),
    "col_level": ("风险等级", "Risk level"),
    "col_cells": ("网格数", "Cells"),
    "col_area": ("面积（km²）", "Area (km²)"),
    "col_population": ("人口", "Population"),
    "col_share": ("面积占比", "Share of area"),
    "map_hint": (
        "点击地图上的网格查看其风险构成；拖动、缩放地图不会重新计算。",
        "Click a cell on the map to see why it has its level; panning and zooming do not recompute.",
    ),
    "details": ("网格详情", "Cell details"),
    "no_cell_here": ("点击位置不在任何网格内。", "There is no cell at the clicked point."),
    "pick_cell": ("尚未选择网格。", "No cell selected yet."),
    "d_cell": ("网格 {cell} · {district}", "Cell {cell} · {district}"),
    "d_level": ("风险等级", "Risk level"),
    "d_score": ("风险值（0–100）", "Risk score (0–100)"),
    "d_lik_sev": ("可能性 {l} × 严重性 {s}", "Likelihood {l} × severity {s}"),
    "d_population": ("人口", "Population"),
    "d_components": ("风险分量（0–10）", "Components (0–10)"),
    "d_component": ("分量", "Component"),
    "d_value": ("取值", "Value"),
    "d_contributors": ("主要风险来源", "Top contributing sources"),
    "d_name": ("名称", "Name"),
    "d_kind": ("类别", "Kind"),
    "d_distance": ("距离（米）", "Distance (m)"),
    "d_contribution": ("贡献", "Contribution"),
    "d_no_contributors": ("附近没有风险源。", "No hazard source nearby."),
    "d_complete": ("数据完整：所有分量都有数据。", "Data complete: every component is informed."),
    "d_incomplete": ("数据不完整，缺少：{missing}", "Data incomplete; missing: {missing}"),
    "d_measures": ("建议措施", "Recommended measures"),
    "d_top_factor": ("主导因素：{factor}", "Dominant factor: {factor}"),
    # ---- inventory
    "inv_intro": (
        "城市安全风险清单：风险源、风险区域、分区汇总与事故排名，可按条件筛选并下载。",
        "The city safety risk inventory: sources, risk areas, district summary and accident "
        "ranking; filter and download.",
    ),
    "tab_cells": ("网格", "Cells"),
    "tab_sources": ("风险源清单", "Risk sources"),
    "tab_areas": ("风险区域", "Risk areas"),
    "tab_districts": ("分区汇总", "Districts"),
    "tab_accidents": ("事故排名", "Accident ranking"),
    "f_district": ("行政区", "District"),
    "f_level": ("风险等级", "Risk level"),
    "f_factor": ("主导因素", "Dominant factor"),
    "f_kind": ("类别", "Kind"),
    "rows_shown": ("共 {n} 条（筛选后）", "{n} row(s) after filtering"),
    "dl_csv": ("下载 CSV（Excel 可直接打开）", "Download CSV (opens in Excel)"),
    "dl_xlsx": ("下载 Excel 工作簿（全部清单）", "Download Excel workbook (every table)"),
    "dl_geojson": ("下载 GeoJSON", "Download GeoJSON"),
    "dl_gpkg": ("下载 GeoPackage（全部清单）", "Download GeoPackage (every table)"),
    "period": ("统计期", "Period"),
    "period_month": ("按月", "By month"),
    "period_quarter": ("按季度", "By quarter"),
    "no_accidents": ("项目中没有事故数据。", "The project has no accident data."),
    "district_chart": ("各区各风险等级面积（km²）", "Area per risk level in each district (km²)"),
    "cells_cap": (
        "表格显示前 {n} 行；下载包含全部筛选结果。",
        "The table shows the first {n} rows; downloads hold every filtered row.",
    ),
    # ---- data
    "data_intro": (
        "项目图层的状态与校验报告；上传自己的数据加入本次评估（只保存在临时目录，不会覆盖演示数据）。",
        "Status and validation report of the project's layers; upload your own data "
        "for this session's assessment (kept in a temporary folder; the demo files are "
        "never overwritten).",
    ),
    "project_layers": ("项目图层", "Project layers"),
    "col_layer": ("图层", "Layer"),
    "col_kind": ("类别", "Kind"),
    "col_role": ("作用", "Role"),
    "col_file": ("文件", "File"),
    "col_crs": ("坐标系", "CRS"),
    "col_count": ("要素数", "Features"),
    "col_status": ("状态", "Status"),
    "status_ok": ("可用", "available"),
    "status_unavailable": ("不可用：{reason}", "unavailable: {reason}"),
    "project_report": ("项目校验报告", "Project validation report"),
    "report_summary": (
        "{errors} 个错误，{warnings} 个警告",
        "{errors} error(s), {warnings} warning(s)",
    ),
    "no_problems": ("未发现问题。", "No problems found."),
    "upload_title": ("上传图层", "Upload a layer"),
    "upload_label": (
        "选择文件（CSV、XLSX、GeoJSON、GeoPackage 或压缩的 Shapefile）",
        "Choose a file (CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile)",
    ),
    "too_large": (
        "文件过大（{size:.1f} MB），上限为 {limit} MB。",
        "The file is too large ({size:.1f} MB); the limit is {limit} MB.",
    ),
    "unsupported": (
        "不支持的文件格式“{suffix}”。支持：CSV、XLSX、GeoJSON、GeoPackage、压缩的 Shapefile（.zip）。",
        "Unsupported file type '{suffix}'. Supported: CSV, XLSX, GeoJSON, GeoPackage, "
        "zipped Shapefile (.zip).",
    ),
    "unsafe": ("文件不安全，已拒绝：{message}", "The file is unsafe and was refused: {message}"),
    "unreadable": ("文件无法读取：{message}", "The file cannot be read: {message}"),
    "choose_kind": ("图层类别", "Layer kind"),
    "file_read": (
        "已读取 {rows} 行 · 格式 {fmt} · 编码 {enc}",
        "Read {rows} row(s) · format {fmt} · encoding {enc}",
    ),
    "map_columns": (
        "字段对应（已自动识别，可修改）",
        "Column mapping (suggested automatically; change as needed)",
    ),
    "col_none": ("（无）", "(none)"),
    "x_col": ("经度 / X 列", "Longitude / X column"),
    "y_col": ("纬度 / Y 列", "Latitude / Y column"),
    "required_mark": ("{label}（必填）", "{label} (required)"),
    "crs_label": ("坐标系", "Coordinate system"),
    "crs_WGS84": ("WGS84（GPS）", "WGS84 (GPS)"),
    "crs_CGCS2000": ("CGCS2000（国家大地坐标系）", "CGCS2000 (national geodetic)"),
    "crs_GCJ02": ("GCJ-02（高德、腾讯）", "GCJ-02 (AMap, Tencent)"),
    "crs_BD09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "crs_EPSG": ("EPSG 代码", "EPSG code"),
    "epsg_code": ("EPSG 代码（如 4547）", "EPSG code (e.g. 4547)"),
    "validate_btn": ("校验", "Validate"),
    "validation_ok": ("校验通过：{n} 个要素可用。", "Validated: {n} feature(s) usable."),
    "validation_warn": (
        "{n} 个要素可用，另有 {warnings} 个警告（见下表）。",
        "{n} feature(s) usable, with {warnings} warning(s) (see the table).",
    ),
    "validation_failed": (
        "校验未通过：没有可用的要素，请按下表修改文件。",
        "Validation failed: no usable feature; fix the file as the table says.",
    ),
    "add_btn": ("加入本次评估", "Add to this session's assessment"),
    "added": (
        "已加入本次评估：{name}（{n} 个要素）",
        "Added to this session's assessment: {name} ({n} features)",
    ),
    "session_uploads": ("本次会话加入的图层", "Layers added in this session"),
    "no_uploads": ("尚未加入上传的图层。", "No uploaded layer added yet."),
    "remove": ("移除", "Remove"),
    "preview": ("预览（WGS84）", "Preview (WGS84)"),
    # ---- hidden hazards
    "hz_intro": (
        "隐患排查治理台账：登记、整改、验收销号全流程闭环；未销号隐患计入风险地图。",
        "The hidden-hazard register: record, rectify, accept and close; open hazards "
        "raise the risk on the map.",
    ),
    "hz_db": ("台账数据库：{path}", "Register database: {path}"),
    "hz_open_feed": (
        "{n} 条未销号隐患计入当前风险评估。",
        "{n} open hidden hazard(s) feed the current assessment.",
    ),
    "hz_record": ("登记隐患", "Record a hazard"),
    "hz_click": (
        "点击地图确定位置（或直接输入经纬度）。",
        "Click the map to place it (or type the coordinates).",
    ),
    "hz_title": ("隐患名称", "Title"),
    "hz_category": ("类别", "Category"),
    "hz_grade": ("等级", "Grade"),
    "hz_district": ("所在区", "District"),
    "hz_found_by": ("发现人", "Found by"),
    "hz_unit": ("整改责任单位", "Responsible unit"),
    "hz_deadline": ("整改期限", "Rectification deadline"),
    "hz_description": ("描述", "Description"),
    "hz_lon": ("经度（WGS84）", "Longitude (WGS84)"),
    "hz_lat": ("纬度（WGS84）", "Latitude (WGS84)"),
    "hz_register_btn": ("登记", "Register"),
    "hz_registered": ("已登记，统一编号 {number}", "Registered as {number}"),
    "hz_list": ("隐患台账", "Register"),
    "hz_status": ("状态", "Status"),
    "hz_only_overdue": ("只看逾期", "Overdue only"),
    "hz_only_listed": ("只看挂牌督办", "Listed only"),
    "hz_include_voided": ("包括已作废", "Include voided"),
    "hz_count": (
        "{n} 条记录（逾期、挂牌督办的排在前面）",
        "{n} record(s) (overdue and listed first)",
    ),
    "hz_none": ("没有符合条件的隐患。", "No hazard matches."),
    "hz_select": ("选择隐患（统一编号）", "Choose a hazard (unified number)"),
    "hz_history": ("变更记录", "History"),
    "hz_actions": ("处置", "Actions"),
    "hz_by": ("操作人", "By"),
    "hz_note": ("备注", "Note"),
    "hz_move": ("转为“{status}”", "Move to '{status}'"),
    "hz_moved": ("{number} 已转为“{status}”。", "{number} moved to '{status}'."),
    "hz_no_moves": (
        "该隐患已结束流程，不能再变更。",
        "This hazard has left the loop and cannot change.",
    ),
    "hz_supervise": ("挂牌督办", "List for supervision"),
    "hz_sup_unit": ("督办单位", "Supervising unit"),
    "hz_sup_deadline": ("督办期限", "Supervision deadline"),
    "hz_listed_ok": ("{number} 已挂牌督办。", "{number} is listed for supervision."),
    "hz_void": ("作废", "Void"),
    "hz_void_reason": ("作废原因", "Reason"),
    "hz_voided": ("{number} 已作废。", "{number} is voided."),
    "hz_need_by": ("请填写操作人。", "Say who makes the change."),
    "hz_picked": ("已选位置：{lon:.6f}, {lat:.6f}", "Picked: {lon:.6f}, {lat:.6f}"),
    "hz_h_step": ("序号", "Step"),
    "hz_h_time": ("时间", "Time"),
    "hz_h_action": ("操作", "Action"),
    "hz_h_from": ("原状态", "From"),
    "hz_h_to": ("新状态", "To"),
    # ---- safe city
    "sc_intro": (
        "国家安全发展示范城市评价中可由空间数据计算的指标，以及新增避难场所、消防站的规划推演。",
        "The national safe-development-city items computable from spatial data, and "
        "what-if planning of new shelters and fire stations.",
    ),
    "sc_scope": ("范围", "Scope"),
    "sc_scorecard": ("指标", "Scorecard"),
    "col_indicator": ("指标", "Indicator"),
    "col_value": ("数值", "Value"),
    "col_unit": ("单位", "Unit"),
    "col_target": ("目标", "Target"),
    "col_passed": ("达标", "Passed"),
    "col_standard": ("依据", "Standard"),
    "col_evidence": ("说明", "Evidence"),
    "passed_yes": ("达标", "passed"),
    "passed_no": ("未达标", "FAILED"),
    "passed_na": ("—", "—"),
    "sc_evidence": ("指标证据地图", "Evidence map"),
    "sc_choose": ("选择指标", "Choose an indicator"),
    "sc_no_evidence": ("该指标没有空间证据。", "This indicator has no spatial evidence."),
    "sc_evidence_count": ("证据：{n} 个网格或要素", "Evidence: {n} cell(s) or feature(s)"),
    "wi_title": ("规划推演（What-if）", "What-if planning"),
    "wi_click": ("点击地图选择新设施位置。", "Click the map to place a new facility."),
    "wi_kind": ("设施类型", "Facility"),
    "wi_shelter": ("应急避难场所", "Shelter"),
    "wi_fire_station": ("消防站", "Fire station"),
    "wi_name": ("名称", "Name"),
    "wi_type": ("避难场所类型", "Shelter type"),
    "wi_area": ("有效避难面积（m²）", "Effective area (m²)"),
    "wi_class": ("站级", "Station class"),
    "wi_add": ("添加方案", "Add proposal"),
    "wi_csv": (
        "从 CSV 导入方案（kind, lon, lat, name, type, class, area_m2）",
        "Import proposals from CSV (kind, lon, lat, name, type, class, area_m2)",
    ),
    "wi_imported": ("已导入 {n} 个方案。", "Imported {n} proposal(s)."),
    "wi_list": ("方案列表", "Proposals"),
    "wi_none": ("尚无方案。", "No proposal yet."),
    "wi_clear": ("清空方案", "Clear proposals"),
    "wi_export": ("导出方案 CSV", "Export proposals (CSV)"),
    "wi_run": ("方案前后对比", "Before and after"),
    "wi_indicators": ("指标变化（全市）", "Indicator changes (city)"),
    "wi_levels": ("风险等级变化", "Level counts"),
    "wi_changed": ("等级发生变化的网格：{n} 个", "Cells whose level changed: {n}"),
    "wi_no_change": ("没有网格的等级发生变化。", "No cell changed level."),
    "wi_changed_note": (
        "颜色为方案后的新等级；紫色圆圈为方案中的新设施。",
        "Colours are the levels after the proposals; purple circles are the proposed facilities.",
    ),
    "wi_capacity": ("可容纳人数", "Capacity (people)"),
    "col_cell": ("网格编号", "Cell"),
    "sc_unit_people": ("人", "people"),
    "sc_unit_stations": ("座", "stations"),
    "sc_unit_targets": ("处", "targets"),
    "sc_unit_hazards": ("处", "hazards"),
    "sc_unit_yes=1": ("是=1", "yes=1"),
    "sc_unit_m²/person": ("m²/人", "m²/person"),
    "sc_ev_ok": ("绿色：达标；红色：未达标。", "Green: meets the target; red: does not."),
    "sc_ev_fire.reach_population": (
        "图中标出：消防站5分钟内到达不了的网格。",
        "Shown: cells no fire station reaches within 5 minutes.",
    ),
    "sc_ev_fire.reach_builtup": (
        "图中标出：消防站5分钟内到达不了的建成区网格。",
        "Shown: built-up cells no fire station reaches within 5 minutes.",
    ),
    "sc_ev_fire.district_area": (
        "图中标出：各消防站的辖区（离该站最近的区域）。",
        "Shown: each fire station's district (the area nearest to it).",
    ),
    "sc_ev_fire.hazmat_distance": (
        "图中标出：离危化品场所过近的消防站。",
        "Shown: fire stations too close to a hazardous-chemical site.",
    ),
    "sc_ev_shelter.area_per_person": (
        "图中标出：各区（人均有效避难面积见上表）。",
        "Shown: the districts (effective area per person in the table above).",
    ),
    "sc_ev_shelter.walk_population": (
        "图中标出：500米内没有避难场所的有人口网格。",
        "Shown: populated cells with no shelter within 500 m.",
    ),
    "sc_ev_shelter.fixed_capacity": (
        "图中标出：固定和中心避难场所。",
        "Shown: fixed and central shelters.",
    ),
    "sc_ev_shelter.central_people": ("图中标出：中心避难场所。", "Shown: central shelters."),
    "sc_ev_community.reach_population": (
        "图中标出：不在社区应急服务站服务半径内的有人口网格。",
        "Shown: populated cells outside every community station's radius.",
    ),
    "sc_ev_hazmat.video": (
        "图中标出：没有视频监控的重大危险源企业。",
        "Shown: major-hazard sites without video monitoring.",
    ),
    "sc_ev_hazmat.sensitive_targets": (
        "图中标出：位于重大危险源筛查距离内的敏感目标。",
        "Shown: sensitive targets within a major-hazard site's screening distance.",
    ),
    "sc_ev_risk.area_major": ("图中标出：重大风险网格。", "Shown: cells of major risk."),
    "sc_ev_risk.area_significant": (
        "图中标出：较大风险网格。",
        "Shown: cells of significant risk.",
    ),
    "col_before": ("现状", "Before"),
    "col_after": ("方案后", "After"),
    "col_change": ("变化", "Change"),
    "col_better": ("改善", "Better"),
    "col_from": ("原等级", "From"),
    "col_to": ("新等级", "To"),
    # ---- method
    "method_missing": (
        "方法说明（docs/METHOD.md）尚未提供。",
        "The method description (docs/METHOD.md) is not there yet.",
    ),
    "current_weights": ("当前使用的权重与分级规则", "Weights and level rule in use"),
    "col_weight": ("权重", "Weight"),
    "col_parameter": ("参数", "Parameter"),
}

# Labels shared with the library (components, views, basemaps, level rules, overlays) come
# from riskmap's one catalogue, so a layer has the same name in the sidebar and on the map.
_PREFIXES = {
    "component": "comp_",
    "view": "view_",
    "basemap": "basemap_",
    "rule": "rule_",
    "overlay": "ov_",
}
for _key, _value in LABELS.items():
    _group, _name = _key.split(".", 1)
    TEXTS.setdefault(_PREFIXES[_group] + _name, _value)
"""Key -> (Chinese, English)."""


def text(key: str, lang: str = "zh", **values: object) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``), formatted with ``values``."""
    zh, en = TEXTS[key]
    template = en if lang == "en" else zh
    return template.format(**values) if values else template
