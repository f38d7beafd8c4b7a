"""Hands a person's tickets back to their queue. A small service of identity's own, over
the ticket access choke point and the ticket event log: the tickets app has no
unassign service for it to call."""

from __future__ import annotations

from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.tickets import access as ticket_access
from tierdesk.tickets import events
from tierdesk.tickets.models import EventKind, Status


def tickets_hand_back(*, actor: Actor, user_id: int, now) -> list[int]:
    """Unassign every ticket assigned to the person that is not closed (in the caller's
    transaction): each goes back to its level's queue, its version goes up, and an
    `updated` event says why. Returns the ticket ids."""
    ids = list(
        ticket_access.visible_tickets(SYSTEM)
        .filter(assignee_id=user_id)
        .exclude(status=Status.CLOSED)
        .values_list("pk", flat=True)
    )
    for ticket_id in ids:
        ticket = ticket_access.get_ticket(SYSTEM, ticket_id, for_update=True)
        ticket.assignee = None
        ticket.version += 1
        ticket.updated_at = now
        ticket.save(update_fields=["assignee", "version", "updated_at"])
        events.record(
            ticket=ticket,
            actor=actor,
            kind=EventKind.UPDATED,
            now=now,
            from_state=(ticket.level, ticket.status),
            reason="Back to the queue: the assignee was deactivated.",
            data={"unassigned": user_id},
        )
    return ids
