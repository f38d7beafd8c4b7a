"""One service per move of the workflow table.

Each locks the ticket (`get_ticket(..., for_update=True)`), checks the optional `version`,
calls `workflow.require()`, writes, and records exactly one event through `move()`.

What the customer reads is kept apart from what support notes for itself: a move that
tells the customer something takes a `customer_message` (resolve, verify fix) — or is the
question itself (ask customer) — stored as a public message on the ticket and named in
the move's event, which the portal and the customer's mail show. Resolution notes,
verification notes, fix references, reasons and bounce notes stay internal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.core.redaction import redact_fields, redact_text
from tierdesk.tickets import selectors, workflow
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import (
    Channel,
    EventKind,
    Fix,
    Handover,
    HandoverOutcome,
    Message,
    Ticket,
    Verification,
)
from tierdesk.tickets.services._moves import check_version, context, move
from tierdesk.tickets.services.create import _checklist_snapshot


def _begin(actor: Actor, ticket_id: int, version: int | None):
    ticket = get_ticket(actor, ticket_id, for_update=True)
    check_version(ticket, version)
    return ticket, clock.now()


def _pending_handover(ticket: Ticket) -> Handover | None:
    return ticket.handovers.filter(outcome=HandoverOutcome.PENDING).order_by("-attempt").first()


@transaction.atomic
def ticket_take(*, actor: Actor, ticket_id: int, version: int | None = None) -> Ticket:
    """Take a ticket from its level's intake queue. Of two agents taking it at once,
    exactly one wins: the other finds it in progress (WrongState, 409). At L2 this
    accepts the pending handover."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now)
    t = workflow.require("take", ctx)
    ticket.assignee = actor.user
    if ticket.level == 2:
        handover = _pending_handover(ticket)
        if handover:
            handover.outcome = HandoverOutcome.ACCEPTED
            handover.decided_by = actor.user
            handover.decided_at = now
            handover.save(update_fields=["outcome", "decided_by", "decided_at", "updated_at"])
    move(ticket, t, ctx)
    return ticket


def _message(ticket: Ticket, actor: Actor, body: str, *, internal: bool, channel: str) -> Message:
    body = redact_text(body)
    return Message.objects.create(
        ticket=ticket, author=actor.user, body=body, internal=internal, channel=channel
    )


def _check_customer_message(text: Any) -> str:
    """The customer message as given ("" for none); 422 naming `customer_message` when it
    cannot be stored."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InvalidInput({"customer_message": "must be text"})
    if "\x00" in text:
        raise InvalidInput({"customer_message": "contains a NUL character"})
    return text if text.strip() else ""


def _tell_customer(ticket: Ticket, actor: Actor, text: str, channel: str) -> dict[str, Any]:
    """Post the customer message of a move as a public reply; the event data naming it
    (the customer's mail quotes it from there). Nothing for an empty message."""
    if not text:
        return {}
    message = _message(ticket, actor, text, internal=False, channel=channel)
    return {"message_id": message.pk}


@transaction.atomic
def ticket_ask_customer(
    *,
    actor: Actor,
    ticket_id: int,
    message: str,
    version: int | None = None,
    channel: str = Channel.WEB,
) -> Ticket:
    """Post a public question and wait on the customer (the SLA clock pauses)."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"message": message})
    t = workflow.require("ask_customer", ctx)
    msg = _message(ticket, actor, message, internal=False, channel=channel)
    move(ticket, t, ctx, data={"message_id": msg.pk})
    return ticket


def customer_reply_in_tx(
    ticket: Ticket, *, actor: Actor, message: str, now, channel: str
) -> Message:
    """The customer's answer on a locked ticket waiting on them: the message and the
    move back to in progress, in the caller's transaction."""
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"message": message})
    t = workflow.require("customer_reply", ctx)
    msg = _message(ticket, actor, message, internal=False, channel=channel)
    move(ticket, t, ctx, data={"message_id": msg.pk})
    return msg


@transaction.atomic
def ticket_customer_reply(
    *,
    actor: Actor,
    ticket_id: int,
    message: str,
    version: int | None = None,
    channel: str = Channel.WEB,
) -> Ticket:
    """The customer answers; the ticket returns to in progress at its level."""
    ticket, now = _begin(actor, ticket_id, version)
    customer_reply_in_tx(ticket, actor=actor, message=message, now=now, channel=channel)
    return ticket


@transaction.atomic
def ticket_resolve(
    *,
    actor: Actor,
    ticket_id: int,
    resolution: str,
    cause: str,
    customer_message: str = "",
    version: int | None = None,
    channel: str = Channel.WEB,
) -> Ticket:
    """Solve it at this level, with the solution and its cause (internal: support's
    record) and, apart from them, the `customer_message` the customer reads in the
    portal and in the resolved mail (a public message; none when empty)."""
    ticket, now = _begin(actor, ticket_id, version)
    text = _check_customer_message(customer_message)
    ctx = context(
        actor=actor, ticket=ticket, now=now, payload={"resolution": resolution, "cause": cause}
    )
    t = workflow.require("resolve", ctx)
    _mark_resolved(ticket, actor, now, resolution=resolution, cause=cause)
    told = _tell_customer(ticket, actor, text, channel)
    move(ticket, t, ctx, reason=resolution, data={"cause": cause, **told})
    return ticket


