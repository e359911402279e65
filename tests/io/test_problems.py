"""The problem collector: rows beyond the cap are summarised."""

from __future__ import annotations

from typing import Any

from riskmap.io import (
    MAX_ROW_PROBLEMS,
)


def test_many_bad_rows_are_summarised(files: Any) -> None:
    rows = "".join(f"G{i},站,x{i},30.5\n" for i in range(MAX_ROW_PROBLEMS + 10))
    path = files.root / "gas.csv"
    path.write_text("编号,名称,经度,纬度\nG,站,114.3,30.5\n" + rows, encoding="utf-8")
    gdf, problems = files.read(path)
    assert gdf is not None and len(gdf) == 1
    per_row = [p for p in problems if p.code == "non_numeric" and p.row is not None]
    summary = [p for p in problems if p.code == "non_numeric" and p.row is None]
    assert len(per_row) == MAX_ROW_PROBLEMS
    assert len(summary) == 1 and summary[0].message.startswith("10 more row(s)")
