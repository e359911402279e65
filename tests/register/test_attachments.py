"""Evidence: photos and PDFs of a finding and its rectification, typed by their content,
vouched for by the hash chain, needed for acceptance (or a reason), on both backends."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from factories import PHOTO_PNG
from postgres_support import raw_sql

from riskmap.cli import main as cli
from riskmap.errors import RegisterError
from riskmap.register import HazardRegister
from riskmap.register.attachments import MAX_ATTACHMENT_BYTES

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_attachments_are_typed_by_content_and_kept_whole(
    reg: HazardRegister, reach: Callable[[HazardRegister, str], str]
) -> None:
    n = reach(reg, "rectifying")
    assert reg.attach(n, PHOTO_PNG, "现场/发现.png", stage="finding", by="张三") == 1
    assert reg.attach(n, PDF, "整改报告.jpg", by="某化工") == 2  # a PDF whatever its name
    table = reg.attachments(n)
    assert table["filename"].tolist() == ["发现.png", "整改报告.jpg"]  # the folder dropped
    assert table["media_type"].tolist() == ["image/png", "application/pdf"]
    assert table["stage"].tolist() == ["finding", "rectification"]
    assert table["sha256"].tolist() == [hashlib.sha256(d).hexdigest() for d in (PHOTO_PNG, PDF)]
    assert reg.attachment(n, 2) == ("整改报告.jpg", "application/pdf", PDF)
    history = reg.history(n)
    assert history["action"].tolist()[-2:] == ["attach", "attach"]
    assert hashlib.sha256(PDF).hexdigest() in history["note"].iloc[-1]
    assert reg.verify().ok
    for content, name, message in [
        (b"", "empty.png", "is empty"),
        (b"MZ\x90\x00 not a photo", "photo.png", "not a photo"),
        (b"%PDF" + b"x" * MAX_ATTACHMENT_BYTES, "big.pdf", "at most 10,485,760"),
        (PDF, "bad\x07name.pdf", "control characters"),
    ]:
        with pytest.raises(RegisterError, match=message):
            reg.attach(n, content, name, by="张三")
    with pytest.raises(RegisterError, match="stage"):
        reg.attach(n, PDF, "x.pdf", stage="after", by="张三")
    closed = reach(reg, "closed")
    with pytest.raises(RegisterError):
        reg.attach(closed, PDF, "late.pdf", by="张三")
    assert len(reg.attachments(n)) == 2


def test_acceptance_needs_a_rectification_attachment_or_a_reason(
    reg: HazardRegister, reach: Callable[[HazardRegister, str], str]
) -> None:
    n = reach(reg, "awaiting_acceptance")
    reg.attach(n, PHOTO_PNG, "发现.png", stage="finding", by="张三")  # not rectification
    with pytest.raises(RegisterError, match="acceptance needs at least one rectification"):
        reg.move(n, "已销号", by="王局")
    assert reg.get(n)["status"] == "awaiting_acceptance"
    reg.move(n, "已销号", by="王局", note="现场复核", override="整改为拆除，现场已无设施")
    assert reg.history(n)["note"].iloc[-1] == (
        "无整改附件验收，理由：整改为拆除，现场已无设施；现场复核"
    )
    m = reach(reg, "awaiting_acceptance")
    reg.attach(m, PHOTO_PNG, "整改后.png", by="某化工")
    assert reg.move(m, "已销号", by="王局") == "closed"


def test_a_changed_or_smuggled_attachment_is_found(
    reg: HazardRegister, reach: Callable[[HazardRegister, str], str]
) -> None:
    n = reach(reg, "rectifying")
    reg.attach(n, PHOTO_PNG, "整改后.png", by="张三")
    pg = reg.dialect == "postgresql"
    with pytest.raises(Exception, match="attachments are never changed"):
        raw_sql(reg.location(), "UPDATE hazard_attachment SET filename = 'x.png'")
    with pytest.raises(Exception, match="attachments are never deleted"):
        raw_sql(reg.location(), "DELETE FROM hazard_attachment")
    drop = "DROP TRIGGER hazard_attachment_no_update" + (" ON hazard_attachment" if pg else "")
    blob = "'\\x2550'::bytea" if pg else "X'2550'"
    raw_sql(
        reg.location(),
        drop,
        "INSERT INTO hazard_attachment SELECT number, 2, stage, 'b.png', media_type, size, "
        "sha256, content, added_at, added_by FROM hazard_attachment",  # a copy, unvouched
        f"UPDATE hazard_attachment SET content = {blob}, size = 2 WHERE seq = 1",
    )
    problems = reg.verify().problems
    assert any("attachment 1 (整改后.png)" in p and "was altered" in p for p in problems)
    assert any("attachment 2 (b.png)" in p and "no history row" in p for p in problems)
    assert any("hazard_attachment_no_update" in p for p in problems)


def test_the_command_line_attaches_and_accepts(
    reg: HazardRegister,
    reach: Callable[[HazardRegister, str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    n, db = reach(reg, "awaiting_acceptance"), reg.location()
    photo = tmp_path / "整改后.png"
    photo.write_bytes(PHOTO_PNG)
    assert cli.main(["hazards", "move", n, "--to", "已销号", "--by", "王局", "--db", db]) == 1
    assert "rectification attachment" in capsys.readouterr().err
    assert cli.main(["hazards", "attach", n, str(photo), "--by", "某化工", "--db", db]) == 0
    assert f"{n}: attachment 1 (整改后.png)" in capsys.readouterr().out
    assert cli.main(["hazards", "move", n, "--to", "已销号", "--by", "王局", "--db", db]) == 0
    assert reg.get(n)["status"] == "closed"
    other = reach(reg, "awaiting_acceptance")
    argv = ["hazards", "move", other, "--to", "已销号", "--by", "王局", "--db", db]
    assert cli.main([*argv, "--override", "设施已拆除"]) == 0
    assert reg.verify().ok


def test_attachments_survive_backup_and_restore(
    reg: HazardRegister,
    fill: Callable[[HazardRegister], list[str]],
    tmp_path: Path,
    new_db: Callable[..., str],
) -> None:
    closed = fill(reg)[0]
    made = reg.backup(tmp_path / "b.zip")
    with HazardRegister(new_db("restored")) as new:
        new.restore(made.path)
        assert new.attachment(closed, 1) == reg.attachment(closed, 1)
        assert new.attachments(closed).equals(reg.attachments(closed))
        assert new.verify().ok
