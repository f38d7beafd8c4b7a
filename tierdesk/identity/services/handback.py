"""Hands a deactivated person's open tickets back to their queue, through the ticket
service that unassigns (`tickets.services.ticket_assign`, as the system): each ticket is
locked, its version raised and an `UNASSIGNED` event says why."""

from __future__ import annotations

from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.tickets import access as ticket_access
from tierdesk.tickets.models import OPEN_STATUSES
from tierdesk.tickets.services import ticket_assign

REASON = "Back to the queue: the assignee was deactivated."


def tickets_hand_back(*, actor: Actor, user_id: int, now) -> list[int]:
    """Unassign every open ticket assigned to the person (in the caller's transaction).
    Returns the ticket ids. `actor` (who deactivated them) is named in the reason's
    audit entry by the caller; the unassignment itself is the system's."""
    ids = list(
        ticket_access.visible_tickets(SYSTEM)
        .filter(assignee_id=user_id, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for ticket_id in ids:
        ticket_assign(actor=SYSTEM, ticket_id=ticket_id, assignee_id=None, reason=REASON)
    return ids
