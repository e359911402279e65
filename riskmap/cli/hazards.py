"""``python -m riskmap hazards ...``: the hidden-hazard register from the command line.

Verbs: ``add``, ``move``, ``supervise``, ``void``, ``attach``, ``list``, ``overdue``, ``show``,
``summary``, ``import``, ``export``, ``verify``, ``backup``, ``restore``. Every verb takes
``--db PATH|URL`` (the register's SQLite file or PostgreSQL URL) or ``--project PROJECT``
(the project's register, area and districts); writing verbs take ``--user USERNAME`` (the
register's user, role checked) or ``--by NAME`` (recorded with the operating-system user).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmap.cli.common import format_table, pad, text_width
from riskmap.errors import AccessError, RegisterError

if TYPE_CHECKING:
    import pandas as pd


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write it as 2024-03-01"
        ) from None


def _common() -> argparse.ArgumentParser:
    # SUPPRESS keeps a value given before the verb from being reset by the verb's parser.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH|URL",
        help="the register's SQLite file (created when missing) or a "
        "postgresql://user@host/database URL",
    )
    p.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        metavar="USERNAME",
        help="act as this user of the register (password from RISKMAP_PASSWORD or asked): "
        "the user's role and districts are checked and the user is recorded; without it "
        "--by and the operating-system user are recorded",
    )
    p.add_argument(
        "--project",
        default=argparse.SUPPRESS,
        metavar="PROJECT",
        help="take the register path, area and districts from this project",
    )
    p.add_argument(
        "--lang",
        choices=("zh", "en"),
        default=argparse.SUPPRESS,
        help="language of labels (default zh)",
    )
    return p


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``hazards`` verb and its sub-verbs to the top-level parser."""
    common = _common()
    parser = subparsers.add_parser(
        "hazards",
        parents=[common],
        help="hidden-hazard register (隐患台账): add, move, list ...",
        description="Hidden-hazard register: unified numbers, the closed loop "
        "已登记 -> 整改中 -> 待验收 -> 已销号, listing for supervision, an audit trail.",
    )
    sub = parser.add_subparsers(dest="hazards_verb", metavar="VERB", required=True)

    p = sub.add_parser("add", parents=[common], help="register a new hazard; prints its number")
    p.add_argument("--title", required=True)
    p.add_argument(
        "--category",
        required=True,
        help="危化 烟花爆竹 工贸 建设施工 消防 防汛 地质灾害 燃气 交通 其他 (or hazmat, fire ...)",
    )
    p.add_argument("--grade", required=True, help="一般 or 重大 (general / major)")
    p.add_argument("--lon", required=True, type=float, help="WGS84 longitude")
    p.add_argument("--lat", required=True, type=float, help="WGS84 latitude")
    p.add_argument("--district", required=True)
    p.add_argument("--adcode", help="the district's 6-digit adcode (optional with --project)")
    p.add_argument("--found-by", required=True)
    p.add_argument("--found-at", type=_date, help="date found (default today)")
    p.add_argument("--deadline", required=True, type=_date, help="rectification deadline")
    p.add_argument("--unit", required=True, help="responsible unit")
    p.add_argument("--description", default="")
    p.add_argument("--layer", help="link: the layer binding name of a related feature")
    p.add_argument("--feature", help="link: the feature's id in that layer")
    p.add_argument("--by", help="who registers it (default: --found-by)")
    p.add_argument("--note", default="")

    p = sub.add_parser("move", parents=[common], help="move a hazard along the closed loop")
    p.add_argument("number")
    p.add_argument(
        "--to",
        required=True,
        metavar="STATUS",
        help="整改中 / 待验收 / 已销号 (or rectifying, awaiting_acceptance, closed)",
    )
    p.add_argument("--by", help="who does it (not needed with --user)")
    p.add_argument(
        "--override",
        metavar="REASON",
        help="accept (已销号) without a rectification attachment, for this reason",
    )
    p.add_argument("--note", default="")

    p = sub.add_parser(
        "supervise", parents=[common], help="list a major hazard for supervision (挂牌督办)"
    )
    p.add_argument("number")
    p.add_argument("--unit", required=True, help="supervising unit")
    p.add_argument("--deadline", required=True, type=_date)
    p.add_argument("--by", help="who does it (not needed with --user)")
    p.add_argument("--note", default="")

    p = sub.add_parser("void", parents=[common], help="void a hazard (kept, off the map)")
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", help="who does it (not needed with --user)")

    p = sub.add_parser(
        "attach",
        parents=[common],
        help="add a photo or PDF (JPEG, PNG, WebP, PDF; at most 10 MiB) to an open hazard",
    )
    p.add_argument("number")
    p.add_argument("file", help="the photo or PDF")
    p.add_argument(
        "--stage",
        choices=("finding", "rectification"),
        default="rectification",
        help="发现 (finding) or 整改 (rectification, the default: what acceptance needs)",
    )
    p.add_argument("--by", help="who adds it (not needed with --user)")

    p = sub.add_parser(
        "overdue",
        parents=[common],
        help="open hazards past their deadline, listed for supervision (挂牌督办) first",
    )
    p.add_argument("--today", type=_date, help="the day taken as today (YYYY-MM-DD)")

    p = sub.add_parser("list", parents=[common], help="print hazards, overdue and listed first")
    p.add_argument("--status", action="append", help="a status, or 'open'; repeatable")
    p.add_argument("--grade", help="一般 or 重大 (general / major)")
    p.add_argument("--category", help="a category, e.g. 危化 or hazmat")
    p.add_argument("--district", action="append", help="a district name; repeatable")
    p.add_argument("--overdue", action="store_true", help="only overdue hazards")
    p.add_argument("--listed", action="store_true", help="only hazards listed for supervision")
    p.add_argument("--all", action="store_true", help="voided ones too")
    p.add_argument("--today", type=_date, help="the date taken as today (default: today)")

    p = sub.add_parser("show", parents=[common], help="print one hazard with its history")
    p.add_argument("number")
    p.add_argument(
        "--today", type=_date, help="the date taken as today, for 'overdue' (default: today)"
    )

    p = sub.add_parser(
        "summary", parents=[common], help="open, listed, overdue hazards by district"
    )
    p.add_argument(
        "--today", type=_date, help="the date taken as today, for 'overdue' (default: today)"
    )

    p = sub.add_parser(
        "import", parents=[common], help="register every row of a CSV/XLSX file (all or nothing)"
    )
    p.add_argument("file", help=".csv (UTF-8, UTF-8 with BOM or GBK) or .xlsx; header in row 1")
    p.add_argument("--by", required=True, help="who imports (kept in each record's history)")
    p.add_argument("--sheet", help="worksheet of an .xlsx (default: the first)")
    p.add_argument("--dry-run", action="store_true", help="check the file only")

    p = sub.add_parser("export", parents=[common], help="write the register to .xlsx or .csv")
    p.add_argument("file", help="the .xlsx or .csv file to write")
    p.add_argument(
        "--today", type=_date, help="the date taken as today, for 'overdue' (default: today)"
    )

    p = sub.add_parser(
        "verify",
        parents=[common],
        help="recompute the history's hash chain; check records, counters, guards, schema",
    )
    p.add_argument("--receipt", action="store_true",
                   help="print only the chain head (POS:HASH) to keep elsewhere")  # fmt: skip
    p.add_argument("--head", metavar="POS:HASH", default=None,
                   help="a receipt kept earlier: the chain must still hold it")  # fmt: skip

    p = sub.add_parser(
        "backup",
        parents=[common],
        help="write every record, history row and number counter to one file (lossless)",
    )
    p.add_argument("file", help="the backup file to write (a zip, e.g. wuhan-2024-06-01.zip)")

    p = sub.add_parser(
        "restore",
        parents=[common],
        help="restore a backup into an empty register (checked first; all or nothing)",
    )
    p.add_argument("file", help="a backup written by 'hazards backup'")
    p.add_argument("--head", metavar="POS:HASH", default=None,
                   help="a receipt kept apart (hazards verify --receipt): the restored "
                   "history must hold it")  # fmt: skip

    parser.set_defaults(run=run)
    return parser


