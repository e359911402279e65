"""Level confidence: how stable each cell's level is when the weights and the breaks of
the level rule, which are judgements, are drawn from plausible ranges.

A seeded Monte Carlo redraws every weight (components and layers) within
``1 ± weight_spread`` and moves every break of the rule in force by up to
``break_spread`` of the way to half-way to its neighbour, and scores the cached fields
again for each draw with :func:`riskmap.engine.scoring.risk_core` (no field is
recomputed). A cell's ``level_p`` is the share of draws that give it its own level;
``p_major`` the share that make it 重大, ``p_high`` 较大 or above. With zero spread every
draw is the assessment itself, so ``level_p`` is 1 everywhere.

:func:`weight_sensitivity` is the one-at-a-time companion: each weight moved 10 % up and
down, the cells whose level changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from riskmap.config import ConfidenceConfig, LevelConfig, WeightsConfig
from riskmap.engine.common import FloatArray, IntArray
from riskmap.engine.fields import Fields, layer_weights
from riskmap.engine.scoring import fisher_jenks, risk_core

BoolArray = npt.NDArray[np.bool_]

_BREAKS = {
    "matrix": ("likelihood_breaks", "severity_breaks"),
    "breaks": ("score_breaks",),
    "quantiles": ("quantiles",),
    "natural_breaks": (),
}
"""The breaks of each level rule that are judgements (the matrix's R bands are the
standard's and stay)."""


@dataclass(frozen=True)
class Confidence:
    """Level confidence per cell.

    Attributes
    ----------
    level_p : share of draws in which the cell keeps its level.
    p_major : share of draws in which the cell is 重大.
    p_high : share of draws in which the cell is 较大 or 重大.
    unstable : level_p below the configured stable share.
    shares : n x 4 shares of draws per level (低, 一般, 较大, 重大).
    draws, seed, weight_spread, break_spread, stable_share : how it was drawn.
    """

    level_p: FloatArray
    p_major: FloatArray
    p_high: FloatArray
    unstable: BoolArray
    shares: FloatArray
    draws: int
    seed: int
    weight_spread: float
    break_spread: float
    stable_share: float

    def frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        """``level_p``, ``p_major``, ``p_high`` and ``unstable`` as columns."""
        return pd.DataFrame(
            {
                "level_p": self.level_p,
                "p_major": self.p_major,
                "p_high": self.p_high,
                "unstable": self.unstable,
            },
            index=index,
        )

    def params(self) -> dict[str, Any]:
        """How the draws were made (for summaries)."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "weight_spread": self.weight_spread,
            "break_spread": self.break_spread,
            "stable_share": self.stable_share,
            "unstable_cells": int(self.unstable.sum()),
        }


def level_confidence(
    fields: Fields,
    weights: WeightsConfig,
    levels: LevelConfig,
    config: ConfidenceConfig | None = None,
) -> Confidence:
    """Probability of each cell's level under plausible weights and breaks.

    Parameters
    ----------
    fields
        The cached fields of a study (:attr:`riskmap.Study.fields`).
    weights, levels
        The weights and level rule in force (an Assessment's ``weights`` and ``levels``).
    config
        Draws, spreads and seed; the project's ``analysis.confidence`` by default.

    Returns
    -------
    Confidence
    """
    cfg = config or fields.project.analysis.confidence
    rng = np.random.default_rng(cfg.seed)
    base_w = layer_weights(fields, weights)
    base = risk_core(fields, base_w, weights, levels)
    own = base.rank
    n = len(own)
    counts = np.zeros((n, 4), dtype=np.int32)
    rows = np.arange(n)
    for _ in range(cfg.draws):
        w_d, weights_d = _draw_weights(rng, base_w, weights, cfg.weight_spread)
        levels_d = _draw_breaks(
            rng,
            fields=fields,
            layer_w=base_w,
            weights=weights,
            levels=levels,
            spread=cfg.break_spread,
        )
        rank = risk_core(fields, w_d, weights_d, levels_d).rank
        _count(counts, rank)
    shares = counts / float(cfg.draws)
    level_p = shares[rows, own - 1]
    return Confidence(
        level_p=level_p,
        p_major=shares[:, 3],
        p_high=shares[:, 2] + shares[:, 3],
        unstable=level_p < cfg.stable_share,
        shares=shares,
        draws=cfg.draws,
        seed=cfg.seed,
        weight_spread=cfg.weight_spread,
        break_spread=cfg.break_spread,
        stable_share=cfg.stable_share,
    )


def _count(counts: npt.NDArray[np.int32], rank: IntArray) -> None:
    for lv in range(4):
        counts[:, lv] += rank == lv + 1


def _draw_weights(
    rng: np.random.Generator,
    layer_w: Mapping[str, float],
    weights: WeightsConfig,
    spread: float,
) -> tuple[dict[str, float], WeightsConfig]:
    names = sorted(layer_w)
    f = rng.uniform(1.0 - spread, 1.0 + spread, size=len(names) + 3)
    w_d = {name: layer_w[name] * float(f[i]) for i, name in enumerate(names)}
    comps = {
        c: weights.component(c) * float(f[len(names) + i])
        for i, c in enumerate(("exposure", "vulnerability", "coping_gap"))
    }
    return w_d, WeightsConfig.model_construct(components=comps, layers=w_d)


def _draw_breaks(
    rng: np.random.Generator,
    *,
    fields: Fields,
    layer_w: Mapping[str, float],
    weights: WeightsConfig,
    levels: LevelConfig,
    spread: float,
) -> LevelConfig:
    update: dict[str, Any] = {}
    for name in _BREAKS[levels.rule]:
        upper = 1.0 if name == "quantiles" else None
        update[name] = tuple(jitter_breaks(rng, getattr(levels, name), spread, upper=upper))
    if levels.rule == "natural_breaks" and spread > 0:
        # Data-derived thresholds: fitted on the base scores, then moved like fixed breaks.
        thr = _natural_thresholds(fields, layer_w, weights, levels)
        return levels.model_copy(
            update={"rule": "breaks", "score_breaks": tuple(jitter_breaks(rng, thr, spread))}
        )
    return levels.model_copy(update=update) if update else levels


def jitter_breaks(
    rng: np.random.Generator,
    breaks: tuple[float, ...] | FloatArray,
    spread: float,
    *,
    upper: float | None = None,
) -> FloatArray:
    """Each break moved by up to ``spread`` x half the gap to its neighbour on the side
    it moves to (the outer breaks use the inner gap, or ``upper`` above the last), so
    breaks never cross and keep their order.

    Parameters
    ----------
    rng
        The random generator.
    breaks
        Ascending breaks.
    spread
        0 (no move) ... 1 (up to half-way to the neighbour).
    upper
        A bound above the last break (1 for quantile shares).

    Returns
    -------
    numpy.ndarray
    """
    b = np.asarray(breaks, dtype=float)
    if spread <= 0 or len(b) == 0:
        return b.copy()
    gaps = np.diff(b)
    inner = float(np.median(gaps)) if len(gaps) else max(abs(float(b[0])), 1.0)
    below = np.concatenate([[gaps[0] if len(gaps) else inner], gaps]) / 2.0
    last = (upper - b[-1]) if upper is not None else (gaps[-1] if len(gaps) else inner)
    above = np.concatenate([gaps, [last]]) / 2.0
    u = rng.uniform(-1.0, 1.0, size=len(b))
    return b + spread * np.where(u < 0, u * below, u * above)


def _natural_thresholds(
    fields: Fields, layer_w: Mapping[str, float], weights: WeightsConfig, levels: LevelConfig
) -> FloatArray:
    core = risk_core(fields, layer_w, weights, levels)
    thr = core.derived.get("score_thresholds")
    if thr is not None:
        return np.asarray(thr, dtype=float)
    return fisher_jenks(core.score, 4)[:3]  # pragma: no cover - natural_breaks derives them


def weight_sensitivity(
    fields: Fields,
    weights: WeightsConfig,
    levels: LevelConfig,
    step: float = 0.10,
) -> pd.DataFrame:
    """One weight at a time moved ``step`` up and down: the cells whose level changes.

    Returns
    -------
    pandas.DataFrame
        One row a weight (``component:<name>`` or ``layer:<binding>``): ``weight``,
        ``value``, ``up`` and ``down`` (cells that change level when the weight rises or
        falls by ``step``), ``changed`` (the larger), highest first.
    """
    base_w = layer_weights(fields, weights)
    own = risk_core(fields, base_w, weights, levels).rank
    rows = []
    comps = {c: weights.component(c) for c in ("exposure", "vulnerability", "coping_gap")}
    items: list[tuple[str, str, float]] = [
        ("component", c, v) for c, v in comps.items() if c not in fields.missing
    ]
    items += [("layer", name, v) for name, v in sorted(base_w.items())]
    for kind, name, value in items:
        moved = []
        for sign in (1.0, -1.0):
            factor = 1.0 + sign * step
            if kind == "component":
                w_c = {**comps, name: value * factor}
                w_d, weights_d = dict(base_w), WeightsConfig.model_construct(components=w_c)
            else:
                w_d = {**base_w, name: value * factor}
                weights_d = weights
            rank = risk_core(fields, w_d, weights_d, levels).rank
            moved.append(int((rank != own).sum()))
        rows.append(
            {
                "weight": f"{kind}:{name}",
                "value": value,
                "up": moved[0],
                "down": moved[1],
                "changed": max(moved),
            }
        )
    out = pd.DataFrame(rows, columns=["weight", "value", "up", "down", "changed"])
    return out.sort_values(["changed", "weight"], ascending=[False, True], ignore_index=True)


__all__ = ["Confidence", "jitter_breaks", "level_confidence", "weight_sensitivity"]
