"""The one place a ticket's status and level are assigned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput, StaleVersion
from tierdesk.tickets import bus, events, workflow, worklog
from tierdesk.tickets.fields import STAFF_ONLY
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent


def reopen_period() -> timedelta:
    return timedelta(days=settings.TIERDESK_REOPEN_DAYS)


def context(
    *, actor: Actor, ticket: Ticket | None, now, payload=None, handover=None, reproduction=None
) -> workflow.Context:
    return workflow.Context(
        actor=actor,
        ticket=ticket,
        now=now,
        payload=payload or {},
        handover=handover,
        reproduction=reproduction,
        reopen_period=reopen_period(),
    )


def check_version(ticket: Ticket, version: int | None) -> None:
    """A write that names a version must name the current one: nothing is overwritten."""
    if version is not None and version != ticket.version:
        stale = StaleVersion(
            f"The ticket changed since you loaded it (your version {version}, "
            f"current {ticket.version}). Reload and try again."
        )
        stale.seen, stale.current = version, ticket.version  # the page says what changed
        raise stale


def worked(ticket: Ticket, actor: Actor, *, kind: str, action: str = "", now) -> None:
    """Publish `Worked` for a staff member's reply, note or move while a surface reports
    time (`worklog.reporting`); nothing otherwise."""
    report = worklog.current()
    if report is None or actor.user is None:
        return
    if actor.is_customer:
        if report.minutes is not None:
            raise InvalidInput({"minutes": STAFF_ONLY})
        return
    bus.publish(
        bus.Worked(
            ticket=ticket, actor=actor, kind=kind, action=action, minutes=report.minutes, now=now
        )
    )


def move(
    ticket: Ticket,
    transition: workflow.Transition,
    ctx: workflow.Context,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    event: EventKind | None = None,
) -> TicketEvent:
    """Assign the transition's destination, bump the version, save, publish `Moved` (the
    SLA clocks start, pause, resume or stop on it), then record the event.

    Only call after `workflow.require(transition.action, ctx)` succeeded."""
    from_state = (ticket.level, ticket.status) if ticket.pk else (None, "")
    ticket.level, ticket.status = transition.destination(ticket, ctx.payload)
    if ticket.pk:
        ticket.version += 1
    ticket.save()
    bus.publish(bus.Moved(ticket=ticket, from_state=from_state, now=ctx.now))
    if from_state[0] is not None:
        worked(ticket, ctx.actor, kind="action", action=transition.action, now=ctx.now)
    return events.record(
        ticket=ticket,
        actor=ctx.actor,
        kind=event or transition.event,
        now=ctx.now,
        from_state=from_state,
        reason=reason,
        data=data,
    )
