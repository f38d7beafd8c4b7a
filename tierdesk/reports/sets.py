"""The ticket sets behind the figures: each figure of a report counts one of these sets
(or a ratio of two), and its drill-down lists the same set's tickets. One definition
serves both, so a figure and its list cannot disagree. docs/reports.md states each one.

A set is SQL selecting `ticket_id` over the CTEs of `sql.Statement` (`scope`, `ev`)
and the period's bounds `%(lo)s`/`%(hi)s`; its dimensions (level, cause, item…) are
bound as `%(d_<name>)s`. New measures register a set with `register()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sql as q

IN_RANGE = "{a}.created_at >= %(lo)s AND {a}.created_at < %(hi)s"
ARRIVALS = "('created', 'handed_over', 'escalated', 'escalation_overridden')"
ESCALATIONS = "('escalated', 'escalation_overridden')"


@dataclass(frozen=True)
class TicketSet:
    key: str
    label: Any
    build: Callable[[set[str]], str]
    dims: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    intervals: bool = False
    extra: dict[str, str] = field(default_factory=dict)


SETS: dict[str, TicketSet] = {}


def register(ticket_set: TicketSet) -> TicketSet:
    """Add a set (a new measure's tickets) to the registry; keys are unique."""
    if ticket_set.key in SETS:
        raise ValueError(f"ticket set {ticket_set.key!r} is already registered")
    SETS[ticket_set.key] = ticket_set
    return ticket_set


def flags_sql() -> str:
    """`tf`: for each ticket with an event in the period, what its whole history holds —
    one grouped pass over those tickets' events (by the (ticket, created_at) index),
    joined by hash to the cohorts, instead of a probe per ticket and figure."""

    def count(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    flags = {
        "resolved": "x.kind = 'resolved'",
        "resolved_l1": "x.kind = 'resolved' AND x.from_level = 1",
        "resolved_l2": "x.kind = 'resolved' AND x.from_level = 2",
        "not_first": "x.kind IN ('handed_over', 'asked_customer', 'reopened')",
        "handed_over": "x.kind = 'handed_over'",
        "escalated": f"x.kind IN {ESCALATIONS}",
        "overridden": "x.kind = 'escalation_overridden'",
    }
    columns = ", ".join(f"{count(condition)} AS {name}" for name, condition in flags.items())
    return (
        f"SELECT x.ticket_id, {columns} FROM tickets_ticketevent x "
        "WHERE x.ticket_id IN (SELECT a.ticket_id FROM tickets_ticketevent a JOIN scope s "
        "ON s.id = a.ticket_id WHERE a.created_at >= %(lo)s AND a.created_at < %(hi)s) "
        "GROUP BY x.ticket_id"
    )


def _arrived(dims: set[str]) -> str:
    return (
        f"SELECT DISTINCT e.ticket_id FROM ev e WHERE e.kind IN {ARRIVALS} "
        f"AND e.to_level = %(d_level)s AND {IN_RANGE.format(a='e')}"
    )


def _opened(dims: set[str]) -> str:
    return (
        f"SELECT DISTINCT e.ticket_id FROM ev e WHERE e.kind = 'created' "
        f"AND {IN_RANGE.format(a='e')}"
    )


def _resolved(dims: set[str]) -> str:
    where = ["e.kind = 'resolved'", IN_RANGE.format(a="e")]
    if "level" in dims:
        where.append("e.from_level = %(d_level)s")
    if "cause" in dims:
        where.append("e.cause = %(d_cause)s")
    return f"SELECT DISTINCT e.ticket_id FROM ev e WHERE {' AND '.join(where)}"


def _cohort(base: str, condition: str) -> str:
    """The tickets of `base` whose history (`tf`, see `flags_sql`) meets `condition`."""
    return (
        f"SELECT t.ticket_id FROM ({base}) t JOIN tf f ON f.ticket_id = t.ticket_id "
        f"WHERE {condition}"
    )


def _opened_resolved(dims: set[str]) -> str:
    return _cohort(_opened(dims), "f.resolved > 0")


def _fcr(dims: set[str]) -> str:
    return _cohort(_opened(dims), "f.resolved_l1 > 0 AND f.not_first = 0")


def _handed_over(dims: set[str]) -> str:
    return _cohort(_opened(dims), "f.handed_over > 0")


def _l2_arrived(dims: set[str]) -> str:
    return _arrived(dims).replace("%(d_level)s", "2")


def _l2_resolved(dims: set[str]) -> str:
    return _cohort(_l2_arrived(dims), "f.resolved_l2 > 0")


def _escalated(dims: set[str]) -> str:
    return _cohort(_l2_arrived(dims), "f.escalated > 0")


def _overridden(dims: set[str]) -> str:
    return _cohort(_l2_arrived(dims), "f.overridden > 0")


def _reopened(dims: set[str]) -> str:
    return (
        "SELECT DISTINCT e.ticket_id FROM ev e WHERE e.kind = 'resolved' AND "
        f"{IN_RANGE.format(a='e')} AND EXISTS (SELECT 1 FROM tickets_ticketevent x "
        "WHERE x.ticket_id = e.ticket_id AND x.kind = 'reopened' AND x.created_at > e.created_at)"
    )


def _fix_decided(dims: set[str]) -> str:
    return (
        "SELECT DISTINCT e.ticket_id FROM ev e WHERE e.kind IN ('fix_verified', 'fix_failed') "
        f"AND {IN_RANGE.format(a='e')}"
    )


def _fix_failed(dims: set[str]) -> str:
    return (
        "SELECT DISTINCT e.ticket_id FROM ev e WHERE e.kind = 'fix_failed' "
        f"AND {IN_RANGE.format(a='e')}"
    )


def _handovers(dims: set[str], condition: str) -> str:
    where = [IN_RANGE.format(a="h"), condition]
    if "agent" in dims:
        where.append("h.handed_over_by_id = %(d_agent)s")
    joins = ""
    if "item" in dims and "bounced" in condition:
        joins = q.lateral(q.json_texts("h.bounced_items"))
        where.append("j.value = %(d_item)s")
    return (
        f"SELECT DISTINCT h.ticket_id FROM tickets_handover h JOIN scope s ON s.id = h.ticket_id "
        f"{joins} WHERE {' AND '.join(where)}"
    )


def _first_decided(dims: set[str]) -> str:
    return _handovers(dims, "h.attempt = 1 AND h.outcome <> 'pending'")


def _first_accepted(dims: set[str]) -> str:
    return _handovers(dims, "h.attempt = 1 AND h.outcome = 'accepted'")


def _bounced(dims: set[str]) -> str:
    return _handovers(dims, "h.outcome = 'bounced'")


def missing_items_sql() -> str:
    """Every (handover, item code) the checklist showed as not done or recommended."""
    items = q.lateral(q.json_objects("h.checklist", "items"))
    recs = q.lateral(q.json_objects("h.checklist", "recommendations"))
    code, ok = q.json_member("j.value", "code"), q.json_member("j.value", "ok")
    period = IN_RANGE.format(a="h")
    return (
        f"SELECT h.id AS handover_id, {code} AS code FROM tickets_handover h "
        f"JOIN scope s ON s.id = h.ticket_id {items} WHERE {ok} = 'false' AND {period} "
        f"UNION SELECT h.id, {code} FROM tickets_handover h JOIN scope s ON s.id = h.ticket_id "
        f"{recs} WHERE {period}"
    )


def _missing(dims: set[str]) -> str:
    where = [IN_RANGE.format(a="h"), "m.code = %(d_item)s"]
    if "agent" in dims:
        where.append("h.handed_over_by_id = %(d_agent)s")
    return (
        f"SELECT DISTINCT h.ticket_id FROM tickets_handover h JOIN ({missing_items_sql()}) m "
        f"ON m.handover_id = h.id WHERE {' AND '.join(where)}"
    )


def plan_sql(ticket: str = "t") -> str:
    """The ticket's support plan: its contract's, else the default plan."""
    default = settings.TIERDESK_SLA_DEFAULT_PLAN.replace("'", "")
    return (
        f"COALESCE((SELECT k.plan FROM directory_contract k WHERE k.platform_id = "
        f"{ticket}.contract_id), '{default}')"
    )


def _clocks(dims: set[str], met: str) -> str:
    where = [
        "c.met IS NOT NULL",
        f"c.met = {met}",
        "c.stopped_at >= %(lo)s AND c.stopped_at < %(hi)s",
        "c.kind = %(d_kind)s",
    ]
    if "level" in dims:
        where.append("c.level = %(d_level)s")
    if "plan" in dims:
        where.append(f"{plan_sql()} = %(d_plan)s")
    return (
        "SELECT DISTINCT c.ticket_id FROM sla_clock c JOIN scope s ON s.id = c.ticket_id "
        f"JOIN tickets_ticket t ON t.id = c.ticket_id WHERE {' AND '.join(where)}"
    )


def _sla_met(dims: set[str]) -> str:
    return _clocks(dims, q.true())


def _sla_missed(dims: set[str]) -> str:
    return _clocks(dims, q.false())


def timed_sql() -> str:
    """Per ticket resolved in the period and level: seconds spent at that level in a
    working status, up to the ticket's last resolution in the period."""
    working = q.in_list(q.WORKING_STATUSES)
    secs = q.seconds("i.t0", "i.t1")
    # The stretches of those tickets only, read by the (ticket, created_at) index.
    stretches = (
        "SELECT x.ticket_id, x.to_level AS level, x.to_status AS status, x.created_at AS t0, "
        "LEAD(x.created_at) OVER (PARTITION BY x.ticket_id ORDER BY x.created_at, x.id) AS t1, "
        "r.t_end FROM tickets_ticketevent x JOIN (SELECT ticket_id, MAX(created_at) AS t_end "
        f"FROM ev WHERE kind = 'resolved' AND {IN_RANGE.format(a='ev')} GROUP BY ticket_id) r "
        "ON r.ticket_id = x.ticket_id WHERE x.created_at <= r.t_end"
    )
    return (
        f"SELECT i.ticket_id, i.level, SUM({secs}) AS v FROM ({stretches}) i "
        f"WHERE i.t1 IS NOT NULL AND i.t1 <= i.t_end AND i.status IN ({working}) "
        "GROUP BY i.ticket_id, i.level"
    )


def _timed(dims: set[str]) -> str:
    return f"SELECT tl.ticket_id FROM ({timed_sql()}) tl WHERE tl.level = %(d_level)s"


def _backlog(dims: set[str]) -> str:
    return (
        "SELECT DISTINCT iv.ticket_id FROM iv WHERE iv.level = %(d_level)s AND iv.status IN "
        f"({q.in_list(q.OPEN_STATUSES)}) AND iv.t0 < %(d_day)s AND "
        "(iv.t1 IS NULL OR iv.t1 >= %(d_day)s)"
    )


for _set in (
    TicketSet("opened", _("Opened"), _opened),
    TicketSet("arrived", _("Arrived at the level"), _arrived, ("level",), ("level",)),
    TicketSet("resolved", _("Resolved"), _resolved, ("level", "cause")),
    TicketSet("opened_resolved", _("Opened and resolved"), _opened_resolved),
    TicketSet("fcr", _("Resolved at first contact (L1)"), _fcr),
    TicketSet("handed_over", _("Opened and handed over to L2"), _handed_over),
    TicketSet("l2_arrived", _("Arrived at L2"), _l2_arrived),
    TicketSet("l2_resolved", _("Arrived at L2 and resolved there"), _l2_resolved),
    TicketSet("escalated", _("Arrived at L2 and escalated to L3"), _escalated),
    TicketSet("overridden", _("Escalated by a lead's override"), _overridden),
    TicketSet("reopened", _("Resolved and reopened"), _reopened),
    TicketSet("fix_decided", _("Fix verified or failed"), _fix_decided),
    TicketSet("fix_failed", _("Fix failed verification"), _fix_failed),
    TicketSet("first_decided", _("First handover decided"), _first_decided, ("agent",)),
    TicketSet("first_accepted", _("First handover accepted"), _first_accepted, ("agent",)),
    TicketSet("bounced", _("Handover bounced"), _bounced, ("agent", "item")),
    TicketSet("missing", _("Handover item missing"), _missing, ("agent", "item"), ("item",)),
    TicketSet("sla_met", _("SLA clock met"), _sla_met, ("kind", "level", "plan"), ("kind",)),
    TicketSet(
        "sla_missed", _("SLA clock missed"), _sla_missed, ("kind", "level", "plan"), ("kind",)
    ),
    TicketSet("timed", _("Time counted at the level"), _timed, ("level",), ("level",), True),
    TicketSet(
        "backlog", _("Open at the level"), _backlog, ("level", "day"), ("level", "day"), True
    ),
):
    register(_set)
