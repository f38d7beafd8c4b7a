"""Links between tickets (relates to, duplicates) and the merge of a duplicate."""

from __future__ import annotations

from django.db import transaction

from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.problems.models import LinkKind, TicketLink
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket

LINKABLE = (LinkKind.RELATES, LinkKind.DUPLICATES)


@transaction.atomic
def ticket_link_create(*, actor: Actor, ticket_id: int, other_id: int, kind: str) -> TicketLink:
    """`ticket_id` relates to / duplicates `other_id`. Staff only; both tickets must be
    visible to the actor (a partner links only its own tickets). Linking the same pair
    again changes the kind."""
    if actor.is_customer:
        raise Forbidden("Customers cannot link tickets.")
    if kind not in LINKABLE:
        raise InvalidInput({"kind": "must be one of " + ", ".join(LINKABLE)})
    if ticket_id == other_id:
        raise InvalidInput({"other_id": "must be another ticket"})
    source = get_ticket(actor, ticket_id)
    target = get_ticket(actor, other_id)
    existing = TicketLink.objects.filter(source=target, target=source).first()
    if existing is not None:  # the pair is linked the other way round already
        return existing
    link, _ = TicketLink.objects.update_or_create(
        source=source, target=target, defaults={"kind": kind, "created_by": actor.user}
    )
    return link


@transaction.atomic
def ticket_link_delete(*, actor: Actor, link_id: int) -> None:
    """Remove a relates/duplicates link whose two tickets the actor sees. A merge stays."""
    if actor.is_customer:
        raise Forbidden("Customers cannot unlink tickets.")
    link = TicketLink.objects.filter(pk=link_id, kind__in=LINKABLE).first()
    if link is None:
        raise InvalidInput({"link_id": "is not a link you can remove"})
    get_ticket(actor, link.source_id)
    get_ticket(actor, link.target_id)
    link.delete()


@transaction.atomic
def ticket_merge_into(
    *,
    actor: Actor,
    ticket_id: int,
    into_id: int,
    customer_message: str = "",
    version: int | None = None,
):
    """Merge the duplicate `ticket_id` into `into_id` (`tickets.ticket_merge`: one
    partner only, the conversation copied, the duplicate resolved as a duplicate and its
    customer told in their brand) and record the pair as merged."""
    original = tickets.ticket_merge(
        actor=actor,
        ticket_id=ticket_id,
        into_id=into_id,
        customer_message=customer_message,
        version=version,
    )
    TicketLink.objects.filter(source_id=into_id, target_id=ticket_id).delete()
    TicketLink.objects.update_or_create(
        source_id=ticket_id,
        target_id=into_id,
        defaults={"kind": LinkKind.MERGED_INTO, "created_by": actor.user},
    )
    return original
