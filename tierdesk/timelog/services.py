"""Logging time on a ticket."""

from __future__ import annotations

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.tickets.access import get_ticket
from tierdesk.timelog.models import TimeEntry, WorkKind

MAX_MINUTES = 1440


@transaction.atomic
def time_log(*, actor: Actor, ticket_id: int, minutes: int, kind: str, note: str = "") -> TimeEntry:
    """Log `minutes` (1–1440) of `kind` work on a ticket one may see, at the level one
    works (an admin's at the ticket's level). Refuses: NotFound (not visible), Forbidden
    (customers), InvalidInput naming `minutes`, `kind` or `note`."""
    ticket = get_ticket(actor, ticket_id)
    if actor.user is None or actor.is_customer:
        raise Forbidden("Time is logged by support staff.")
    errors = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        errors["minutes"] = "must be a whole number of minutes"
    elif not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = f"must be between 1 and {MAX_MINUTES}"
    if kind not in WorkKind.values:
        errors["kind"] = f"must be one of {', '.join(WorkKind.values)}"
    note = (note or "").strip()
    if len(note) > 200 or "\x00" in note:
        errors["note"] = "must be text of at most 200 characters"
    if errors:
        raise InvalidInput(errors)
    return TimeEntry.objects.create(
        ticket=ticket,
        user=actor.user,
        level=actor.level or ticket.level,
        minutes=minutes,
        kind=kind,
        note=note,
        created_at=clock.now(),
    )
