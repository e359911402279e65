"""One language at a time (issue 15, items 6 and 12): every page of the app, in Chinese and
in English, shows no internal key (``flood_zones``, ``hazmat``, ``likelihood_breaks``) and
no label, caption, header or choice in the other language; its tables show numbers for
people (no ``1540814.74``, no ``None`` or ``nan``) and no layer key as a value; and a choice
made before a language switch is shown in the new language after it. Data values (an
enterprise's name in a table) are the data's own and are only checked for English
sentences in the Chinese page; the language switch names both languages on purpose."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "app/pages/risk_map.py",
    "app/pages/inventory.py",
    "app/pages/data.py",
    "app/pages/hazards.py",
    "app/pages/safe_city.py",
    "app/pages/method.py",
    "app/pages/change.py",
    "app/pages/monitoring.py",
)
CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){2,}")
LAZY_EXPANDERS = ("w_weights_open", "w_scenarios_open", "dl_open")
"""The app's expanders whose contents are drawn only while open (weights, scenarios,
downloads)."""
LANGUAGE_SWITCH = {"语言 / Language", "中文", "English"}
_TEXT_KINDS = ("title", "header", "subheader", "caption", "markdown", "info", "success",
               "warning", "error", "metric", "button", "expander", "tabs")  # fmt: skip
_CHOICES = ("selectbox", "multiselect", "radio")
_MISSING = {"None", "nan", "NaN", "<NA>", "NaT"}
_COORDINATE = re.compile(r"经度|纬度|Longitude|Latitude", re.I)
_WIDGETS = ("selectbox", "multiselect", "radio", "checkbox", "text_input", "number_input",
            "slider", "select_slider", "toggle", "date_input", "text_area")  # fmt: skip


def _shown(at: Any) -> Iterator[tuple[str, str]]:
    """(element kind, text) of everything a user reads on the page but data values."""
    for kind in (*_TEXT_KINDS, *_WIDGETS, "dataframe", "table"):
        for e in getattr(at, kind, []):
            for attr in ("label", "body", "help", "placeholder"):
                v = getattr(e, attr, None)
                if isinstance(v, str):
                    yield kind, v
            if kind in _TEXT_KINDS and isinstance(getattr(e, "value", None), str):
                yield kind, e.value
            if kind in ("selectbox", "multiselect", "radio"):
                yield from ((kind, str(o)) for o in e.options)
            if kind in ("dataframe", "table"):
                yield from ((kind, str(c)) for c in e.value.columns)


def _cells(at: Any) -> Iterator[tuple[str, object]]:
    """(column, value) of every cell of the page's tables."""
    for kind in ("dataframe", "table"):
        for e in getattr(at, kind, []):
            frame = e.value
            for column in frame.columns:
                for value in frame[column].tolist():
                    yield str(column), value


def _number_problems(at: Any) -> Iterator[str]:
    """Numbers not written for people: a float with more than 3 decimals (but coordinates),
    a missing value shown as None / nan, in a table (once per column) or a metric."""
    for column, value in _cells(at):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            yield f"table: a missing value shown raw in column {column!r}"
        elif isinstance(value, str) and value.strip() in _MISSING:
            yield f"table: {value.strip()!r} in column {column!r}"
        elif (
            isinstance(value, float)
            and not _COORDINATE.search(column)
            and abs(value - round(value, 3)) > 1e-9
        ):
            yield f"table: raw numbers (more than 3 decimals) in column {column!r}"
    for e in getattr(at, "metric", []):
        if re.search(r"\d\.\d{4,}|None|nan", str(e.value)):
            yield f"metric: {e.label!r} shows {e.value!r}"


def _value_problems(at: Any, lang: str, layer_keys: set[str]) -> Iterator[str]:
    """A layer's key as a table value (flood_zones, also in the data page's list of the
    project's layers), English sentences in the Chinese page."""
    for column, value in _cells(at):
        text = str(value)
        if text in layer_keys:
            yield f"table: layer key {text!r} in column {column!r}"
        if lang == "zh" and ENGLISH_SENTENCE.search(text):
            yield f"table: English in the Chinese page: {text[:80]!r}"


