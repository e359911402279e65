"""Typed, validated configuration: layer kinds (riskmap/config/kinds/*.yaml) and projects (project.yaml).

Every model is frozen and rejects unknown keys, so a typo in a YAML file fails loudly
with the file and the key path instead of being silently ignored.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from riskmap.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
"""The installed ``riskmap`` package."""
LAYERS_DIR = Path(__file__).resolve().parent / "kinds"
"""The layer kinds shipped with the package (package data, so an installed wheel has them)."""
REPO_ROOT = PACKAGE_ROOT.parent
DATA_DIR = REPO_ROOT / "data"
"""Demo projects of a source checkout (``data/<name>/project.yaml``)."""
BUNDLED_DATA_DIR = Path(sys.prefix) / "share" / "riskmap" / "data"
"""Demo projects installed with the package (``pip install .`` copies ``data/wuhan`` there)."""


def data_dirs() -> list[Path]:
    """Folders searched for a project's short name: the checkout's ``data/``, then the
    demos shipped inside the installed package."""
    return [d for d in (DATA_DIR, BUNDLED_DATA_DIR) if d.is_dir()]


Role = Literal["hazard", "exposure", "vulnerability", "capacity", "context"]
GeometryType = Literal["point", "line", "polygon", "any"]
Method = Literal["kernel", "overlap", "population", "shelter", "reach", "none"]
Decay = Literal["linear", "gaussian", "exponential", "step"]
FieldType = Literal["str", "int", "float", "date", "category", "bool"]
Component = Literal["hazard", "exposure", "vulnerability", "coping_gap"]
Lang = Literal["zh", "en"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Text(_Strict):
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class FieldSpec(_Strict):
    """One attribute of a layer kind, as riskmap names it (canonical field name is the key)."""

    type: FieldType
    """Value type: str, int, float, date, category (needs ``allowed``) or bool."""
    label: Text
    """The field's name for people (zh, en): headers, tooltips, messages."""
    required: bool = False
    """A row without a value is an error."""
    unique: bool = False
    """Values must differ from row to row (ids)."""
    allowed: tuple[str, ...] | None = None
    """The values a category field accepts."""
    min: float | None = None
    """Smallest valid value of a number field."""
    max: float | None = None
    """Largest valid value of a number field."""
    aliases: tuple[str, ...] = ()
    """Column headers commonly used for this field (Chinese included), for auto-suggestion."""

    @model_validator(mode="after")
    def _category_has_allowed(self) -> FieldSpec:
        if self.type == "category" and not self.allowed:
            raise ValueError("a field of type 'category' needs 'allowed' values")
        return self


class ValueRule(_Strict):
    """Per-feature value (intensity, radius, capacity ...) derived from attributes.

    value = ``values[feature[field]]`` when ``field`` names a category field and the value
    is listed, else ``default``; then ``+ sum(coef * feature[f] for f, coef in terms)``;
    then clipped to [``min``, ``max``].
    """

    default: float
    """The value when ``field`` is absent, empty or not listed in ``values``."""
    field: str | None = None
    """A category field whose value selects from ``values``."""
    values: dict[str, float] = Field(default_factory=dict)
    """Category -> value."""
    terms: dict[str, float] = Field(default_factory=dict)
    """Numeric field -> coefficient, added to the value (yes/no texts count 1/0)."""
    min: float | None = None
    """Lower clip of the value."""
    max: float | None = None
    """Upper clip of the value."""


class Style(_Strict):
    """How the layer's features are drawn on the map."""

    color: str = "#555555"
    """Colour (hex) of the features."""
    icon: str = "circle"
    """Marker shape."""
    fill_opacity: float = 0.6
    """Opacity of filled shapes (0-1)."""
    radius_px: float = 4.0
    """Marker radius in pixels."""


