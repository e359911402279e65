"""The register's vocabulary: codes stored in the database and their labels for people
(zh, en): categories, grades, statuses, the closed loop's transitions and actions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from riskmap.config.catalogue import load_labels
from riskmap.errors import (
    RegisterError,
    TransitionError,
)

_LABELS = load_labels("register")


def _section(prefix: str) -> dict[str, dict[str, str]]:
    """Code -> {zh, en} of one part of the register's label catalogue."""
    return {
        key.split(".", 1)[1]: {"zh": zh, "en": en}
        for key, (zh, en) in _LABELS.items()
        if key.startswith(f"{prefix}.")
    }


CATEGORIES: dict[str, dict[str, str]] = {
    "hazmat": {"zh": "危化", "en": "hazardous chemicals", "code": "WH"},
    "fireworks": {"zh": "烟花爆竹", "en": "fireworks", "code": "YH"},
    "industry": {"zh": "工贸", "en": "industry and trade", "code": "GM"},
    "construction": {"zh": "建设施工", "en": "construction", "code": "JS"},
    "fire": {"zh": "消防", "en": "fire", "code": "XF"},
    "flood": {"zh": "防汛", "en": "flood", "code": "FX"},
    "geological": {"zh": "地质灾害", "en": "geological hazard", "code": "DZ"},
    "gas": {"zh": "燃气", "en": "gas", "code": "RQ"},
    "traffic": {"zh": "交通", "en": "traffic", "code": "JT"},
    "other": {"zh": "其他", "en": "other", "code": "QT"},
}
"""Category code -> zh label, en label and the two-letter code used in unified numbers."""

GRADES: dict[str, dict[str, str]] = _section("grade")

COLUMN_HEADERS: dict[str, dict[str, str]] = _section("column")
"""Export field -> its header, {zh, en} (``number`` -> 统一编号 / Number)."""


STATUSES: dict[str, dict[str, str]] = _section("status")


OPEN_STATUSES: tuple[str, ...] = ("registered", "rectifying", "awaiting_acceptance")
"""Statuses of a hazard that is still in the loop (counts on the map, can be overdue)."""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "registered": ("rectifying",),
    "rectifying": ("awaiting_acceptance",),
    "awaiting_acceptance": ("closed", "rectifying"),
    "closed": (),
    "voided": (),
}
"""Allowed moves of :meth:`HazardRegister.move`; voiding is :meth:`HazardRegister.void`."""

ACTIONS: dict[str, dict[str, str]] = _section("action")


_MOVE_ACTIONS: dict[tuple[str, str], str] = {
    ("registered", "rectifying"): "start",
    ("rectifying", "awaiting_acceptance"): "submit",
    ("awaiting_acceptance", "closed"): "accept",
    ("awaiting_acceptance", "rectifying"): "reject",
}


_NUMBER_RE = re.compile(r"^(\d{6})-(\d{4})-([A-Z]{2})-(\d{5,})$", re.ASCII)
"""A unified number, ASCII only: ``{adcode}-{year}-{category code}-{sequence:05d}``."""


def _ascii_digits(value: object) -> str:
    """``value`` as NFKC text with every Unicode decimal digit written as its ASCII digit.

    Full-width ``４`` (NFKC) and Arabic-Indic ``٤`` (``unicodedata.decimal``) both become
    ``4``; any other character is kept as it is.
    """
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(
        ch if ch.isascii() else str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch
        for ch in text
    )


def _norm_adcode(value: object) -> str | None:
    """A district adcode as its 6 ASCII digits (``４２０１０２`` -> ``420102``), or None.

    None when the text, after :func:`_ascii_digits`, is anything but exactly six ASCII
    digits (letters, signs, seven digits, a superscript digit NFKC does not map ...).
    """
    text = _ascii_digits(value).strip()
    return text if len(text) == 6 and text.isascii() and text.isdigit() else None


def _norm_number(value: object) -> str:
    """A unified number as text to compare: NFKC, ASCII digits, no spaces, upper case."""
    return re.sub(r"\s", "", _ascii_digits(value)).upper()


_EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "category": {
        "危险化学品": "hazmat",
        "危化品": "hazmat",
        "危险化学品安全": "hazmat",
        "烟花": "fireworks",
        "工贸行业": "industry",
        "工矿商贸": "industry",
        "建筑施工": "construction",
        "建设": "construction",
        "施工": "construction",
        "消防安全": "fire",
        "防汛抗旱": "flood",
        "地质": "geological",
        "地灾": "geological",
        "燃气安全": "gas",
        "道路交通": "traffic",
        "其它": "other",
    },
    "grade": {"一般隐患": "general", "重大隐患": "major", "ordinary": "general"},
    "status": {
        "登记": "registered",
        "整改": "rectifying",
        "验收": "awaiting_acceptance",
        "销号": "closed",
        "作废": "voided",
        "awaitingacceptance": "awaiting_acceptance",
    },
}


_VOCABULARIES: dict[str, dict[str, dict[str, str]]] = {
    "category": CATEGORIES,
    "grade": GRADES,
    "status": STATUSES,
}


def label(vocabulary: str, code: str, lang: str = "zh") -> str:
    """The label of a stored code, e.g. ``label("status", "rectifying")`` -> ``"整改中"``.

    Parameters
    ----------
    vocabulary
        ``"category"``, ``"grade"``, ``"status"`` or ``"action"``.
    code
        The code stored in the register.
    lang
        ``"zh"`` or ``"en"``.
    """
    table = ACTIONS if vocabulary == "action" else _VOCABULARIES[vocabulary]
    entry = table.get(code)
    if entry is None:
        return code
    return entry["en" if lang == "en" else "zh"]


def _norm_token(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return re.sub(r"[\s_\-]", "", text)


def _vocabulary_index(vocabulary: str) -> dict[str, str]:
    table = _VOCABULARIES[vocabulary]
    index: dict[str, str] = {}
    for code, entry in table.items():
        for text in (code, entry["zh"], entry["en"]):
            index[_norm_token(text)] = code
        if "code" in entry:
            index[_norm_token(entry["code"])] = code
    for text, code in _EXTRA_ALIASES.get(vocabulary, {}).items():
        index[_norm_token(text)] = code
    return index


_INDEXES = {name: _vocabulary_index(name) for name in _VOCABULARIES}


def parse_code(vocabulary: str, value: object) -> str:
    """A stored code from a code or a label in either language.

    ``parse_code("status", "待验收")`` -> ``"awaiting_acceptance"``;
    ``parse_code("category", "WH")`` -> ``"hazmat"``.

    Raises
    ------
    RegisterError
        The value is not known; the message lists the values allowed.
    """
    code = _INDEXES[vocabulary].get(_norm_token(value))
    if code is None:
        raise RegisterError(
            f"unknown {vocabulary} '{value}': use one of {_allowed_text(vocabulary)}"
        )
    return code


def _allowed_text(vocabulary: str) -> str:
    return ", ".join(f"{e['zh']} ({c})" for c, e in _VOCABULARIES[vocabulary].items())


class HazardTransitionError(TransitionError):
    """A refused status change, with its parts for a UI.

    Attributes
    ----------
    number : the hazard's unified number.
    current : its status code now.
    requested : the status code asked for.
    allowed : the status codes it may move to with :meth:`HazardRegister.move`.
    """

    def __init__(self, number: str, current: str, requested: str, allowed: Sequence[str]) -> None:
        self.number = number
        self.current = current
        self.requested = requested
        self.allowed = tuple(allowed)
        super().__init__(f"{self.text('zh')} / {self.text('en')}")

    def text(self, lang: str = "zh") -> str:
        """The message in one language (``"zh"`` or ``"en"``)."""
        en = lang == "en"
        cur = label("status", self.current, lang)
        req = label("status", self.requested, lang)
        if self.current in ("closed", "voided"):
            if en:
                return f"{self.number} is {cur}: a {cur} hazard cannot change any more"
            return f"{self.number} {cur}，不能再变更"
        nxt = ("、" if not en else ", ").join(label("status", s, lang) for s in self.allowed)
        if self.requested == "voided":
            if en:
                return (
                    f"{self.number} is {cur}: void it with a reason (void), not a move; "
                    f"allowed next: {nxt}"
                )
            return (
                f"{self.number} 当前为{cur}：作废须填写原因（void），不能直接变更；可变更为：{nxt}"
            )
        if en:
            return (
                f"{self.number} is {cur}: it cannot move to {req}; allowed next: {nxt} (or void it)"
            )
        return f"{self.number} 当前为{cur}，不能变更为{req}；可变更为：{nxt}（或作废）"
