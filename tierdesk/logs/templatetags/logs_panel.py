"""`{% log_panel ticket %}`: the ticket page's log lines around when it happened. The
ticket template includes it only when this app is installed; the core knows nothing of
it. Reads `minutes`, `level` and `around` from the page's query string."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template

from tierdesk.core.errors import InvalidInput
from tierdesk.core.web import request_actor
from tierdesk.logs import selectors

register = template.Library()

MINUTE_CHOICES = (5, 15, 30, 60, 120, 360)


@register.inclusion_tag("logs/_panel.html", takes_context=True)
def log_panel(context, ticket):
    request = context["request"]
    actor = request_actor(request)
    if actor is None:
        return {"window": None}
    minutes = request.GET.get("minutes")
    level = request.GET.get("level") or None
    around = request.GET.get("around") or None
    try:
        moment = datetime.fromisoformat(around) if around else None
        window = selectors.log_window(
            actor,
            ticket,
            around=moment,
            minutes=int(minutes) if minutes else None,
            level=level,
        )
        problem = ""
    except (InvalidInput, ValueError):
        window = selectors.log_window(actor, ticket)
        problem = "invalid"
    return {
        "window": window,
        "ticket": ticket,
        "levels": list(selectors.LEVELS),
        "minute_choices": MINUTE_CHOICES,
        "problem": problem,
        "staff": not actor.is_customer,
    }


@register.filter
def log_utc(moment: datetime | None) -> str:
    """A line's time in UTC to the second (the zone the platform logs in)."""
    if not moment:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
