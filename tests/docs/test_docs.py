"""The generated documents (docs/LAYERS.md, docs/CONFIG.md) are true to the code, and every
document the code and the layer kinds cite exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from riskmap.config import (
    LAYERS_DIR,
    FieldSpec,
    LayerBinding,
    LayerKind,
    Project,
    Style,
    ValueRule,
    load_layer_kinds,
)

ROOT = Path(__file__).resolve().parents[2]


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def documents() -> dict[Path, str]:
    return _make_docs().documents()


def test_generated_docs_are_committed_as_generated(documents: dict[Path, str]) -> None:
    for path, text in documents.items():
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        assert committed == text, (
            f"{path.relative_to(ROOT)} is out of date: run python scripts/make_docs.py"
        )


def test_every_layer_kind_and_field_is_documented(documents: dict[Path, str]) -> None:
    layers = documents[ROOT / "docs" / "LAYERS.md"]
    for name, kind in load_layer_kinds().items():
        assert f"(`{name}`)" in layers
        assert f'<a id="{name}"></a>' in layers
        for field in kind.fields:
            assert f"| `{field}` |" in layers, (name, field)
    for model in (LayerKind, FieldSpec, ValueRule, Style):
        for key in model.model_fields:
            assert f"| `{key}` |" in layers, (model.__name__, key)


def _anchors(text: str) -> set[str]:
    """The anchors of a Markdown text: GitHub's heading slugs and explicit ``<a id>``."""
    slugs = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    }
    return slugs | set(re.findall(r'<a id="([^"]+)"></a>', text))


def test_links_inside_the_generated_docs_resolve(documents: dict[Path, str]) -> None:
    for path, text in documents.items():
        targets = set(re.findall(r"\]\(#([^)]+)\)", text))
        assert targets, path.name
        missing = sorted(targets - _anchors(text))
        assert not missing, f"{path.name}: links to missing anchors {missing}"


def test_every_project_key_is_documented(documents: dict[Path, str]) -> None:
    config = documents[ROOT / "docs" / "CONFIG.md"]
    models = [
        Project,
        LayerBinding,
        *(
            f.annotation
            for f in Project.model_fields.values()
            if isinstance(f.annotation, type) and hasattr(f.annotation, "model_fields")
        ),
    ]
    for model in models:
        for key in model.model_fields:
            if key != "root" and model.__name__ != "Text":
                assert f"| `{key}` |" in config, (model.__name__, key)
    for options in ("MapOptions", "InventoryOptions", "IndicatorOptions", "ReportOptions"):
        assert f"### {options}" in config


def test_every_cited_document_exists() -> None:
    cited: set[str] = set()
    sources = [
        *LAYERS_DIR.glob("*.yaml"),
        *(ROOT / "riskmap").rglob("*.py"),
        *(ROOT / "app").rglob("*.py"),
        ROOT / "README.md",
        *(ROOT / "docs").glob("*.md"),
    ]
    for path in sources:
        cited |= set(re.findall(r"docs/([A-Z][A-Z_]+\.md)", path.read_text(encoding="utf-8")))
    assert {"LAYERS.md", "CONFIG.md", "METHOD.md"} <= cited
    missing = sorted(name for name in cited if not (ROOT / "docs" / name).exists())
    assert not missing, f"cited but missing: {missing}"
