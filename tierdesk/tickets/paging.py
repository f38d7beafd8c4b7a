"""Tickets in deadline order, a page at a time: nearest deadline first (of either kind,
kept in `Ticket.next_deadline` by the SLA app), with a keyset cursor on (next_deadline, id).
Part of the core so the ticket API orders by deadline without knowing the SLA app."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from django.db.models import F, Q, QuerySet

from tierdesk.core.errors import InvalidInput
from tierdesk.tickets.models import Ticket


def by_deadline(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Nearest deadline first (of either kind); tickets without one last, oldest first."""
    return tickets.order_by(F("next_deadline").asc(nulls_last=True), "pk")


def _encode(deadline: datetime | None, pk: int) -> str:
    raw = f"{deadline.isoformat() if deadline else ''}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
        stamp, _, pk = raw.partition("|")
        deadline = datetime.fromisoformat(stamp) if stamp else None
        if deadline is not None and deadline.tzinfo is None:
            raise ValueError("naive")
        if deadline is not None:
            deadline.astimezone(UTC)  # out of range in UTC: OverflowError
        number = int(pk)
        if not 0 <= number < 2**63:
            raise ValueError("not an id")
        return deadline, number
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput({"cursor": "is not a cursor this API gave out"}) from None


def deadline_page(
    tickets: QuerySet[Ticket], *, cursor: str | None, limit: int
) -> tuple[list[Ticket], str | None]:
    """One page of `by_deadline(tickets)` with a keyset cursor on (next_deadline, id)."""
    if cursor:
        deadline, pk = _decode(cursor)
        if deadline is None:
            tickets = tickets.filter(next_deadline__isnull=True, pk__gt=pk)
        else:
            tickets = tickets.filter(
                Q(next_deadline__gt=deadline)
                | Q(next_deadline=deadline, pk__gt=pk)
                | Q(next_deadline__isnull=True)
            )
    rows = list(by_deadline(tickets)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _encode(rows[-1].next_deadline, rows[-1].pk)
