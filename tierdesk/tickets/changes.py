"""What changed on a ticket since a version someone saw: the page says so when it refuses
a stale write (409), so the person can decide again knowing what happened.

Every change that bumps a ticket's version writes exactly one event (a move of the
workflow table, an edit of the report, an assignment); messages, attachments and the
reproduction record do not bump it. So the changes since version `seen` are the last
`current - seen` events of the bumping kinds.
"""

from __future__ import annotations

from tierdesk.core.actor import Actor
from tierdesk.tickets.access import visible_events
from tierdesk.tickets.models import NOTED_EVENTS, EventKind, Ticket, TicketEvent

NOT_VERSIONED = (
    EventKind.CREATED,
    EventKind.MESSAGE_ADDED,
    EventKind.NOTE_ADDED,
    EventKind.ATTACHMENT_ADDED,
    EventKind.REPRODUCTION_RECORDED,
    EventKind.SECRETS_MASKED,
    *NOTED_EVENTS,
)
MOST = 20


def changes_since(actor: Actor, ticket: Ticket, seen: int | None) -> list[TicketEvent]:
    """The events that moved the ticket from version `seen` to its current one, oldest
    first (at most `MOST`); empty for customers (they see no events)."""
    if seen is None or ticket.version <= seen:
        return []
    count = min(ticket.version - seen, MOST)
    rows = (
        visible_events(actor, ticket)
        .exclude(kind__in=NOT_VERSIONED)
        .select_related("actor")
        .order_by("-pk")[:count]
    )
    return list(reversed(rows))
