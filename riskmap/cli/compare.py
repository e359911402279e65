"""``python -m riskmap compare A B --project P --out DIR``: the change between two dates
or two saved outputs.

A and B are each an as-of date (``2020-12-31``: the project assessed as of that day) or
a folder written by ``python -m riskmap assess`` (its ``cells.parquet``). Writes
DIR/changed_cells.csv (the cells that moved level, by how many, and what changed them),
DIR/district_trend.csv, DIR/city_trend.csv, DIR/change.json and DIR/change_map.html (an
offline map of the level change).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from riskmap.cli.common import progress
from riskmap.errors import ConfigError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``compare`` verb."""
    from riskmap.config.vocabulary import LANGS

    parser: argparse.ArgumentParser = subparsers.add_parser(
        "compare",
        help="change between two as-of dates or two saved outputs: moved cells, trends, map",
        description="Compare two assessments of the same grid. A and B are each a date "
        "(the project assessed as of that day) or a folder written by 'assess'. Writes the "
        "cells that moved level and what changed them, district and city trends, and an "
        "offline change map.",
    )
    parser.add_argument("a", metavar="A", help="a date (2020-12-31) or an 'assess' output folder")
    parser.add_argument("b", metavar="B", help="a date or an 'assess' output folder")
    parser.add_argument("--project", default=None, metavar="PROJECT",
                        help="the project (default: the one named in a saved output's "
                        "summary.json)")  # fmt: skip
    parser.add_argument("--cell-size", type=float, default=None, metavar="M",
                        help="square cell side in metres for dates (default: the project's; "
                        "a saved output keeps its own grid)")  # fmt: skip
    parser.add_argument("--register", type=Path, default=None, metavar="PATH",
                        help="hidden-hazard register whose hazards open on each date count "
                        "(default: the project's, when it exists)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                        help="output folder (default: ./out)")  # fmt: skip
    parser.add_argument("--lang", choices=LANGS, default="zh", help="language of the files")
    parser.set_defaults(run=run)
    return parser


def _saved(path: Path) -> dict[str, Any] | None:
    """The summary of a saved output folder, or None when ``path`` is not one."""
    if not path.is_dir():
        return None
    if not (path / "cells.parquet").is_file() and not (path / "cells").is_dir():
        raise ConfigError(
            f"{path}: not an output of 'python -m riskmap assess' (no cells.parquet): give a "
            "date such as 2020-12-31 or such a folder"
        )
    summary = path / "summary.json"
    return json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else {}


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (0)."""
    import geopandas as gpd

    from riskmap.maps import map_from_cells, save_map
    from riskmap.pipeline import Study
    from riskmap.products.change import (
        change_map_cells,
        change_title,
        compare_cells,
        layer_names,
        write_change,
    )

    sides = [(str(v), _saved(Path(v))) for v in (args.a, args.b)]
    project = args.project
    if project is None:
        named = [s.get("project") for _, s in sides if s]
        if not named or not named[0]:
            raise ConfigError("name the project with --project PROJECT")
        project = named[0]
    studies: dict[str, Study] = {}
    cells = []
    data = None
    for value, saved in sides:
        if saved is None:
            progress(f"assessing {project} as of {value} ...")
            study = Study.from_project(
                project,
                as_of=value,
                cell_size=args.cell_size,
                register=args.register if args.register is not None else "auto",
            )
            studies[value] = study
            cells.append(study.score().cells_for_output())  # the drivers read the contributors
            data = data or study.data
        else:
            one = Path(value) / "cells.parquet"
            progress(f"reading {value}/cells ...")
            cells.append(gpd.read_parquet(one if one.is_file() else Path(value) / "cells"))
    if data is None:
        data = Study.from_project(project, register=None).data
    cells = [c.to_crs(data.crs) if c.crs != data.crs else c for c in cells]
    grid = next((c.attrs.get("grid") for c in cells if c.attrs.get("grid")), None)
    if grid:
        for c in cells:
            c.attrs.setdefault("grid", grid)
    labels = [Path(v).name if saved is not None else v for v, saved in sides]
    change = compare_cells(
        cells[0], cells[1], label_a=labels[0], label_b=labels[1], layer_names=layer_names(data)
    )
    paths = write_change(change, args.out, args.lang)
    m = map_from_cells(
        change_map_cells(change),
        data,
        view="change",
        lang=args.lang,
        title=change_title(change, data.project.title.get(args.lang), args.lang),
        overlays=["districts"],
    )
    paths.append(save_map(m, args.out / "change_map.html"))
    s = change.summary()
    print(
        f"{s['a']} -> {s['b']}: {s['cells']:,} cells, {s['cells_up']:,} up, "
        f"{s['cells_down']:,} down"
    )
    for p in paths:
        print(f"wrote {p}")
    return 0
