"""The schema: versioned migrations, applied once, a newer database refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskmap.errors import RegisterError
from riskmap.register import HazardRegister


def test_schema_is_versioned_migrated_once_and_newer_refused(
    tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "s.sqlite"
    with HazardRegister(path) as reg:
        assert reg.schema_version() == 3
        reg.add(**hazard())
    with HazardRegister(path) as reg:  # reopening does not migrate again
        assert reg.schema_version() == 3 and len(reg.list()) == 1
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    with pytest.raises(RegisterError, match="newer"):
        HazardRegister(path)
