"""The command line: one module a verb; :mod:`riskmap.cli.common` holds the shared
PROJECT/grid/register arguments and builds the :class:`~riskmap.Study` every verb runs.
"""
