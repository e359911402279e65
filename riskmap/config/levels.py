"""The four risk levels (红橙黄蓝): one record drives classification, legend colour and labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    """One risk level.

    Attributes
    ----------
    rank : 1 = 低 (low) ... 4 = 重大 (major).
    zh, en : names in Chinese and English.
    color : map colour (hex).
    color_name_zh, color_name_en : the colour's name (红/橙/黄/蓝).
    matrix_min, matrix_max : the risk-matrix values R = likelihood x severity of this level.
    """

    rank: int
    zh: str
    en: str
    color: str
    color_name_zh: str
    color_name_en: str
    matrix_min: int
    matrix_max: int

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


LEVELS: tuple[Level, ...] = (
    Level(1, "低", "Low", "#2c7bb6", "蓝", "blue", 1, 3),
    Level(2, "一般", "General", "#ffd92f", "黄", "yellow", 4, 8),
    Level(3, "较大", "Significant", "#fd8d3c", "橙", "orange", 9, 16),
    Level(4, "重大", "Major", "#d7191c", "红", "red", 20, 25),
)
"""Lowest first; ``LEVELS[rank - 1]`` is the level of a rank."""


def level_of(rank: int) -> Level:
    """The level record of a rank (1..4)."""
    if not 1 <= rank <= 4:
        raise ValueError(f"level rank must be 1..4, got {rank}")
    return LEVELS[rank - 1]
