"""Writes the audit rows: one immutable event per move or change, then publishes it
(`tickets.bus`): in the same transaction the listening apps write what it causes (the
webhook outbox row, the mail rows, the in-app notifications), after commit they send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierdesk.core.actor import Actor
from tierdesk.tickets import bus
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent


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
    bus.publish(event)
    return event