def _open(args: argparse.Namespace, *, existing: bool = False) -> Any:
    """The register the arguments name; with ``existing``, refuse one that does not exist
    yet (opening would create it)."""
    from riskmap.register import HazardRegister, default_register_path, open_register

    db = getattr(args, "db", None)
    project_ref = getattr(args, "project", None)
    if existing and db is not None:
        _must_exist(db, "")
    if project_ref is not None:
        from riskmap.config import load_project

        project = load_project(project_ref)
        if db is None:
            if existing:
                _must_exist(default_register_path(project), f" (the register of {project.name})")
            return open_register(project)
        from riskmap.register import project_bbox, project_districts

        return HazardRegister(db, bbox=project_bbox(project), districts=project_districts(project))
    if db is None:
        raise RegisterError("say which register: --db PATH or --project PROJECT")
    return HazardRegister(db)


def _must_exist(path: Path | str, whose: str) -> None:
    from riskmap.register.database import register_exists

    if not register_exists(path):
        raise RegisterError(
            f"{path}: no register there{whose}: the file does not exist; give the register's "
            ".sqlite file with --db, or its project with --project"
        )


def _missing(value: object) -> bool:
    import pandas as pd  # already loaded by riskmap.register when this runs

    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _table(df: pd.DataFrame) -> str:
    """A plain-text table of a frame that lines up Chinese characters (two columns wide)."""
    rows = [[str(c) for c in df.columns]] + [
        ["" if _missing(v) else str(v) for v in row]
        for row in df.itertuples(index=False, name=None)
    ]
    return format_table(rows)