def _mark_resolved(ticket: Ticket, actor: Actor, now, *, resolution: str, cause: str) -> None:
    ticket.resolution = resolution
    ticket.resolution_cause = cause
    ticket.resolved_at = now
    ticket.resolved_level = ticket.level
    ticket.resolved_by = actor.user


@transaction.atomic
def ticket_hand_over(*, actor: Actor, ticket_id: int, version: int | None = None) -> Ticket:
    """L1 → L2. Refused with every missing handover item (TransitionRefused, 422). Keeps
    the checklist as it stood in a Handover record."""
    ticket, now = _begin(actor, ticket_id, version)
    draft = selectors.handover_draft(ticket)
    ctx = context(actor=actor, ticket=ticket, now=now, handover=draft)
    t = workflow.require("hand_over", ctx)
    attempt = ticket.handovers.count() + 1
    Handover.objects.create(
        ticket=ticket,
        attempt=attempt,
        handed_over_by=actor.user,
        checklist=_checklist_snapshot(ticket, draft, now),
    )
    ticket.handed_over_by = actor.user
    ticket.assignee = None
    move(ticket, t, ctx, data={"attempt": attempt})
    return ticket


@transaction.atomic
def ticket_bounce(
    *, actor: Actor, ticket_id: int, items: list[str], note: str, version: int | None = None
) -> Ticket:
    """L2 sends the handover back to the agent who made it, naming the insufficient
    items and what is needed. Counted per partner as handover quality."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"items": items, "note": note})
    t = workflow.require("bounce", ctx)
    handover = ticket.handovers.order_by("-attempt").first()
    if handover:
        handover.outcome = HandoverOutcome.BOUNCED
        handover.decided_by = actor.user
        handover.decided_at = now
        handover.bounced_items = list(items)
        handover.bounce_note = note
        handover.save()
    ticket.assignee = ticket.handed_over_by
    move(ticket, t, ctx, reason=note, data={"items": list(items)})
    return ticket


@transaction.atomic
def ticket_escalate(
    *, actor: Actor, ticket_id: int, override_reason: str = "", version: int | None = None
) -> Ticket:
    """L2 → L3 on a complete reproduction record. A support lead may override the gate
    with a written reason; the override is its own audited event."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(
        actor=actor,
        ticket=ticket,
        now=now,
        payload={"override_reason": override_reason},
        reproduction=selectors.reproduction_draft(ticket),
    )
    t = workflow.require("escalate", ctx)
    overridden = bool(override_reason.strip())
    ticket.escalated_by = actor.user
    ticket.escalated_at = ticket.escalated_at or now
    ticket.assignee = None
    move(
        ticket,
        t,
        ctx,
        reason=override_reason,
        event=EventKind.ESCALATION_OVERRIDDEN if overridden else None,
        data={
            "override": overridden,
            "missing": [m.as_dict() for m in workflow.reproduction_missing(ctx.reproduction)]
            if overridden
            else [],
        },
    )
    return ticket


@transaction.atomic
def ticket_return_to_l2(
    *, actor: Actor, ticket_id: int, reason: str, version: int | None = None
) -> Ticket:
    """L3 sends it back to the L2 agent who escalated it, with the reason."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"reason": reason})
    t = workflow.require("return_to_l2", ctx)
    ticket.assignee = ticket.escalated_by
    move(ticket, t, ctx, reason=reason)
    return ticket


@transaction.atomic
def ticket_deliver_fix(
    *,
    actor: Actor,
    ticket_id: int,
    reference: str,
    release: str = "",
    notes: str = "",
    version: int | None = None,
) -> Ticket:
    """L3 delivers a fix; L2 (the escalating agent) verifies it against the reproduction."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"reference": reference})
    t = workflow.require("deliver_fix", ctx)
    fix = Fix.objects.create(
        ticket=ticket,
        delivered_by=actor.user,
        reference=reference.strip(),
        release=release,
        notes=notes,
    )
    ticket.assignee = ticket.escalated_by
    move(ticket, t, ctx, reason=notes, data={"fix_id": fix.pk, "reference": fix.reference})
    return ticket


