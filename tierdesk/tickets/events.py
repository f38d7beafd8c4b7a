"""Writes the audit rows: one immutable event per move or change, and — in the same
transaction — the outbox row of each event a webhook can hear (`notify.outbox`) and the
mail rows of the notifications it causes (`mail.notifications`). Then it publishes the
event (`recorded`), in the same transaction, for the apps above the core to listen to
(a log to parse, a search document to refresh): the core learns nothing about them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import Signal

from tierdesk.core.actor import Actor
from tierdesk.mail import notifications as mail
from tierdesk.notify import outbox
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

# Sent with `event=` (a saved TicketEvent) inside the transaction that wrote it; a
# listener defers its side effects with `transaction.on_commit`.
recorded = Signal()


def record(
    *,
    ticket: Ticket,
    actor: Actor,
    kind: EventKind,
    now: datetime,
    from_state: tuple[int | None, str] = (None, ""),
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor.user,
        actor_role=actor.role,
        kind=kind,
        from_level=from_state[0],
        from_status=from_state[1],
        to_level=ticket.level,
        to_status=ticket.status,
        reason=reason,
        data=data or {},
        created_at=now,
    )
    outbox.record_ticket_event(event)
    mail.on_ticket_event(event)
    recorded.send(sender=TicketEvent, event=event)
    return event