_LIST_FIELDS = ("number", "grade", "status", "overdue", "listed", "deadline", "district", "title")


_ADD_ARGS = {
    "title": "title",
    "category": "category",
    "grade": "grade",
    "lon": "lon",
    "lat": "lat",
    "district": "district",
    "adcode": "adcode",
    "found_by": "found_by",
    "found_at": "found_at",
    "deadline": "deadline",
    "responsible_unit": "unit",
    "description": "description",
    "layer_binding": "layer",
    "feature_id": "feature",
    "by": "by",
    "note": "note",
}
"""``HazardRegister.add`` parameter -> the ``hazards add`` argument that gives it."""


def run(args: argparse.Namespace) -> int:
    """Run one ``hazards`` sub-verb; returns the exit code."""
    from riskmap.register import EXPORT_FIELDS, district_summary, format_hazards, label

    lang = getattr(args, "lang", None) or "zh"
    verb = args.hazards_verb
    if verb == "backup":
        return _backup(args)
    if verb == "restore":
        return _restore(args)
    with _open(args) as reg:
        user = _signed_in(reg, args)
        if verb in ("add", "move", "supervise", "void", "import", "attach"):
            args.by = _by(args, user)
        if verb == "add":
            values = {param: getattr(args, arg) for param, arg in _ADD_ARGS.items()}
            if args.by is None:  # registered by the finder, as the operating system knows
                values["by"] = _by_os(args.found_by)
            number = reg.add(**values, user=user)
            print(number)
        elif verb == "move":
            status = reg.move(
                args.number, args.to, by=args.by, note=args.note, user=user, override=args.override
            )
            print(f"{args.number}: {label('status', status, lang)}")
        elif verb == "supervise":
            reg.list_for_supervision(
                args.number, args.unit, args.deadline, by=args.by, note=args.note, user=user
            )
            print(f"{args.number}: {'listed for supervision' if lang == 'en' else '已挂牌督办'}")
        elif verb == "void":
            reg.void(args.number, args.reason, by=args.by, user=user)
            print(f"{args.number}: {label('status', 'voided', lang)}")
        elif verb == "list":
            df = reg.list(
                status=args.status,
                grade=args.grade,
                category=args.category,
                district=args.district,
                overdue=True if args.overdue else None,
                listed=True if args.listed else None,
                include_voided=args.all,
                today=args.today,
            )
            table = format_hazards(df, lang)
            table = table.iloc[:, [EXPORT_FIELDS.index(f) for f in _LIST_FIELDS]]
            print(_table(table) if len(table) else ("(none)" if lang == "en" else "（无）"))
            print(f"{len(table)} hazard(s)" if lang == "en" else f"共 {len(table)} 条")
        elif verb == "attach":
            path = Path(args.file)
            if not path.is_file():
                raise RegisterError(f"{path}: no such file")
            if path.stat().st_size > 10 * 1024 * 1024:  # before reading it whole
                raise RegisterError(f"{path.name}: more than 10 MiB: send a smaller photo or PDF")
            seq = reg.attach(
                args.number, path.read_bytes(), path.name, stage=args.stage, by=args.by, user=user
            )
            print(f"{args.number}: attachment {seq} ({path.name})")
        elif verb == "overdue":
            df = reg.overdue(today=args.today)
            table = format_hazards(df, lang)
            table = table.iloc[:, [EXPORT_FIELDS.index(f) for f in _LIST_FIELDS]]
            table.insert(1, "days overdue" if lang == "en" else "逾期天数", df["days_overdue"])
            print(_table(table) if len(table) else ("(none)" if lang == "en" else "（无）"))
            print(f"{len(table)} overdue hazard(s)" if lang == "en" else f"共 {len(table)} 条逾期")
        elif verb == "show":
            _show(reg, args.number, lang, args.today)
        elif verb == "summary":
            print(_table(district_summary(reg, today=args.today)))
        elif verb == "import":
            by = args.by if user is None else user.label()
            if user is not None and not user.may("register"):
                raise AccessError(f"user {user.username} ({user.role}) may not import hazards")
            result = reg.import_file(args.file, by=by, sheet=args.sheet, dry_run=args.dry_run)
            for problem in result.report:
                print(problem)
            if args.dry_run:
                print(f"{result.file}: {result.rows} row(s) OK; nothing written (--dry-run)")
            else:
                print(f"{result.file}: {result.count} hazard(s) registered")
                for number in result.numbers:
                    print(number)
        elif verb == "export":
            path = reg.export(args.file, lang, today=args.today)
            print(path)
        elif verb == "verify":
            return _verify(reg, args)
    return 0


