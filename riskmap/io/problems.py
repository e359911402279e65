"""The problem collector every reader reports into (file, row, column, message, hint;
rows capped per code and column) and the error raised when a file cannot be used at all.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from riskmap.errors import (
    LayerDataError,
    Problem,
    Severity,
    UnsafeFileError,
    ValidationReport,
)

MAX_ROW_PROBLEMS = 50
"""Per file, problem code and column: rows reported one by one; the rest are summarised."""


class _Problems:
    """Collects the problems of one file; rows beyond MAX_ROW_PROBLEMS per code are summarised."""

    def __init__(self, file: str | None, layer: str | None) -> None:
        self.file = file
        self.layer = layer
        self.items: list[Problem] = []
        self._suppressed: Counter[tuple[str, str | None, Severity]] = Counter()
        self._shown: Counter[tuple[str, str | None]] = Counter()
        self._hints: dict[tuple[str, str | None, Severity], str] = {}

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        hint: str = "",
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.items.append(
            Problem(severity, code, message, hint, self.file, self.layer, row, column)
        )

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.items.append(
                Problem(
                    p.severity,
                    p.code,
                    p.message,
                    p.hint,
                    self.file or p.file,
                    self.layer or p.layer,
                    p.row,
                    p.column,
                )
            )

    def rows(
        self,
        severity: Severity,
        code: str,
        rows: npt.ArrayLike,
        messages: Sequence[str] | str,
        hint: str = "",
        *,
        column: str | None = None,
    ) -> None:
        """One problem per row (row numbers as the user counts them), capped per code/column."""
        row_arr = np.asarray(rows).ravel()
        if row_arr.size == 0:
            return
        key = (code, column)
        room = max(MAX_ROW_PROBLEMS - self._shown[key], 0)
        shown = row_arr[:room]
        for i, r in enumerate(shown):
            msg = messages if isinstance(messages, str) else messages[i]
            self.add(severity, code, msg, hint, row=int(r), column=column)
        self._shown[key] += shown.size
        if row_arr.size > shown.size:
            self._suppressed[(code, column, severity)] += row_arr.size - shown.size
            self._hints[(code, column, severity)] = hint

    def errors_since(self, mark: int) -> bool:
        """True when an error was added after ``len(self.items) == mark``."""
        return any(p.severity == "error" for p in self.items[mark:])

    def finish(self) -> list[Problem]:
        out = list(self.items)
        for (code, column, severity), n in self._suppressed.items():
            out.append(
                Problem(
                    severity,
                    code,
                    f"{n:,d} more row(s) with the same problem (only the first "
                    f"{MAX_ROW_PROBLEMS} are listed)",
                    self._hints[(code, column, severity)],
                    self.file,
                    self.layer,
                    None,
                    column,
                )
            )
        return out


def _fail(
    code: str,
    message: str,
    hint: str,
    file: str | None,
    *,
    unsafe: bool = False,
    row: int | None = None,
    column: str | None = None,
) -> LayerDataError:
    problem = Problem("error", code, message, hint, file, None, row, column)
    report = ValidationReport([problem])
    text = f"{file}: {message}" if file else message
    return UnsafeFileError(text, report) if unsafe else LayerDataError(text, report)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _reader_warnings(problems: _Problems, caught: list[warnings.WarningMessage]) -> None:
    """What a reader library warned about (its UserWarning and RuntimeWarning, GDAL's
    included), as warnings of the report. Other warnings caught meanwhile are about code,
    not the file (a ResourceWarning from an object collected during the read, a
    DeprecationWarning): they go on to Python's own warning filters."""
    for w in caught:
        if issubclass(w.category, (UserWarning, RuntimeWarning)):
            problems.add("warning", "reader_warning", str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
