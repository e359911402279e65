"""Types and constants shared by the engine's modules."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

IntArray = npt.NDArray[np.int64]

ObjArray = npt.NDArray[np.object_]

Positions = IntArray | slice
"""Cells of a block: their positions, or a run of them."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``, one call at a time, from the thread that finished the
tile (see :data:`riskmap.pipeline.study.Progress`)."""

COMPONENTS = ("hazard", "exposure", "vulnerability", "coping_gap")

_SUPPORTED = {
    ("hazard", "kernel"),
    ("hazard", "overlap"),
    ("exposure", "population"),
    ("exposure", "kernel"),
    ("exposure", "overlap"),
    ("vulnerability", "population"),
    ("capacity", "shelter"),
    ("capacity", "reach"),
}


_REACH_DEFAULT_FULL_M = 1000.0

_REACH_DEFAULT_ZERO_M = 5000.0

_MIN_DEMAND = 1.0
"""Floor of a shelter's demand (people) in the two-step floating catchment."""
