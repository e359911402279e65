"""Importing hazards into a register from a CSV/XLSX file: every row validated first,
then all rows registered in one transaction, or none (a per-row report says why).
"""

from __future__ import annotations

import builtins
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from riskmap.errors import (
    LayerDataError,
    Problem,
    ValidationReport,
)
from riskmap.register.files import ImportResult, _read_rows
from riskmap.register.values import (
    _COLUMN_BY_FIELD,
    _HEADER_INDEX,
    _IMPORT_REQUIRED,
    _actor,
    _check_record,
    _norm_header,
    _text,
)
from riskmap.register.vocabulary import _norm_number

if TYPE_CHECKING:
    from riskmap.register.store import HazardRegister


class ImportMixin:
    """:meth:`import_file` of :class:`~riskmap.register.HazardRegister`."""

    def import_file(
        self,
        path: str | Path,
        by: str,
        *,
        sheet: str | None = None,
        file_name: str | None = None,
        dry_run: bool = False,
        today: date | None = None,
    ) -> ImportResult:
        """Register every row of a CSV or XLSX file, all or nothing.

        Headers may be Chinese or English (标题/隐患名称, 类别, 等级, 经度, 纬度, 所在区,
        区划代码, 发现日期, 发现人, 责任单位, 整改期限, 状态, 挂牌督办, 督办单位, 督办期限 ...).
        Values follow the rules of :meth:`HazardRegister.add`. An import registers new
        hazards: a 状态 other than 已登记 (or empty) is refused on every row, whatever
        统一编号 it carries, because a record in another state only comes back with its
        full history, restored from a backup (:meth:`HazardRegister.restore`).
        A 统一编号 column (e.g. from an export) is checked: a number twice in the file or
        already in the register is an error, so the same file cannot be imported twice;
        new numbers are always assigned by the register. In a CSV file, the apostrophe
        riskmap's export puts before text that looks like a formula (``'=x``) is taken
        off; an XLSX cell is read as it is.

        Parameters
        ----------
        path
            The file (.csv in UTF-8, UTF-8 with BOM or GBK; or .xlsx).
        by
            Who imports (kept in each record's history).
        sheet
            XLSX sheet name; the first sheet when None.
        file_name
            The name shown in problems (e.g. an upload's original name).
        dry_run
            Validate only; nothing is written.
        today
            The date taken as today (tests).

        Raises
        ------
        LayerDataError
            Any row is wrong; ``report`` lists every problem with file, row (header is
            row 1), column and hint. Nothing is written.
        """
        reg = cast("HazardRegister", self)
        path = Path(path)
        actor = _actor(by)
        name = file_name or path.name
        report = ValidationReport()
        header, rows, read_problems = _read_rows(path, sheet, name)
        report.extend(read_problems)
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for i, h in enumerate(header):
            if not h:
                continue
            fld = _HEADER_INDEX.get(_norm_header(h))
            if fld is None:
                report.add(
                    Problem(
                        "warning",
                        "unknown_column",
                        f"column '{h}' is not used",
                        "see docs/REGISTER.md for the columns read",
                        file=name,
                        row=1,
                        column=h,
                    )
                )
            elif fld in columns:
                report.add(
                    Problem(
                        "error",
                        "duplicate_column",
                        f"'{h}' and '{headers[fld]}' both mean {fld}",
                        "keep one of them",
                        file=name,
                        row=1,
                        column=h,
                    )
                )
            else:
                columns[fld] = i
                headers[fld] = h
        required = [f for f in _IMPORT_REQUIRED if f not in columns]
        if "adcode" not in columns and reg.districts is None:
            required.append("adcode")
        for f in required:
            col = _COLUMN_BY_FIELD[f]
            report.add(
                Problem(
                    "error",
                    "missing_column",
                    f"no column for {col.zh} ({f})",
                    f"add a column headed {col.zh}"
                    + (f" or {', '.join(col.aliases[:3])}" if col.aliases else ""),
                    file=name,
                    row=1,
                )
            )
        if not rows:
            report.add(
                Problem(
                    "error",
                    "empty",
                    "the file has no data rows",
                    "put one hazard per row under the header row",
                    file=name,
                )
            )
        if not report.ok:
            raise LayerDataError(f"{name}: cannot import", report)

        check = reg._checker(today, name)
        check.headers = headers
        check.unguard = path.suffix.lower() == ".csv"  # the format riskmap's export guards
        records = []
        numbers_given: dict[str, builtins.list[int]] = {}
        for row_number, values in rows:
            raw = {f: values[i] if i < len(values) else None for f, i in columns.items()}
            check.row = row_number
            records.append(_check_record(raw, check))
            given = _norm_number(_text(raw.get("number")))
            if given:
                numbers_given.setdefault(given, []).append(row_number)
        report.extend(check.problems)
        for number, at in numbers_given.items():
            for row_number in at[1:]:
                listed = ", ".join(str(r) for r in at[:-1]) + f" and {at[-1]}"
                report.add(
                    Problem(
                        "error",
                        "duplicate_number",
                        f"统一编号 (number) {number} is in rows {listed} of the file",
                        f"a hazard is imported once: keep row {at[0]} and remove the others",
                        file=name,
                        row=row_number,
                        column=headers["number"],
                    )
                )
        if numbers_given:
            placeholders = ", ".join("?" for _ in numbers_given)
            existing = reg._query(
                f"SELECT number FROM hazard WHERE number IN ({placeholders})",
                builtins.list(numbers_given),
            )
            for (number,) in existing:
                report.add(
                    Problem(
                        "error",
                        "already_registered",
                        f"{number} is already in the register",
                        "this row was imported before; remove it from the file",
                        file=name,
                        row=numbers_given[number][0],
                        column=headers["number"],
                    )
                )
        if not report.ok:
            raise LayerDataError(
                f"{name}: {len(report.errors)} problem(s); nothing was imported", report
            )
        if dry_run:
            return ImportResult(name, (), len(rows), report)
        numbers = []
        with reg._write() as conn:
            for (row_number, _), rec in zip(rows, records, strict=True):
                number = reg._insert(
                    conn, rec, by=actor, action="import", note=f"{name} row {row_number}"
                )
                numbers.append(number)
        return ImportResult(name, tuple(numbers), len(rows), report)
