"""House rules that keep the library usable outside the app."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed by requirements-test.txt")
def test_ruff_clean() -> None:
    result = subprocess.run(
        ["ruff", "check", "riskmap", "app.py", "tests", "benchmarks", "scripts"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "riskmap"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
