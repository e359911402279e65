"""The one orchestration of riskmap: :class:`Study`.

Every face (the command line's verbs, the app's pages, the notebooks) goes through a
Study, so that two faces never assess different data::

    import riskmap as rm

    study = rm.Study.from_project("wuhan", cell_size=500)
    assessment = study.score()                       # project weights and level rule
    brighter = study.score(weights={"components": {"exposure": 2.0}})   # fields reused

A Study reads and validates the project's layers (its report is ``study.report``), joins
the hidden-hazard register's open hazards in one place, builds the grid and computes the
weight-free fields once (the expensive part, cached on the object). :meth:`Study.score`
applies weights and a level rule to the cached fields (the cheap part) and returns an
:class:`~riskmap.engine.Assessment` that carries its data, which every product takes:
``build_map(assessment)``, ``build_inventory(assessment)``,
``compute_indicators(assessment)``, ``build_report(assessment)``.
"""

from __future__ import annotations

from riskmap.pipeline.grid import GridSettings, GridSpec
from riskmap.pipeline.study import Progress, Study
from riskmap.pipeline.timeline import as_of_data, pd_dates

__all__ = ["GridSettings", "GridSpec", "Progress", "Study", "as_of_data", "pd_dates"]
