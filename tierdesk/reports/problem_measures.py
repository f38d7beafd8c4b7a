"""Problem records (`problems.Problem`, the engineering issue behind tickets): problems
opened and resolved in the period, tickets per problem and the time to fix. A problem
counts for a reader when at least one of its linked tickets is in the reader's scope
(a partner admin: a problem with one of their partner's tickets), and only those
tickets are counted. "Resolved" is the first time the problem reached fix delivered,
released or closed (its audit trail, `ProblemEvent.to_status`). The fix verification
failure rate is the summary's (`fix_failed` / `fix_decided`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sets as S
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.registry import register, statement
from tierdesk.reports.tables import Column, Table

FIXED = "('fix_delivered', 'released', 'closed')"
# The scope's tickets linked to a problem, and each such problem's first fix.
LINKS = (
    "SELECT pt.problem_id, pt.ticket_id FROM problems_problemticket pt "
    "JOIN scope s ON s.id = pt.ticket_id"
)
FIRST_FIX = (
    "SELECT pe.problem_id, MIN(pe.created_at) AS fixed_at FROM problems_problemevent pe "
    f"WHERE pe.to_status IN {FIXED} AND pe.problem_id IN (SELECT problem_id FROM pl) "
    "GROUP BY pe.problem_id"
)
OPENED = "p.created_at >= %(lo)s AND p.created_at < %(hi)s"
RESOLVED = "f.fixed_at >= %(lo)s AND f.fixed_at < %(hi)s"


def _with_problems(st: q.Statement) -> q.Statement:
    st.ctes.append(f"pl AS ({LINKS})")
    st.ctes.append(f"pf AS ({FIRST_FIX})")
    return st


def _tickets_of(condition: str, dims: set[str]) -> str:
    where = [condition]
    if "problem" in dims:
        where.append("p.id = %(d_problem)s")
    return (
        "SELECT DISTINCT pt.ticket_id FROM problems_problemticket pt JOIN scope s ON "
        "s.id = pt.ticket_id JOIN problems_problem p ON p.id = pt.problem_id LEFT JOIN ("
        f"SELECT pe.problem_id, MIN(pe.created_at) AS fixed_at FROM problems_problemevent pe "
        f"WHERE pe.to_status IN {FIXED} GROUP BY pe.problem_id) f ON f.problem_id = p.id "
        f"WHERE {' AND '.join(where)}"
    )


def _problems_opened(dims: set[str]) -> str:
    return _tickets_of(OPENED, dims)


def _problems_resolved(dims: set[str]) -> str:
    return _tickets_of(RESOLVED, dims)


def _problem_tickets(dims: set[str]) -> str:
    return _tickets_of(f"(({OPENED}) OR ({RESOLVED}))", dims)


for _set in (
    S.TicketSet("problems_opened", _("Linked to a problem opened in the period"),
                _problems_opened, ("problem",)),
    S.TicketSet("problems_resolved", _("Linked to a problem resolved in the period"),
                _problems_resolved, ("problem",)),
    S.TicketSet("problem_tickets", _("Linked to the problem"), _problem_tickets, ("problem",),
                ("problem",)),
):  # fmt: skip
    S.register(_set)


def _per_problem() -> str:
    """Each problem opened or resolved in the period with a ticket in scope: its scope
    tickets, whether it was opened in the period, and its time to fix if resolved in it."""
    secs = q.seconds("p.created_at", "f.fixed_at")
    return (
        "SELECT p.id, p.title, p.status, COUNT(DISTINCT pl.ticket_id), "
        f"CASE WHEN {OPENED} THEN 1 ELSE 0 END, "
        f"CASE WHEN f.fixed_at IS NOT NULL AND {RESOLVED} THEN {secs} END "
        "FROM problems_problem p JOIN pl ON pl.problem_id = p.id "
        "LEFT JOIN pf f ON f.problem_id = p.id "
        f"WHERE ({OPENED}) OR (f.fixed_at IS NOT NULL AND {RESOLVED}) "
        "GROUP BY p.id, p.title, p.status, p.created_at, f.fixed_at"
    )


def problem_rows(scope: Scope, period: q.Period) -> list[dict[str, Any]]:
    st = _with_problems(statement(scope, period))
    found = st.run(_per_problem() + " ORDER BY p.id")
    labels = _status_labels()
    return [
        {
            "problem": pid,
            "reference": f"PRB-{pid}",
            "title": title,
            "status": str(labels.get(status, status)),
            "tickets": tickets,
            "opened_in_period": bool(opened),
            "resolved_in_period": fix is not None,
            "time_to_fix_seconds": None if fix is None else round(float(fix)),
        }
        for pid, title, status, tickets, opened, fix in found
    ]


def _status_labels() -> dict[str, str]:
    from tierdesk.problems.models import ProblemStatus

    return dict(ProblemStatus.choices)


@register("problems", _("Problems opened or resolved"))
def problems(scope: Scope, period: q.Period) -> Table:
    rows = problem_rows(scope, period)
    columns = [
        Column("reference", _("Problem"), "text"),
        Column("title", _("Title"), "text"),
        Column("status", _("Status now"), "text"),
        Column("tickets", _("Tickets"), drill="problem_tickets", dims=(("problem", "problem"),)),
        Column("time_to_fix_seconds", _("Time to fix"), "seconds"),
    ]
    return Table("problems", _("Problems opened or resolved in the period"), columns, rows)


@register("problem_summary", _("Problem records"))
def problem_summary(scope: Scope, period: q.Period) -> Table:
    """Opened, resolved, tickets per problem opened, time to fix (median, p90): two
    statements whatever the number of problems and tickets."""
    st = _with_problems(statement(scope, period))
    (counts,) = st.run(
        f"SELECT SUM(opened), SUM(CASE WHEN fix IS NOT NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN opened = 1 THEN tickets ELSE 0 END) FROM ("
        f"SELECT p.id, COUNT(DISTINCT pl.ticket_id) AS tickets, "
        f"CASE WHEN {OPENED} THEN 1 ELSE 0 END AS opened, "
        f"CASE WHEN f.fixed_at IS NOT NULL AND {RESOLVED} THEN 1 END AS fix "
        "FROM problems_problem p JOIN pl ON pl.problem_id = p.id "
        "LEFT JOIN pf f ON f.problem_id = p.id "
        f"WHERE ({OPENED}) OR (f.fixed_at IS NOT NULL AND {RESOLVED}) "
        "GROUP BY p.id, p.created_at, f.fixed_at) x"
    )
    opened, resolved, tickets = (int(v or 0) for v in counts)
    st2 = _with_problems(statement(scope, period))
    values = (
        f"(SELECT 1 AS g, {q.seconds('p.created_at', 'f.fixed_at')} AS v FROM problems_problem "
        f"p JOIN pf f ON f.problem_id = p.id WHERE {RESOLVED}) fixes"
    )
    found = st2.run(q.percentiles_sql(values, "g", {"median": 0.5, "p90": 0.9}))
    median, p90 = (found[0][1], found[0][2]) if found else (None, None)

    def row(metric: str, label: Any, unit: str, value: Any, drill: str, **extra) -> dict:
        return {"metric": metric, "label": str(label), "unit": unit, "value": value,
                "numerator": extra.get("numerator"), "denominator": extra.get("denominator"),
                "_links": {"value": {"set": drill}}}  # fmt: skip

    rows = [
        row("problems_opened", _("Problems opened"), "count", opened, "problems_opened"),
        row("problems_resolved", _("Problems resolved (fix delivered, released or closed)"),
            "count", resolved, "problems_resolved"),
        row("tickets_per_problem", _("Tickets per problem opened"), "number",
            round(tickets / opened, 2) if opened else None, "problems_opened",
            numerator=tickets, denominator=opened),
        row("time_to_fix_median", _("Time to fix, median"), "seconds",
            None if median is None else round(float(median)), "problems_resolved"),
        row("time_to_fix_p90", _("Time to fix, p90"), "seconds",
            None if p90 is None else round(float(p90)), "problems_resolved"),
    ]  # fmt: skip
    for r in rows:
        if scope.partner_id:
            r["_links"]["value"]["partner"] = scope.partner_id
    columns = [
        Column("label", _("Measure"), "text"),
        Column("value", _("This period"), "rate"),
        Column("numerator", _("Count"), "int"),
        Column("denominator", _("Out of"), "int"),
    ]
    return Table("problem_summary", _("Problem records"), columns, rows)
