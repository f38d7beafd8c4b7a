"""Assignment: who works a ticket, apart from the workflow's moves.

Assigning changes the assignee only, never the status or level (it is not a move of the
workflow table): a new ticket assigned stays in its level's intake, reserved for its
assignee, who takes it; an open ticket assigned to someone else changes hands. Every
change is one event (`ASSIGNED`, `UNASSIGNED`) with the reason, published like any other.
Who may assign to whom: `tickets.assignees`.
"""

from __future__ import annotations

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput, WrongState
from tierdesk.tickets import assignees, events
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import OPEN_STATUSES, EventKind, Ticket
from tierdesk.tickets.services._moves import check_version

REASON_MAX = 2000


@transaction.atomic
def ticket_assign(
    *,
    actor: Actor,
    ticket_id: int,
    assignee_id: int | None,
    reason: str = "",
    version: int | None = None,
) -> Ticket:
    """Assign the ticket to `assignee_id`, or unassign it (`None`). Locks the ticket and
    checks the optional `version` (StaleVersion). Refuses: NotFound (not visible),
    WrongState (closed or resolved), Forbidden (may not assign; anyone may hand back their
    own ticket), InvalidInput naming `assignee` (not a person of the ticket's level in its
    scope) or `reason`. Assigning the current assignee again changes nothing (no event)."""
    ticket = get_ticket(actor, ticket_id, for_update=True)
    check_version(ticket, version)
    reason = (reason or "").strip()
    if "\x00" in reason or len(reason) > REASON_MAX:
        raise InvalidInput({"reason": f"must be text of at most {REASON_MAX} characters"})
    if ticket.status not in OPEN_STATUSES:
        raise WrongState(f"A {ticket.get_status_display().lower()} ticket is not assigned.")
    if assignee_id is None:
        if not assignees.may_hand_back(actor, ticket):
            raise Forbidden("You may not unassign this ticket.")
    elif not assignees.may_assign(actor, ticket):
        raise Forbidden("You may not assign this ticket.")
    if assignee_id == ticket.assignee_id:
        return ticket
    previous_id = ticket.assignee_id
    assignee = None
    if assignee_id is not None:
        assignee = assignees.eligible_assignees(ticket).filter(pk=assignee_id).first()
        if assignee is None:
            raise InvalidInput(
                {"assignee": f"is not an active person who works L{ticket.level} on this ticket"}
            )
    ticket.assignee = assignee
    ticket.version += 1
    ticket.save(update_fields=["assignee", "version", "updated_at"])
    events.record(
        ticket=ticket,
        actor=actor,
        kind=EventKind.ASSIGNED if assignee else EventKind.UNASSIGNED,
        now=clock.now(),
        from_state=(ticket.level, ticket.status),
        reason=reason,
        data={
            "assignee_id": assignee.pk if assignee else None,
            "assignee": assignee.email if assignee else None,
            "previous_id": previous_id,
        },
    )
    return ticket
