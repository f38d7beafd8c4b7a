"""Per-level reports: metrics over a period and a scope (see docs/reports.md), the
dashboards that show them, their CSV and JSON exports, and the operations metrics."""
