"""Handover quality: per partner, per item found missing or insufficient, per agent —
what a partner admin coaches their agents with."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sets as S
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.registry import register, statement
from tierdesk.reports.summary import item_label
from tierdesk.reports.tables import Column, Table, ratio

_H = (
    "FROM tickets_handover h JOIN scope s ON s.id = h.ticket_id "
    "JOIN tickets_ticket t ON t.id = h.ticket_id "
)
_COUNTS = (
    "SUM(CASE WHEN h.attempt = 1 AND h.outcome <> 'pending' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN h.attempt = 1 AND h.outcome = 'accepted' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN h.outcome <> 'pending' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN h.outcome = 'bounced' THEN 1 ELSE 0 END)"
)
_COUNT_KEYS = ("first_decided", "first_accepted", "decided", "bounced")


def _rates(row: dict) -> dict:
    row["first_time_right"] = ratio(row["first_accepted"], row["first_decided"])
    row["bounce_rate"] = ratio(row["bounced"], row["decided"])
    return row


_RATE_COLUMNS = [
    Column("first_decided", _("First attempts decided"), drill="first_decided"),
    Column("first_accepted", _("Accepted at the first attempt"), drill="first_accepted"),
    Column("first_time_right", _("Complete at the first attempt"), "rate", "first_accepted"),
    Column("decided", _("Attempts decided")),
    Column("bounced", _("Bounced"), drill="bounced"),
    Column("bounce_rate", _("Bounce rate"), "rate", "bounced"),
]


@register("handover_partners", _("Handover quality per partner"))
def handover_partners(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        f"SELECT t.partner_id, o.name, {_COUNTS} {_H} JOIN accounts_organisation o ON "
        f"o.id = t.partner_id WHERE {S.IN_RANGE.format(a='h')} GROUP BY t.partner_id, o.name "
        "ORDER BY o.name"
    )
    rows = [
        _rates({"partner_id": pid, "partner": name, **dict(zip(_COUNT_KEYS, counts, strict=True))})
        for pid, name, *counts in found
    ]
    columns = [Column("partner", _("Partner"), "text"), *_RATE_COLUMNS]
    return Table("handover_partners", _("Handover quality per partner"), columns, rows)


def _items_sql() -> str:
    bounced = q.lateral(q.json_texts("h.bounced_items"))
    return (
        f"SELECT h.id AS handover_id, h.ticket_id, h.handed_over_by_id, h.created_at, "
        f"'insufficient' AS source, j.value AS code FROM tickets_handover h "
        f"JOIN scope s ON s.id = h.ticket_id {bounced} WHERE h.outcome = 'bounced' AND "
        f"{S.IN_RANGE.format(a='h')} "
        f"UNION ALL SELECT h.id, h.ticket_id, h.handed_over_by_id, h.created_at, 'missing', "
        f"m.code FROM tickets_handover h JOIN ({S.missing_items_sql()}) m "
        "ON m.handover_id = h.id"
    )


@register("handover_items", _("Handover items missing or insufficient"))
def handover_items(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        "SELECT t.partner_id, o.name, i.code, "
        "SUM(CASE WHEN i.source = 'missing' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN i.source = 'insufficient' THEN 1 ELSE 0 END) "
        f"FROM ({_items_sql()}) i JOIN tickets_ticket t ON t.id = i.ticket_id "
        "JOIN accounts_organisation o ON o.id = t.partner_id "
        f"WHERE {S.IN_RANGE.format(a='i')} GROUP BY t.partner_id, o.name, i.code "
        "ORDER BY o.name, 4 + 5 DESC, i.code"
    )
    rows = [
        {
            "partner_id": pid,
            "partner": name,
            "item": code,
            "label": item_label(code),
            "missing": missing,
            "insufficient": insufficient,
        }
        for pid, name, code, missing, insufficient in found
    ]
    columns = [
        Column("partner", _("Partner"), "text"),
        Column("label", _("Item"), "text"),
        Column("missing", _("Missing or recommended at handover"), drill="missing",
               dims=(("item", "item"),)),
        Column("insufficient", _("Found insufficient by L2"), drill="bounced",
               dims=(("item", "item"),)),
    ]  # fmt: skip
    return Table("handover_items", _("Handover items missing or insufficient"), columns, rows)


_AGENT = "COALESCE(NULLIF(u.full_name, ''), u.email)"


@register("handover_agents", _("Handover quality per agent"))
def handover_agents(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        f"SELECT t.partner_id, o.name, h.handed_over_by_id, {_AGENT}, {_COUNTS} {_H} "
        "JOIN accounts_organisation o ON o.id = t.partner_id "
        "LEFT JOIN accounts_user u ON u.id = h.handed_over_by_id "
        f"WHERE {S.IN_RANGE.format(a='h')} "
        f"GROUP BY t.partner_id, o.name, h.handed_over_by_id, {_AGENT} ORDER BY o.name, 4"
    )
    rows = [
        _rates(
            {
                "partner_id": pid,
                "partner": name,
                "agent_id": agent_id,
                "agent": agent or "—",
                **dict(zip(_COUNT_KEYS, counts, strict=True)),
            }
        )
        for pid, name, agent_id, agent, *counts in found
    ]
    agent_dim = (("agent", "agent_id"),)
    columns = [
        Column("partner", _("Partner"), "text"),
        Column("agent", _("Agent"), "text"),
        *[
            Column(c.key, c.label, c.kind, c.drill, agent_dim if c.drill else ())
            for c in _RATE_COLUMNS
        ],
    ]
    return Table("handover_agents", _("Handover quality per agent"), columns, rows)


@register("handover_agent_items", _("What each agent's handovers missed"))
def handover_agent_items(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        f"SELECT t.partner_id, i.handed_over_by_id, {_AGENT}, i.code, i.source, COUNT(*), "
        "MIN(t.number), MAX(t.number) "
        f"FROM ({_items_sql()}) i JOIN tickets_ticket t ON t.id = i.ticket_id "
        "LEFT JOIN accounts_user u ON u.id = i.handed_over_by_id "
        f"WHERE {S.IN_RANGE.format(a='i')} "
        f"GROUP BY t.partner_id, i.handed_over_by_id, {_AGENT}, i.code, i.source "
        "ORDER BY 3, 6 DESC, 4"
    )
    rows = []
    for pid, agent_id, agent, code, source, n, first, last in found:
        tag = settings.TIERDESK_TICKET_TAG
        examples = [f"{tag}-{n}" for n in ([first] if first == last else [first, last])]
        rows.append(
            {
                "partner_id": pid,
                "agent_id": agent_id,
                "agent": agent or "—",
                "item": code,
                "label": item_label(code),
                "source": source,
                "set": "missing" if source == "missing" else "bounced",
                "times": n,
                "examples": examples,
                "_links": {
                    "times": {
                        "set": "missing" if source == "missing" else "bounced",
                        "item": code,
                        "agent": agent_id,
                        "partner": pid,
                    }
                }
                if agent_id
                else {},
            }
        )
    columns = [
        Column("agent", _("Agent"), "text"),
        Column("label", _("Item"), "text"),
        Column("source", _("How"), "text"),
        Column("times", _("Times")),
        Column("examples", _("Example tickets"), "text"),
    ]
    return Table("handover_agent_items", _("What each agent's handovers missed"), columns, rows)
