"""What the portal reads. Every ticket, message and attachment comes through
`tickets.access` for the customer's actor, so a customer sees their own tickets, public
messages and public attachments only — never internal notes, internal files or events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from tierdesk.accounts.models import Organisation
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.web import brand_for as brand_of_org
from tierdesk.directory.selectors import directory_names as names_of
from tierdesk.tickets import access
from tierdesk.tickets.models import OPEN_STATUSES, Attachment, Message, Status, Ticket

LIST_COLUMNS = ("number", "title", "status", "created_at", "updated_at", "resolved_at")

SHOW_OPEN, SHOW_DONE, SHOW_ALL = "open", "done", "all"
SHOWS = (SHOW_OPEN, SHOW_DONE, SHOW_ALL)


def brand_for(actor: Actor) -> dict[str, Any]:
    """The customer's own organisation's brand — a partner's for its customers, the
    vendor's for direct customers — as base.html wears it (name, colours readable on each
    other, the logo as an inert <img> data URL), with the tag its mail numbers tickets by."""
    org = Organisation.objects.get(pk=actor.org_id)
    return {
        **brand_of_org(org),
        "ticket_tag": org.ticket_tag or settings.TIERDESK_TICKET_TAG,
    }


def reference(brand: dict[str, Any], number: int) -> str:
    """A ticket's number as the customer's brand writes it in mail and in the portal."""
    return f"{brand['ticket_tag']}-{number}"


def customer_tickets(actor: Actor, *, show: str = SHOW_OPEN) -> QuerySet[Ticket]:
    """The customer's tickets (with colleagues' where their organisation shares them, each
    with who raised it), the most recently changed first. One query, whatever the number
    of rows."""
    tickets = (
        access.visible_tickets(actor)
        .select_related("customer")
        .only(*LIST_COLUMNS, "customer__full_name", "customer__email")
    )
    if show == SHOW_OPEN:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif show == SHOW_DONE:
        tickets = tickets.filter(status__in=(Status.RESOLVED, Status.CLOSED))
    return tickets.order_by("-updated_at", "-pk")


def waiting_count(actor: Actor) -> int:
    return access.visible_tickets(actor).filter(status=Status.WAITING_ON_CUSTOMER).count()


def conversation(actor: Actor, ticket: Ticket) -> tuple[list[Message], list[Attachment]]:
    """Public messages in order, each with its public attachments (`files`), and the
    public attachments that belong to no message. Two queries."""
    messages = list(access.visible_messages(actor, ticket).select_related("author__membership"))
    by_message: dict[int, list[Attachment]] = {}
    loose: list[Attachment] = []
    for attachment in ticket_files(actor, ticket):
        if attachment.message_id is None:
            loose.append(attachment)
        else:
            by_message.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.files = by_message.get(message.pk, [])
    return messages, loose


def ticket_files(actor: Actor, ticket: Ticket) -> QuerySet[Attachment]:
    return access.visible_attachments(actor, ticket).defer("sha256")


@dataclass(frozen=True)
class ReopenWindow:
    until: datetime | None
    open: bool


def reopen_window(ticket: Ticket) -> ReopenWindow:
    """Until when a resolved ticket may be reopened, and whether that is still ahead."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return ReopenWindow(until=None, open=False)
    until = ticket.resolved_at + timedelta(days=settings.TIERDESK_REOPEN_DAYS)
    return ReopenWindow(until=until, open=clock.now() <= until)


def directory_names(ticket: Ticket) -> dict[str, str]:
    """The names of the ticket's contract, workspace and flow (the customer's own, from
    the directory), keyed "contract", "workspace", "flow"; "" where unknown."""
    return names_of(
        contract_id=ticket.contract_id, workspace_id=ticket.workspace_id, flow_id=ticket.flow_id
    )
