"""UI helpers shared by every page: labels, messages, maps and tables.

Settings live in :mod:`app.state`, the cached pipeline in :mod:`app.cache`.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

from app.i18n import LANGS

if TYPE_CHECKING:
    from riskmap.io import ProjectData

from app.state import _on_project_change, lang, project_files, t

ASSET_URL = "app/static/riskmap"
"""Where the app serves Leaflet's files (Streamlit serves static/ at /app/static/)."""
MAX_UPLOAD_MB = 50
"""Largest upload accepted (also server.maxUploadSize in .streamlit/config.toml)."""
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def plain(value: object) -> str:
    """Text from a data file made safe for Streamlit's Markdown (no links, images, HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def sidebar_common() -> Path | None:
    """Language switch and project choice (every page); returns the project file."""
    ss = st.session_state
    ss.setdefault("w_lang", "zh")
    st.sidebar.radio(
        t("language"), list(LANGS), format_func=LANGS.get, key="w_lang", horizontal=True
    )
    if lang() != "en":
        st.html(_NO_MATCH_CSS % t("no_match"))
    files = project_files()
    if not files:
        st.error(t("no_projects"))
        return None
    names = project_labels(files)
    if ss.get("w_project") not in names:
        ss["w_project"] = str(files[0])
    st.sidebar.selectbox(
        t("project"),
        list(names),
        format_func=lambda f: names.get(f, f),
        key="w_project",
        on_change=_on_project_change,
    )
    return Path(ss["w_project"])


def project_labels(files: Sequence[Path]) -> dict[str, str]:
    """Project file -> its name in the sidebar's list: its folder's name, with the folder
    above it when another project's folder has the same name (``wuhan · data``), or its
    folder's path when that is the same too. Every label differs from the others: the
    list's choice is sent by its label, and two alike were taken for one another."""
    folders = [f.parent for f in files]
    out: dict[str, str] = {}
    for f, folder in zip(files, folders, strict=True):
        if sum(o.name == folder.name for o in folders) == 1:
            label = folder.name
        elif (
            sum((o.name, o.parent.name) == (folder.name, folder.parent.name) for o in folders) == 1
        ):
            label = f"{folder.name} · {folder.parent.name}"
        else:
            label = f"{folder.name} · {folder.parent}"
        out[str(f)] = label
    return out


def report_frame(problems: Iterable[Any], data: ProjectData | None = None) -> pd.DataFrame:
    """Problems (a ValidationReport or a list of Problem) as a table with headers for
    people: layers by their names (``data``'s, when given), nothing where a problem has no
    layer, file, row or column."""
    rows = [p.to_record() for p in problems]
    cols = ["severity", "code", "layer", "file", "row", "column", "message", "hint"]
    df = pd.DataFrame(rows, columns=cols)
    df["severity"] = df["severity"].map({"error": t("sev_error"), "warning": t("sev_warning")})
    if data is not None:
        df["layer"] = [layer_label(data, v) if isinstance(v, str) else v for v in df["layer"]]
    df["row"] = [str(int(v)) if pd.notna(v) else "" for v in df["row"]]
    text = [c for c in cols if c != "row"]
    df[text] = df[text].astype(object).where(df[text].notna(), "")
    return df.rename(columns={c: t(f"rp_{c}") for c in cols})


def show_error(exc: BaseException, prefix_key: str = "error_generic") -> None:
    """A riskmap error as a message, with its validation report as a table (never a traceback)."""
    st.error(t(prefix_key) + plain(exc))
    report = getattr(exc, "report", None)
    if report is not None and len(report):
        st.dataframe(report_frame(report), hide_index=True, width="stretch")


def level_label(rank: int) -> str:
    from riskmap.config.levels import level_of

    return level_of(int(rank)).name(lang())


def district_codes(cells: pd.DataFrame) -> np.ndarray:
    """Each cell's (adcode, district) group number, for :func:`level_summary` (the same
    for every assessment of a grid: worth keeping)."""
    return cells.groupby(["adcode", "district"], sort=False).ngroup().to_numpy()


