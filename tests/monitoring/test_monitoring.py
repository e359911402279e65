"""Monitoring: readings checked like layers, warnings from thresholds, acknowledgement,
and readings arriving through a real MQTT broker (Debian's mosquitto)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from riskmap.config import MonitoredQuantity, load_layer_kinds
from riskmap.errors import LayerDataError, RiskmapError
from riskmap.monitoring import ReadingStore, episodes, read_readings, subscribe

GAS = MonitoredQuantity.model_validate(
    {
        "quantity": "gas_lel",
        "name": {"zh": "可燃气体", "en": "Gas"},
        "unit": "%LEL",
        "thresholds": {"blue": 10, "yellow": 20, "orange": 25, "red": 50},
        "source": "test",
    }
)
Q = {("hazmat", "gas_lel"): GAS}
HEADER = "传感器编号,图层,关联要素编号,监测量,单位,时间,数值\n"


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_every_monitored_quantity_cites_its_source() -> None:
    kinds = load_layer_kinds()
    specs = [q for k in kinds.values() for q in k.monitoring]
    assert {q.quantity for q in specs} >= {"gas_lel", "water_depth", "saturation_depth"}
    for q in specs:
        assert len(q.source_in("en")) > 30 and q.unit
        assert re.search(r"[\u4e00-\u9fff]", q.source_in("zh")), q.quantity  # said in Chinese too


def test_a_reading_crossing_a_threshold_opens_a_warning_and_its_end_closes_it() -> None:
    times = pd.to_datetime(
        [
            "2021-07-01 00:00",
            "2021-07-01 06:00",
            "2021-07-01 12:00",
            "2021-07-01 18:00",
            "2021-07-02 00:00",
        ]
    ).tz_localize("Asia/Shanghai")
    values = [3.0, 22.0, 55.0, 12.0, 4.0]
    (ep,) = list(episodes(pd.Series(times), values, GAS))
    assert ep.level == "red" and ep.peak == 55.0
    assert ep.start == times[1] and ep.end == times[4] and ep.peak_time == times[2]
    (still,) = list(episodes(pd.Series(times[:3]), values[:3], GAS))
    assert still.end is None  # open while the readings stay above


def test_import_checks_file_row_and_column(tmp_path: Path) -> None:
    bad = _csv(
        tmp_path / "bad.csv",
        [
            "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,abc",
            "S1,hazmat,WH1,gas_lel,ppm,2021-07-01 09:00,3",
            "S1,hazmat,WH9,gas_lel,%LEL,2021-07-01 10:00,3",
            "S1,hazmat,WH1,co,ppm,2021-07-01 11:00,3",
        ],
    )
    with pytest.raises(LayerDataError) as info:
        read_readings(bad, Q, feature_ids={"hazmat": {"WH1"}})
    got = {(p.file, p.row, p.column) for p in info.value.report.errors}
    assert got == {
        ("bad.csv", 2, "数值"),
        ("bad.csv", 3, "单位"),
        ("bad.csv", 4, "关联要素编号"),
        ("bad.csv", 5, "监测量"),
    }


def test_duplicates_and_out_of_order_readings(tmp_path: Path, new_db: Callable[..., str]) -> None:
    ok = _csv(
        tmp_path / "ok.csv",
        [
            "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 10:00,30",
            "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,3",
            "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,3",
        ],
    )
    readings = read_readings(ok, Q)
    assert len(readings) == 2 and readings["time"].is_monotonic_increasing
    with ReadingStore(new_db("s")) as store:
        assert store.add(readings).stored == 2
        late = read_readings(
            _csv(tmp_path / "late.csv", ["S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 09:00,4"]), Q
        )
        result = store.add(late)
        assert (result.stored, result.out_of_order) == (1, 1)
        assert store.add(readings).repeated == 2
        clash = read_readings(
            _csv(tmp_path / "c.csv", ["S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,9"]), Q
        )
        with pytest.raises(RiskmapError, match="differs from the stored"):
            store.add(clash)
        clashing_file = _csv(
            tmp_path / "d.csv",
            [
                "S2,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,9",
                "S2,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,7",
            ],
        )
        with pytest.raises(LayerDataError):
            read_readings(clashing_file, Q)


def test_warnings_acknowledgement_and_active_at_a_moment(
    tmp_path: Path, new_db: Callable[..., str]
) -> None:
    rows = [
        "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 08:00,3",
        "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 09:00,26",
        "S1,hazmat,WH1,gas_lel,%LEL,2021-07-01 10:00,2",
    ]
    with ReadingStore(new_db("s")) as store:
        store.add(read_readings(_csv(tmp_path / "a.csv", rows), Q))
        assert store.update_warnings(Q) == 1
        w = store.warnings().iloc[0]
        assert w["level"] == "orange" and w["peak"] == 26
        store.acknowledge(int(w["id"]), "值班员")
        store.update_warnings(Q)  # recomputed: the acknowledgement stays
        assert store.warnings().iloc[0]["acknowledged_by"] == "值班员"
        assert len(store.active_warnings("2021-07-01 09:30")) == 1
        assert len(store.active_warnings("2021-07-01 10:30")) == 0
        with pytest.raises(RiskmapError):
            store.acknowledge(999, "x")


def test_the_demo_month_imports_and_warns(tmp_path: Path, new_db: Callable[..., str]) -> None:
    from riskmap.config import load_project
    from riskmap.io import load_project_data
    from riskmap.monitoring import feature_ids, project_quantities

    data = load_project_data(load_project("wuhan"))
    q = project_quantities(data)
    path = (
        Path(__file__).resolve().parents[2] / "data" / "wuhan" / "readings" / "readings_2021-07.csv"
    )
    readings = read_readings(path, q, feature_ids=feature_ids(data))
    with ReadingStore(new_db("s")) as store:
        store.add(readings)
        store.update_warnings(q)
        levels = store.warnings().groupby(["quantity", "level"]).size()
    assert levels[("gas_lel", "red")] == 1 and levels[("saturation_depth", "orange")] == 1
    assert levels.loc["water_depth"].sum() > 10  # the 18-20 July rainstorm


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(exe).exists():
        pytest.skip("Debian's mosquitto is not installed (scripts/test.sh installs it)")
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n", encoding="utf-8")
    proc = subprocess.Popen(
        [exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_readings_published_to_the_broker_arrive_in_the_store(
    broker: str, tmp_path: Path, new_db: Callable[..., str]
) -> None:
    import threading

    import paho.mqtt.client as mqtt

    port = int(broker.rsplit(":", 1)[1])
    messages = [
        {"sensor_id": "S1", "layer": "hazmat", "feature_id": "WH1", "quantity": "gas_lel",
         "unit": "%LEL", "time": f"2021-07-01T0{h}:00:00+08:00", "value": v}
        for h, v in ((8, 3.0), (9, 30.0), (10, 2.0))
    ]  # fmt: skip
    bad = b"not json"

    def publish() -> None:
        time.sleep(1.0)  # the subscription is in place
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        pub.connect("127.0.0.1", port)
        pub.loop_start()
        for m in messages:
            pub.publish("riskmap/readings", json.dumps(m), qos=1).wait_for_publish()
        pub.publish("riskmap/readings", bad, qos=1).wait_for_publish()
        pub.loop_stop()
        pub.disconnect()

    with ReadingStore(new_db("s")) as store:
        sender = threading.Thread(target=publish)
        sender.start()
        got = subscribe(store, broker, "riskmap/readings", Q, stop_after=4, timeout=30)
        sender.join()
        assert (got.stored, got.refused) == (3, 1)
        assert list(store.readings()["value"]) == [3.0, 30.0, 2.0]
        assert store.warnings().iloc[0]["level"] == "orange"


def test_readings_from_a_workbook(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "sensor_id": ["S1", "S1"],
            "layer": ["hazmat", "hazmat"],
            "feature_id": ["WH1", "WH1"],
            "quantity": ["gas_lel", "gas_lel"],
            "unit": ["%LEL", "%LEL"],
            "time": ["2021-07-01T08:00:00+08:00", "2021-07-01 09:00"],
            "value": [3.5, 60.0],
        }
    )
    path = tmp_path / "r.xlsx"
    frame.to_excel(path, index=False)
    readings = read_readings(path, Q)
    assert list(readings["value"]) == [3.5, 60.0]
    assert str(readings["time"].iloc[1]) == "2021-07-01 01:00:00+00:00"  # CST without a zone
