"""Safe unzipping: no member outside its folder, no zip bomb."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest

from riskmap.errors import UnsafeFileError
from riskmap.io import (
    archives,
    read_table,
)


def test_zip_traversal_raises_unsafe_file_error(files: Any) -> None:
    path = files.zip("evil.zip", {"data/../../evil.csv": files.GAS_CSV.encode()})
    with pytest.raises(UnsafeFileError) as info:
        read_table(path)
    assert info.value.report.problems[0].code == "unsafe_file"
    assert not (files.root.parent / "evil.csv").exists()


def test_zip_bomb_is_refused(files: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_UNZIPPED_BYTES", 1_000_000)
    path = files.root / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.csv", b"0" * 5_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(UnsafeFileError, match="MiB"):
        read_table(path)
    gdf, problems = files.read(path)
    assert gdf is None and [p.code for p in problems] == ["unsafe_file"]