def _problems(at: Any, lang: str, page: str, layer_keys: set[str]) -> list[str]:
    out = list(dict.fromkeys([*_number_problems(at), *_value_problems(at, lang, layer_keys)]))
    keys = re.compile(r"\b(" + "|".join(sorted(layer_keys)) + r")\b")
    for kind, text in _shown(at):
        if text in LANGUAGE_SWITCH or (page.endswith("method.py") and kind == "markdown"):
            continue  # the method's full text is for specialists, in English (its own test)
        # A layer's key ("hazmat") is an internal name in Chinese text; in English text some
        # keys are ordinary words ("population"), so there only snake_case keys count.
        found = SNAKE.search(text) or (keys.search(text) if lang == "zh" else None)
        if found:
            out.append(f"{kind}: raw key {found.group(0)!r} in {text[:80]!r}")
        if lang == "en" and CJK.search(text):
            out.append(f"{kind}: Chinese in the English page: {text[:80]!r}")
        if lang == "zh" and ENGLISH_SENTENCE.search(text):
            out.append(f"{kind}: English in the Chinese page: {text[:80]!r}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from riskmap.config import load_project

    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    layer_keys = {b.name for b in load_project("wuhan").layers}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.radio(key="w_lang").set_value(lang).run()
    for key in LAZY_EXPANDERS:  # their contents are drawn only while open: open them all
        at.session_state[key] = True
    problems = []
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if page.endswith("risk_map.py"):  # (the folded parts are read too)
            assert at.slider and "btn_report_html" in {b.key for b in at.button}
        problems += [f"{page}: {p}" for p in _problems(at, lang, page, layer_keys)]
    assert not problems, "\n".join(dict.fromkeys(problems))


def _choices(at: Any) -> dict[str, Any]:
    """Keyed choice widgets showing a choice: key -> its proto (options, set_value, the
    values sent); an empty multiselect shows its placeholder, no label."""
    return {
        str(e.key): e.proto
        for kind in _CHOICES
        for e in getattr(at, kind, [])
        if e.key and not (kind == "multiselect" and not e.value)
    }


def _sent(proto: Any) -> list[str]:
    return list(proto.raw_values) if hasattr(proto, "raw_values") else [proto.raw_value]


@pytest.mark.slow
def test_choices_follow_a_language_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A choice whose labels change with the language (安全城市's 范围 showing 全市) is sent
    again in the new words: the browser keeps showing a widget's old label otherwise
    (Streamlit keeps a keyed widget's identity when only its labels change)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    problems = []
    for page in PAGES:
        at.switch_page(page)
        for lang in ("zh", "en", "zh"):
            before = {k: list(p.options) for k, p in _choices(at).items()}
            at.radio(key="w_lang").set_value(lang).run()
            assert not at.exception, [e.value for e in at.exception]
            for key, proto in _choices(at).items():
                if key == "w_lang" or before.get(key, list(proto.options)) == list(proto.options):
                    continue
                sent = _sent(proto)
                if not proto.set_value or not set(sent) <= set(proto.options):
                    problems.append(f"{page} ({lang}): {key} keeps its old label")
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.slow
def test_register_words_stand_alone_capitalised_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hazards page's grades and statuses as choices read ``Major``, ``Registered`` in
    English (riskmap's sentences keep them in lower case), and as themselves in Chinese."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.radio(key="w_lang").set_value("en").run()
    at.switch_page("app/pages/hazards.py")
    at.run()
    shown = [o for w in (*at.radio, *at.selectbox, *at.multiselect) for o in w.options]
    for word in ("Major", "General", "Registered", "Rectifying"):
        assert word in shown, (word, shown)
    assert not {"major", "general", "registered"} & set(shown)
    at.radio(key="w_lang").set_value("zh").run()
    shown = [o for w in (*at.radio, *at.selectbox, *at.multiselect) for o in w.options]
    assert "重大" in shown and "已登记" in shown
