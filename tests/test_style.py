"""House rules that keep the library usable outside the app.

Lint (ruff), formatting, types (mypy) and the import contracts (lint-imports) run as their
own steps of scripts/test.sh, before the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_library_knows_no_streamlit() -> None:
    """The import contract (scripts/test.sh runs lint-imports) forbids importing streamlit;
    this also keeps its protocol out: no file of riskmap/ names it at all."""
    named = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "riskmap").rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".yaml", ".js", ".html", ".css"}
        and "streamlit" in p.read_text(encoding="utf-8").lower()
    ]
    assert not named, f"riskmap/ must not know streamlit (move it to app/components/): {named}"


def test_library_never_imports_streamlit() -> None:
    offenders = []
    for path in (ROOT / "riskmap").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith(("streamlit.", "streamlit_")) for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"riskmap/ must not import streamlit: {offenders}"


def test_no_cdn_addresses_in_code() -> None:
    cdns = ("cdn.jsdelivr", "unpkg.com", "cdnjs.", "code.jquery.com", "bootstrapcdn")
    hits = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "riskmap").rglob("*.py"), ROOT / "app.py"]
        if p.exists() and any(c in p.read_text(encoding="utf-8") for c in cdns)
    ]
    assert not hits, f"CDN addresses in {hits}"


def test_no_bare_string_is_written_onto_a_page() -> None:
    """Streamlit's magic writes any bare expression of a page script onto the page: a string
    after the docstring (e.g. an attribute's docstring) would show as text to the analyst."""
    found = []
    for path in [ROOT / "app.py", *sorted((ROOT / "app" / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = [tree.body] + [
            n.body for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))
        ]
        for body in bodies:
            for i, stmt in enumerate(body):
                bare = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                if bare and isinstance(stmt.value.value, str) and i > 0:
                    found.append(f"{path.relative_to(ROOT)}:{stmt.lineno}")
    assert not found, f"bare strings shown on a page (make them comments): {found}"


def test_one_chinese_word_for_each_term_of_the_method() -> None:
    """The legend, the details panel, the inventory and the report name the risk matrix's
    axes alike (可能性 × 严重性, as the inventory's headers and the report do): an
    analyst reading 严重度 on the map and 严重性 in the panel would think of two things."""
    variants = {"严重度": "严重性"}
    found = [
        f"{p.relative_to(ROOT)}: {word} (use {use})"
        for folder in ("riskmap", "app", "docs")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix in {".py", ".yaml", ".md"}
        for word, use in variants.items()
        if word in p.read_text(encoding="utf-8")
    ]
    assert not found, found
