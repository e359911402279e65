"""One language at a time (issue 15, item 6): every page of the app, in Chinese and in
English, shows no internal key (``flood_zones``, ``hazmat``, ``likelihood_breaks``) and no
label, caption, header or choice in the other language. Data values (an enterprise's
name in a table) are the data's own and are not checked; the language switch names both
languages on purpose."""

from __future__ import annotations

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
LANGUAGE_SWITCH = {"语言 / Language", "中文", "English"}
_TEXT_KINDS = ("title", "header", "subheader", "caption", "markdown", "info", "success",
               "warning", "error", "metric", "button", "expander", "tabs")  # fmt: skip
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


def _problems(at: Any, lang: str, page: str, layer_keys: set[str]) -> list[str]:
    out = []
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
    problems = []
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        problems += [f"{page}: {p}" for p in _problems(at, lang, page, layer_keys)]
    assert not problems, "\n".join(dict.fromkeys(problems))