class CascadeRule(_Strict):
    """A cascade (natech or domino) rule of a hazard kind: a feature of this kind near a
    feature of one of the ``with_kinds`` can set off, or be set off by, the other."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The rule's short name (unique within the kind)."""
    type: Literal["natech", "domino", "exposure"]
    """``natech``: a natural hazard triggers a technological accident; ``domino``: one
    accident escalates to a neighbouring installation; ``exposure``: the installation
    threatens a dense sensitive target."""
    name: Text
    """What the rule says (zh, en)."""
    with_kinds: tuple[str, ...] = Field(min_length=1)
    """The layer kinds of the other feature of a pair."""
    distance_m: float = Field(default=0.0, ge=0)
    """A pair is two features at most this far apart (0: they touch or overlap)."""
    factor: float = Field(default=1.25, ge=1.0, le=3.0)
    """When cascades are switched on as a scenario, the likelihood of cells within
    ``reach_m`` of the pair is raised by this factor (on the hazard's exposure sum)."""
    reach_m: float = Field(default=1000.0, gt=0)
    """How far around this rule's feature the factor acts."""
    target_capacity_min: float | None = Field(default=None, ge=0)
    """Only targets whose ``capacity`` attribute is at least this (a dense target)."""
    source: str
    """Where the rule comes from (standard, regulation or literature)."""
    measures: tuple[Text, ...] = ()
    """Control measures for a pair."""


WarningLevel = Literal["blue", "yellow", "orange", "red"]
"""The four warning levels (蓝黄橙红预警), lowest first."""


def _default_factors() -> dict[WarningLevel, float]:
    return {"blue": 1.2, "yellow": 1.5, "orange": 2.0, "red": 3.0}


class MonitoredQuantity(_Strict):
    """A quantity measured at features of a kind (monitoring readings), its warning
    thresholds and how a warning raises the feature's intensity (dynamic risk)."""

    quantity: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The quantity's code in readings (e.g. ``gas_lel``, ``water_depth``)."""
    name: Text
    """What is measured (zh, en)."""
    unit: str
    """The unit readings are in (e.g. ``%LEL``, ``m``, ``cm/s²``)."""
    direction: Literal["above", "below"] = "above"
    """``above``: a reading at or above a threshold warns (gas, water depth);
    ``below``: at or below (a saturation line's depth below the dam crest)."""
    thresholds: dict[WarningLevel, float]
    """Warning level -> threshold (蓝黄橙红预警); at least one level, in order."""
    intensity_factor: dict[WarningLevel, float] = Field(default_factory=_default_factors)
    """While a warning of that level is open, the feature's intensity is multiplied by
    this factor (dynamic risk)."""
    source: Text | str
    """Where the thresholds come from (standard, regulation, practice): zh and en, or
    one text for both."""

    def source_in(self, lang: str) -> str:
        """The source in a language (the one text when only one is given)."""
        return self.source.get(lang) if isinstance(self.source, Text) else self.source

    @model_validator(mode="after")
    def _ordered(self) -> MonitoredQuantity:
        order = [lv for lv in ("blue", "yellow", "orange", "red") if lv in self.thresholds]
        if not order:
            raise ValueError("thresholds need at least one warning level")
        values = [self.thresholds[lv] for lv in order]
        ok = (
            values == sorted(values)
            if self.direction == "above"
            else values == sorted(values, reverse=True)
        )
        if not ok:
            raise ValueError(
                f"thresholds must rise from blue to red for direction '{self.direction}' "
                "(fall for 'below')"
            )
        return self