@transaction.atomic
def ticket_verify_fix(
    *,
    actor: Actor,
    ticket_id: int,
    passed: bool,
    notes: str = "",
    customer_message: str = "",
    version: int | None = None,
    channel: str = Channel.WEB,
) -> Ticket:
    """Pass resolves the ticket (cause: platform defect, the fix and the verification
    notes as its internal resolution) and posts the `customer_message` — the only text
    the customer reads of it — as a public message; fail sends it back to L3 with what
    still fails, and the customer hears nothing (a customer message is refused, 422)."""
    ticket, now = _begin(actor, ticket_id, version)
    text = _check_customer_message(customer_message)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"passed": passed, "notes": notes})
    t = workflow.require("verify_fix", ctx)
    if text and not passed:
        raise InvalidInput(
            {"customer_message": "is sent only when the fix passed; a failed fix goes to L3"}
        )
    fix = ticket.fixes.filter(verification=Verification.PENDING).order_by("-created_at").first()
    if fix:
        fix.verification = Verification.PASSED if passed else Verification.FAILED
        fix.verified_by = actor.user
        fix.verified_at = now
        fix.verification_notes = notes
        fix.save()
    told: dict[str, Any] = {}
    if passed:
        reference = fix.reference if fix else ""
        _mark_resolved(
            ticket,
            actor,
            now,
            resolution=f"Fixed by {reference}. {notes}".strip(),
            cause="platform_defect",
        )
        told = _tell_customer(ticket, actor, text, channel)
    else:
        ticket.assignee = fix.delivered_by if fix else None
    move(
        ticket,
        t,
        ctx,
        reason=notes,
        event=EventKind.FIX_VERIFIED if passed else EventKind.FIX_FAILED,
        data={"passed": passed, "fix_id": fix.pk if fix else None, **told},
    )
    return ticket


@transaction.atomic
def ticket_reopen(
    *, actor: Actor, ticket_id: int, reason: str, version: int | None = None
) -> Ticket:
    """Within the reopen period: back to in progress at the level that resolved it, with
    the agent who resolved it."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"reason": reason})
    t = workflow.require("reopen", ctx)
    ticket.assignee = ticket.resolved_by
    ticket.resolved_at = None
    move(ticket, t, ctx, reason=reason)
    return ticket


@transaction.atomic
def ticket_close(
    *, actor: Actor, ticket_id: int, confirmed: bool = False, version: int | None = None
) -> Ticket:
    """Close after the reopen period, or once the customer confirmed the solution."""
    ticket, now = _begin(actor, ticket_id, version)
    ctx = context(actor=actor, ticket=ticket, now=now, payload={"confirmed": confirmed})
    t = workflow.require("close", ctx)
    ticket.closed_at = now
    move(ticket, t, ctx, data={"confirmed": confirmed or actor.is_customer})
    return ticket


# Every action of the workflow table with the payload keys its service takes: the API's
# POST /tickets/{id}/actions/{action} and the HTML action forms dispatch through it.
ACTION_SERVICES: dict[str, tuple[Callable[..., Ticket], tuple[str, ...]]] = {
    "take": (ticket_take, ()),
    "ask_customer": (ticket_ask_customer, ("message",)),
    "customer_reply": (ticket_customer_reply, ("message",)),
    "resolve": (ticket_resolve, ("resolution", "cause", "customer_message")),
    "hand_over": (ticket_hand_over, ()),
    "bounce": (ticket_bounce, ("items", "note")),
    "escalate": (ticket_escalate, ("override_reason",)),
    "return_to_l2": (ticket_return_to_l2, ("reason",)),
    "deliver_fix": (ticket_deliver_fix, ("reference", "release", "notes")),
    "verify_fix": (ticket_verify_fix, ("passed", "notes", "customer_message")),
    "reopen": (ticket_reopen, ("reason",)),
    "close": (ticket_close, ("confirmed",)),
}


_DEFAULTS: dict[str, Any] = {
    "message": "",
    "resolution": "",
    "cause": "",
    "items": [],
    "note": "",
    "reason": "",
    "reference": "",
    "passed": None,
    "customer_message": "",
}


def ticket_act(
    *,
    actor: Actor,
    ticket_id: int,
    action: str,
    payload: Mapping[str, Any],
    version: int | None = None,
) -> Ticket:
    """Run any action of the table by name with a payload (unknown keys are refused)."""
    workflow.get_transition(action)
    if action not in ACTION_SERVICES:
        raise InvalidInput({"action": f"'{action}' is not an action on an existing ticket"})
    service, keys = ACTION_SERVICES[action]
    unknown = sorted(set(payload) - set(keys))
    if unknown:
        raise InvalidInput({key: f"is not a parameter of {action}" for key in unknown})
    # A JSON null is "not given": the service's own default applies, never None.
    kwargs = {key: payload[key] for key in keys if payload.get(key) is not None}
    for key in keys:
        if key not in kwargs and key in _DEFAULTS:
            kwargs[key] = _DEFAULTS[key]
    kwargs = redact_fields(kwargs)  # notes, reasons, resolutions: secrets masked first
    return service(actor=actor, ticket_id=ticket_id, version=version, **kwargs)
