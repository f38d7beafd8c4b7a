"""Imports every report module so each registers itself (`registry.REPORTS`)."""

from tierdesk.reports import (  # noqa: F401
    deflected,
    handovers,
    operations_tables,
    problem_measures,
    ratings,
    summary,
)
from tierdesk.reports.registry import REPORTS

__all__ = ["REPORTS"]
