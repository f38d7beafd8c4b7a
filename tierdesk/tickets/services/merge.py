"""Merging a duplicate ticket into its original, within one partner.

The duplicate stays as a resolved pointer (cause: duplicate) that its own customer still
reads: its messages and attachments stay on it. Copies of them go into the original with
their authors and times, so the original's conversation holds both. The copied messages
keep their visibility (a public reply stays public, an internal note internal); copied
attachments become internal on the original, so the duplicate's files never reach the
original's customer. Nothing else of the duplicate (description, logs, contract) moves.
Both tickets record the merge (an `updated` event with `merged_into` / `merged_from`).
"""

from __future__ import annotations

import inspect

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, WrongState
from tierdesk.tickets import events
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import (
    Attachment,
    EventKind,
    Message,
    ResolutionCause,
    Status,
    Ticket,
)
from tierdesk.tickets.services._moves import check_version
from tierdesk.tickets.services.transitions import ticket_resolve, ticket_take

MERGED_FOR_CUSTOMER = (
    "Your request describes the same problem as another report we are already working on; "
    "we have merged the two and continue the work there. Your conversation stays readable "
    "here. Reply to this mail if anything is still open for you."
)


@transaction.atomic
def ticket_merge(
    *,
    actor: Actor,
    ticket_id: int,
    into_id: int,
    customer_message: str = "",
    version: int | None = None,
) -> Ticket:
    """Merge ticket `ticket_id` (the duplicate) into `into_id` (the original).

    Locks both (in id order). Refused: the same ticket (InvalidInput), tickets of
    different partners (Conflict, nothing written), a closed original or a duplicate that
    is not open at the actor's level (WrongState, from the resolve move), a customer
    (Forbidden). A new duplicate is taken first. The duplicate is resolved with cause
    `duplicate` through `ticket_resolve`, so its customer is mailed in their brand with
    `customer_message` (a default text without it). Returns the original."""
    if actor.is_customer:
        raise Forbidden("Customers cannot merge tickets.")
    if ticket_id == into_id:
        raise InvalidInput({"into_id": "must be another ticket"})
    first, second = sorted([ticket_id, into_id])
    locked = {first: get_ticket(actor, first, for_update=True)}
    locked[second] = get_ticket(actor, second, for_update=True)
    duplicate, original = locked[ticket_id], locked[into_id]
    check_version(duplicate, version)
    if duplicate.partner_id != original.partner_id:
        raise Conflict("Tickets of different partners cannot be merged.")
    if original.status == Status.CLOSED:
        raise WrongState("The original ticket is closed.")
    now = clock.now()
    if duplicate.status == Status.NEW and duplicate.level == actor.level:
        ticket_take(actor=actor, ticket_id=duplicate.pk)
    copied = _copy_conversation(duplicate, original)
    told = customer_message.strip() or MERGED_FOR_CUSTOMER
    extra = (
        {"customer_message": told}
        if "customer_message" in inspect.signature(ticket_resolve).parameters
        else {}
    )
    ticket_resolve(
        actor=actor,
        ticket_id=duplicate.pk,
        resolution=f"Merged into {original.reference}." if extra else told,
        cause=ResolutionCause.DUPLICATE,
        **extra,
    )
    duplicate.refresh_from_db()
    for ticket, data in (
        (duplicate, {"merged_into": original.pk}),
        (original, {"merged_from": duplicate.pk, **copied}),
    ):
        events.record(
            ticket=ticket,
            actor=actor,
            kind=EventKind.UPDATED,
            now=now,
            from_state=(ticket.level, ticket.status),
            data=data,
        )
    return original


def _copy_conversation(duplicate, original) -> dict[str, int]:
    """Copies of the duplicate's messages and attachments on the original, with their
    authors, times and channels (the stored files are shared, not duplicated)."""
    message_of: dict[int, Message] = {}
    for message in duplicate.messages.order_by("created_at", "pk"):
        message_of[message.pk] = Message.objects.create(
            ticket=original,
            author=message.author,
            body=message.body,
            internal=message.internal,
            channel=message.channel,
            created_at=message.created_at,
        )
    attachments = 0
    for attachment in duplicate.attachments.order_by("created_at", "pk"):
        Attachment.objects.create(
            ticket=original,
            message=message_of.get(attachment.message_id) if attachment.message_id else None,
            uploaded_by=attachment.uploaded_by,
            kind=attachment.kind,
            file=attachment.file.name,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            internal=True,
            created_at=attachment.created_at,
        )
        attachments += 1
    return {"messages": len(message_of), "attachments": attachments}