class LayerKind(_Strict):
    """What a kind of layer means: role, schema, how it acts on the risk, how it looks."""

    kind: str
    """The kind's name, as project bindings cite it (the file name without .yaml)."""
    name: Text
    """What the layer is called (zh, en)."""
    role: Role
    """Which risk component it acts on: hazard, exposure, vulnerability, capacity, or context (drawn only)."""
    geometry: GeometryType
    """Expected geometry: point, line, polygon or any."""
    method: Method
    """How it acts: kernel, overlap, population, shelter, reach, or none."""
    group: str = ""
    """Free grouping for the UI, e.g. ``hazmat``, ``natural``, ``history``, ``shelter``."""
    category_code: str = Field(pattern=r"^[A-Z]{2,4}$")
    """Short code used in unified numbers (risk inventory, hazard register)."""
    fields: dict[str, FieldSpec]
    """The kind's attributes by canonical name (``id`` is required of every kind)."""
    intensity: ValueRule | None = None
    """Per-feature intensity (0-10) of a hazard or exposure source."""
    radius: ValueRule | None = None
    """Per-feature influence radius in metres."""
    decay: Decay = "gaussian"
    """Distance-decay kernel: linear, gaussian, exponential or step."""
    weight: float = Field(default=1.0, ge=0)
    """Default weight of the layer inside its component."""
    reference: float | None = Field(default=None, gt=0)
    """Raw field value that saturates the layer's normalised score (see docs/METHOD.md)."""
    buffer_m: float = Field(default=0.0, ge=0)
    """Line and point geometries of an ``overlap`` layer are buffered by this many metres."""
    params: dict[str, float] = Field(default_factory=dict)
    """Method-specific numbers (e.g. speed_kmh, turnout_min, area_per_person_m2)."""
    accident_types: tuple[str, ...] = ()
    """Possible accident types (风险清单: 可能发生的事故类型)."""
    department: Text | None = None
    """Responsible department (风险清单: 责任部门)."""
    style: Style = Style()
    """How the features are drawn."""
    measures: tuple[Text, ...] = ()
    """Control measures recommended where the layer dominates a cell's risk."""
    description: Text | None = None
    """What the layer is, for people."""
    cascades: tuple[CascadeRule, ...] = ()
    """Cascade rules (natech, domino) with a feature of another kind; see docs/METHOD.md."""
    monitoring: tuple[MonitoredQuantity, ...] = ()
    """Quantities measured at features of this kind, with warning thresholds."""

    @field_validator("fields")
    @classmethod
    def _has_id(cls, v: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        if "id" not in v:
            raise ValueError("every layer kind declares an 'id' field")
        return v

    @model_validator(mode="after")
    def _rules_name_known_fields(self) -> LayerKind:
        for rule_name in ("intensity", "radius"):
            rule: ValueRule | None = getattr(self, rule_name)
            if rule is None:
                continue
            for f in [rule.field, *rule.terms]:
                if f is not None and f not in self.fields:
                    raise ValueError(f"{rule_name} refers to unknown field '{f}'")
        if self.method == "kernel" and (self.intensity is None or self.radius is None):
            raise ValueError("a 'kernel' layer needs 'intensity' and 'radius'")
        return self

    @property
    def required_fields(self) -> list[str]:
        return [k for k, f in self.fields.items() if f.required]


class LayerBinding(_Strict):
    """A project's binding of one file to one layer kind."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The layer's name in the project (lower case, digits, underscores)."""
    kind: str
    """The layer kind (see docs/LAYERS.md)."""
    path: str
    """The file, relative to the project folder: CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile."""
    crs: str = "WGS84"
    """WGS84, CGCS2000, GCJ02, BD09, or any 'EPSG:nnnn'."""
    encoding: str | None = None
    """Text encoding of a CSV; detected when absent (UTF-8, UTF-8 with BOM, GBK/GB18030)."""
    sheet: str | None = None
    """The XLSX sheet (the first by default)."""
    header_row: int | None = Field(default=None, ge=1)
    """The row holding the headers, when a title row or two header rows sit above the data
    (1-based, as Excel counts; the first non-empty row by default)."""
    layer: str | None = None
    """The GeoPackage layer (the only one by default)."""
    x: str | None = None
    """Column holding longitude / easting, for tables."""
    y: str | None = None
    """Column holding latitude / northing, for tables."""
    columns: dict[str, str] = Field(default_factory=dict)
    """riskmap field name -> the column header in the file."""
    weight: float | None = Field(default=None, ge=0)
    """Weight of the layer inside its component (the kind's by default)."""
    enabled: bool = True
    """False leaves the layer out."""


class BoundaryConfig(_Strict):
    """A file of polygons: the city boundary or its districts."""

    path: str
    """The file, relative to the project folder."""
    crs: str = "WGS84"
    """Its coordinate system (WGS84, CGCS2000, GCJ02, BD09, EPSG:nnnn)."""
    name_column: str = "name"
    """Column with the district's name."""
    adcode_column: str = "adcode"
    """Column with the 6-digit administrative code."""


class GridConfig(_Strict):
    """The grid the city is assessed on."""

    kind: Literal["square", "h3"] = "square"
    """Square cells in the working CRS, or H3 hexagons."""
    cell_size: float = Field(default=250.0, gt=0)
    """Square cell side in metres."""
    h3_resolution: int = Field(default=8, ge=0, le=15)
    """H3 resolution (for ``kind: h3``)."""
    tile_size: float = Field(default=20_000.0, gt=0)
    """Side in metres of the tiles the fields are computed in (on a cluster; on one machine
    a square grid's tiles are bands of whole rows this high)."""
    max_cells: int = Field(default=3_000_000, gt=0)
    """Refuse a grid estimated to have more cells than this (memory: a few KB a cell);
    use a larger cell, a smaller area, or raise it on a machine with the memory."""


class LevelConfig(_Strict):
    """How scores become the four levels (see docs/METHOD.md)."""

    rule: Literal["matrix", "breaks", "quantiles", "natural_breaks"] = "matrix"
    """The level rule: risk matrix, fixed score breaks, quantiles or natural breaks."""
    likelihood_breaks: tuple[float, float, float, float] = (1.0, 2.5, 4.0, 5.5)
    """H values separating likelihood classes 1|2|3|4|5."""
    severity_breaks: tuple[float, float, float, float] = (1.2, 1.7, 2.3, 2.9)
    """C values separating severity classes 1|2|3|4|5."""
    score_breaks: tuple[float, float, float] = (10.0, 25.0, 45.0)
    """Score values separating 低|一般|较大|重大 for the 'breaks' rule."""
    quantiles: tuple[float, float, float] = (0.60, 0.90, 0.98)
    """Cumulative shares separating 低|一般|较大|重大 for the 'quantiles' rule."""
    sample_size: int = Field(default=2_000, ge=100, le=5_000)
    """Cells sampled (seeded) to fit the 'natural_breaks' rule (Fisher-Jenks)."""
    seed: int = 0
    """Seed of that sample."""


ComponentWeightName = Literal["exposure", "vulnerability", "coping_gap"]


def _default_component_weights() -> dict[ComponentWeightName, float]:
    return {"exposure": 0.5, "vulnerability": 0.2, "coping_gap": 0.3}


class WeightsConfig(_Strict):
    """Weights of the consequence components and of the layers inside their component."""

    components: dict[ComponentWeightName, float] = Field(default_factory=_default_component_weights)
    """Exposure, vulnerability and coping gap in the weighted geometric mean C."""
    layers: dict[str, float] = Field(default_factory=dict)
    """Binding name -> weight inside its component (overrides the kind's default)."""

    def component(self, name: str) -> float:
        """The weight of consequence component ``name`` (0 when not given)."""
        return float(self.components.get(name, 0.0))  # type: ignore[call-overload]

    def layer_weight(
        self, name: str, binding: LayerBinding | None, kind: LayerKind | None
    ) -> float:
        """The weight of layer ``name`` inside its component: the one rule, used by the
        engine, the app's sliders and the report: these weights' own value for the layer,
        else the binding's ``weight``, else the kind's ``weight`` (1 without a kind)."""
        if name in self.layers:
            return float(self.layers[name])
        if binding is not None and binding.weight is not None:
            return float(binding.weight)
        return float(kind.weight) if kind is not None else 1.0


class MethodConfig(_Strict):
    """Numbers of the method that are not per layer (every one documented in METHOD.md)."""

    fire_speed_kmh: float = Field(default=30.0, gt=0)
    """Fire engines' average speed (km/h)."""
    fire_turnout_min: float = Field(default=1.0, ge=0)
    """Minutes from the alarm to leaving the station."""
    fire_target_min: float = Field(default=5.0, gt=0)
    """The reach target: 5 minutes (GB 51080-2015)."""
    detour_factor: float = Field(default=1.3, ge=1.0)
    """Network distance / straight-line distance, for reach times without a road network."""
    shelter_area_per_person_m2: float = Field(default=1.5, gt=0)
    """Living area per person in a shelter (GB 21734-2008)."""
    shelter_radius_m: dict[str, float] = Field(
        default_factory=lambda: {"紧急": 500.0, "固定": 2000.0, "中心": 5000.0}
    )
    """Service radius by shelter type (practice)."""
    top_contributors: int = Field(default=3, ge=1, le=10)
    """How many top contributing features each cell keeps."""
    vulnerable_density_reference_km2: float = Field(default=100.0, gt=0)
    """Vulnerable people per km² at which the density part of V saturates (see METHOD.md)."""
    shortfall_below: float = Field(default=0.5, ge=0, le=1)
    """A capacity layer whose score (0-1) in a cell is below this adds its measures there."""


class HotspotConfig(_Strict):
    """Hot spots of the cell score: Getis-Ord Gi* with permutation inference (docs/METHOD.md)."""

    enabled: bool = True
    """Compute hot spots when assessing."""
    neighbours: Literal["queen", "distance"] = "queen"
    """``queen``: the cells touching a cell (8 on a square grid, 6 on H3); ``distance``:
    every cell whose centre lies within ``distance_m``."""
    distance_m: float | None = Field(default=None, gt=0)
    """The distance band in metres for ``neighbours: distance`` (3 cells when not given)."""
    permutations: int = Field(default=999, ge=99, le=9_999)
    """Conditional permutations for the pseudo p-value."""
    seed: int = 12345
    """Seed of the permutations."""


class ConfidenceConfig(_Strict):
    """Level confidence: a seeded Monte Carlo over plausible weights and breaks."""

    enabled: bool = True
    """Compute level confidence when assessing."""
    draws: int = Field(default=200, ge=10, le=5_000)
    """Plausible weightings drawn."""
    weight_spread: float = Field(default=0.25, ge=0, lt=1)
    """Each weight (components and layers) is multiplied by a factor drawn uniformly
    from 1 - spread to 1 + spread."""
    break_spread: float = Field(default=1.0, ge=0, le=1)
    """Each break of the level rule moves by up to this share of the way to half-way to
    its neighbouring break (1: one step, up to half-way; breaks never cross)."""
    stable_share: float = Field(default=0.8, gt=0, le=1)
    """A cell whose level holds in fewer draws than this share is flagged unstable."""
    sensitivity_step: float = Field(default=0.10, gt=0, lt=1)
    """The one-at-a-time sensitivity moves each weight by this share up and down."""
    seed: int = 2021
    """Seed of the draws."""


class AnalysisConfig(_Strict):
    """How sure the map is: hot spots and level confidence, computed with the assessment."""

    hotspots: HotspotConfig = HotspotConfig()
    """Getis-Ord Gi* hot spots of the score."""
    confidence: ConfidenceConfig = ConfidenceConfig()
    """Level confidence under uncertain weights and breaks."""
    cascades_factor: bool = False
    """Raise the likelihood of cells around cascade pairs (natech, domino) by their
    rule's factor: off by default, a scenario to switch on."""


class ThemeConfig(_Strict):
    """A theme of the period risk briefing (重要时段风险研判): which layers weigh more."""

    name: Text
    """The theme's name (zh, en), e.g. 汛期 / Flood season."""
    kinds: dict[str, float] = Field(default_factory=dict)
    """Layer kind -> multiplier of the weight of every layer of that kind."""
    layers: dict[str, float] = Field(default_factory=dict)
    """Layer binding -> multiplier (applied after the kind's)."""
    measures: tuple[Text, ...] = ()
    """Measures the briefing recommends for the theme."""


def _default_themes() -> dict[str, ThemeConfig]:
    """The briefing themes shipped with riskmap (``riskmap/config/themes.yaml``)."""
    raw = _read_yaml(Path(__file__).resolve().parent / "themes.yaml")
    return {key: ThemeConfig.model_validate(value) for key, value in raw.items()}


class ComputeConfig(_Strict):
    """Where the fields are computed."""

    cluster: str | None = None
    """``local:N`` (a dask LocalCluster of N worker processes), ``tcp://host:8786`` (an
    existing dask scheduler), or none (two threads on this machine)."""

    @field_validator("cluster")
    @classmethod
    def _known(cls, v: str | None) -> str | None:
        if (
            v is None
            or re.match(r"^local:[1-9]\d*$", v)
            or re.match(r"^(tcp|tls|ucx)://[^\s/]+:\d+$", v)
        ):
            return v
        raise ValueError("cluster must be local:N or tcp://host:port")


class TimeConfig(_Strict):
    """How an assessment "as of" a date counts dated records."""

    accident_window_years: float = Field(default=3.0, gt=0, le=50)
    """Accidents count when they happened within this many years before the as-of date."""


class RegisterConfig(_Strict):
    """Where the project keeps its hidden-hazard register."""

    path: str = "var/{name}-hazards.sqlite"
    """The SQLite file, relative to the project folder (``{name}`` is the project's name);
    by default in the project's own git-ignored ``var/`` folder. Not used when ``url`` is
    given."""
    url: str | None = Field(default=None, pattern=r"^postgres(ql)?(\+psycopg)?://")
    """A PostgreSQL database shared by the bureau's users and app servers instead of the
    file: ``postgresql://user@host:5432/database``. ``${VAR}`` is replaced by the
    environment variable VAR, so a password (``postgresql://riskmap:${RISKMAP_DB_PASSWORD}@db/city``)
    need not be written in the project; the database must exist, riskmap makes its tables."""


class AuthConfig(_Strict):
    """Who may open the app."""

    required: bool = False
    """Reading the map needs a signed-in user too (otherwise only changes to the register
    and acknowledgements do)."""
    oidc: bool = False
    """Offer sign-in with the bureau's identity provider (OpenID Connect, in the app; the
    provider is configured in the app's ``secrets.toml`` ``[auth]`` section, see
    docs/REGISTER.md). A provider's user acts as the register user whose username is
    their e-mail address, or as a viewer."""


class Project(_Strict):
    """A city project: its files, grid, weights and method."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    """Short name (lower case): the register's file name and ``riskmap assess NAME``."""
    title: Text
    """The city's title on maps and reports (zh, en)."""
    adcode: str = Field(pattern=r"^\d{6}$")
    """The city's 6-digit administrative code."""
    boundary: BoundaryConfig
    """The city boundary."""
    districts: BoundaryConfig
    """The districts (names and adcodes): a city's districts and counties, a province's
    cities."""
    counties: BoundaryConfig | None = None
    """A second level under the districts (a province project's counties): cells, the
    inventory and the map then also summarise per county (``counties.csv``)."""
    working_crs: str = "auto"
    """The metric CRS computed in: ``auto`` (the UTM zone of the boundary) or an EPSG code."""
    grid: GridConfig = GridConfig()
    """The grid."""
    weights: WeightsConfig = WeightsConfig()
    """Component and layer weights."""
    levels: LevelConfig = LevelConfig()
    """How scores become the four levels."""
    method: MethodConfig = MethodConfig()
    """The method's numbers that are not per layer."""
    hazard_register: RegisterConfig = RegisterConfig()
    """The hidden-hazard register."""
    analysis: AnalysisConfig = AnalysisConfig()
    """Hot spots, level confidence and cascades."""
    time: TimeConfig = TimeConfig()
    """As-of assessments: the accident window."""
    compute: ComputeConfig = ComputeConfig()
    """Where the fields are computed (a dask cluster, or this machine)."""
    auth: AuthConfig = AuthConfig()
    """Who may open the app (sign-in for reading, OpenID Connect)."""
    themes: dict[str, ThemeConfig] = Field(default_factory=_default_themes)
    """Themes of the period risk briefing by key (``flood``, ``festival``,
    ``production`` by default; a project's own replace them)."""
    layers: tuple[LayerBinding, ...]
    """The project's layers: one binding a file."""
    work_plan: str | None = None
    """The city's own work plan, cited by the safe-city indicators that come from local
    practice (e.g. ``Wuhan 2021 work plan``); "the city's work plan" when not given."""
    allow_outside_paths: bool = False
    """Let file paths lead outside the project folder (absolute paths, ``..``); off by
    default, so a project file cannot make riskmap read or write elsewhere."""
    root: Path = Path()
    """Folder of the project file; relative paths resolve against it (set by load_project)."""

    @field_validator("layers", mode="before")
    @classmethod
    def _no_layers_yet(cls, v: Any) -> Any:
        return () if v is None else v  # `layers:` with every binding still commented out

    @field_validator("layers")
    @classmethod
    def _unique_names(cls, v: tuple[LayerBinding, ...]) -> tuple[LayerBinding, ...]:
        seen: set[str] = set()
        for b in v:
            if b.name in seen:
                raise ValueError(f"layer name '{b.name}' is used twice")
            seen.add(b.name)
        return v

    def resolve(self, path: str) -> Path:
        """A path from the project file, made absolute against the project's folder.

        Raises
        ------
        ConfigError
            The path leads outside the project's folder (absolute, or through ``..``)
            and the project does not say ``allow_outside_paths: true``.
        """
        p = Path(path.replace("{name}", self.name))
        root = self.root.resolve()
        full = p if p.is_absolute() else (root / p).resolve()
        if not self.allow_outside_paths and not full.is_relative_to(root):
            raise ConfigError(
                f"{path}: outside the project folder {root}; put the file in the project "
                "folder, or set 'allow_outside_paths: true' in project.yaml"
            )
        return full

    def binding(self, name: str) -> LayerBinding:
        for b in self.layers:
            if b.name == name:
                return b
        raise KeyError(name)

    def layer_weight(self, binding: LayerBinding, kind: LayerKind) -> float:
        """Weight of a bound layer inside its component (see :meth:`WeightsConfig.layer_weight`)."""
        return self.weights.layer_weight(binding.name, binding, kind)


def _format_validation_error(err: ValidationError, source: Path) -> str:
    lines = [f"{source}: {err.error_count()} problem(s)"]
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling; see docs/CONFIG.md for the keys allowed)"
        lines.append(f"  {loc}: {msg}")
    return "\n".join(lines)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 "
            "(in Notepad: Save As, Encoding UTF-8)"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


