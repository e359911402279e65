"""Users and roles: passwords only as salted scrypt hashes, sign-in, disabling, what each
role may do, and the users verb."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from riskmap.cli import main as cli
from riskmap.errors import RegisterError
from riskmap.register.users import UserStore, check_password, hash_password


def test_a_password_is_stored_only_as_a_salted_hash(new_db: Callable[..., str]) -> None:
    db = new_db("r")
    with UserStore(db) as users:
        users.add("ann", "correct horse", role="inspector", districts=("420102",))
        users.add("bob", "correct horse", role="viewer")
        with users._db.read() as conn:
            stored = [r[0] for r in conn.execute("SELECT pw_hash FROM users")]
    with pytest.raises(RegisterError, match="was closed"):  # not after the store is closed
        users.authenticate("ann", "correct horse")
    assert all(s.startswith("scrypt$16384$8$1$") for s in stored)
    assert stored[0] != stored[1]  # salted: the same password hashes differently
    assert not any("correct horse" in s for s in stored)
    assert check_password("correct horse", stored[0]) and not check_password("wrong", stored[0])


def test_sign_in_disable_and_password_change(new_db: Callable[..., str]) -> None:
    with UserStore(new_db("r")) as users:
        users.add("ann", "password-1", role="leader", display_name="安")
        user = users.authenticate("ann", "password-1")
        assert user is not None and user.role == "leader" and user.label() == "安 (ann, leader)"
        assert users.authenticate("ann", "nope") is None
        assert users.authenticate("nobody", "password-1") is None
        users.set_password("ann", "password-2")
        assert users.authenticate("ann", "password-1") is None
        assert users.authenticate("ann", "password-2") is not None
        users.disable("ann")
        assert users.authenticate("ann", "password-2") is None
        with pytest.raises(RegisterError, match="exists already"):
            users.add("ann", "password-3", role="viewer")
        with pytest.raises(RegisterError, match="at least 8"):
            hash_password("short")


def test_what_each_role_may_do(new_db: Callable[..., str]) -> None:
    with UserStore(new_db("r")) as users:
        ins = users.add("i", "password-1", role="inspector", districts=("420102",))
        lead = users.add("l", "password-1", role="leader")
        view = users.add("v", "password-1", role="viewer")
        admin = users.add("a", "password-1", role="admin")
    assert ins.may("register", "420102") and not ins.may("register", "420103")
    assert not ins.may("accept", "420102") and not ins.may("manage_users")
    assert lead.may("accept", "420103") and lead.may("supervise") and not lead.may("register")
    assert not any(view.may(a) for a in ("register", "move", "accept", "acknowledge"))
    assert admin.may("manage_users") and admin.may("register", "420103")


def test_demo_accounts_are_made_once(new_db: Callable[..., str]) -> None:
    with UserStore(new_db("r")) as users:
        made = users.ensure_demo_users({"江岸区": "420102", "江汉区": "420103"})
        assert [m[0] for m in made] == ["admin", "inspector", "leader", "viewer"]
        assert users.authenticate("inspector", "inspector-demo-2021").districts == ("420102",)
        assert users.ensure_demo_users({"江岸区": "420102"}) == []


def test_the_users_verb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "r.sqlite")
    assert cli.main(["users", "add", "ann", "--role", "inspector", "--districts", "420102",
                     "--password", "password-1", "--db", db]) == 0  # fmt: skip
    assert cli.main(["users", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "ann" in out and "inspector" in out and "password-1" not in out
    assert cli.main(["users", "passwd", "ann", "--password", "password-2", "--db", db]) == 0
    assert cli.main(["users", "disable", "ann", "--db", db]) == 0
    assert cli.main(["users", "disable", "nobody", "--db", db]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err


def test_a_provider_signed_user_is_found_by_e_mail(new_db: Callable[..., str]) -> None:
    """OpenID Connect sign-in maps the provider's e-mail to the register's user."""
    with UserStore(new_db("r")) as users:
        users.add("li.ming@yjj.wuhan.gov.cn", "correct horse", role="leader", display_name="李明")
        found = users.find("li.ming@yjj.wuhan.gov.cn")
        assert found is not None and found.role == "leader" and found.display_name == "李明"
        assert users.find("nobody@example.org") is None
        users.disable("li.ming@yjj.wuhan.gov.cn")
        assert users.find("li.ming@yjj.wuhan.gov.cn") is None  # disabled: no sign-in
