"""Imports every report module so each registers itself (`registry.REPORTS`)."""

from tierdesk.reports import handovers, operations_tables, summary  # noqa: F401
from tierdesk.reports.registry import REPORTS

__all__ = ["REPORTS"]
