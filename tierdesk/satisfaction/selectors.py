"""Ratings for reports: the count and average per level, partner or agent."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Avg, Count

from tierdesk.satisfaction.models import Rating

GROUPS = {"level": "level", "partner": "partner_id", "agent": "agent_id"}


def ratings_by(
    by: Literal["level", "partner", "agent"],
    *,
    since: datetime | None = None,
    partner_id: int | None = None,
) -> list[dict]:
    """[{"key": level | partner id | agent id, "count": n, "average": x.y}, …] ordered by key."""
    rows = Rating.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    field = GROUPS[by]
    grouped = rows.values(field).annotate(count=Count("pk"), average=Avg("score")).order_by(field)
    return [
        {"key": g[field], "count": g["count"], "average": round(float(g["average"]), 2)}
        for g in grouped
    ]


def rating_of(ticket) -> Rating | None:
    """The rating of the ticket's latest resolution, if the customer gave one."""
    if ticket.resolved_at is None:
        return None
    return Rating.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).first()


def page_block(actor, ticket) -> dict | None:
    """The ticket page's block for staff: the customer's ratings with their comments
    (staff only: customers read the portal, which shows them their own score) and the
    offer to reopen the conversation after a low rating. None (hidden) without ratings."""
    from tierdesk.satisfaction.services import is_low, reopen_offer

    if actor.is_customer:
        return None
    rows = list(Rating.objects.filter(ticket=ticket).order_by("-created_at", "-pk")[:5])
    if not rows:
        return None
    return {
        "ratings": [{"rating": r, "low": is_low(r.score)} for r in rows],
        "offer": reopen_offer(actor, ticket),
    }