VALIDITY_FIELDS: dict[str, FieldSpec] = {
    "valid_from": FieldSpec(
        type="date",
        label=Text(zh="启用日期", en="Valid from"),
        aliases=(
            "启用日期",
            "投产日期",
            "开业日期",
            "成立日期",
            "建成日期",
            "valid_from",
            "opened",
        ),
    ),
    "valid_to": FieldSpec(
        type="date",
        label=Text(zh="停用日期", en="Valid to"),
        aliases=("停用日期", "关闭日期", "停业日期", "注销日期", "拆除日期", "valid_to", "closed"),
    ),
}
"""Optional validity of every feature (an enterprise opened or closed): a feature acts
on a date d when ``valid_from`` <= d < ``valid_to`` (an empty side is open); every kind
but dated records (group ``history``) has them (see ``Study.from_project(as_of=...)``)."""


def _validity_fields(kind: LayerKind) -> dict[str, FieldSpec]:
    return {k: v for k, v in VALIDITY_FIELDS.items() if k not in kind.fields}


def parse_layer_kind(data: Any, source: Path) -> LayerKind:
    """Validate one layer-kind mapping; ``source`` names the file in error messages."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys at the top level")
    try:
        kind = LayerKind.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation_error(err, source)) from None
    if kind.group != "history":  # dated records (accidents) carry their own date
        kind = kind.model_copy(update={"fields": {**kind.fields, **_validity_fields(kind)}})
    if kind.kind != source.stem:
        raise ConfigError(f"{source}: 'kind: {kind.kind}' must equal the file name '{source.stem}'")
    return kind


@cache
def _load_kinds_cached(directory: str) -> dict[str, LayerKind]:
    d = Path(directory)
    files = sorted(d.glob("*.yaml"))
    if not files:
        raise ConfigError(f"{d}: no layer kinds (*.yaml) found")
    kinds = {f.stem: parse_layer_kind(_read_yaml(f), f) for f in files}
    for name, kind in kinds.items():
        for rule in kind.cascades:
            unknown = [k for k in rule.with_kinds if k not in kinds]
            if unknown:
                raise ConfigError(
                    f"{d / (name + '.yaml')}: cascade rule '{rule.id}' names unknown layer "
                    f"kind(s) {', '.join(unknown)}: use kinds that exist in {d}"
                )
    return kinds


def load_layer_kinds(directory: Path | None = None) -> dict[str, LayerKind]:
    """All layer kinds, keyed by kind name.

    Parameters
    ----------
    directory
        Folder of ``*.yaml`` files; the kinds shipped with riskmap by default.
    """
    return dict(_load_kinds_cached(str((directory or LAYERS_DIR).resolve())))


def project_path(ref: str | Path) -> Path:
    """Resolve a project reference: a path to a project.yaml, a folder, or a short name."""
    p = Path(ref)
    if p.suffix in {".yaml", ".yml"}:
        return p.resolve()
    if p.is_dir():
        return (p / "project.yaml").resolve()
    for folder in data_dirs():
        candidate = folder / str(ref) / "project.yaml"
        if candidate.exists():
            return candidate
    known = sorted({x.parent.name for d in data_dirs() for x in d.glob("*/project.yaml")})
    raise ConfigError(
        f"project '{ref}' not found: give a path to a project.yaml or one of: {', '.join(known) or '(none)'}"
    )


def load_project(ref: str | Path, kinds: dict[str, LayerKind] | None = None) -> Project:
    """Load and validate a project file.

    Parameters
    ----------
    ref
        A path to a project.yaml, its folder, or a short name such as ``wuhan``
        (meaning ``data/wuhan/project.yaml``).
    kinds
        Layer kinds to check the bindings against; ``load_layer_kinds()`` by default.

    Raises
    ------
    ConfigError
        Unknown keys, bad values, unknown layer kinds or fields, with the key path.
    """
    path = project_path(ref)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    if "root" in data:
        raise ConfigError(f"{path}: 'root' is set by riskmap and cannot be given")
    try:
        project = Project.model_validate({**data, "root": path.parent})
    except ValidationError as err:
        raise ConfigError(_format_validation_error(err, path)) from None
    kinds = kinds if kinds is not None else load_layer_kinds()
    problems = []
    for i, b in enumerate(project.layers):
        if b.kind not in kinds:
            problems.append(
                f"  layers.{i} ({b.name}): unknown kind '{b.kind}'; known kinds: {', '.join(sorted(kinds))}"
            )
            continue
        for field_name in b.columns:
            if field_name not in kinds[b.kind].fields:
                problems.append(
                    f"  layers.{i} ({b.name}).columns: '{field_name}' is not a field of kind "
                    f"'{b.kind}' (fields: {', '.join(kinds[b.kind].fields)})"
                )
    for name in project.weights.layers:
        if name not in {b.name for b in project.layers}:
            problems.append(
                f"  weights.layers: '{name}' is not the name of a layer of this project"
            )
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems))
    return project
