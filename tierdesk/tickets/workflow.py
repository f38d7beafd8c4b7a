"""The ticket process on one screen: every move, who may make it, and its gate.

Pure: no database, no clock. Callers pass `now` and the facts a gate needs (see
`gates`). The same gate functions drive the handover form's live checklist, the API's 422
body and the services' guard, and `docs/process.md` is rendered from this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, Missing, TransitionRefused, WrongState
from tierdesk.tickets.gates import (
    HANDOVER_CODES,
    HANDOVER_ITEMS,
    Context,
    DirectoryFacts,
    GateItem,
    HandoverDraft,
    ReproductionDraft,
    TicketState,
    gate_bounce,
    gate_close,
    gate_escalate,
    gate_handover,
    gate_reopen,
    gate_resolve,
    gate_verify,
    handover_missing,
    handover_recommendations,
    reproduction_missing,
    require_text,
)
from tierdesk.tickets.models import EventKind, Status

__all__ = [
    "ACTIONS",
    "HANDOVER_CODES",
    "HANDOVER_ITEMS",
    "TABLE",
    "TRANSITIONS",
    "Context",
    "DirectoryFacts",
    "GateItem",
    "HandoverDraft",
    "ReproductionDraft",
    "Transition",
    "allowed_actions",
    "check",
    "handover_missing",
    "handover_recommendations",
    "may",
    "reproduction_missing",
    "require",
]

L1 = frozenset({Role.L1_AGENT, Role.PARTNER_ADMIN})
L2 = frozenset({Role.L2_AGENT, Role.SUPPORT_LEAD})
L3 = frozenset({Role.L3_ENGINEER})
CUSTOMER = frozenset({Role.CUSTOMER})
SYSTEM = frozenset({"system"})


# ---------------------------------------------------------------------------------------
# The transition table
# ---------------------------------------------------------------------------------------
State = tuple[int, str]
Gate = Callable[[Context], list[Missing]]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[State, ...]  # (level, status); empty for create
    target: str  # for people: "new@L2", "same level", …
    roles: frozenset[str]
    same_level: bool  # agents must work at the ticket's current level
    gate: Gate | None
    gate_text: str
    event: EventKind
    summary: str

    def destination(self, ticket: TicketState | None, payload: Mapping[str, Any]) -> State:
        return _DESTINATIONS[self.action](ticket, payload)


def _at(level: int, *statuses: str) -> tuple[State, ...]:
    return tuple((level, status) for status in statuses)


_DESTINATIONS: dict[str, Callable[[Any, Mapping[str, Any]], State]] = {
    "create": lambda t, p: (1, Status.NEW),
    "create_handed_over": lambda t, p: (2, Status.NEW),
    "take": lambda t, p: (t.level, Status.IN_PROGRESS),
    "ask_customer": lambda t, p: (t.level, Status.WAITING_ON_CUSTOMER),
    "customer_reply": lambda t, p: (t.level, Status.IN_PROGRESS),
    "resolve": lambda t, p: (t.level, Status.RESOLVED),
    "hand_over": lambda t, p: (2, Status.NEW),
    "bounce": lambda t, p: (1, Status.IN_PROGRESS),
    "escalate": lambda t, p: (3, Status.NEW),
    "return_to_l2": lambda t, p: (2, Status.IN_PROGRESS),
    "deliver_fix": lambda t, p: (2, Status.VERIFYING),
    "verify_fix": lambda t, p: (2, Status.RESOLVED) if p.get("passed") else (3, Status.IN_PROGRESS),
    "reopen": lambda t, p: (t.resolved_level or t.level, Status.IN_PROGRESS),
    "close": lambda t, p: (t.level, Status.CLOSED),
}

IN_PROGRESS, WAITING = Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER


def _at_any(status: str) -> tuple[State, ...]:
    return tuple((level, status) for level in (1, 2, 3))


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "create", sources=(), target="new@L1", roles=CUSTOMER | L1, same_level=False,
        gate=None, gate_text="valid fields", event=EventKind.CREATED,
        summary="A customer reports, or an L1 agent records, a problem.",
    ),
    Transition(
        "create_handed_over", sources=(), target="new@L2", roles=L1, same_level=False,
        gate=gate_handover, gate_text="handover gate", event=EventKind.CREATED,
        summary="A partner hands a ticket over straight from its own helpdesk tool.",
    ),
    Transition(
        "take", sources=_at_any(Status.NEW), target="in_progress, same level",
        roles=L1 | L2 | L3, same_level=True,
        gate=None, gate_text="an agent of that level (at L2 this accepts the handover)",
        event=EventKind.TAKEN,
        summary="An agent of the ticket's level takes it from the intake queue.",
    ),
    Transition(
        "ask_customer", sources=_at(1, IN_PROGRESS) + _at(2, IN_PROGRESS),
        target="waiting_on_customer, same level", roles=L1 | L2, same_level=True,
        gate=require_text("message", "message", "Write the question for the customer."),
        gate_text="a question", event=EventKind.ASKED_CUSTOMER,
        summary="Ask the customer; the SLA clock pauses.",
    ),
    Transition(
        "customer_reply", sources=_at(1, WAITING) + _at(2, WAITING),
        target="in_progress, same level", roles=CUSTOMER | L1 | L2, same_level=True,
        gate=require_text("message", "message", "Write the customer's answer."),
        gate_text="the answer", event=EventKind.CUSTOMER_REPLIED,
        summary="The customer answers (or an agent records an answer given by phone).",
    ),
    Transition(
        "resolve", sources=_at(1, IN_PROGRESS, WAITING) + _at(2, IN_PROGRESS, WAITING),
        target="resolved, same level", roles=L1 | L2 | SYSTEM, same_level=True,
        gate=gate_resolve, gate_text="resolution text and cause", event=EventKind.RESOLVED,
        summary="Solve it at this level: internal resolution notes and cause, and apart "
        "from them the message the customer reads. A ticket waiting on a customer who "
        "never answers is resolved as \"no reply\" (the automation, as the system).",
    ),
    Transition(
        "hand_over", sources=_at(1, IN_PROGRESS), target="new@L2", roles=L1, same_level=False,
        gate=gate_handover, gate_text="handover gate", event=EventKind.HANDED_OVER,
        summary="L1 hands over to L2 with everything L2 needs.",
    ),
    Transition(
        "bounce", sources=_at(2, Status.NEW, IN_PROGRESS),
        target="in_progress@L1 (the handing-over agent)", roles=L2, same_level=False,
        gate=gate_bounce, gate_text="insufficient items named, and what is needed",
        event=EventKind.BOUNCED, summary="L2 sends an insufficient handover back to L1.",
    ),
    Transition(
        "escalate", sources=_at(2, IN_PROGRESS), target="new@L3", roles=L2, same_level=False,
        gate=gate_escalate,
        gate_text="complete reproduction record, or a support lead's override with a reason "
                  "(audited)",
        event=EventKind.ESCALATED, summary="L2 escalates a reproduced problem to engineering.",
    ),
    Transition(
        "return_to_l2", sources=_at(3, Status.NEW, IN_PROGRESS),
        target="in_progress@L2 (the escalating agent)", roles=L3, same_level=False,
        gate=require_text("reason", "reason", "Say why it goes back to L2."),
        gate_text="a reason", event=EventKind.RETURNED_TO_L2,
        summary="L3 sends it back to L2 (not a defect, reproduction insufficient…).",
    ),
    Transition(
        "deliver_fix", sources=_at(3, IN_PROGRESS),
        target="verifying@L2 (the escalating agent)", roles=L3, same_level=False,
        gate=require_text("reference", "reference", "Give the hot-fix reference."),
        gate_text="fix reference", event=EventKind.FIX_DELIVERED,
        summary="L3 delivers a fix for L2 to verify against the reproduction.",
    ),
    Transition(
        "verify_fix", sources=_at(2, Status.VERIFYING),
        target="resolved@L2 if passed, in_progress@L3 if failed", roles=L2, same_level=False,
        gate=gate_verify, gate_text="verification result (notes when failed)",
        event=EventKind.FIX_VERIFIED,
        summary="L2 verifies the fix against the reproduction record; a passed fix tells "
        "the customer in a message of its own (the verification notes stay internal).",
    ),
    Transition(
        "reopen", sources=_at_any(Status.RESOLVED),
        target="in_progress at the level that resolved it", roles=CUSTOMER | L1 | L2,
        same_level=False, gate=gate_reopen, gate_text="within the reopen period, with a reason",
        event=EventKind.REOPENED, summary="The customer (or an agent) says it is not solved.",
    ),
    Transition(
        "close", sources=_at_any(Status.RESOLVED), target="closed",
        roles=CUSTOMER | L1 | L2 | SYSTEM, same_level=False,
        gate=gate_close, gate_text="after the reopen period, or confirmed by the customer",
        event=EventKind.CLOSED, summary="Close a resolved ticket.",
    ),
)
# fmt: on

TABLE: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
ACTIONS = tuple(TABLE)


def get_transition(action: str) -> Transition:
    try:
        return TABLE[action]
    except KeyError:
        raise WrongState(f"Unknown action '{action}'.", code="unknown_action") from None


def _role_refusal(t: Transition, actor: Actor, ticket: TicketState | None) -> str | None:
    if actor.role not in t.roles:
        return f"A {actor.role.replace('_', ' ')} may not {t.action.replace('_', ' ')}."
    if t.same_level and actor.level is not None and ticket is not None:
        if actor.level != ticket.level:
            return (
                f"Only agents of level {ticket.level} may {t.action.replace('_', ' ')} this ticket."
            )
    return None


def _state_ok(t: Transition, ticket: TicketState | None) -> bool:
    if not t.sources:
        return ticket is None
    return ticket is not None and (ticket.level, ticket.status) in t.sources


def may(action: str, actor: Actor, ticket: TicketState | None) -> bool:
    """Role and state allow the action (the gate is not evaluated)."""
    t = TABLE.get(action)
    return t is not None and _state_ok(t, ticket) and _role_refusal(t, actor, ticket) is None


def allowed_actions(actor: Actor, ticket: TicketState) -> list[str]:
    """The actions this actor may offer on this ticket now (for buttons and forms)."""
    return [t.action for t in TRANSITIONS if t.sources and may(t.action, actor, ticket)]


def check(action: str, ctx: Context) -> list[Missing]:
    """Only the gate: every missing item of `action` for this context."""
    t = get_transition(action)
    return t.gate(ctx) if t.gate else []


def require(action: str, ctx: Context) -> Transition:
    """Role, state, then gate. Raises Forbidden (role), WrongState (state) or
    TransitionRefused (gate, listing every missing item); returns the transition."""
    t = get_transition(action)
    if ctx.actor.role not in t.roles:
        raise Forbidden(_role_refusal(t, ctx.actor, ctx.ticket) or "Not allowed.")
    if not _state_ok(t, ctx.ticket):
        ticket = ctx.ticket
        where = f"{ticket.status}@L{ticket.level}" if ticket else "a new ticket"
        raise WrongState(f"Cannot {action.replace('_', ' ')} a ticket that is {where}.")
    refusal = _role_refusal(t, ctx.actor, ctx.ticket)
    if refusal:
        raise Forbidden(refusal)
    missing = t.gate(ctx) if t.gate else []
    if missing:
        raise TransitionRefused(
            f"Cannot {action.replace('_', ' ')}: " + "; ".join(m.message for m in missing),
            missing=missing,
            code=f"{action}_refused",
        )
    return t
