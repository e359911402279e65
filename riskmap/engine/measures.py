"""Recommended measures (应对措施) for a cell: from its level, dominant hazard and coping gaps.

Three parts, in this order, without repeats:

1. the general rule of the level (dual-prevention practice: 重大 and 较大 risks must be
   brought down a level; 一般 reduced as far as reasonably practicable; 低 keeps existing
   controls);
2. the measures of the layer kind that dominates the cell's hazard;
3. the measures of each capacity kind whose score in the cell is low (the shortfalls).

The texts of parts 2 and 3 live in the layer kinds (``riskmap/config/kinds/*.yaml``, key ``measures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from riskmap.config import LayerKind

LEVEL_MEASURES: dict[int, dict[str, str]] = {
    4: {
        "zh": "重大风险：立即制定专项管控方案，落实责任单位和责任人，限期采取措施降为较大及以下风险",
        "en": "Major risk: put a dedicated control plan and named owners in place at once, and bring "
        "the risk down at least one level by a set date",
    },
    3: {
        "zh": "较大风险：采取工程和管理措施降为一般及以下风险，纳入重点监管",
        "en": "Significant risk: take engineering and management measures to bring it down at least "
        "one level; keep it under close supervision",
    },
    2: {
        "zh": "一般风险：在合理可行范围内尽可能降低风险，定期排查隐患",
        "en": "General risk: reduce it as far as reasonably practicable and check for hidden hazards "
        "regularly",
    },
    1: {
        "zh": "低风险：保持现有管控措施，定期复查",
        "en": "Low risk: keep the existing controls and review them regularly",
    },
}
"""General measure of each level rank (1 = 低 ... 4 = 重大), in Chinese and English."""


def recommend(
    level_rank: int,
    top_factor_kind: str | None,
    shortfalls: Iterable[str],
    kinds: Mapping[str, LayerKind],
    lang: str = "zh",
) -> list[str]:
    """Measures recommended for a cell.

    Parameters
    ----------
    level_rank
        The cell's level, 1 (低) to 4 (重大).
    top_factor_kind
        Layer kind that dominates the cell's hazard, or None / "" when there is none.
    shortfalls
        Capacity layer kinds whose score in the cell is low (e.g. ``fire_station``).
    kinds
        Layer kinds by name (their ``measures`` give the texts).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of str
        The level's general measure, then the dominant hazard's measures, then those of
        the capacity shortfalls; no text appears twice.
    """
    if level_rank not in LEVEL_MEASURES:
        raise ValueError(f"level rank must be 1..4, got {level_rank}")
    key = "en" if lang == "en" else "zh"
    out = [LEVEL_MEASURES[level_rank][key]]
    names = [top_factor_kind] if top_factor_kind else []
    names += [k for k in shortfalls if k]
    for name in names:
        kind = kinds.get(name)
        if kind is None:
            continue
        for text in kind.measures:
            t = text.get(key)
            if t not in out:
                out.append(t)
    return out
