"""The outbox: what a ticket change announces, written in the change's own transaction.

`record_ticket_event()` listens to every audit row published on `tickets.bus` (registered
in `NotifyConfig.ready()`); the events a webhook can hear get an `OutboxEvent`. `emit()`
is the same door for events that are not ticket moves (the SLA work: `sla.at_risk`,
`sla.breached`). Both run inside the caller's transaction: a rollback takes the outbox
row with it, a commit schedules the fan-out (and the sweep finds the row if the process
dies before it is scheduled).

Nothing written here carries an internal note: internal notes have their own event kind,
which maps to nothing, and a message event is announced only for a public message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from tierdesk.accounts.models import OrgKind, User
from tierdesk.core.actor import SYSTEM
from tierdesk.notify.models import OutboxEvent, Webhook, WebhookEvent
from tierdesk.notify.tasks import schedule_fan_out
from tierdesk.tickets.access import visible_messages
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

# Which audit rows become which webhook event. Kinds not listed are not announced.
EVENT_OF_KIND: dict[str, str] = {
    EventKind.CREATED: WebhookEvent.TICKET_CREATED,
    EventKind.HANDED_OVER: WebhookEvent.TICKET_HANDED_OVER,
    EventKind.BOUNCED: WebhookEvent.TICKET_BOUNCED,
    EventKind.ESCALATED: WebhookEvent.TICKET_ESCALATED,
    EventKind.ESCALATION_OVERRIDDEN: WebhookEvent.TICKET_ESCALATED,
    EventKind.FIX_DELIVERED: WebhookEvent.TICKET_FIX_DELIVERED,
    EventKind.RESOLVED: WebhookEvent.TICKET_RESOLVED,
    EventKind.FIX_VERIFIED: WebhookEvent.TICKET_RESOLVED,  # a passed verification resolves
    EventKind.REOPENED: WebhookEvent.TICKET_REOPENED,
    # Assignment (not a move): a lead's or partner admin's, the rota's, a hand-back.
    EventKind.ASSIGNED: WebhookEvent.TICKET_ASSIGNED,
    EventKind.UNASSIGNED: WebhookEvent.TICKET_ASSIGNED,
    # Every public message: a reply, the question that waits on the customer, their answer.
    EventKind.MESSAGE_ADDED: WebhookEvent.MESSAGE_CREATED,
    EventKind.ASKED_CUSTOMER: WebhookEvent.MESSAGE_CREATED,
    EventKind.CUSTOMER_REPLIED: WebhookEvent.MESSAGE_CREATED,
}


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """The ticket as every webhook may see it: identity, place in the process, platform
    IDs. No description, logs, customer or notes."""
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "reference": ticket.reference,
        "title": ticket.title,
        "level": ticket.level,
        "status": ticket.status,
        "priority": ticket.priority,
        "incident": ticket.incident,
        "partner": ticket.partner.name,
        "contract_id": ticket.contract_id,
        "workspace_id": ticket.workspace_id,
        "flow_id": ticket.flow_id,
        "flow_version": ticket.flow_version,
        "version": ticket.version,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
    }


def _public_message(ticket: Ticket, message_id: Any) -> dict[str, Any] | None:
    messages = visible_messages(SYSTEM, ticket).filter(internal=False)
    message = messages.select_related("author").filter(pk=message_id).first()
    if message is None:
        return None
    return {
        "id": message.pk,
        "body": message.body,
        "author": message.author.email if message.author_id else None,
        "channel": message.channel,
        "created_at": iso(message.created_at),
    }


def _assignment(data: dict[str, Any]) -> dict[str, Any]:
    """Who has the ticket now and who had it before (emails; null for nobody)."""
    previous_id = data.get("previous_id")
    previous = None
    if previous_id is not None:
        previous = User.objects.filter(pk=previous_id).values_list("email", flat=True).first()
    return {"assignee": data.get("assignee"), "previous_assignee": previous}


def event_specifics(event: TicketEvent, ticket: Ticket) -> dict[str, Any] | None:
    """What the event adds to the ticket summary, or None when it must not leave."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.FIX_VERIFIED and not data.get("passed", True):
        return None
    specifics: dict[str, Any] = {"reason": event.reason}
    if event.from_level is not None:
        specifics["from"] = {"level": event.from_level, "status": event.from_status}
    if kind == EventKind.CREATED:
        specifics["channel"] = data.get("channel", "")
    elif kind == EventKind.HANDED_OVER:
        specifics["attempt"] = data.get("attempt")
    elif kind == EventKind.BOUNCED:
        specifics["items"] = list(data.get("items", []))
    elif kind in (EventKind.ESCALATED, EventKind.ESCALATION_OVERRIDDEN):
        specifics["override"] = kind == EventKind.ESCALATION_OVERRIDDEN
    elif kind == EventKind.FIX_DELIVERED:
        specifics["fix"] = {"id": data.get("fix_id"), "reference": data.get("reference", "")}
    elif kind in (EventKind.RESOLVED, EventKind.FIX_VERIFIED):
        specifics["resolution"] = ticket.resolution
        specifics["cause"] = ticket.resolution_cause
        specifics["resolved_level"] = ticket.resolved_level
        # What the customer was told (a public message), for a partner's tool to relay.
        message = _public_message(ticket, data.get("message_id"))
        specifics["customer_message"] = message["body"] if message else ""
        if kind == EventKind.FIX_VERIFIED:
            specifics["fix"] = {"id": data.get("fix_id")}
    elif kind in (EventKind.ASSIGNED, EventKind.UNASSIGNED):
        specifics.update(_assignment(data))
    elif EVENT_OF_KIND.get(kind) == WebhookEvent.MESSAGE_CREATED:
        message = _public_message(ticket, data.get("message_id"))
        if message is None:
            return None
        specifics["message"] = message
    return specifics


