"""Every escalation ends on a problem.

Whichever door escalates a ticket (the ticket page's escalate action, the API's
`POST /tickets/{id}/actions/escalate`, `problem_escalate` from the problems page or
`POST /problems/escalations`), the core's `ticket_escalate` writes its `escalated` (or
`escalation_overridden`) event, and `on_ticket_escalated` — a `tickets.bus` listener in
the escalation's transaction — puts the ticket on a problem:

* the problem `problem_escalate` names (a closed one, or the ticket being on another
  problem, refuses the whole escalation);
* else the problem the ticket is on already (escalated again after a return to L2:
  nothing changes);
* else a new problem carrying what the escalation carried: a neutral title (every
  partner's staff read titles: a customer's words never become one), the
  reproduction record it stands on, the affected flow, L2's observation and analysis
  (internal), or the lead's override reason and the missing items when the gate was
  overridden; a public summary that says only that engineering investigates, unless
  `problem_escalate` was given one.

`problem_escalate` says which problem through a context variable read by the listener,
so the link is written once, by one code path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tierdesk.core.actor import SYSTEM, Actor, actor_for
from tierdesk.core.errors import DomainError
from tierdesk.problems.access import get_problem, ticket_problem_link
from tierdesk.problems.models import Problem
from tierdesk.problems.services._common import WORKERS, require_role
from tierdesk.problems.services.records import problem_create, problem_link_ticket
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket, visible_reproductions
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

ESCALATION_KINDS = frozenset({EventKind.ESCALATED, EventKind.ESCALATION_OVERRIDDEN})
# What partners and customers read of a problem nobody has described yet.
DEFAULT_TITLE = "Under investigation (escalated {day})"
DEFAULT_PUBLIC_SUMMARY = (
    "Our engineers are investigating this problem. We will update you when a fix is ready."
)


@dataclass(frozen=True)
class Onto:
    """What `problem_escalate` asks of the escalation of `ticket_id`."""

    ticket_id: int
    actor: Actor
    problem_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)


_onto: ContextVar[Onto | None] = ContextVar("tierdesk_problem_escalation_onto", default=None)


@contextlib.contextmanager
def escalating_onto(onto: Onto) -> Iterator[None]:
    token = _onto.set(onto)
    try:
        yield
    finally:
        _onto.reset(token)


def _actor_of(event: TicketEvent) -> Actor:
    """Who escalated: the problem is theirs (its trail names them)."""
    if event.actor is None:
        return SYSTEM
    try:
        return actor_for(event.actor)
    except DomainError:
        return SYSTEM


def escalation_fields(event: TicketEvent, ticket: Ticket, given: dict[str, Any]) -> dict:
    """A new problem's fields from the escalation: what was given, else the ticket's
    title, the neutral public summary, and as internal analysis what L2 found (the
    reproduction's observation and analysis) or the lead's override."""
    values = dict(given)
    if not values.get("title"):
        # Every partner's staff read a problem's title: a customer's words (the ticket's
        # title) must not become it. Staff name the problem once they know the cause.
        values["title"] = DEFAULT_TITLE.format(day=event.created_at.date().isoformat())
    if "public_summary" not in values:
        values["public_summary"] = DEFAULT_PUBLIC_SUMMARY
    if "internal_analysis" not in values:
        values["internal_analysis"] = _analysis(event, ticket)
    return values


def _analysis(event: TicketEvent, ticket: Ticket) -> str:
    lines = [f"Escalated from {ticket.reference}."]
    if event.kind == EventKind.ESCALATION_OVERRIDDEN:
        lines.append(f"Escalated by a lead's override: {event.reason.strip()}")
        missing = [m.get("message", "") for m in (event.data or {}).get("missing", [])]
        if missing:
            lines.append("Missing from the reproduction record: " + " ".join(missing))
    reproduction = visible_reproductions(SYSTEM, ticket).order_by("-created_at", "-pk").first()
    if reproduction is not None:
        for label, text in (
            ("Environment", reproduction.environment),
            ("Observed", reproduction.observed),
            ("L2's analysis", reproduction.analysis),
        ):
            if text.strip():
                lines.append(f"{label}: {text.strip()}")
    return "\n".join(lines)


def on_ticket_escalated(event: TicketEvent) -> None:
    """Put the escalated ticket on a problem (see the module's docstring), in the
    escalation's transaction: a refusal here refuses the escalation."""
    onto = _onto.get()
    if onto is not None and onto.ticket_id != event.ticket_id:
        onto = None
    actor = onto.actor if onto is not None else _actor_of(event)
    if onto is not None and onto.problem_id is not None:
        # Linking again to its own problem changes nothing; to another is a Conflict.
        problem_link_ticket(actor=actor, problem_id=onto.problem_id, ticket_id=event.ticket_id)
        return
    ticket = get_ticket(SYSTEM, event.ticket_id)
    if ticket_problem_link(ticket) is not None:
        return
    fields = escalation_fields(event, ticket, onto.fields if onto is not None else {})
    problem_create(actor=actor, fields=fields, ticket_id=event.ticket_id)


@transaction.atomic
def problem_escalate(
    *,
    actor: Actor,
    ticket_id: int,
    problem_id: int | None = None,
    fields: dict[str, Any] | None = None,
    override_reason: str = "",
    version: int | None = None,
) -> Problem:
    """Escalate a ticket to L3 (`tickets.ticket_escalate`, with its gate) onto a problem:
    the named one, the one it is already linked to, or a new one from `fields` (title,
    public summary, analysis, components; what is not given comes from the escalation).
    Nothing is written when the escalation or the link is refused."""
    require_role(actor, WORKERS, "escalate")
    onto = Onto(ticket_id=ticket_id, actor=actor, problem_id=problem_id, fields=dict(fields or {}))
    with escalating_onto(onto):
        tickets.ticket_escalate(
            actor=actor, ticket_id=ticket_id, override_reason=override_reason, version=version
        )
    link = ticket_problem_link(get_ticket(actor, ticket_id))
    if link is None:  # only if the problems app's listener is not subscribed
        raise DomainError("The escalation was not put on a problem.")
    return get_problem(actor, link.problem_id)
