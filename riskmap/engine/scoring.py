"""Scoring (the cheap stage): weights and a level rule applied to the fields; level
breaks (matrix, fixed breaks, quantiles, Fisher-Jenks natural breaks).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from riskmap.config import (
    LevelConfig,
    WeightsConfig,
)
from riskmap.config.levels import LEVELS
from riskmap.engine.common import FloatArray, IntArray
from riskmap.engine.fields import Fields, layer_weights
from riskmap.engine.measures import recommend
from riskmap.engine.result import Assessment
from riskmap.errors import ConfigError


def _saturating_sum(
    terms: list[tuple[float, FloatArray]], n: int
) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
    """10 (1 - exp(-sum a_l)) with a_l = (w_l / max w) x_l: the component, the sum, each a_l."""
    if not terms:
        return np.zeros(n), np.zeros(n), []
    wmax = max(w for w, _ in terms)
    if wmax <= 0:
        return np.zeros(n), np.zeros(n), [np.zeros(n) for _ in terms]
    parts = [(w / wmax) * x for w, x in terms]
    s = parts[0].copy()
    for part in parts[1:]:
        s += part
    return 10.0 * (1.0 - np.exp(-s)), s, parts


def _classes(values: FloatArray, breaks: tuple[float, ...]) -> IntArray:
    """Class 1..len(breaks)+1: a value at or above a break is in the higher class."""
    return (1 + np.searchsorted(np.asarray(breaks, float), values, side="right")).astype(np.int64)


def _level_ranks(
    score_: FloatArray,
    likelihood: IntArray,
    severity: IntArray,
    levels: LevelConfig,
    thresholds: FloatArray | None = None,
) -> tuple[IntArray, dict[str, Any]]:
    """Level rank 1..4 of each cell and the thresholds derived from the data (quantiles,
    natural breaks: fitted on ``score_`` unless ``thresholds`` gives them, as for cells
    scored in parts whose thresholds come from every cell's score)."""
    if levels.rule == "matrix":
        r = likelihood * severity
        mins = np.array([lv.matrix_min for lv in LEVELS[1:]])
        return (1 + (r[:, None] >= mins[None, :]).sum(axis=1)).astype(np.int64), {}
    if levels.rule == "breaks":
        return _classes(score_, levels.score_breaks), {"score_breaks": list(levels.score_breaks)}
    thr = (
        np.asarray(thresholds, float)
        if thresholds is not None
        else level_thresholds(score_, levels)
    )
    ranks = 1 + (score_[:, None] > np.asarray(thr)[None, :]).sum(axis=1)
    return ranks.astype(np.int64), {"score_thresholds": [float(t) for t in thr]}


DATA_RULES = ("quantiles", "natural_breaks")
"""Level rules whose thresholds are fitted on the scores of every cell."""


def level_thresholds(scores: FloatArray, levels: LevelConfig) -> FloatArray:
    """The score thresholds of a rule in :data:`DATA_RULES` fitted on ``scores`` (every
    cell's score, in cell order: the natural breaks' sample is drawn by position)."""
    if levels.rule == "quantiles":
        return np.quantile(scores, levels.quantiles) if len(scores) else np.zeros(3)
    if levels.rule == "natural_breaks":
        return _natural_breaks(scores, levels)
    raise ConfigError(f"the level rule '{levels.rule}' has no thresholds fitted on the data")


def _natural_breaks(values: FloatArray, levels: LevelConfig) -> FloatArray:
    if len(values) == 0:
        return np.zeros(3)
    rng = np.random.default_rng(levels.seed)
    n = min(len(values), levels.sample_size)
    sample = values if len(values) <= n else rng.choice(values, n, replace=False)
    if len(np.unique(sample)) < 4:
        return np.quantile(values, [0.6, 0.9, 0.98])
    return fisher_jenks(sample, 4)[:3]


def fisher_jenks(values: npt.ArrayLike, k: int) -> FloatArray:
    """Exact Fisher-Jenks natural breaks (the upper bound of each of ``k`` classes).

    The same optimum as ``mapclassify.FisherJenks`` (minimum within-class sum of squares),
    computed by dynamic programming on numpy arrays: O(k n²) time and O(n²) memory, so
    it is meant for a sample of a few thousand values.

    Parameters
    ----------
    values
        The values to classify.
    k
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``k`` upper bounds, ascending; the last is the maximum.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n <= k:
        return np.resize(x, k)
    s1 = np.r_[0.0, np.cumsum(x)]
    s2 = np.r_[0.0, np.cumsum(x * x)]
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    cnt = (j - i + 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = s2[j + 1] - s2[i] - (s1[j + 1] - s1[i]) ** 2 / cnt
    cost[cnt <= 0] = np.inf
    best = cost[0].copy()  # one class holding x[0..j]
    back = []
    cols = np.arange(n)
    for _ in range(1, k):
        total = best[:-1, None] + cost[1:, :]  # last class starts at i = 1..n-1
        arg = np.argmin(total, axis=0)
        best = total[arg, cols]
        back.append(arg + 1)
    bounds = [x[-1]]
    end = n - 1
    for arg in reversed(back):
        start = int(arg[end])
        bounds.append(x[start - 1])
        end = start - 1
    return np.asarray(bounds[::-1], dtype=float)


def _categorical(codes: npt.NDArray[np.integer[Any]], labels: list[str]) -> pd.Categorical:
    """Per-cell labels from codes into ``labels`` (which may repeat)."""
    uniq, remap = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(remap.ravel()[codes], categories=pd.Index(uniq, dtype="str"))


@dataclass(frozen=True)
class RiskCore:
    """The numbers of one scoring: components, score, classes and level rank per cell."""

    hazard: FloatArray
    hazard_sum: FloatArray
    hazard_parts: list[FloatArray]
    exposure: FloatArray
    vulnerability: FloatArray
    coping_gap: FloatArray
    consequence: FloatArray
    score: FloatArray
    likelihood: IntArray
    severity: IntArray
    rank: IntArray
    derived: dict[str, Any]


def risk_core(
    fields: Fields,
    layer_w: Mapping[str, float],
    weights: WeightsConfig,
    levels: LevelConfig,
    hazard_factor: FloatArray | None = None,
    *,
    thresholds: FloatArray | None = None,
) -> RiskCore:
    """Components, score and level of every cell for the given layer and component
    weights and level rule: the arithmetic of :func:`score` without its text columns.

    The Monte Carlo of level confidence calls it once per draw, so a draw with the
    project's own weights and breaks gives exactly the levels of :func:`score`.
    ``hazard_factor`` (one number >= 1 a cell) multiplies the hazard's exposure sum
    before saturation: the cascade scenario. ``thresholds``: the score thresholds of a
    rule fitted on the data (:data:`DATA_RULES`), when fitted on more cells than these.
    """
    w = layer_w
    method = fields.project.method
    n = len(fields.cells)
    scaled = fields._scaled

    hz = fields.by_role("hazard")
    h, h_sum, h_parts = _saturating_sum([(w[i.name], scaled[f"x/{i.name}"]) for i in hz], n)
    if hazard_factor is not None and hz:
        h_sum = h_sum * hazard_factor
        h_parts = [part * hazard_factor for part in h_parts]
        h = 10.0 * (1.0 - np.exp(-h_sum))
    e, _, _ = _saturating_sum(
        [(w[i.name], scaled[f"x/{i.name}"]) for i in fields.by_role("exposure")], n
    )

    vl = fields.by_role("vulnerability")
    if vl:
        vmax = max(w[i.name] for i in vl) or 1.0
        v_share, _, _ = _saturating_sum([(w[i.name], scaled[f"share/{i.name}"]) for i in vl], n)
        dens = np.zeros(n)
        for i in vl:
            dens += (w[i.name] / vmax) * scaled[f"density/{i.name}"]
        v_dens = 10.0 * (1.0 - np.exp(-dens / method.vulnerable_density_reference_km2))
        v = np.sqrt(v_share * v_dens)
    else:
        v = np.zeros(n)

    cap = fields.by_role("capacity")
    if cap:
        wsum = sum(w[i.name] for i in cap)
        acc = np.zeros(n)
        for i in cap:
            acc += (w[i.name] if wsum > 0 else 1.0) * fields.capacity[i.name]
        mean = acc / (wsum if wsum > 0 else len(cap))
        lgap = 10.0 * (1.0 - mean)
    else:
        lgap = np.zeros(n)

    comps = {"exposure": e, "vulnerability": v, "coping_gap": lgap}
    cw = {c: float(weights.components.get(c, 0.0)) for c in comps if c not in fields.missing}  # type: ignore[call-overload]
    total_w = sum(cw.values())
    if total_w > 0:
        logc = np.sum([(cw[c] / total_w) * np.log1p(comps[c]) for c in cw], axis=0)
        consequence = np.expm1(logc)
    else:
        consequence = np.zeros(n)
    risk = h * consequence

    likelihood = _classes(h, levels.likelihood_breaks)
    severity = _classes(consequence, levels.severity_breaks)
    rank, derived = _level_ranks(risk, likelihood, severity, levels, thresholds)

    return RiskCore(
        h, h_sum, h_parts, e, v, lgap, consequence, risk, likelihood, severity, rank, derived
    )


def score(
    fields: Fields,
    *,
    weights: WeightsConfig | Mapping[str, Any] | None = None,
    levels: LevelConfig | Mapping[str, Any] | None = None,
    hazard_factor: FloatArray | None = None,
    thresholds: FloatArray | None = None,
) -> Assessment:
    """Score cells from their fields (the cheap stage: change weights or levels here).

    Parameters
    ----------
    fields
        From :func:`compute_fields`.
    weights
        Component and layer weights; the project's by default. A mapping is validated
        as :class:`riskmap.config.WeightsConfig`.
    levels
        The level rule; the project's by default.
    hazard_factor
        A factor (>= 1) per cell on the hazard's exposure sum (the cascade scenario,
        :func:`riskmap.analysis.cascade_factors`); none by default.
    thresholds
        The score thresholds of a quantile or natural-breaks rule, fitted on every cell's
        score (:func:`level_thresholds`) when these fields are one part of a grid scored in
        parts (:mod:`riskmap.pipeline.parts`); fitted on these cells by default.

    Returns
    -------
    Assessment
    """
    t0 = time.perf_counter()
    project = fields.project
    if weights is None:
        weights = project.weights
    elif not isinstance(weights, WeightsConfig):
        weights = WeightsConfig.model_validate(dict(weights))
    if levels is None:
        levels = project.levels
    elif not isinstance(levels, LevelConfig):
        levels = LevelConfig.model_validate(dict(levels))
    method = project.method
    cells = fields.cells
    n = len(cells)
    core = risk_core(
        fields,
        layer_weights(fields, weights),
        weights,
        levels,
        hazard_factor,
        thresholds=thresholds,
    )
    h, h_sum, h_parts = core.hazard, core.hazard_sum, core.hazard_parts
    e, v, lgap, consequence = core.exposure, core.vulnerability, core.coping_gap, core.consequence
    risk, likelihood, severity, rank = core.score, core.likelihood, core.severity, core.rank
    derived = core.derived
    hz = fields.by_role("hazard")
    cap = fields.by_role("capacity")
    scaled = fields._scaled
    pop = fields.population
    vulnerable = scaled["vulnerable"]

    hz_names = np.array([i.name for i in hz] + [""], dtype=object)
    hz_kinds = np.array([i.kind for i in hz] + [""], dtype=object)
    if hz:
        best = h_parts[0].copy()
        top = np.zeros(n, dtype=np.int64)
        for j, part in enumerate(h_parts[1:], start=1):  # argmax over layers: the first wins ties
            up = part > best
            top[up] = j
            np.maximum(best, part, out=best)
        top = np.where(h_sum > 0, top, len(hz))
    else:
        top = np.zeros(n, dtype=np.int64)

    # Measures: one recommend() per distinct (level, dominant kind, shortfalls) combination.
    cap_kinds = sorted({i.kind for i in cap})
    mask = np.zeros(n, dtype=np.int64)
    for b, kname in enumerate(cap_kinds):
        mask |= scaled[f"shortfall/{kname}"].astype(np.int64) << b
    mask = np.where(rank >= 2, mask, 0)  # capacity measures where the risk is 一般 or higher
    code = (rank * (len(hz) + 1) + top) * (1 << len(cap_kinds)) + mask
    present = np.flatnonzero(np.bincount(code)) if n else np.empty(0, np.int64)
    lookup = np.zeros(int(present.max()) + 1 if n else 1, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    uniq, inverse = present, lookup[code]
    # The texts of a combination depend on the fields alone: kept with them for rescoring.
    texts: dict[int, tuple[str, str]] = fields.memo.setdefault("score.measures", {})
    zh_list, en_list = [], []
    for u in uniq.tolist():
        hit = texts.get(u)
        if hit is None:
            m = u % (1 << len(cap_kinds))
            r_, t_ = divmod(u // (1 << len(cap_kinds)), len(hz) + 1)
            shortfalls = [kname for b, kname in enumerate(cap_kinds) if m >> b & 1]
            tk = str(hz_kinds[t_])
            hit = texts[u] = (
                "；".join(recommend(r_, tk, shortfalls, fields.kinds, "zh")),
                "; ".join(recommend(r_, tk, shortfalls, fields.kinds, "en")),
            )
        zh_list.append(hit[0])
        en_list.append(hit[1])
    inverse = inverse.ravel()
    measures = _categorical(inverse, zh_list)
    measures_en = _categorical(inverse, en_list)

    # Text columns are categoricals built from codes: no per-cell string work when rescoring.
    cols: dict[str, Any] = {
        "cell_id": cells["cell_id"].array,
        "district": cells["district"].array,
        "adcode": cells["adcode"].array,
        **{c: cells[c].array for c in ("county", "county_adcode") if c in cells.columns},
        "area_m2": cells["area_m2"].to_numpy(),
        "population": pop,
        "vulnerable": vulnerable,
        "hazard": h,
        "exposure": e,
        "vulnerability": v,
        "coping_gap": lgap,
        "consequence": consequence,
        "score": risk,
        "likelihood": likelihood,
        "severity": severity,
        "level_rank": rank,
        "level": _categorical(rank - 1, [lv.zh for lv in LEVELS]),
        "level_en": _categorical(rank - 1, [lv.en for lv in LEVELS]),
        "color": _categorical(rank - 1, [lv.color for lv in LEVELS]),
        "top_factor": _categorical(top, list(hz_names)),
        "top_factor_kind": _categorical(top, list(hz_kinds)),
        "complete": np.full(n, not fields.missing),
        "missing": _categorical(np.zeros(n, dtype=np.int64), [",".join(fields.missing)]),
        "measures": measures,
        "measures_en": measures_en,
    }
    safe = np.where(h_sum > 0, h_sum, 1.0)
    for i, part in zip(hz, h_parts, strict=True):
        cols[f"share_{i.name}"] = np.where(h_sum > 0, part / safe, 0.0)
    # copy=False: each column stays its own array (no 2-D block made by copying them all;
    # copy-on-write keeps the fields' arrays safe from changes to the cells)
    out = gpd.GeoDataFrame(
        cols, geometry=cells.geometry.values, crs=cells.crs, index=cells.index, copy=False
    )
    out.attrs = dict(cells.attrs)
    params = {
        "method": method.model_dump(),
        "grid": dict(cells.attrs.get("grid", {})),
        "levels": levels.model_dump(),
        **derived,
    }
    t1 = time.perf_counter()
    timings = {**fields.timings, "score": t1 - t0}
    return Assessment(out, fields, weights, levels, params, timings)
