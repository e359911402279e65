"""Make the Wuhan demo's synthetic month of monitoring readings (July 2021), seeded.

    python scripts/make_readings.py [--out data/wuhan/readings]

* combustible gas (%LEL) at 50 hazardous-chemical enterprises, every 12 hours, around 2-6
  %LEL, with three leaks: one reaching yellow, one orange, one red (GB/T 50493-2019
  alarm levels as declared in the layer kind);
* water depth (m) at 30 waterlogging points: daily, and hourly through the 18-20 July
  rainstorm, when most points flood and a few pass 0.5 m;
* the tailings pond's saturation-line depth (m), daily, rising after the rainstorm to an
  orange warning and falling back.

Times are China Standard Time. Everything is synthetic (see data/wuhan/README.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "wuhan"


def make(seed: int = 2021) -> pd.DataFrame:
    """The month's readings (columns of riskmap.monitoring.store.READING_COLUMNS)."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    hazmat = pd.read_csv(DATA / "hazmat_enterprises.csv", encoding="gbk", dtype=str)
    always = hazmat["关闭日期"].isna() & hazmat["投产日期"].isna()  # open all along
    sites = list(hazmat.loc[always, "企业编号"].iloc[:50])
    half_days = pd.date_range("2021-07-01 08:00", "2021-07-31 20:00", freq="12h")
    leaks = {sites[3]: 22.0, sites[17]: 31.0, sites[40]: 57.0}  # yellow, orange, red peaks
    for site in sites:
        base = rng.uniform(2.0, 6.0)
        values = np.clip(base + rng.normal(0, 0.8, len(half_days)), 0, None)
        if site in leaks:
            k = int(rng.integers(10, 50))
            values[k : k + 3] = [leaks[site] * 0.6, leaks[site], leaks[site] * 0.5]
            values[k + 3] = base
        for t, v in zip(half_days, values, strict=True):
            rows.append({"sensor_id": f"GAS-{site}", "layer": "hazmat", "feature_id": site,
                         "quantity": "gas_lel", "unit": "%LEL", "time": t, "value": round(v, 1)})  # fmt: skip
    points = gpd.read_file(DATA / "waterlogging_points.geojson")
    ids = list(points["编号"].astype(str).iloc[:30])
    days = pd.date_range("2021-07-01 08:00", "2021-07-31 08:00", freq="D")
    storm = pd.date_range("2021-07-18 00:00", "2021-07-20 23:00", freq="h")
    for pid in ids:
        depth_max = rng.uniform(0.1, 0.65)
        for t in days:
            if not storm[0] <= t <= storm[-1]:
                rows.append({"sensor_id": f"WL-{pid}", "layer": "waterlogging", "feature_id": pid,
                             "quantity": "water_depth", "unit": "m", "time": t, "value": 0.0})  # fmt: skip
        for i, t in enumerate(storm):
            shape = np.exp(-(((i - 30) / 10.0) ** 2))  # the rain peaks on the 19th, 06:00
            depth = max(0.0, depth_max * shape + rng.normal(0, 0.01))
            rows.append({"sensor_id": f"WL-{pid}", "layer": "waterlogging", "feature_id": pid,
                         "quantity": "water_depth", "unit": "m", "time": t, "value": round(depth, 2)})  # fmt: skip
    pond = gpd.read_file(DATA / "tailings_pond.geojson")
    pond_id = str(pond["id"].iloc[0])
    for i, t in enumerate(days):
        rise = 6.5 * np.exp(-(((i - 19) / 3.0) ** 2))  # after the storm the line rises
        rows.append({"sensor_id": f"TP-{pond_id}", "layer": "tailings_pond", "feature_id": pond_id,
                     "quantity": "saturation_depth", "unit": "m", "time": t,
                     "value": round(10.0 - rise + rng.normal(0, 0.1), 2)})  # fmt: skip
    df = pd.DataFrame(rows)
    df["time"] = pd.to_datetime(df["time"]).dt.strftime("%Y-%m-%d %H:%M")
    return df.rename(
        columns={"sensor_id": "传感器编号", "layer": "图层", "feature_id": "关联要素编号",
                 "quantity": "监测量", "unit": "单位", "time": "时间", "value": "数值"}
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Write readings_2021-07.csv (UTF-8 with BOM)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA / "readings")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "readings_2021-07.csv"
    path.write_bytes(make().to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
