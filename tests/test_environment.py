"""In CI every tool the suite needs must be present, so that no test is silently skipped."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

pytestmark = pytest.mark.skipif(not os.environ.get("CI"), reason="only CI must have every tool")


@pytest.mark.parametrize("tool", ["chromium", "ruff", "pdftoppm"])
def test_tool_installed_in_ci(tool: str) -> None:
    assert shutil.which(tool), f"{tool} is missing: scripts/test.sh installs it"


@pytest.mark.parametrize("module", ["nbclient", "nbformat", "playwright", "prcoords", "hypothesis"])
def test_test_dependency_installed_in_ci(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, (
        f"{module}: pip install -r requirements-test.txt"
    )
