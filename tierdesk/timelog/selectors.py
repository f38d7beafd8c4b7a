"""Totals of time per ticket: by level and by person (one aggregate query)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from tierdesk.core.actor import Actor
from tierdesk.tickets.models import Ticket
from tierdesk.timelog.models import TimeEntry, WorkKind


def totals(ticket: Ticket) -> dict[str, Any]:
    """Minutes in all, by level and by person (at a level): one aggregate query."""
    rows = (
        TimeEntry.objects.filter(ticket=ticket)
        .values("user__email", "user__full_name", "level")
        .annotate(minutes=Sum("minutes"))
        .order_by("level", "user__email")
    )
    by_person, by_level = [], {}
    for row in rows:
        by_person.append(
            {
                "person": row["user__email"],
                "name": row["user__full_name"] or row["user__email"],
                "level": row["level"],
                "minutes": row["minutes"],
            }
        )
        by_level[row["level"]] = by_level.get(row["level"], 0) + row["minutes"]
    return {
        "total_minutes": sum(by_level.values()),
        "by_level": [{"level": level, "minutes": m} for level, m in sorted(by_level.items())],
        "by_person": by_person,
    }


def api_block(actor: Actor, ticket: Ticket) -> dict[str, Any]:
    """Staff see the totals; a customer's detail carries an empty block."""
    if actor.is_customer:
        return {"total_minutes": 0, "by_level": [], "by_person": []}
    out = totals(ticket)
    for row in out["by_person"]:
        row.pop("name")
    return out


def page_block(actor: Actor, ticket: Ticket) -> dict[str, Any] | None:
    if actor.is_customer or actor.user_id is None:
        return None
    return {**totals(ticket), "kinds": WorkKind.choices}
