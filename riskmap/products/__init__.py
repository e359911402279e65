"""What planners take away from an assessment: the risk inventory, the safe-city
scorecard, what-if planning and the printable report. Each product takes an
:class:`~riskmap.engine.Assessment` (which carries its data) and a typed options model
from :mod:`riskmap.config.options`.
"""