def _backup(args: argparse.Namespace) -> int:
    with _open(args, existing=True) as reg:
        done = reg.backup(args.file)
    print(
        f"{done.path}: {done.records:,} record(s), {done.history_rows:,} history row(s), "
        f"{done.counters:,} number counter(s); chain head {done.chain_head}"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    with _open(args) as reg:
        done = reg.restore(args.file, head=args.head)
        where = reg.name
    print(
        f"{where}: restored {done.records:,} record(s), {done.history_rows:,} history "
        f"row(s), {done.counters:,} number counter(s) from {done.path.name}; verified, chain "
        f"head {done.chain_head}"
    )
    return 0


def _verify(reg: Any, args: argparse.Namespace) -> int:
    result = reg.verify(head=args.head)
    if result.ok:
        if args.receipt:
            print(result.receipt())
        else:
            print(
                f"verified: {result.rows:,} history rows chained, records, counters and guards "
                f"intact; chain head {result.receipt()}"
            )
        return 0
    for problem in result.problems:
        print(f"error: {reg.name}: {problem}", file=sys.stderr)
    return 1


def _show(reg: Any, number: str, lang: str, today: date | None) -> None:
    from riskmap.register import format_hazards, label

    df = reg.list(include_voided=True, today=today)
    row = df[df["number"] == number]
    if row.empty:
        reg.get(number)  # raises RegisterError naming the number
    shown = format_hazards(row, lang).iloc[0]
    width = max(text_width(str(h)) for h in shown.index)
    for header, value in shown.items():
        if _missing(value) or value == "":
            continue
        print(f"{pad(str(header), width)}  {value}")
    print()
    print("History:" if lang == "en" else "处理记录：")
    hist = reg.history(number)
    for r in hist.itertuples(index=False):
        start = label("status", r.from_status, lang) if isinstance(r.from_status, str) else "-"
        note = f"  {r.note}" if isinstance(r.note, str) and r.note else ""
        print(
            f"  {r.step}. {r.changed_at}  {r.actor}  {label('action', r.action, lang)}  "
            f"{start} -> {label('status', r.to_status, lang)}{note}"
        )


def _signed_in(reg: Any, args: argparse.Namespace) -> Any:
    """The register's user named by ``--user`` (password from RISKMAP_PASSWORD, else asked
    on the terminal), or None without ``--user``."""
    name = getattr(args, "user", None)
    if not name:
        return None
    import getpass
    import os

    from riskmap.register.users import UserStore

    password = os.environ.get("RISKMAP_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise AccessError(
                f"--user {name}: give the password in RISKMAP_PASSWORD (no terminal to ask on)"
            )
        password = getpass.getpass(f"password of {name}: ")
    user = UserStore(reg.location()).authenticate(name, password)
    if user is None:
        raise AccessError(f"--user {name}: wrong username or password, or the user is disabled")
    return user


def _by_os(by: str | None) -> str | None:
    """``by`` with the operating-system user who ran the command: ``李四 [os:lisi]``."""
    if not by:
        return by
    import getpass

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return by
    return f"{by} [os:{who}]"[:100]


def _by(args: argparse.Namespace, user: Any) -> str | None:
    """Who the history records: the signed-in user (the register records the user
    itself), else ``--by`` with the operating-system user; an error without either."""
    if user is not None:
        return None
    by = getattr(args, "by", None)
    if args.hazards_verb != "add" and not by:
        raise RegisterError("say who does it: --by NAME, or --user USERNAME")
    return _by_os(by)
