"""Shared fixtures. One Playwright instance and one Chromium per test session: a second
``sync_playwright()`` in the same process fails ("Sync API inside the asyncio loop").
One throwaway PostgreSQL server per test process, started when a test first asks for it;
``new_db`` gives a new register database on each backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_support import browser  # noqa: F401  (a session fixture used by the browser tests)
from postgres_support import Server, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """A PostgreSQL server of this test process (Debian's postgresql; real, not a mock)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The register database's backend: each test that uses it runs on both."""
    return str(request.param)


@pytest.fixture
def new_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., str]:
    """``new_db(name)``: the location of a new, empty register database on the test's
    backend (a file in the test's folder, or a new database on the test server's)."""
    if backend == "postgresql":
        server: Server = request.getfixturevalue("postgres")
        return lambda name="h": server.new_database()
    return lambda name="h": str(tmp_path / "var" / f"{name}.sqlite")
