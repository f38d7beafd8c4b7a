"""Presence beats and who is here. A person counts as here while their page beat within
`FRESH` (three beats); rows older than `FORGET` are removed by later beats."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden
from tierdesk.presence.models import Presence
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Ticket

FORGET = timedelta(hours=1)


def fresh() -> timedelta:
    return timedelta(seconds=3 * settings.TIERDESK_PRESENCE_BEAT_SECONDS)


def others_here(actor: Actor, ticket: Ticket) -> list[Presence]:
    """The other people whose page of `ticket` beat lately, writers first: one query."""
    since = clock.now() - fresh()
    rows = (
        Presence.objects.filter(ticket=ticket, seen_at__gte=since)
        .exclude(user_id=actor.user_id)
        .select_related("user")
        .order_by("-writing", "user__full_name", "user_id")
    )
    return list(rows)


@transaction.atomic
def presence_beat(*, actor: Actor, ticket_id: int, writing: bool) -> tuple[Ticket, list[Presence]]:
    """Record that `actor` has the ticket open (writing or not) and return the others
    here. Refuses: NotFound (not visible), Forbidden (customers: presence is for staff)."""
    ticket = get_ticket(actor, ticket_id)
    if actor.user_id is None or actor.is_customer:
        raise Forbidden("Presence is for support staff.")
    now = clock.now()
    Presence.objects.update_or_create(
        ticket=ticket, user_id=actor.user_id, defaults={"writing": writing, "seen_at": now}
    )
    Presence.objects.filter(seen_at__lt=now - FORGET).delete()
    return ticket, others_here(actor, ticket)


def page_block(actor: Actor, ticket: Ticket) -> dict | None:
    """The ticket page's first draw of the block (staff only); htmx then beats."""
    if actor.is_customer or actor.user_id is None:
        return None
    return {
        "others": others_here(actor, ticket),
        "beat_seconds": settings.TIERDESK_PRESENCE_BEAT_SECONDS,
        "first": True,  # beat at once, so the others see this person without delay
    }
