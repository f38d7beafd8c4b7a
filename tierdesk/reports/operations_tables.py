"""SLA compliance per level and per plan, the teams' work, and the daily backlog."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sets as S
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.registry import register, statement
from tierdesk.reports.tables import Column, Table, ratio
from tierdesk.sla.models import ClockKind

_CLOCKS = (
    "FROM sla_clock c JOIN scope s ON s.id = c.ticket_id JOIN tickets_ticket t "
    "ON t.id = c.ticket_id WHERE c.met IS NOT NULL AND c.stopped_at >= %(lo)s AND "
    "c.stopped_at < %(hi)s"
)
_MET = "SUM(CASE WHEN c.met = {true} THEN 1 ELSE 0 END)"


def _sla_rows(found, by: str) -> list[dict]:
    labels = dict(ClockKind.choices)
    rows = []
    for kind, group, met, total in found:
        rows.append(
            {
                "kind": kind,
                "label": str(labels.get(kind, kind)),
                by: group,
                "met": met,
                "missed": total - met,
                "clocks": total,
                "met_rate": ratio(met, total),
            }
        )
    return rows


def _sla_columns(by: str, by_label) -> list[Column]:
    dims = (("kind", "kind"), (by, by))
    return [
        Column("label", _("Clock"), "text"),
        Column(by, by_label, "text"),
        Column("clocks", _("Stopped")),
        Column("met", _("Met"), drill="sla_met", dims=dims),
        Column("missed", _("Missed"), drill="sla_missed", dims=dims),
        Column("met_rate", _("Met rate"), "rate", "sla_missed", dims),
    ]


@register("sla_levels", _("SLA compliance per level"))
def sla_levels(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        f"SELECT c.kind, c.level, {_MET.format(true=q.true())}, COUNT(*) {_CLOCKS} "
        "GROUP BY c.kind, c.level ORDER BY c.kind, c.level"
    )
    rows = _sla_rows(found, "level")
    columns = _sla_columns("level", _("Level"))
    return Table("sla_levels", _("SLA compliance per level"), columns, rows)


@register("sla_plans", _("SLA compliance per plan"))
def sla_plans(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    plan = S.plan_sql()
    found = st.run(
        f"SELECT c.kind, {plan}, {_MET.format(true=q.true())}, COUNT(*) {_CLOCKS} "
        f"GROUP BY c.kind, {plan} ORDER BY c.kind, 2"
    )
    rows = _sla_rows(found, "plan")
    columns = _sla_columns("plan", _("Plan"))
    return Table("sla_plans", _("SLA compliance per plan"), columns, rows)


@register("teams", _("Per team"))
def teams(scope: Scope, period: q.Period) -> Table:
    """A team: the organisation of the acting person and the level they acted at."""
    st = statement(scope, period)
    found = st.run(
        "SELECT o.id, o.name, e.from_level, "
        "SUM(CASE WHEN e.kind = 'taken' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN e.kind = 'resolved' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN e.kind = 'handed_over' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN e.kind = 'bounced' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN e.kind IN {S.ESCALATIONS} THEN 1 ELSE 0 END) "
        "FROM ev e JOIN (SELECT user_id, MIN(organisation_id) AS org FROM accounts_membership "
        "GROUP BY user_id) m ON m.user_id = e.actor_id JOIN accounts_organisation o "
        "ON o.id = m.org WHERE e.kind IN ('taken', 'resolved', 'handed_over', 'bounced', "
        f"'escalated', 'escalation_overridden') AND {S.IN_RANGE.format(a='e')} "
        "GROUP BY o.id, o.name, e.from_level ORDER BY o.name, e.from_level"
    )
    rows = [
        {
            "team": f"{name} · L{level}",
            "organisation": name,
            "level": level,
            "taken": taken,
            "resolved": resolved,
            "handed_over": handed,
            "bounced": bounced,
            "escalated": escalated,
        }
        for _oid, name, level, taken, resolved, handed, bounced, escalated in found
    ]
    columns = [
        Column("team", _("Team"), "text"),
        Column("taken", _("Taken")),
        Column("resolved", _("Resolved")),
        Column("handed_over", _("Handed over")),
        Column("bounced", _("Bounced back")),
        Column("escalated", _("Escalated")),
    ]
    return Table(
        "teams", _("Per team (organisation and level of the person acting)"), columns, rows
    )


@register("backlog", _("Backlog per level"))
def backlog(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period, intervals=True)
    days = period.day_ends()
    values = []
    for i, (_day, end) in enumerate(days):
        st.bind(**{f"day{i}": end})
        values.append(f"SELECT {i} AS i, %(day{i})s AS t")
    st.ctes.append(f"days AS ({' UNION ALL '.join(values)})")
    t = "CAST(d.t AS TIMESTAMPTZ)" if q.is_postgres() else "d.t"
    found = st.run(
        "SELECT d.i, iv.level, COUNT(DISTINCT iv.ticket_id) FROM days d JOIN iv ON "
        f"iv.t0 < {t} AND (iv.t1 IS NULL OR iv.t1 >= {t}) WHERE iv.status IN "
        f"({q.in_list(q.OPEN_STATUSES)}) GROUP BY d.i, iv.level"
    )
    counts = {(i, level): n for i, level, n in found}
    rows = []
    for i, (day, end) in enumerate(days):
        rows.append(
            {
                "date": day.isoformat(),
                "day": end.date().isoformat(),
                **{f"l{lv}": counts.get((i, lv), 0) for lv in (1, 2, 3)},
            }
        )
    columns = [
        Column("date", _("Day"), "date"),
        *[
            Column(f"l{lv}", _("Open at L%(level)s") % {"level": lv}, drill="backlog",
                   dims=(("level", ("=", lv)), ("day", "day")))
            for lv in (1, 2, 3)
        ],
    ]  # fmt: skip
    return Table("backlog", _("Backlog per level (open at the end of each day)"), columns, rows)
