"""GET /api/v1/reports/{name}: one report as JSON, over the same scope as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from tierdesk.core.api_support import READ_ERRORS, request_actor
from tierdesk.core.errors import InvalidInput
from tierdesk.reports.access import report_scope
from tierdesk.reports.catalogue import REPORTS
from tierdesk.reports.forms import default_period
from tierdesk.reports.sql import Period

router = Router(tags=["reports"])

ReportName = Literal[
    "summary",
    "levels",
    "l1_causes",
    "handover_partners",
    "handover_items",
    "handover_agents",
    "handover_agent_items",
    "sla_levels",
    "sla_plans",
    "teams",
    "backlog",
    "satisfaction",
    "deflections",
    "deflection_causes",
    "problem_summary",
    "problems",
]
ColumnKind = Literal["text", "int", "rate", "seconds", "date"]


class ColumnOut(Schema):
    key: str
    label: str
    kind: ColumnKind


class ReportOut(Schema):
    name: ReportName
    title: str
    start: date
    end: date
    partner: int | None
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


@router.get(
    "/reports/{name}",
    response={200: ReportOut, **READ_ERRORS},
    operation_id="report_get",
    summary="One report over a period (whole days, both included) and a partner",
)
def report_get(
    request: HttpRequest,
    name: ReportName,
    start: date | None = Query(None, alias="from"),  # noqa: B008
    end: date | None = Query(None, alias="to"),  # noqa: B008
    partner: int | None = None,
):
    """Rates are fractions (0.25 = 25 %), durations seconds. A partner admin gets their
    own partner's figures only; naming another partner is 404."""
    fallback = default_period()
    try:
        period = Period(start or fallback.start, end or fallback.end)
    except ValueError as exc:
        raise InvalidInput({"to": str(exc)}) from None
    scope = report_scope(request_actor(request), partner)
    table = REPORTS[name].build(scope, period)
    return {
        "name": name,
        "title": str(table.title),
        "start": period.start,
        "end": period.end,
        "partner": scope.partner_id,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": [{k: v for k, v in row.items() if not k.startswith("_")} for row in table.rows],
    }
