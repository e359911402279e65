"""The one zh/en catalogue of labels that the library and the app share.

The names of the risk components, the map's views, basemaps and overlays, and the level
rules are written here once; the map (layer control, legend, headings), the report and the
app's widgets all take them from here, so a layer has one name everywhere. Labels that only
one module shows stay in that module's own table.
"""

from __future__ import annotations

from riskmap.config.vocabulary import BASEMAPS, COMPONENTS, LEVEL_RULES, OVERLAYS, VIEWS

LABELS: dict[str, tuple[str, str]] = {
    # the risk components and the score (0-10 each; score 0-100)
    "component.hazard": ("危险性 H", "Hazard H"),
    "component.exposure": ("暴露度 E", "Exposure E"),
    "component.vulnerability": ("脆弱性 V", "Vulnerability V"),
    "component.coping_gap": ("应对能力缺口 L", "Lack of coping capacity L"),
    "component.consequence": ("后果 C", "Consequence C"),
    "component.score": ("风险值", "Risk score"),
    "component.level": ("风险等级", "Risk level"),
    # what the map's risk layer shows
    "view.level": ("风险等级（四色）", "Risk level (four colours)"),
    # basemaps
    "basemap.none": ("无（离线）", "None (offline)"),
    "basemap.osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)"),
    "basemap.amap": ("高德地图 GCJ-02（需联网）", "AMap GCJ-02 (online)"),
    # level rules
    "rule.matrix": ("风险矩阵（可能性×严重性）", "Risk matrix (likelihood × severity)"),
    "rule.breaks": ("固定分值断点", "Fixed score breaks"),
    "rule.quantiles": ("分位数", "Quantiles"),
    "rule.natural_breaks": ("自然断点", "Natural breaks"),
    # overlays: one name in the layer control, the sidebar and the legend
    "overlay.detail": ("重点网格", "Detail cells"),
    "overlay.districts": ("行政区划", "Districts"),
    "overlay.shelters": ("应急避难场所", "Emergency shelters"),
    "overlay.shelter_radius": ("避难场所服务半径", "Shelter service radius"),
    "overlay.fire_stations": ("消防站", "Fire stations"),
    "overlay.fire_reach": ("消防站 5 分钟可达范围", "Fire stations: 5-minute reach"),
    "overlay.community_stations": ("社区应急服务站", "Community emergency stations"),
    "overlay.seismic_stations": ("地震监测台站", "Seismic stations"),
    "overlay.supply_depots": ("应急物资储备库", "Emergency supply depots"),
    "overlay.rescue_teams": ("救援队伍", "Rescue teams"),
    "overlay.hazards": ("危险源", "Hazard sources"),
    "overlay.hazard_areas": ("风险区域（洪涝、断裂带）", "Hazard areas (flood, faults)"),
    "overlay.hidden_hazards": ("在册隐患（未销号）", "Open hidden hazards"),
}
"""Key -> (Chinese, English)."""

for _v in VIEWS:
    if _v != "level":
        LABELS.setdefault(f"view.{_v}", LABELS[f"component.{_v}"])


def label(key: str, lang: str = "zh") -> str:
    """The label ``key`` (e.g. ``overlay.shelters``) in ``lang`` (``zh`` or ``en``).

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue.
    """
    zh, en = LABELS[key]
    return en if lang == "en" else zh


def _check() -> None:
    """Every name of the vocabulary has its label (run on import: a gap fails loudly)."""
    wanted = [
        *(f"component.{c}" for c in COMPONENTS),
        *(f"view.{v}" for v in VIEWS),
        *(f"basemap.{b}" for b in BASEMAPS),
        *(f"rule.{r}" for r in LEVEL_RULES),
        *(f"overlay.{o}" for o in OVERLAYS),
    ]
    missing = [k for k in wanted if k not in LABELS]
    if missing:
        raise KeyError(f"labels missing from the catalogue: {', '.join(missing)}")


_check()

__all__ = ["LABELS", "label"]
