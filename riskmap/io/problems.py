"""The problem collector every reader reports into (file, row, column, message, hint;
rows capped per code and column) and the error raised when a file cannot be used at all.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from riskmap.config.catalogue import load_labels
from riskmap.errors import (
    LayerDataError,
    Problem,
    Severity,
    UnsafeFileError,
    ValidationReport,
)

_CODE_WORDS: dict[str, tuple[str, str]] = load_labels("problems")
"""Problem code -> (Chinese, English) word for people (``riskmap/config/labels/problems.yaml``)."""

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
        self._hints: dict[tuple[str, str | None, Severity], tuple[str, str]] = {}

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        hint: str = "",
        *,
        row: int | None = None,
        column: str | None = None,
        zh: tuple[str, str] = ("", ""),
    ) -> None:
        """One problem; ``zh``: its message and hint in Chinese."""
        self.items.append(
            Problem(severity, code, message, hint, self.file, self.layer, row, column, zh[0], zh[1])
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
                    p.message_zh,
                    p.hint_zh,
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
        zh: tuple[Sequence[str] | str, str] = ("", ""),
    ) -> None:
        """One problem per row (row numbers as the user counts them), capped per code/column;
        ``zh``: the messages and the hint in Chinese."""
        row_arr = np.asarray(rows).ravel()
        if row_arr.size == 0:
            return
        key = (code, column)
        room = max(MAX_ROW_PROBLEMS - self._shown[key], 0)
        shown = row_arr[:room]
        for i, r in enumerate(shown):
            msg = messages if isinstance(messages, str) else messages[i]
            msg_zh = zh[0] if isinstance(zh[0], str) else zh[0][i]
            self.add(severity, code, msg, hint, row=int(r), column=column, zh=(msg_zh, zh[1]))
        self._shown[key] += shown.size
        if row_arr.size > shown.size:
            self._suppressed[(code, column, severity)] += row_arr.size - shown.size
            self._hints[(code, column, severity)] = (hint, zh[1])

    def errors_since(self, mark: int) -> bool:
        """True when an error was added after ``len(self.items) == mark``."""
        return any(p.severity == "error" for p in self.items[mark:])

    def finish(self) -> list[Problem]:
        out = list(self.items)
        for (code, column, severity), n in self._suppressed.items():
            hint, hint_zh = self._hints[(code, column, severity)]
            out.append(
                Problem(
                    severity,
                    code,
                    f"{n:,d} more row(s) with the same problem (only the first "
                    f"{MAX_ROW_PROBLEMS} are listed)",
                    hint,
                    self.file,
                    self.layer,
                    None,
                    column,
                    f"另有 {n:,d} 行有同样的问题（只列出前 {MAX_ROW_PROBLEMS} 行）",
                    hint_zh,
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
    zh: tuple[str, str] = ("", ""),
) -> LayerDataError:
    problem = Problem("error", code, message, hint, file, None, row, column, zh[0], zh[1])
    report = ValidationReport([problem])
    text = f"{file}: {message}" if file else message
    return UnsafeFileError(text, report) if unsafe else LayerDataError(text, report)


FORMATS_ZH: dict[str, str] = {
    "CSV": "CSV",
    "Excel workbook": "Excel 工作簿",
    "GeoJSON": "GeoJSON",
    "GeoPackage": "GeoPackage",
    "Shapefile": "Shapefile",
    "zipped Shapefile": "压缩的 Shapefile",
}
"""A format's name (``SUPPORTED_FORMATS``' values) in Chinese, for messages."""


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
            problems.add(
                "warning",
                "reader_warning",
                str(w.message),
                zh=(f"读取文件的程序库给出警告：{w.message}", ""),
            )
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def describe_code(code: str, lang: str = "zh") -> str:
    """A problem code as words in ``lang`` (``zh`` or ``en``): ``non_numeric`` -> 不是数字 /
    Not a number; a code without words is spelt out (``some_code`` -> some code)."""
    words = _CODE_WORDS.get(code)
    if words is None:
        return code.replace("_", " ")
    return words[1] if lang == "en" else words[0]


def describe(problem: Problem, lang: str = "zh") -> tuple[str, str, str]:
    """A problem for people in ``lang``: (its code as words, message, hint). A problem
    without a Chinese message is named in Chinese by its code's words (its English
    message is not shown in the Chinese UI)."""
    word = describe_code(problem.code, lang)
    if lang == "en" or problem.message_zh:
        message, hint = problem.text(lang)
        if lang == "zh" and not problem.hint_zh:
            hint = ""
        return word, message, hint
    return word, word, ""
