"""Hidden-hazard register: closed loop, numbers, history, concurrency, import/export, CLI."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

import riskmap.cli.main
from riskmap.errors import LayerDataError, RegisterError, TransitionError
from riskmap.register import (
    HISTORY_COLUMNS,
    LIST_COLUMNS,
    TRANSITIONS,
    HazardRegister,
    HazardTransitionError,
    build_hazards_layer,
    district_summary,
    get_hazard,
    list_hazards,
    open_hazards_layer,
    open_register,
)

WUHAN_BBOX = (113.68, 29.97, 115.08, 31.36)
TODAY = date(2024, 6, 1)


def _hazard(**over: object) -> dict[str, object]:
    values: dict[str, object] = {
        "title": "储罐区可燃气体报警器失效",
        "category": "危化",
        "grade": "重大",
        "lon": 114.30,
        "lat": 30.60,
        "district": "江岸",
        "adcode": "420102",
        "found_by": "张三",
        "responsible_unit": "某化工有限公司",
        "found_at": "2024-03-01",
        "deadline": "2024-05-01",
    }
    values.update(over)
    return values


@pytest.fixture
def reg(tmp_path: Path) -> HazardRegister:
    with HazardRegister(tmp_path / "var" / "h.sqlite", bbox=WUHAN_BBOX) as r:
        yield r


def _statuses_of_history(reg: HazardRegister, number: str) -> list[tuple[str | None, str]]:
    h = reg.history(number)
    return [
        (f if isinstance(f, str) else None, t)
        for f, t in zip(h["from_status"], h["to_status"], strict=True)
    ]


# ---- the closed loop -------------------------------------------------------------------


def test_full_loop_with_failed_acceptance_keeps_complete_history(reg: HazardRegister) -> None:
    n = reg.add(**_hazard(), by="登记员")
    assert n == "420102-2024-WH-00001"
    assert reg.get(n)["status"] == "registered"
    reg.move(n, "整改中", by="李四", note="制定整改方案")
    reg.move(n, "awaiting_acceptance", by="某化工", note="已更换报警器")
    reg.move(n, "整改中", by="验收组", note="报警器未联动")  # failed acceptance
    reg.move(n, "待验收", by="某化工")
    reg.move(n, "已销号", by="验收组", note="验收合格")
    rec = reg.get(n)
    assert rec["status"] == "closed"
    assert rec["overdue"] is False  # closed records are never overdue
    h = reg.history(n)
    assert list(h.columns) == list(HISTORY_COLUMNS)
    assert h["step"].tolist() == [1, 2, 3, 4, 5, 6]
    assert h["actor"].tolist() == ["登记员", "李四", "某化工", "验收组", "某化工", "验收组"]
    assert h["action"].tolist() == ["register", "start", "submit", "reject", "submit", "accept"]
    assert _statuses_of_history(reg, n) == [
        (None, "registered"),
        ("registered", "rectifying"),
        ("rectifying", "awaiting_acceptance"),
        ("awaiting_acceptance", "rectifying"),
        ("rectifying", "awaiting_acceptance"),
        ("awaiting_acceptance", "closed"),
    ]
    assert h["note"].tolist()[1:4] == ["制定整改方案", "已更换报警器", "报警器未联动"]
    assert h["changed_at"].map(lambda s: isinstance(s, str) and s.endswith("+00:00")).all()


def _reach(reg: HazardRegister, status: str) -> str:
    n = reg.add(**_hazard())
    path = {
        "registered": [],
        "rectifying": ["rectifying"],
        "awaiting_acceptance": ["rectifying", "awaiting_acceptance"],
        "closed": ["rectifying", "awaiting_acceptance", "closed"],
    }
    if status == "voided":
        reg.void(n, "重复登记", by="管理员")
    for s in path.get(status, []):
        reg.move(n, s, by="x")
    return n


REFUSED = [
    (current, target)
    for current in TRANSITIONS
    for target in ("registered", "rectifying", "awaiting_acceptance", "closed", "voided")
    if target not in TRANSITIONS[current]
]


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_refused_transition_names_current_and_allowed(
    reg: HazardRegister, current: str, target: str
) -> None:
    n = _reach(reg, current)
    before = len(reg.history(n))
    with pytest.raises(TransitionError) as info:
        reg.move(n, target, by="x")
    err = info.value
    assert isinstance(err, HazardTransitionError)
    assert (err.current, err.requested, err.allowed) == (current, target, TRANSITIONS[current])
    zh, en = err.text("zh"), err.text("en")
    assert n in str(err) and zh in str(err) and en in str(err)
    assert {
        "registered": "已登记",
        "rectifying": "整改中",
        "awaiting_acceptance": "待验收",
        "closed": "已销号",
        "voided": "已作废",
    }[current] in zh
    for allowed in TRANSITIONS[current]:
        assert allowed.replace("_", " ") in en
    assert reg.get(n)["status"] == current
    assert len(reg.history(n)) == before  # a refused move leaves no trace


def test_void_keeps_the_record_and_is_terminal(reg: HazardRegister) -> None:
    n = reg.add(**_hazard())
    reg.move(n, "整改中", by="李四")
    with pytest.raises(RegisterError, match="reason"):
        reg.void(n, "  ", by="管理员")
    reg.void(n, "与 420102-2024-WH-00002 重复", by="管理员")
    rec = reg.get(n)
    assert (rec["status"], rec["void_reason"]) == ("voided", "与 420102-2024-WH-00002 重复")
    assert _statuses_of_history(reg, n)[-1] == ("rectifying", "voided")
    assert reg.history(n)["actor"].iloc[-1] == "管理员"
    assert n not in reg.list()["number"].tolist()
    assert n in reg.list(include_voided=True)["number"].tolist()
    with pytest.raises(TransitionError):
        reg.void(n, "again", by="管理员")
    with pytest.raises(TransitionError):
        reg.list_for_supervision(n, "市安委办", "2024-09-01", by="x")
    closed = _reach(reg, "closed")
    with pytest.raises(TransitionError, match="已销号"):
        reg.void(closed, "late", by="x")


def test_history_and_records_cannot_be_changed_or_deleted_behind_the_api(
    reg: HazardRegister,
) -> None:
    n = reg.add(**_hazard())
    conn = sqlite3.connect(reg.path)
    try:
        for sql in (
            "UPDATE hazard_history SET actor = 'someone else'",
            "DELETE FROM hazard_history",
            "DELETE FROM hazard",
            "UPDATE hazard SET number = 'X'",
            "UPDATE hazard_counter SET last_seq = 1",
            "DELETE FROM hazard_counter",
        ):
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute(sql)
        conn.rollback()
    finally:
        conn.close()
    assert reg.history(n)["actor"].tolist() == ["张三"]


def test_unknown_number_and_missing_actor_are_clear_errors(reg: HazardRegister) -> None:
    with pytest.raises(RegisterError, match="420102-2024-WH-09999"):
        reg.move("420102-2024-WH-09999", "整改中", by="x")
    with pytest.raises(RegisterError, match="420102-2024-WH-09999"):
        reg.history("420102-2024-WH-09999")
    n = reg.add(**_hazard())
    with pytest.raises(RegisterError, match="who"):
        reg.move(n, "整改中", by=" ")
    with pytest.raises(RegisterError, match="unknown status"):
        reg.move(n, "完成", by="x")


# ---- supervision, overdue, order -----------------------------------------------------------


def test_only_major_hazards_are_listed_and_listing_is_recorded(reg: HazardRegister) -> None:
    general = reg.add(**_hazard(grade="一般"))
    with pytest.raises(RegisterError, match="重大"):
        reg.list_for_supervision(general, "市安委办", "2024-07-01", by="王五")
    major = reg.add(**_hazard())
    reg.list_for_supervision(major, "市安委办", date(2024, 7, 1), by="王五", note="第一批")
    rec = reg.get(major)
    assert (rec["listed"], rec["supervising_unit"], rec["listed_deadline"]) == (
        True,
        "市安委办",
        date(2024, 7, 1),
    )
    last = reg.history(major).iloc[-1]
    assert (last["action"], last["actor"], last["from_status"], last["to_status"]) == (
        "list",
        "王五",
        "registered",
        "registered",
    )
    assert "市安委办" in last["note"] and "第一批" in last["note"]


def test_overdue_from_deadline_and_today_and_order(reg: HazardRegister) -> None:
    late = reg.add(**_hazard(grade="一般", deadline="2024-05-01"))
    due_today = reg.add(**_hazard(grade="一般", deadline="2024-06-01"))
    listed = reg.add(**_hazard(deadline="2024-12-31"))
    reg.list_for_supervision(listed, "市安委办", "2024-12-31", by="王五")
    listed_late = reg.add(**_hazard(deadline="2024-12-31"))
    reg.list_for_supervision(listed_late, "市安委办", "2024-05-15", by="王五")
    later = reg.add(**_hazard(grade="一般", deadline="2024-09-01"))
    df = reg.list(today=TODAY)
    assert list(df.columns) == list(LIST_COLUMNS)
    overdue = dict(zip(df["number"], df["overdue"], strict=True))
    assert overdue == {late: True, due_today: False, listed: False, listed_late: True, later: False}
    # overdue first, then listed, then by deadline
    assert df["number"].tolist() == [listed_late, late, listed, due_today, later]
    assert reg.list(today=TODAY, overdue=True)["number"].tolist() == [listed_late, late]
    assert reg.list(today=date(2024, 4, 1), overdue=True).empty
    assert set(reg.list(listed=True)["number"]) == {listed, listed_late}
    assert set(list_hazards(reg, grade="一般", today=TODAY)["number"]) == {late, due_today, later}


# ---- numbers ------------------------------------------------------------------------------


def test_numbers_are_per_series_and_follow_found_year(reg: HazardRegister) -> None:
    a = [reg.add(**_hazard()) for _ in range(3)]
    b = reg.add(**_hazard(category="fire"))
    c = reg.add(**_hazard(district="江汉", adcode="420103"))
    d = reg.add(**_hazard(found_at="2023-12-30", deadline="2024-01-30"))
    assert a == ["420102-2024-WH-00001", "420102-2024-WH-00002", "420102-2024-WH-00003"]
    assert (b, c, d) == ("420102-2024-XF-00001", "420103-2024-WH-00001", "420102-2023-WH-00001")
    with pytest.raises(RegisterError):
        reg.add(**_hazard(title=""))
    # a refused add consumes no number
    assert reg.add(**_hazard()) == "420102-2024-WH-00004"


def _add_many(path: str, worker: int, n: int, barrier: Any, out: str) -> None:
    with HazardRegister(path, timeout=60) as reg:
        barrier.wait()  # all four start writing at once
        numbers = [
            reg.add(
                **_hazard(title=f"worker {worker} hazard {i}", category=("hazmat", "fire")[i % 2]),
                by=f"w{worker}",
            )
            for i in range(n)
        ]
    Path(out).write_text("\n".join(numbers), encoding="utf-8")


@pytest.mark.slow
def test_four_processes_get_unique_gapless_numbers(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [
        ctx.Process(target=_add_many, args=(path, w, 50, barrier, str(tmp_path / f"w{w}.txt")))
        for w in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    results = [(tmp_path / f"w{w}.txt").read_text(encoding="utf-8").split() for w in range(4)]
    numbers = [n for r in results for n in r]
    assert len(numbers) == len(set(numbers)) == 200
    for code in ("WH", "XF"):
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if f"-{code}-" in n)
        assert seqs == list(range(1, 101))
    with HazardRegister(path) as reg:
        df = reg.list()
        assert sorted(df["number"]) == sorted(numbers)
        for w, mine in enumerate(results):  # each process got back the numbers of its own rows
            titles = df.set_index("number").loc[mine, "title"].tolist()
            assert titles == [f"worker {w} hazard {i}" for i in range(50)]


def _write_until_killed(path: str, log: str, import_file: str) -> None:
    with HazardRegister(path, timeout=60) as reg, Path(log).open("a", encoding="utf-8") as out:
        i = 0
        while True:
            n = reg.add(**_hazard(title=f"loop {i}"), by="loop")
            reg.move(n, "整改中", by="loop")
            out.write(f"{n}\n")
            out.flush()
            if i % 3 == 0:
                result = reg.import_file(import_file, by="loop", today=TODAY)
                out.write("".join(f"{m}\n" for m in result.numbers))
                out.flush()
            i += 1


@pytest.mark.slow
def test_a_killed_writer_leaves_a_consistent_register(tmp_path: Path) -> None:
    path, log = tmp_path / "k.sqlite", tmp_path / "committed.txt"
    batch = tmp_path / "batch.csv"
    pd.DataFrame([_hazard(title=f"batch {i}") for i in range(40)]).rename(
        columns={"title": "隐患名称", "lon": "经度", "lat": "纬度"}
    ).to_csv(batch, index=False, encoding="utf-8-sig")
    log.touch()
    ctx = mp.get_context("spawn")
    for target in (120, 300, 500):  # kill three writers in turn, each at a different point
        proc = ctx.Process(target=_write_until_killed, args=(str(path), str(log), str(batch)))
        proc.start()
        try:
            deadline = time.monotonic() + 120
            while len(log.read_text(encoding="utf-8").splitlines()) < target:
                assert proc.is_alive(), "the writer died on its own"
                assert time.monotonic() < deadline, "the writer made no progress"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.join(30)
        assert proc.exitcode == -signal.SIGKILL
        last_seq = _check_consistent(path, log.read_text(encoding="utf-8").split())
    with HazardRegister(path) as reg:  # and the register opens and writes again
        n = reg.add(**_hazard())
        assert int(n.rsplit("-", 1)[1]) == last_seq + 1


def _check_consistent(path: Path, committed: list[str]) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        numbers = {r[0] for r in conn.execute("SELECT number FROM hazard")}
        assert set(committed) <= numbers
        # no half-records: every record has its history and its last step is its status
        rows = conn.execute(
            "SELECT h.status, (SELECT to_status FROM hazard_history x "
            "WHERE x.number = h.number ORDER BY step DESC LIMIT 1) FROM hazard h"
        ).fetchall()
        assert rows and all(status == last for status, last in rows)
        # imports are all or nothing
        imported = conn.execute(
            "SELECT COUNT(*) FROM hazard_history WHERE action = 'import'"
        ).fetchone()[0]
        assert imported % 40 == 0 and imported > 0
        # counters match the records, sequences are gapless
        (last_seq,) = conn.execute("SELECT last_seq FROM hazard_counter").fetchone()
        seqs = sorted(r[0] for r in conn.execute("SELECT seq FROM hazard"))
        assert seqs == list(range(1, last_seq + 1))
        return int(last_seq)
    finally:
        conn.close()


# ---- import / export ---------------------------------------------------------------------


def test_import_errors_name_file_row_and_column_and_write_nothing(
    reg: HazardRegister, tmp_path: Path
) -> None:
    rows = [
        _hazard(),  # row 2 fine
        _hazard(category="矿山"),  # row 3 bad category
        _hazard(lon="abc"),  # row 4 not a number
        _hazard(lon=30.6, lat=114.3),  # row 5 swapped
        _hazard(deadline="2024-02-01"),  # row 6 deadline before found_at
        _hazard(grade="一般", title=""),  # row 7 empty title
    ]
    df = pd.DataFrame(rows).rename(
        columns={
            "title": "标题",
            "category": "类别",
            "grade": "等级",
            "lon": "经度",
            "lat": "纬度",
            "district": "所在区",
            "adcode": "区划代码",
            "found_at": "发现日期",
            "found_by": "发现人",
            "responsible_unit": "责任单位",
            "deadline": "整改期限",
        }
    )
    f = tmp_path / "排查.csv"
    df.to_csv(f, index=False, encoding="gbk")
    with pytest.raises(LayerDataError) as info:
        reg.import_file(f, by="导入员", today=TODAY)
    found = {(p.row, p.column, p.code) for p in info.value.report.errors}
    assert found == {
        (3, "类别", "bad_category"),
        (4, "经度", "bad_coordinate"),
        (5, "纬度", "bad_coordinate"),
        (6, "整改期限", "bad_value"),
        (7, "标题", "missing_value"),
    }
    assert all(p.file == "排查.csv" for p in info.value.report.errors)
    swapped = next(p for p in info.value.report.errors if p.row == 5)
    assert "swapped" in swapped.hint
    assert reg.list(include_voided=True).empty


def test_import_reports_missing_columns_and_refuses_a_second_import(
    reg: HazardRegister, tmp_path: Path
) -> None:
    f = tmp_path / "x.csv"
    pd.DataFrame([{"隐患名称": "a", "经度": 114.3}]).to_csv(f, index=False)
    with pytest.raises(LayerDataError) as info:
        reg.import_file(f, by="x")
    missing = {p.message for p in info.value.report.errors if p.code == "missing_column"}
    assert any("纬度" in m for m in missing) and any("整改期限" in m for m in missing)
    assert all(p.row == 1 for p in info.value.report.errors)
    reg.add(**_hazard())
    exported = reg.export(tmp_path / "e.xlsx")
    with pytest.raises(LayerDataError) as info:
        reg.import_file(exported, by="x", today=TODAY)
    (p,) = info.value.report.errors
    assert (p.code, p.row, p.column) == ("already_registered", 2, "统一编号")


_CSV_HEADER = "标题,类别,等级,经度,纬度,所在区,区划代码,发现日期,发现人,责任单位,整改期限\n"
_CSV_ROW = "{title},建设施工,重大,114.3,30.6,江岸,420102,2024-03-01,张三,某公司,2024-04-01\n"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_import_csv_reads_every_encoding_and_counts_rows_as_the_user(
    reg: HazardRegister, tmp_path: Path, encoding: str
) -> None:
    text = (
        _CSV_HEADER
        + _CSV_ROW.format(title="脚手架")
        + ",,,,,,,,,,\n"
        + _CSV_ROW.format(title="配电箱")
    )
    f = tmp_path / "排查.csv"
    f.write_bytes(text.encode(encoding))
    result = reg.import_file(f, by="导入员", today=TODAY)
    assert result.rows == 2
    titles = reg.list(today=TODAY).sort_values("number")["title"].tolist()
    assert titles == ["脚手架", "配电箱"]
    assert reg.history(result.numbers[1])["note"].iloc[0] == "排查.csv row 4"  # blank row 3 counted


def test_import_names_a_row_with_too_many_values_and_refuses_other_files(
    reg: HazardRegister, tmp_path: Path
) -> None:
    f = tmp_path / "x.csv"
    f.write_text(
        _CSV_HEADER + _CSV_ROW.format(title="a") + _CSV_ROW.format(title="b,c"), encoding="utf-8"
    )
    with pytest.raises(LayerDataError) as info:
        reg.import_file(f, by="x", today=TODAY)
    assert [(p.code, p.row) for p in info.value.report.errors] == [("wrong_field_count", 3)]
    geojson = tmp_path / "x.geojson"
    geojson.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(LayerDataError) as info:
        reg.import_file(geojson, by="x")
    assert [p.code for p in info.value.report.errors] == ["unsupported_format"]
    with pytest.raises(LayerDataError) as info:
        reg.import_file(tmp_path / "missing.csv", by="x")
    assert [p.code for p in info.value.report.errors] == ["file_not_found"]
    assert reg.list(include_voided=True).empty


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in LIST_COLUMNS if c not in ("created_at", "updated_at")]
    return df.sort_values("number").reset_index(drop=True)[cols].astype(str)


@pytest.mark.parametrize(
    ("suffix", "lang"), [(".xlsx", "zh"), (".csv", "zh"), (".csv", "en"), (".xlsx", "en")]
)
def test_export_round_trips(tmp_path: Path, suffix: str, lang: str) -> None:
    with HazardRegister(tmp_path / "a.sqlite") as a:
        n1 = a.add(**_hazard(title='=HYPERLINK("x")', description='配电箱, "破损"\n二楼'))
        a.move(n1, "整改中", by="x")
        a.list_for_supervision(n1, "市安委办", "2024-08-01", by="x")
        a.add(
            **_hazard(
                grade="一般",
                category="燃气",
                lon=114.123456789,
                lat=30.5,
                layer_binding="gas_stations",
                feature_id="G-17",
            )
        )
        n3 = a.add(**_hazard(category="flood"))
        for s in ("rectifying", "awaiting_acceptance", "closed"):
            a.move(n3, s, by="x")
        out = a.export(tmp_path / f"register{suffix}", lang, today=TODAY)
        expected = a.list(today=TODAY)
    if suffix == ".xlsx":
        ws = openpyxl.load_workbook(out).worksheets[0]
        assert ws.cell(1, 1).value == ("统一编号" if lang == "zh" else "number")
        assert ws.cell(2, 2).data_type == "s"  # a title that looks like a formula stays text
    else:
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with HazardRegister(tmp_path / "b.sqlite") as b:
        result = b.import_file(out, by="y", today=TODAY)
        assert result.count == 3
        assert _comparable(b.list(today=TODAY)).equals(_comparable(expected))


def test_import_xlsx_with_chinese_headers_and_project_districts(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "隐患名称",
            "类别",
            "隐患等级",
            "经度(WGS84)",
            "纬度(WGS84)",
            "所在区",
            "发现日期",
            "发现人",
            "责任单位",
            "整改期限",
            "挂牌督办",
            "督办单位",
            "督办期限",
            "备用列",
        ]
    )
    ws.append(
        [
            "仓库堆放烟花",
            "烟花爆竹",
            "重大",
            114.2,
            30.55,
            "江汉",
            date(2024, 3, 2),
            "赵六",
            "某批发部",
            date(2024, 4, 2),
            "是",
            "区应急局",
            date(2024, 4, 30),
            "x",
        ]
    )
    ws.append([None] * 14)  # a blank row is skipped but still counted
    ws.append(
        [
            "路口积水",
            "防汛",
            "一般",
            114.21,
            30.56,
            "江岸",
            "2024/3/5",
            "钱七",
            "区水务局",
            "2024年4月5日",
            "否",
            None,
            None,
            None,
        ]
    )
    f = tmp_path / "导入.xlsx"
    wb.save(f)
    districts = {"江岸": "420102", "江汉": "420103"}
    with HazardRegister(tmp_path / "h.sqlite", bbox=WUHAN_BBOX, districts=districts) as reg:
        result = reg.import_file(f, by="导入员", today=TODAY)
        assert result.numbers == ("420103-2024-YH-00001", "420102-2024-FX-00001")
        assert [p.code for p in result.report] == ["unknown_column"]
        rec = reg.get("420103-2024-YH-00001")
        assert (rec["listed"], rec["supervising_unit"], rec["deadline"]) == (
            True,
            "区应急局",
            date(2024, 4, 2),
        )
        hist = reg.history("420102-2024-FX-00001")
        assert hist["note"].iloc[0] == "导入.xlsx row 4"
        with pytest.raises(RegisterError, match="not a district"):
            reg.add(**_hazard(district="不存在区", adcode=None))


# ---- integration ----------------------------------------------------------------------------


def test_open_hazards_layer_drops_closed_and_voided(reg: HazardRegister, tmp_path: Path) -> None:
    open_major = reg.add(**_hazard(deadline="2024-05-01"))
    reg.list_for_supervision(open_major, "市安委办", "2024-12-01", by="x")
    open_general = reg.add(**_hazard(grade="一般", deadline="2024-12-01", lon=114.31, lat=30.61))
    reg.move(open_general, "整改中", by="x")
    closed = _reach(reg, "closed")
    voided = _reach(reg, "voided")
    gdf = open_hazards_layer(reg, today=TODAY)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns) == [
        "id",
        "name",
        "district",
        "grade",
        "status",
        "overdue",
        "listed",
        "geometry",
    ]
    assert set(gdf["id"]) == {open_major, open_general}
    assert closed not in set(gdf["id"]) and voided not in set(gdf["id"])
    row = gdf.set_index("id").loc[open_major]
    assert (row["grade"], row["status"], row["overdue"], row["listed"]) == (
        "重大",
        "已登记",
        True,
        True,
    )
    assert (row.geometry.x, row.geometry.y) == (114.30, 30.60)
    assert gdf.set_index("id").loc[open_general, "status"] == "整改中"
    layer = build_hazards_layer(reg.path, "EPSG:32650", today=TODAY)
    assert layer.kind.kind == "hidden_hazard" and layer.kind.role == "hazard"
    assert layer.gdf.crs.to_epsg() == 32650 and len(layer.gdf) == 2
    allowed = set(layer.kind.fields["status"].allowed or ())
    assert set(gdf["status"]) <= allowed
    assert set(gdf["grade"]) <= set(layer.kind.fields["grade"].allowed or ())


def test_district_summary_and_get_hazard(reg: HazardRegister) -> None:
    a = reg.add(**_hazard(deadline="2024-05-01"))
    reg.list_for_supervision(a, "市安委办", "2024-12-01", by="x")
    reg.add(**_hazard(grade="一般", district="江汉", adcode="420103"))
    _reach(reg, "closed")
    _reach(reg, "voided")
    s = district_summary(reg, today=TODAY).set_index("adcode")
    assert s.loc["420102"].to_dict() == {
        "district": "江岸",
        "total": 2,
        "open": 1,
        "open_major": 1,
        "listed": 1,
        "overdue": 1,
        "overdue_major": 1,
        "closed": 1,
    }
    assert s.loc["420103", "open"] == 1 and s.loc["420103", "open_major"] == 0
    rec = get_hazard(reg, a, today=TODAY)
    assert rec["number"] == a and rec["overdue"] is True
    assert [h["action"] for h in rec["history"]] == ["register", "list"]
    assert rec["history"][0]["from_status"] is None


def test_schema_is_versioned_and_pragmas_are_set(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with HazardRegister(path) as reg:
        assert reg.schema_version() == 1
        conn = reg.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
        reg.add(**_hazard())
    with HazardRegister(path) as reg:  # reopening does not migrate again
        assert reg.schema_version() == 1 and len(reg.list()) == 1
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(RegisterError, match="newer"):
        HazardRegister(path)


def test_location_checks(reg: HazardRegister) -> None:
    for bad in ({"lon": float("nan")}, {"lat": float("inf")}, {"lon": 120.0}, {"lat": 95.0}):
        with pytest.raises(RegisterError, match=r"lon|lat"):
            reg.add(**_hazard(**bad))
    with pytest.raises(RegisterError, match="swapped"):
        reg.add(**_hazard(lon=30.6, lat=114.3))


# ---- projects and the command line -------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "city"
    root.mkdir()
    gpd.GeoDataFrame(
        {"name": ["江岸", "江汉"], "adcode": ["420102", "420103"]},
        geometry=[box(114.25, 30.55, 114.35, 30.65), box(114.15, 30.55, 114.25, 30.65)],
        crs="EPSG:4326",
    ).to_file(root / "districts.geojson")
    (root / "project.yaml").write_text(
        "name: testcity\ntitle: {zh: 测试市, en: Test city}\nadcode: '420100'\n"
        "boundary: {path: districts.geojson}\ndistricts: {path: districts.geojson}\n"
        "hazard_register: {path: 'var/{name}-hazards.sqlite'}\nlayers: []\n",
        encoding="utf-8",
    )
    return root / "project.yaml"


def test_open_register_takes_path_area_and_districts_from_the_project(tmp_path: Path) -> None:
    from riskmap.config import load_project

    project = load_project(_project(tmp_path))
    with open_register(project) as reg:
        assert reg.path == tmp_path / "city" / "var" / "testcity-hazards.sqlite"
        assert reg.bbox == pytest.approx((114.13, 30.53, 114.37, 30.67))
        n = reg.add(**_hazard(adcode=None))
        assert n.startswith("420102-")
        with pytest.raises(RegisterError, match="outside"):
            reg.add(**_hazard(lon=114.5))


def _cli(*argv: str) -> int:
    return riskmap.cli.main.main(["hazards", *argv])


def test_cli_verbs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.sqlite")
    rc = _cli(
        "add",
        "--db",
        db,
        "--title",
        "脚手架未验收",
        "--category",
        "建设施工",
        "--grade",
        "重大",
        "--lon",
        "114.3",
        "--lat",
        "30.6",
        "--district",
        "江岸",
        "--adcode",
        "420102",
        "--found-by",
        "张三",
        "--found-at",
        "2024-03-01",
        "--deadline",
        "2024-04-01",
        "--unit",
        "某建设公司",
    )
    assert rc == 0
    number = capsys.readouterr().out.strip()
    assert number == "420102-2024-JS-00001"
    assert _cli("move", number, "--to", "整改中", "--by", "李四", "--db", db) == 0
    assert "整改中" in capsys.readouterr().out
    assert _cli("move", number, "--to", "已销号", "--by", "李四", "--db", db) == 1
    err = capsys.readouterr().err
    assert "整改中" in err and "待验收" in err and "awaiting acceptance" in err
    assert (
        _cli(
            "supervise",
            number,
            "--unit",
            "市安委办",
            "--deadline",
            "2024-05-01",
            "--by",
            "王五",
            "--db",
            db,
        )
        == 0
    )
    capsys.readouterr()
    assert _cli("list", "--db", db, "--overdue", "--today", "2024-06-01") == 0
    out = capsys.readouterr().out
    assert number in out and "脚手架未验收" in out and "共 1 条" in out
    assert _cli("list", "--db", db, "--status", "已销号") == 0
    assert number not in capsys.readouterr().out
    assert _cli("show", number, "--db", db, "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "rectification started" in out and "李四" in out and "市安委办" in out
    export = tmp_path / "out.csv"
    assert _cli("export", str(export), "--db", db) == 0
    capsys.readouterr()
    db2 = str(tmp_path / "cli2.sqlite")
    assert _cli("import", str(export), "--by", "导入员", "--db", db2) == 0
    assert "1 hazard(s) registered" in capsys.readouterr().out
    assert _cli("import", str(export), "--by", "导入员", "--db", db2) == 1
    assert "row 2" in capsys.readouterr().err
    assert _cli("void", number, "--reason", "重复", "--by", "管理员", "--db", db) == 0
    capsys.readouterr()
    assert _cli("list") == 1
    assert "--db" in capsys.readouterr().err


def test_cli_project_default_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = str(_project(tmp_path))
    rc = _cli(
        "add",
        "--project",
        project,
        "--title",
        "t",
        "--category",
        "gas",
        "--grade",
        "一般",
        "--lon",
        "114.2",
        "--lat",
        "30.6",
        "--district",
        "江汉",
        "--found-by",
        "a",
        "--deadline",
        "2030-01-01",
        "--unit",
        "u",
    )
    assert rc == 0
    assert capsys.readouterr().out.strip().startswith(f"420103-{date.today().year}-RQ-")
    assert (tmp_path / "city" / "var" / "testcity-hazards.sqlite").exists()
    assert (
        _cli(
            "add",
            "--project",
            project,
            "--title",
            "t",
            "--category",
            "gas",
            "--grade",
            "一般",
            "--lon",
            "120",
            "--lat",
            "30.6",
            "--district",
            "江汉",
            "--found-by",
            "a",
            "--deadline",
            "2030-01-01",
            "--unit",
            "u",
        )
        == 1
    )
    assert "outside the project's area" in capsys.readouterr().err
