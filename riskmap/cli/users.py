"""``python -m riskmap users add|list|disable|passwd``: the users of a project's register
and their roles (admin, inspector, leader, viewer). Passwords are stored only as a salted
scrypt hash; give one with ``--password`` or type it when asked."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from riskmap.cli.common import format_table
from riskmap.errors import RegisterError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``users`` verb."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "users", help="users of the register and their roles: add, list, disable, passwd"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", default=None, metavar="PROJECT",
                        help="the project whose register holds the users")  # fmt: skip
    common.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help="the register database (default: the project's)")  # fmt: skip
    sub = parser.add_subparsers(dest="users_verb", metavar="ACTION", required=True)
    p = sub.add_parser("add", parents=[common], help="add a user")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=("admin", "inspector", "leader", "viewer"))
    p.add_argument("--name", default=None, help="the name shown in histories")
    p.add_argument("--districts", default="", help="adcodes, comma-separated (inspectors)")
    p.add_argument("--password", default=None, help="the password (asked when not given)")
    sub.add_parser("list", parents=[common], help="list users (no passwords)")
    p = sub.add_parser("disable", parents=[common], help="disable a user")
    p.add_argument("username")
    p = sub.add_parser("passwd", parents=[common], help="set a user's password")
    p.add_argument("username")
    p.add_argument("--password", default=None, help="the new password (asked when not given)")
    parser.set_defaults(run=run)
    return parser


def _db(args: argparse.Namespace) -> Path | str:
    if args.db is not None:
        return str(args.db)
    if args.project is None:
        raise RegisterError("name the register with --project PROJECT or --db PATH")
    from riskmap.config import load_project
    from riskmap.register import default_register_path

    return default_register_path(load_project(args.project))


def _password(given: str | None) -> str:
    return given if given is not None else getpass.getpass("password: ")


def run(args: argparse.Namespace) -> int:
    """Run one ``users`` sub-verb; returns the exit code."""
    from riskmap.register.users import UserStore

    with UserStore(_db(args)) as users:
        verb = args.users_verb
        if verb == "add":
            districts = tuple(d.strip() for d in args.districts.split(",") if d.strip())
            user = users.add(
                args.username, _password(args.password), role=args.role,
                display_name=args.name, districts=districts,
            )  # fmt: skip
            print(f"user {user.username} added ({user.role})")
        elif verb == "list":
            df = users.list()
            rows = [list(df.columns), *([str(v) for v in r] for r in df.itertuples(index=False))]
            print(format_table(rows) if len(df) else "(none)")
        elif verb == "disable":
            users.disable(args.username)
            print(f"user {args.username} disabled")
        elif verb == "passwd":
            users.set_password(args.username, _password(args.password))
            print(f"password of {args.username} changed")
    return 0
