"""Which tickets a built-in rule would change now (the dry run lists exactly these)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from tierdesk.core.actor import SYSTEM
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Status, Ticket


def reopen_period_over(*, now: datetime) -> QuerySet[Ticket]:
    """Resolved tickets whose reopen period (`TIERDESK_REOPEN_DAYS`) ended before `now`."""
    ended = now - timedelta(days=settings.TIERDESK_REOPEN_DAYS)
    return (
        visible_tickets(SYSTEM)
        .filter(status=Status.RESOLVED, resolved_at__isnull=False, resolved_at__lt=ended)
        .order_by("resolved_at", "pk")
    )
