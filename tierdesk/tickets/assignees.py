"""Who may assign a ticket, and to whom (the reads behind `services.ticket_assign`, the
ticket page's assign control and the API).

| ticket at | assigned by | to |
|---|---|---|
| L1 | a support lead; a partner admin of its partner | an L1 agent or admin of its partner |
| L2 | a support lead | an L2 agent or a support lead |
| L3 | a support lead | an L3 engineer |

Anyone assigned may hand their own ticket back (unassign themselves). Only open tickets
are assigned; an assignee must be active. The assignee's own access decides the rest: a
person is offered only if `access.visible_tickets` of that person holds the ticket.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.accounts.models import Role, User
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets.models import OPEN_STATUSES, Ticket

ROLES_OF_LEVEL: dict[int, tuple[str, ...]] = {
    1: (Role.L1_AGENT, Role.PARTNER_ADMIN),
    2: (Role.L2_AGENT, Role.SUPPORT_LEAD),
    3: (Role.L3_ENGINEER,),
}


def people_of_level(level: int, *, partner_id: int | None = None) -> QuerySet[User]:
    """The active people who work `level` (at L1: of the partner `partner_id`)."""
    people = User.objects.filter(is_active=True, membership__role__in=ROLES_OF_LEVEL.get(level, ()))
    if level == 1:
        people = people.filter(membership__organisation_id=partner_id)
    return people.order_by("full_name", "email")


def eligible_assignees(ticket: Ticket) -> QuerySet[User]:
    """The people `ticket` may be assigned to, in name order."""
    people = people_of_level(ticket.level, partner_id=ticket.partner_id)
    if ticket.level == 3 and ticket.escalated_at is None:
        return people.none()  # L3 sees only escalated tickets
    return people


def may_assign(actor: Actor, ticket: Ticket) -> bool:
    """May `actor` assign `ticket` to someone (the assign control and API)."""
    if ticket.status not in OPEN_STATUSES:
        return False
    if actor.is_system or actor.is_lead:
        return True
    return (
        actor.role == Role.PARTNER_ADMIN and ticket.level == 1 and ticket.partner_id == actor.org_id
    )


def may_hand_back(actor: Actor, ticket: Ticket) -> bool:
    """May `actor` unassign `ticket` (their own, or as one who assigns)."""
    if ticket.status not in OPEN_STATUSES:
        return False
    own = actor.user_id is not None and ticket.assignee_id == actor.user_id
    return own or may_assign(actor, ticket)


def person_id(ref: int | str) -> int:
    """The id of the person an API caller names by id or email; InvalidInput naming
    `assignee` when there is none (the same answer as for a person not eligible)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    found = User.objects.filter(email__iexact=str(ref).strip()).values_list("pk", flat=True)
    pk = found.first()
    if pk is None:
        raise InvalidInput({"assignee": "is not an active person who works this ticket's level"})
    return pk
