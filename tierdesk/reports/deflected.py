"""Deflected reports: what customers did not send because a knowledge-base article solved
it (`triage.Deflection`, recorded by the portal before a ticket exists). The counts are
those of `triage.selectors.deflection_counts`, over a period and the reader's partner.

A deflection has no ticket, so a deflected count has no list behind it; the tickets
opened beside it (the rate's other part) drill down as usual (`opened`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sets as S
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.registry import register, statement
from tierdesk.reports.tables import Column, Table, ratio


def _deflections(st: q.Statement, scope: Scope, joins: str = "") -> str:
    """The FROM/WHERE of the deflections in the period that the scope may count: every
    partner's for vendor staff, their own partner's for a partner admin (or for a lead
    who picked one partner)."""
    where = S.IN_RANGE.format(a="d")
    if scope.partner_id is not None:
        st.bind(d_scope_partner=scope.partner_id)
        where += " AND d.partner_id = %(d_scope_partner)s"
    return f"FROM triage_deflection d {joins} WHERE {where}"


@register("deflections", _("Reports deflected by the knowledge base"))
def deflections(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        "SELECT x.partner_id, o.name, SUM(x.deflected), SUM(x.opened) FROM ("
        f"SELECT d.partner_id, COUNT(*) AS deflected, 0 AS opened {_deflections(st, scope)} "
        "GROUP BY d.partner_id UNION ALL SELECT t.partner_id, 0, COUNT(DISTINCT e.ticket_id) "
        "FROM ev e JOIN tickets_ticket t ON t.id = e.ticket_id WHERE e.kind = 'created' AND "
        f"{S.IN_RANGE.format(a='e')} GROUP BY t.partner_id) x "
        "JOIN accounts_organisation o ON o.id = x.partner_id "
        "GROUP BY x.partner_id, o.name ORDER BY o.name"
    )
    rows: list[dict[str, Any]] = []
    for pid, name, deflected, opened in found:
        deflected, opened = int(deflected or 0), int(opened or 0)
        rows.append(
            {
                "partner_id": pid,
                "partner": name,
                "deflected": deflected,
                "opened": opened,
                "deflection_rate": ratio(deflected, deflected + opened),
            }
        )
    if len(rows) > 1:
        deflected = sum(r["deflected"] for r in rows)
        opened = sum(r["opened"] for r in rows)
        rows.append(
            {
                "partner_id": None,
                "partner": str(_("All partners")),
                "deflected": deflected,
                "opened": opened,
                "deflection_rate": ratio(deflected, deflected + opened),
            }
        )
    columns = [
        Column("partner", _("Partner"), "text"),
        Column("deflected", _("Deflected (no ticket)")),
        Column("opened", _("Tickets opened"), drill="opened"),
        Column("deflection_rate", _("Deflection rate"), "rate"),
    ]
    return Table("deflections", _("Reports deflected by the knowledge base"), columns, rows)


@register("deflection_causes", _("Deflected reports by cause and article"))
def deflection_causes(scope: Scope, period: q.Period) -> Table:
    from tierdesk.triage.models import Cause

    st = statement(scope, period)
    found = st.run(
        "SELECT d.cause, a.id, a.title, COUNT(*) "
        f"{_deflections(st, scope, 'LEFT JOIN kb_article a ON a.id = d.article_id')} "
        "GROUP BY d.cause, a.id, a.title ORDER BY 4 DESC, 1, 3"
    )
    labels = dict(Cause.choices)
    rows = [
        {
            "cause": cause or "",
            "label": str(labels.get(cause, cause) if cause else _("No cause found")),
            "article_id": article_id,
            "article": title or "—",
            "deflected": n,
        }
        for cause, article_id, title, n in found
    ]
    columns = [
        Column("label", _("Cause"), "text"),
        Column("article", _("Article that solved it"), "text"),
        Column("deflected", _("Deflected")),
    ]
    return Table("deflection_causes", _("Deflected reports by cause and article"), columns, rows)
