"""Errors and validation reports shared by every riskmap module.

Every problem found in a user's file is a :class:`Problem` that names the file, the row
as the user counts it (the spreadsheet row: header is row 1, first data row is row 2;
for GeoJSON/GPKG/SHP the 1-based feature number), the column, what is wrong and what to
do. Validators collect problems into a :class:`ValidationReport` and report once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


class RiskmapError(Exception):
    """Base class of all errors raised by riskmap."""


class ConfigError(RiskmapError, ValueError):
    """A project or layer configuration file is wrong (unknown key, bad value, missing file)."""


class CRSError(RiskmapError, ValueError):
    """A coordinate reference system name or code is not understood."""


class LayerDataError(RiskmapError, ValueError):
    """A data file cannot be used; ``report`` lists every problem found."""

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report if report is not None else ValidationReport()


class UnsafeFileError(LayerDataError):
    """An uploaded file is unsafe to open (zip member outside its folder, too large, ...)."""


class RegisterError(RiskmapError, ValueError):
    """A hidden-hazard register operation was refused."""


class AccessError(RegisterError):
    """The signed-in user's role or districts do not allow what was asked."""


class TransitionError(RegisterError):
    """A hidden hazard cannot move from its current status to the one asked for."""


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one file.

    Attributes
    ----------
    severity : "error" stops the layer from being used; "warning" is reported only.
    code : a short stable identifier, e.g. ``missing_column`` (tests and UIs key on it).
    message : what is wrong, in English.
    hint : what to do about it.
    file : file name as the user knows it (no directories of ours).
    layer : the layer binding's name, if any.
    row : the row as the user counts it (spreadsheet row, or 1-based feature number).
    column : the column (header) as it appears in the user's file.
    message_zh : ``message`` in Chinese ("" when only the English exists).
    hint_zh : ``hint`` in Chinese.
    """

    severity: Severity
    code: str
    message: str
    hint: str = ""
    file: str | None = None
    layer: str | None = None
    row: int | None = None
    column: str | None = None
    message_zh: str = ""
    hint_zh: str = ""

    def text(self, lang: str = "en") -> tuple[str, str]:
        """The message and the hint in ``lang`` (``zh`` or ``en``); English where no
        Chinese was given."""
        if lang == "zh" and self.message_zh:
            return self.message_zh, self.hint_zh or self.hint
        return self.message, self.hint

    def to_record(self) -> dict[str, object]:
        """A plain row: severity, code, layer, file, row, column, message, hint."""
        return {
            "severity": self.severity,
            "code": self.code,
            "layer": self.layer,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }

    def location(self) -> str:
        """``file, row N, column C`` with the parts that are known."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = (
            f"{self.severity.upper()}: {loc}: {self.message}"
            if loc
            else f"{self.severity.upper()}: {self.message}"
        )
        if self.hint:
            text += f" — {self.hint}"
        return text


@dataclass
class ValidationReport:
    """Problems collected from one or more files, plus feature counts per layer."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def merge(self, other: ValidationReport) -> None:
        self.problems.extend(other.problems)
        self.counts.update(other.counts)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def to_records(self) -> list[dict[str, object]]:
        """Plain rows (for a table in the app or a CSV)."""
        return [p.to_record() for p in self.problems]

    def to_text(self) -> str:
        """A plain-text report: counts per layer, then every problem."""
        lines = []
        if self.counts:
            width = max(len(k) for k in self.counts)
            lines.append("Layers:")
            lines.extend(f"  {name:<{width}}  {n:>8,d} features" for name, n in self.counts.items())
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        lines.extend(f"  {p}" for p in self.problems)
        return "\n".join(lines)
