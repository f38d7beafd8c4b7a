"""The report pages: the dashboard, one table (HTML or `?format=csv`), the handover
quality page and the drill-down list. Parse → `access.report_scope` → the report → render."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tierdesk.core.errors import DomainError
from tierdesk.reports import svg
from tierdesk.reports.access import OWN_PARTNER_ROLES, Scope, partner_choices, report_scope
from tierdesk.reports.catalogue import REPORTS
from tierdesk.reports.drilldown import MAX_LISTED, drill_tickets
from tierdesk.reports.forms import ReportFilterForm
from tierdesk.reports.sets import SETS
from tierdesk.reports.sql import Period
from tierdesk.reports.tables import Table
from tierdesk.tickets.views.common import actor_or_403, refuse

DASHBOARD = (
    "summary",
    "levels",
    "backlog",
    "l1_causes",
    "sla_levels",
    "handover_partners",
    "satisfaction",
    "deflections",
    "problem_summary",
)
HANDOVER = ("handover_partners", "handover_items", "handover_agents", "handover_agent_items")


def _setup(request: HttpRequest) -> tuple[Scope, Period, ReportFilterForm] | HttpResponse:
    actor = actor_or_403(request)
    form = ReportFilterForm(request.GET, partners=partner_choices(actor))
    if not form.is_valid():
        return render(request, "reports/invalid.html", {"form": form}, status=422)
    partner = form.cleaned_data.get("partner")
    if "partner" not in form.fields and request.GET.get("partner"):
        # a partner admin naming a partner: their own is theirs, any other is "not found"
        raw = request.GET["partner"]
        partner = int(raw) if raw.isdigit() else -1
    try:
        scope = report_scope(actor, partner)
    except DomainError as exc:
        refuse(exc)
        raise
    return scope, form.cleaned_data["period"], form


def _query(scope: Scope, period: Period, **extra: Any) -> str:
    params: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if scope.partner_id and scope.actor.role not in OWN_PARTNER_ROLES:
        params["partner"] = scope.partner_id
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def _cells(table: Table, scope: Scope, period: Period) -> list[list[dict[str, Any]]]:
    """Each row as cells: the shown value and the drill-down link behind it."""
    base = reverse("report-tickets")
    out = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            link = table.drill_params(column, row)
            href = ""
            if link is not None:
                link = dict(link)
                p = Period(link.pop("from", period.start), link.pop("to", period.end))
                partner = link.pop("partner", None)
                narrowed = Scope(scope.actor, partner or scope.partner_id)
                href = f"{base}?{_query(narrowed, p, **link)}"
                if scope.actor.role in OWN_PARTNER_ROLES:
                    href = f"{base}?{_query(scope, p, **link)}"
            cells.append({"value": row.get(column.key), "kind": column.kind, "href": href,
                          "unit": row.get("unit")})  # fmt: skip
        out.append(cells)
    return out


def _present(table: Table, scope: Scope, period: Period) -> dict[str, Any]:
    return {
        "table": table,
        "cells": _cells(table, scope, period),
        "csv": f"{reverse('report-table', args=[table.name])}?"
        f"{_query(scope, period, format='csv')}",
    }


def _drill(scope: Scope, period: Period, **params: Any) -> str:
    return f"{reverse('report-tickets')}?{_query(scope, period, **params)}"


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    if isinstance(setup, HttpResponse):
        return setup
    scope, period, form = setup
    tables = {name: REPORTS[name].build(scope, period) for name in DASHBOARD}
    backlog = tables["backlog"]
    charts = {
        "backlog": svg.line_chart(
            _("Open tickets per level at the end of each day"),
            [r["date"] for r in backlog.rows],
            [(f"L{lv}", [r[f"l{lv}"] for r in backlog.rows]) for lv in (1, 2, 3)],
        ),
        "causes": svg.bar_chart(
            _("L1 resolutions by cause"),
            [
                (r["label"], r["resolved"], _drill(scope, period, set="resolved", level=1,
                                                   cause=r["cause"]))
                for r in tables["l1_causes"].rows
            ],
        ),
        "scores": _scores_chart(tables["satisfaction"], scope, period),
    }  # fmt: skip
    context = {
        "form": form,
        "period": period,
        "previous": period.previous(),
        "scope": scope,
        "charts": charts,
        "tables": {name: _present(t, scope, period) for name, t in tables.items()},
        "query": _query(scope, period),
        "current_report": "dashboard",
    }
    return render(request, "reports/dashboard.html", context)


def _scores_chart(table: Table, scope: Scope, period: Period) -> Any:
    """The distribution of every rating in the period, each bar linking to its tickets."""
    every = next((r for r in table.rows if r["group"] == "all"), None)
    if not every or not every["ratings"]:
        return None
    return svg.bar_chart(
        _("Ratings by score"),
        [
            (_("Rated %(n)s") % {"n": n}, every[f"score_{n}"],
             _drill(scope, period, set="rated", score=n))
            for n in (5, 4, 3, 2, 1)
        ],
    )  # fmt: skip


@login_required
@require_GET
def handover_quality(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    if isinstance(setup, HttpResponse):
        return setup
    scope, period, form = setup
    tables = [_present(REPORTS[name].build(scope, period), scope, period) for name in HANDOVER]
    context = {"form": form, "period": period, "scope": scope, "tables": tables,
               "query": _query(scope, period), "current_report": "handover"}  # fmt: skip
    return render(request, "reports/handover.html", context)


@login_required
@require_GET
def report_table(request: HttpRequest, name: str) -> HttpResponse:
    report = REPORTS.get(name)
    if report is None:
        raise Http404("No such report.")
    setup = _setup(request)
    if isinstance(setup, HttpResponse):
        return setup
    scope, period, form = setup
    table = report.build(scope, period)
    if request.GET.get("format") == "csv":
        return table_csv(table, period)
    context = {"form": form, "period": period, "scope": scope, "t": _present(table, scope, period),
               "query": _query(scope, period), "current_report": name}  # fmt: skip
    return render(request, "reports/table.html", context)


def table_csv(table: Table, period: Period) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{table.name}-{period.start}-{period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(c.key)) for c in table.columns])
    return response


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula in a spreadsheet
    return "" if value is None else value


@login_required
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    if isinstance(setup, HttpResponse):
        return setup
    scope, period, form = setup
    params = request.GET.dict()
    try:
        found, total = drill_tickets(scope, period, params)
        rows = list(found)
    except DomainError as exc:
        refuse(exc)
        return render(request, "reports/invalid.html", {"refusal": exc}, status=exc.status)
    ticket_set = SETS[params["set"]]
    dims = {k: params[k] for k in ticket_set.dims if params.get(k)}
    context = {"form": form, "period": period, "scope": scope, "tickets": rows, "total": total,
               "limit": MAX_LISTED, "ticket_set": ticket_set, "dims": dims,
               "query": _query(scope, period)}  # fmt: skip
    return render(request, "reports/tickets.html", context)