def level_summary(
    cells: pd.DataFrame,
    adcode: str = "",
    score_key: str | None = None,
    codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Cells, area and population per level (重大 first) for the city or one district.

    The same figures as :func:`riskmap.products.inventory.district_summary` (per district and
    level: area in km² rounded to 3 decimals, people to units, then summed), counted
    with ``numpy.bincount`` (a few ms for 139k cells, so a weight change does not wait
    for it). ``score_key`` is accepted for callers that pass it; nothing is cached.
    ``codes``: the cells' :func:`district_codes`, when kept.
    """
    from riskmap.config.levels import LEVELS

    rank = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int).to_numpy()
    area = pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0).to_numpy(float)
    people = (
        pd.to_numeric(cells["population"], errors="coerce").fillna(0).to_numpy(float)
        if "population" in cells.columns
        else np.zeros(len(cells))
    )
    district_code = codes if codes is not None else district_codes(cells)
    if adcode:
        keep = (cells["adcode"].astype(str) == adcode).to_numpy()
        rank, area, people, district_code = (
            rank[keep],
            area[keep],
            people[keep],
            district_code[keep],
        )
    n_groups = int(district_code.max()) + 1 if len(district_code) else 0
    key = district_code * 5 + np.clip(rank, 0, 4)
    size = n_groups * 5
    n_cells = np.bincount(key, minlength=size).reshape(-1, 5).sum(axis=0)
    area_km2 = (
        (np.bincount(key, weights=area, minlength=size).reshape(-1, 5) / 1e6).round(3).sum(axis=0)
    )
    population = (
        np.bincount(key, weights=people, minlength=size).reshape(-1, 5).round(0).sum(axis=0)
    )
    total_area = float(area_km2[1:].sum()) or 1.0
    rows = []
    for lv in reversed(LEVELS):
        rows.append(
            {
                t("col_level"): lv.name(lang()),
                t("col_cells"): f"{int(n_cells[lv.rank]):,}",
                t("col_area"): f"{float(area_km2[lv.rank]):,.1f}",
                t("col_share"): f"{100 * float(area_km2[lv.rank]) / total_area:.1f}%",
                t("col_population_scaled"): _people_scaled(float(population[lv.rank])),
            }
        )
    return pd.DataFrame(rows)


_PEOPLE_UNIT = {"zh": 1e4, "en": 1e3}
"""People per unit of the headline table's population column: 万人 in Chinese, thousands
in English (a city's millions in full made the narrow column overflow)."""


def _people_scaled(people: float) -> str:
    """``people`` in the headline's unit, one decimal ("<0.1" for a few people, "0" for none)."""
    if people <= 0:
        return "0"
    value = people / _PEOPLE_UNIT[lang()]
    return "<0.1" if value < 0.05 else f"{value:,.1f}"


def district_options(data: ProjectData) -> dict[str, str]:
    """'' (whole city) and each district adcode -> name."""
    from riskmap.maps import district_names

    d = data.districts
    names = dict(zip(d["adcode"].astype(str), district_names(d, lang()), strict=True))
    return {"": whole_area(data), **dict(sorted(names.items()))}


def whole_area(data: ProjectData) -> str:
    """全市, or 全省 for a province (a project with counties)."""
    return t("whole_province") if data.counties is not None else t("whole_city")


def kind_label(data: ProjectData, kind: str) -> str:
    k = data.kinds.get(kind)
    return k.name.get(lang()) if k else kind


def layer_label(data: ProjectData, layer_name: str) -> str:
    """A layer's name for people: its kind's name in the page's language, with its file's
    name when another layer has the same kind name (never the project's internal key)."""
    lyr = data.layers.get(layer_name)
    if lyr is None:
        return layer_name
    lg = lang()
    name = lyr.kind.name.get(lg)
    twins = [n for n, other in data.layers.items() if other.kind.name.get(lg) == name]
    if len(twins) > 1:
        file = Path(str(lyr.binding.path or layer_name)).name
        name = f"{name}（{file}）" if lg == "zh" else f"{name} ({file})"
    return name


def escape_html(value: object) -> str:
    return html.escape(str(value), quote=True)


def session_dir() -> Path:
    """This session's temporary folder for uploads (never the project's folder)."""
    ss = st.session_state
    if "upload_dir" not in ss or not Path(ss["upload_dir"]).is_dir():
        ss["upload_dir"] = tempfile.mkdtemp(prefix="riskmap-upload-")
    return Path(ss["upload_dir"])


def labels(options: Iterable[Any], label_of: Any) -> Any:
    """A ``format_func`` whose labels are computed now, in the current language.

    Widgets keep their format function after the run; computing the labels at creation
    keeps them in the language of that run.
    """
    table = {o: str(label_of(o)) for o in options}
    return lambda o: table.get(o, str(o))


def choice(options: Sequence[str], key: str, label_prefix: str) -> dict[str, Any]:
    """The arguments of a choice widget over ``options`` labelled ``t(label_prefix + o)``."""
    return {
        "options": list(options),
        "key": key,
        "format_func": labels(options, lambda o: t(f"{label_prefix}{o}")),
    }


def missing(value: object) -> bool:
    """Whether a value is absent: None, NaN, NA or an empty string."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def number(value: object, decimals: int = 0, unit: str = "", *, sign: bool = False) -> str:
    """A number for people: thousands separators, ``decimals`` places, then ``unit``
    (``%`` and ``‰`` stick to the number); ``—`` when missing, never ``None`` or ``nan``.

    ``sign`` writes ``+`` before positive numbers (a change).
    """
    if missing(value):
        return "—"
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(x):
        return "—" if np.isnan(x) else ("∞" if x > 0 else "−∞")
    text = f"{x:+,.{decimals}f}" if sign else f"{x:,.{decimals}f}"
    if text.lstrip("+-") == f"{0:.{decimals}f}":
        text = text.lstrip("+-")  # no "-0" or "+0"
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰") else f"{text} {unit}"


def people(value: object) -> str:
    """People as a whole number with separators: ``1,540,815 人`` / ``1,540,815 people``."""
    return number(value, 0, t("u_people"))


def area_km2(value: object, decimals: int = 1) -> str:
    """An area given in km²: ``12.5 km²``."""
    return number(value, decimals, "km²")


def area_m2(value: object) -> str:
    """An area given in m²: ``20,000 m²``."""
    return number(value, 0, "m²")


def distance(metres: object) -> str:
    """A distance given in metres: ``850 m`` below a kilometre, else ``1.5 km``."""
    if missing(metres):
        return "—"
    m = float(metres)  # type: ignore[arg-type]
    return number(m, 0, "m") if abs(m) < 1000 else number(m / 1000, 1, "km")


def percent(value: object, decimals: int = 1, *, share: bool = False) -> str:
    """A percentage (``share``: the value is a 0..1 share): ``31.9%``."""
    if missing(value):
        return "—"
    x = float(value)  # type: ignore[arg-type]
    return number(100 * x if share else x, decimals, "%")


def select_all() -> bool:
    """Whether a multiselect offers Streamlit's bulk action: its label ("Select all",
    "Select N matches") is English whatever the page's language and cannot be relabelled,
    so the Chinese page leaves it out (every option can still be picked one by one)."""
    return lang() == "en"


def relabel(*keys: str) -> None:
    """Widgets whose option labels follow the language: their values re-assigned before they
    are drawn, so that Streamlit sends the selection with this run's labels.

    A keyed choice widget keeps its identity when only its labels change, and the browser
    keeps showing the label of the run that set its value (全市 after switching to English).
    A value assigned through the session state is sent again, formatted in this run's
    language (the ``w_`` settings get this from :func:`app.state.keep_widget_state`).
    """
    ss = st.session_state
    for key in keys:
        if key in ss:
            ss[key] = ss[key]


def district_shown(data: ProjectData) -> Any:
    """A function writing a district's name (as the project and the register keep it) in
    the page's language (``name_en`` in English); other values unchanged."""
    from riskmap.maps import district_names

    d = data.districts
    shown = dict(zip(d["name"].astype(str), district_names(d, lang()), strict=True))
    return lambda name: shown.get(str(name), name)


_COORDINATE_DECIMALS = 6


def people_table(
    frame: pd.DataFrame, decimals: dict[str, int] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A table for people and its ``column_config``: ``—`` for missing values (never
    ``None`` or ``nan``), whole numbers without ``.0``, other numbers rounded to
    ``decimals[column]`` places (2 unless given), all with thousands separators.

    Numeric columns without missing values stay numbers (they still sort as numbers); a
    numeric column with gaps becomes text written by :func:`number`.
    """
    decimals = decimals or {}
    out = pd.DataFrame(frame).copy()
    config: dict[str, Any] = {}
    for column in out.columns:
        s = out[column]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_numeric_dtype(s):
            values = pd.to_numeric(s, errors="coerce")
            given = decimals.get(str(column))
            whole = bool(((values.dropna() % 1) == 0).all())
            d = given if given is not None else (0 if whole else 2)
            if values.isna().any():
                out[column] = [number(v, d) for v in values]
                continue
            out[column] = values.round(0).astype("int64") if d == 0 else values.round(d)
            fmt = "localized" if d <= 3 else f"%.{d}f"
            config[str(column)] = st.column_config.NumberColumn(format=fmt)
        else:
            out[column] = [
                "—" if missing(v) or str(v) in ("nan", "None", "NaN", "<NA>") else v
                for v in s.astype(object)
            ]
    return out, config


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, **kwargs: Any) -> None:
    """``st.dataframe`` of :func:`people_table` (``hide_index`` and ``width="stretch"``
    unless given; ``column_config`` entries given are kept)."""
    shown, config = people_table(frame, decimals)
    config.update(kwargs.pop("column_config", None) or {})
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(shown, column_config=config, **kwargs)


def coordinate_decimals(*columns: str) -> dict[str, int]:
    """``decimals`` of :func:`people_table` for longitude and latitude columns (6 places)."""
    return dict.fromkeys(columns, _COORDINATE_DECIMALS)


# A drop-down whose search matches nothing says so in Streamlit's English ("No results"):
# its list is marked empty (data-empty) and holds the text in a lone option. Unmatched
# (another Streamlit), Streamlit's own text shows.
_NO_MATCH_CSS = """<style>
[role="listbox"][data-empty] > [role="option"] > * { display: none; }
[role="listbox"][data-empty] > [role="option"]::after {
  content: "%s"; display: block; padding: 0.5rem 1rem; opacity: 0.6; }
</style>"""

_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] > * { display: none; }
[data-testid="stFileUploaderDropzone"] button > * { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "%s"; }
</style>"""


def file_uploader(
    label: str, *, types: Sequence[str], key: str, mb: int = MAX_UPLOAD_MB, where: Any = None
) -> Any:
    """``st.file_uploader`` with its texts in the page's language.

    Streamlit writes its drop zone's instructions (size limit, file types) and its button
    (Browse files) in English only. In Chinese a style rule hides them and gives the
    button our word; a caption below says what may be uploaded (at most ``mb`` MB, the
    ``types``), in the page's language.
    """
    where = st if where is None else where
    if lang() != "en":
        where.html(_UPLOADER_CSS % t("up_browse"))
    uploaded = where.file_uploader(label, type=list(types), key=key)
    if lang() != "en":
        kinds = t("list_sep_ui").join(s.upper() for s in types)
        where.caption(t("up_limits", mb=mb, types=kinds))
    return uploaded


def register_label(vocabulary: str, code: str) -> str:
    """A register code (grade, status, category, action) as a label standing alone, in the
    page's language: the register's word, capitalised in English (``Registered``, ``Major``;
    riskmap's own sentences use the words in lower case)."""
    from riskmap.register import label

    word = label(vocabulary, code, lang())
    return word[:1].upper() + word[1:] if lang() == "en" else word


def table_height(n_rows: int, most: int) -> int:
    """Pixels for a data frame showing its ``n_rows`` rows, up to ``most`` (no empty grid
    below a short table)."""
    return int(min(most, 38 + 35 * max(n_rows, 1)))
