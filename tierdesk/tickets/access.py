"""Who sees which ticket — the one place tenancy is decided (DESIGN.md §4).

Every read of a ticket, its messages, attachments and events starts here. `get_*` raise
NotFound for "missing" and for "not yours" alike.

| role | sees |
|---|---|
| customer | their own tickets; public messages and public attachments; no events |
| l1_agent, partner_admin | tickets of their own organisation's customers |
| l2_agent, support_lead, admin | every ticket |
| l3_engineer | tickets that have been escalated to L3 |

Where a customer's organisation shares them (`customers_share_contract_tickets`), a
customer also sees colleagues' tickets on a contract they are tied to.

A ticket's history at L2 and L3 (handover attempts, reproduction records, fixes) is for
staff, like its events: customers get none of it.

Every ticket and attachment handed out by `get_*` is an access record on the
`tierdesk.access` logger (who, which ticket or file, never its content), and every refusal
one too (ASVS 8.3.5, 7.2.2).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.directory.models import Contract
from tierdesk.tickets.models import (
    Attachment,
    Fix,
    Handover,
    Message,
    Reproduction,
    Ticket,
    TicketEvent,
)

audit = logging.getLogger("tierdesk.access")


def _who(actor: Actor) -> str:
    return f"person {actor.user_id}" if actor.user_id is not None else actor.role


def recorded(actor: Actor, ticket: Ticket, *, how: str = "read") -> Ticket:
    """`ticket`, handed to `actor` by a read of this module's querysets, on the record."""
    audit.info("ticket %s %s by %s", ticket.pk, how, _who(actor))
    return ticket


def refused(actor: Actor, what: str, ident) -> None:
    """A ticket or file `actor` asked for and may not see (or that does not exist)."""
    audit.info("%s %r refused to %s", what, ident, _who(actor))


def visible_tickets(actor: Actor) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if actor.sees_all_partners:
        return tickets
    if actor.role == Role.L3_ENGINEER:
        return tickets.filter(escalated_at__isnull=False)
    if actor.is_partner_staff and actor.org_id is not None:
        return tickets.filter(partner_id=actor.org_id)
    if actor.is_customer and actor.user_id is not None:
        return tickets.filter(_customer_sees(actor), partner_id=actor.org_id)
    return tickets.none()


def _customer_sees(actor: Actor) -> Q:
    """A customer's own tickets; and, where their organisation shares them, those of
    colleagues on a contract the customer is tied to (one subquery, inside the query)."""
    shared_contracts = Contract.objects.filter(
        customer_memberships__user_id=actor.user_id, partner_id=actor.org_id
    ).values("platform_id")
    return Q(customer_id=actor.user_id) | Q(
        partner__customers_share_contract_tickets=True, contract_id__in=shared_contracts
    )


def get_ticket(actor: Actor, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket if this actor may see it; NotFound otherwise. With `for_update` the row
    is locked until the transaction ends (call inside `transaction.atomic`)."""
    tickets = visible_tickets(actor)
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    try:
        ticket = tickets.get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        refused(actor, "ticket id", ticket_id)
        raise NotFound("Ticket not found.") from None
    return recorded(actor, ticket, how="taken" if for_update else "read")


def get_ticket_by_number(actor: Actor, number: int) -> Ticket:
    try:
        ticket = visible_tickets(actor).get(number=number)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        refused(actor, "ticket number", number)
        raise NotFound("Ticket not found.") from None
    return recorded(actor, ticket)


def visible_messages(actor: Actor, ticket: Ticket) -> QuerySet[Message]:
    """Messages of a ticket already obtained through `get_ticket`."""
    messages = Message.objects.filter(ticket=ticket)
    if actor.is_customer:
        messages = messages.filter(internal=False)
    return messages


def visible_attachments(actor: Actor, ticket: Ticket) -> QuerySet[Attachment]:
    attachments = Attachment.objects.filter(ticket=ticket)
    if actor.is_customer:
        attachments = attachments.filter(internal=False)
    return attachments


def get_attachment(actor: Actor, attachment_id: int) -> Attachment:
    attachments = Attachment.objects.filter(ticket__in=visible_tickets(actor))
    if actor.is_customer:
        attachments = attachments.filter(internal=False)
    try:
        attachment = attachments.select_related("ticket").get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        refused(actor, "attachment id", attachment_id)
        raise NotFound("Attachment not found.") from None
    audit.info(
        "attachment %s of ticket %s read by %s", attachment.pk, attachment.ticket_id, _who(actor)
    )
    return attachment


def own_uploads(actor: Actor, *, since: datetime) -> QuerySet[Attachment]:
    """The files this person uploaded since `since`, on any ticket (for their quota)."""
    return Attachment.objects.filter(uploaded_by=actor.user, created_at__gte=since)


def visible_events(actor: Actor, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The audit trail is for staff: customers get none of it."""
    if actor.is_customer:
        return TicketEvent.objects.none()
    return TicketEvent.objects.filter(ticket=ticket)


def visible_handovers(actor: Actor, ticket: Ticket) -> QuerySet[Handover]:
    """Handover attempts of a ticket already obtained through `get_ticket`; staff only."""
    if actor.is_customer:
        return Handover.objects.none()
    return Handover.objects.filter(ticket=ticket)


def visible_reproductions(actor: Actor, ticket: Ticket) -> QuerySet[Reproduction]:
    if actor.is_customer:
        return Reproduction.objects.none()
    return Reproduction.objects.filter(ticket=ticket)


def visible_fixes(actor: Actor, ticket: Ticket) -> QuerySet[Fix]:
    if actor.is_customer:
        return Fix.objects.none()
    return Fix.objects.filter(ticket=ticket)