def record_ticket_event(event: TicketEvent) -> OutboxEvent | None:
    """The outbox row for an audit row, in the caller's transaction; None when the kind
    is not announced (or the message is internal)."""
    name = EVENT_OF_KIND.get(event.kind)
    if name is None:
        return None
    ticket = event.ticket
    specifics = event_specifics(event, ticket)
    if specifics is None:
        return None
    return _write(name, ticket, specifics, event.created_at, ticket_event_id=event.pk)


def _check_emit(event_name: str, data: dict[str, Any]) -> None:
    if event_name not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event_name!r}")
    if "ticket" in data:
        raise ValueError("`data` must not replace the ticket summary")


def emit(event_name: str, ticket: Ticket, data: dict[str, Any], now: datetime) -> OutboxEvent:
    """Announce `event_name` about `ticket` with `data` beside the ticket summary, in the
    caller's transaction (call it inside `transaction.atomic`). For events that are not
    ticket moves, e.g. `sla.at_risk` / `sla.breached`. `data` must be JSON-serialisable
    and must not carry internal notes. Raises ValueError for an unknown event name."""
    _check_emit(event_name, data)
    return _write(event_name, ticket, dict(data), now)


def emit_many(rows: list[tuple[str, Ticket, dict[str, Any]]], now: datetime) -> list[OutboxEvent]:
    """`emit()` for many (event name, ticket, data) at once: one query for the listening
    hooks, one insert. Load `ticket.partner` with the tickets (select_related)."""
    for event_name, _, data in rows:
        _check_emit(event_name, data)
    hooks = Webhook.objects.filter(active=True).values_list("organisation_id", "organisation__kind")
    listeners = set(hooks.distinct())
    vendor_listens = any(kind == OrgKind.VENDOR for _, kind in listeners)
    partners = {org_id for org_id, _ in listeners}
    created = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                event=name,
                occurred_at=now,
                payload={"ticket": ticket_summary(ticket), **data},
                ticket=ticket,
                partner_id=ticket.partner_id,
                fanned_out_at=None if vendor_listens or ticket.partner_id in partners else now,
                created_at=now,
            )
            for name, ticket, data in rows
        ]
    )
    for row in created:
        if row.fanned_out_at is None:
            schedule_fan_out(row.pk)
    return created


def _someone_listens(partner_id: int) -> bool:
    return (
        Webhook.objects.filter(active=True)
        .filter(Q(organisation_id=partner_id) | Q(organisation__kind=OrgKind.VENDOR))
        .exists()
    )


def _write(
    name: str,
    ticket: Ticket,
    specifics: dict[str, Any],
    now: datetime,
    *,
    ticket_event_id: int | None = None,
) -> OutboxEvent:
    # With no hook that could hear it, the row is born fanned out: no task is queued for
    # every event of an installation (or a demo history) without webhooks.
    listening = _someone_listens(ticket.partner_id)
    row = OutboxEvent.objects.create(
        event=name,
        occurred_at=now,
        payload={"ticket": ticket_summary(ticket), **specifics},
        ticket=ticket,
        partner_id=ticket.partner_id,
        ticket_event_id=ticket_event_id,
        fanned_out_at=None if listening else now,
        created_at=now,
    )
    if listening:
        schedule_fan_out(row.pk)
    return row
