"""Reads with meaning: which tickets the built-in close rule would close (kept for the
first automation's callers), and a ticket's automation record for its page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from tierdesk.automation.models import RuleRun, TicketTag
from tierdesk.core.actor import SYSTEM
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Status, Ticket

RECENT_RUNS = 10


def reopen_period_over(*, now: datetime) -> QuerySet[Ticket]:
    """Resolved tickets whose reopen period (`TIERDESK_REOPEN_DAYS`) ended before `now`."""
    ended = now - timedelta(days=settings.TIERDESK_REOPEN_DAYS)
    return (
        visible_tickets(SYSTEM)
        .filter(status=Status.RESOLVED, resolved_at__isnull=False, resolved_at__lt=ended)
        .order_by("resolved_at", "pk")
    )


def page_block(actor: Any, ticket: Ticket) -> dict[str, Any] | None:
    """Staff see the ticket's tags and its latest automation runs (customers: nothing).
    The ticket was read through `access` already. Two statements."""
    if actor.is_customer:
        return None
    runs = list(RuleRun.objects.filter(ticket_id=ticket.pk).order_by("-created_at", "-pk")[
        :RECENT_RUNS
    ])  # fmt: skip
    tags = list(TicketTag.objects.filter(ticket_id=ticket.pk).values_list("name", flat=True))
    if not runs and not tags:
        return None
    return {"runs": runs, "tags": tags}
