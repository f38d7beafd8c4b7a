"""Every move of the table, from every state, by every role — through the services.

The expectations are NOT read from `workflow`: `design_allows` below restates DESIGN.md §2
on its own, so a wrong row in the table (or a service that skips `require`) fails here.
For each state one ticket is walked there through the services; each attempt runs in a
savepoint that is rolled back, so every (action, role) meets the same ticket.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from tests.factories import World, complete_fields, record_reproduction, ticket_at
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput, NotFound, WrongState
from tierdesk.tickets import services, workflow
from tierdesk.tickets.models import (
    Fix,
    Handover,
    Message,
    Reproduction,
    Ticket,
    TicketEvent,
)

# ---------------------------------------------------------------------------------------
# DESIGN.md §2, restated independently of workflow.py
# ---------------------------------------------------------------------------------------
L1_AGENTS = frozenset({"l1_agent", "partner_admin"})
L2_AGENTS = frozenset({"l2_agent", "support_lead"})
L3_AGENTS = frozenset({"l3_engineer"})
AGENTS_OF = {1: L1_AGENTS, 2: L2_AGENTS, 3: L3_AGENTS}
NEW, IN_PROGRESS, WAITING = "new", "in_progress", "waiting_on_customer"
VERIFYING, RESOLVED, CLOSED = "verifying", "resolved", "closed"


def design_allows(action: str, role: str, level: int, status: str) -> bool:
    """May `role` do `action` to a ticket at (level, status)? Read off DESIGN.md §2.

    Where §2 leaves room, the product's reading is written here: L3 neither talks to the
    customer nor resolves (its way out is a fix verified by L2, or a return to L2); the
    customer, L1 and L2 may reopen or close a resolved ticket; the system may close; a
    ticket waiting on a customer who never answers may be resolved (by its level's agents,
    or by the system's "no reply" automation), and the system resolves as a rule says."""
    agent_here = role in AGENTS_OF[level]
    at = (level, status)
    if action == "take":  # new@Lx → in_progress@Lx, by an agent of level x
        return status == NEW and agent_here
    if action == "ask_customer":  # in_progress → waiting_on_customer (L1 and L2)
        return status == IN_PROGRESS and level in (1, 2) and agent_here
    if action == "customer_reply":  # waiting_on_customer → back, by the customer or agent
        return status == WAITING and level in (1, 2) and (role == "customer" or agent_here)
    if action == "resolve":  # in_progress or waiting_on_customer @Lx → resolved
        return (
            status in (IN_PROGRESS, WAITING)
            and level in (1, 2)
            and (agent_here or role == "system")
        )
    if action == "hand_over":  # in_progress@L1 → new@L2
        return at == (1, IN_PROGRESS) and role in L1_AGENTS
    if action == "bounce":  # new@L2 or in_progress@L2 → in_progress@L1
        return at in ((2, NEW), (2, IN_PROGRESS)) and role in L2_AGENTS
    if action == "escalate":  # in_progress@L2 → new@L3
        return at == (2, IN_PROGRESS) and role in L2_AGENTS
    if action == "return_to_l2":  # new/in_progress@L3 → in_progress@L2
        return at in ((3, NEW), (3, IN_PROGRESS)) and role in L3_AGENTS
    if action == "deliver_fix":  # in_progress@L3 → verifying@L2
        return at == (3, IN_PROGRESS) and role in L3_AGENTS
    if action == "verify_fix":  # verifying@L2 → resolved / in_progress@L3
        return at == (2, VERIFYING) and role in L2_AGENTS
    if action == "reopen":  # resolved → in_progress at the level that resolved it
        return status == RESOLVED and role in {"customer"} | L1_AGENTS | L2_AGENTS
    if action == "close":  # resolved → closed
        return status == RESOLVED and role in {"customer", "system"} | L1_AGENTS | L2_AGENTS
    raise AssertionError(f"DESIGN.md §2 has no action {action}")


def design_destination(action: str, ticket: Ticket) -> tuple[int, str]:
    level = ticket.level
    return {
        "take": (level, IN_PROGRESS),
        "ask_customer": (level, WAITING),
        "customer_reply": (level, IN_PROGRESS),
        "resolve": (level, RESOLVED),
        "hand_over": (2, NEW),
        "bounce": (1, IN_PROGRESS),
        "escalate": (3, NEW),
        "return_to_l2": (2, IN_PROGRESS),
        "deliver_fix": (2, VERIFYING),
        "verify_fix": (2, RESOLVED),  # the call below passes the verification
        "reopen": (ticket.resolved_level, IN_PROGRESS),
        "close": (level, CLOSED),
    }[action]


# Every state a ticket can be in, as `ticket_at` names it, and its (level, status).
STATES = {
    "new@L1": (1, NEW),
    "in_progress@L1": (1, IN_PROGRESS),
    "waiting@L1": (1, WAITING),
    "resolved@L1": (1, RESOLVED),
    "new@L2": (2, NEW),
    "in_progress@L2": (2, IN_PROGRESS),
    "waiting@L2": (2, WAITING),
    "resolved@L2": (2, RESOLVED),
    "new@L3": (3, NEW),
    "in_progress@L3": (3, IN_PROGRESS),
    "verifying@L2": (2, VERIFYING),
    "closed": (1, CLOSED),
}
ESCALATED = {"new@L3", "in_progress@L3", "verifying@L2"}  # what L3 can see (DESIGN.md §4)

# The people tried on an Acme ticket, with their role.
PEOPLE = {
    "acme_customer": "customer",
    "acme_l1": "l1_agent",
    "acme_admin": "partner_admin",
    "l2": "l2_agent",
    "lead": "support_lead",
    "l3": "l3_engineer",
    "admin": "admin",
    "system": "system",
}

# Each action with a payload that satisfies its gate, and the reason its event keeps.
Call = Callable[[Actor, int], Ticket]
CALLS: dict[str, tuple[Call, str]] = {
    "take": (lambda a, t: services.ticket_take(actor=a, ticket_id=t), ""),
    "ask_customer": (
        lambda a, t: services.ticket_ask_customer(actor=a, ticket_id=t, message="Which order?"),
        "",
    ),
    "customer_reply": (
        lambda a, t: services.ticket_customer_reply(actor=a, ticket_id=t, message="Order 4711."),
        "",
    ),
    "resolve": (
        lambda a, t: services.ticket_resolve(
            actor=a, ticket_id=t, resolution="Renewed the API key.", cause="credentials"
        ),
        "Renewed the API key.",
    ),
    "hand_over": (lambda a, t: services.ticket_hand_over(actor=a, ticket_id=t), ""),
    "bounce": (
        lambda a, t: services.ticket_bounce(
            actor=a, ticket_id=t, items=["logs"], note="Attach the execution log."
        ),
        "Attach the execution log.",
    ),
    "escalate": (lambda a, t: services.ticket_escalate(actor=a, ticket_id=t), ""),
    "return_to_l2": (
        lambda a, t: services.ticket_return_to_l2(
            actor=a, ticket_id=t, reason="Configuration, not a defect."
        ),
        "Configuration, not a defect.",
    ),
    "deliver_fix": (
        lambda a, t: services.ticket_deliver_fix(
            actor=a, ticket_id=t, reference="HF-2026-118", notes="Token persisted."
        ),
        "Token persisted.",
    ),
    "verify_fix": (
        lambda a, t: services.ticket_verify_fix(
            actor=a, ticket_id=t, passed=True, notes="Order 4711 syncs."
        ),
        "Order 4711 syncs.",
    ),
    "reopen": (
        lambda a, t: services.ticket_reopen(actor=a, ticket_id=t, reason="Order 4712 fails."),
        "Order 4712 fails.",
    ),
    "close": (lambda a, t: services.ticket_close(actor=a, ticket_id=t, confirmed=True), ""),
}


def test_every_action_of_the_table_is_tried_here():
    # given the workflow table
    # then each of its actions is covered: the ticket actions below, create separately
    assert set(workflow.ACTIONS) == set(CALLS) | {"create", "create_handed_over"}


def test_every_reachable_source_state_of_the_table_is_walked_to():
    # given every (level, status) the table moves from
    sources = {source for t in workflow.TRANSITIONS for source in t.sources}
    # then each is one of the states this test builds — except resolved@L3, which reopen
    # and close list but no move reaches: L3 never resolves, a verified fix resolves at L2
    assert sources - set(STATES.values()) == {(3, RESOLVED)}
    assert all(level != 3 for level, _ in workflow.TABLE["resolve"].sources)


def actor_of(world: World, who: str) -> Actor:
    return SYSTEM if who == "system" else world.actor(who)


def snapshot(ticket_id: int) -> dict:
    """Everything a refused call must leave as it was."""
    return {
        "row": Ticket.objects.filter(pk=ticket_id).values().get(),
        "events": TicketEvent.objects.filter(ticket_id=ticket_id).count(),
        "handovers": list(Handover.objects.filter(ticket_id=ticket_id).values()),
        "fixes": list(Fix.objects.filter(ticket_id=ticket_id).values()),
        "messages": Message.objects.filter(ticket_id=ticket_id).count(),
        "reproductions": Reproduction.objects.filter(ticket_id=ticket_id).count(),
    }


def expected_refusal(state: str, action: str, role: str) -> type[DomainError]:
    """Why the design refuses, in the order a person meets it: the ticket is not theirs
    to see (404); their role never does this (403); nobody does it from this state (409);
    someone may, but an agent of another level (403)."""
    if role == "l3_engineer" and state not in ESCALATED:
        return NotFound
    if not any(design_allows(action, role, lv, st) for lv, st in STATES.values()):
        return Forbidden
    level, status = STATES[state]
    if not any(design_allows(action, r, level, status) for r in PEOPLE.values()):
        return WrongState
    return Forbidden


@pytest.mark.parametrize("state", list(STATES))
def test_every_action_by_every_role_from(world, state):
    # given a ticket walked to `state` through the services (at in_progress@L2 with a
    # complete reproduction, so escalation is possible)
    ticket = ticket_at(world, state)
    if state == "in_progress@L2":
        record_reproduction(world, ticket.pk)
        ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == STATES[state]
    actors = {who: actor_of(world, who) for who in PEOPLE}
    # every attempt is rolled back, so each one starts from (and a refusal must leave) this
    before = snapshot(ticket.pk)
    wrong: list[str] = []

    for action, (call, reason) in CALLS.items():
        for who, role in PEOPLE.items():
            actor = actors[who]
            allowed = design_allows(action, role, ticket.level, ticket.status)
            if role == "l3_engineer" and state not in ESCALATED:
                allowed = False  # L3 does not see it at all
            label = f"{action} by {who} at {state}"
            with transaction.atomic():
                # when the person tries the action
                try:
                    call(actor, ticket.pk)
                except DomainError as exc:
                    outcome: DomainError | None = exc
                else:
                    outcome = None
                if outcome is None:
                    after = Ticket.objects.get(pk=ticket.pk)
                    new_events = list(
                        TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("pk")[
                            before["events"] :
                        ]
                    )
                refused_changed = outcome is not None and snapshot(ticket.pk) != before
                transaction.set_rollback(True)

            # then it happens exactly when DESIGN.md §2 allows it …
            if allowed and outcome is not None:
                wrong.append(f"{label}: allowed by the design, refused with {outcome!r}")
                continue
            if not allowed and outcome is None:
                wrong.append(f"{label}: refused by the design, but it happened")
                continue
            if outcome is not None:
                # … a refusal changes nothing and gives the right answer …
                if refused_changed:
                    wrong.append(f"{label}: refused, but something was written")
                expected = expected_refusal(state, action, role)
                if type(outcome) is not expected:
                    wrong.append(f"{label}: refused with {outcome!r}, expected {expected}")
                continue
            # … and a move writes exactly one event: from, to, who and why
            to = design_destination(action, ticket)
            if (after.level, after.status) != to:
                wrong.append(f"{label}: went to {after.status}@L{after.level}, not {to}")
            if after.version != ticket.version + 1:
                wrong.append(f"{label}: version {ticket.version} → {after.version}")
            if len(new_events) != 1:
                wrong.append(f"{label}: wrote {len(new_events)} events")
                continue
            event = new_events[0]
            got = (
                (event.from_level, event.from_status),
                (event.to_level, event.to_status),
                event.actor_id,
                event.actor_role,
                event.reason,
            )
            want = ((ticket.level, ticket.status), to, actor.user_id, actor.role, reason)
            if got != want:
                wrong.append(f"{label}: event {got}, expected {want}")

    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------
# create and create_handed_over: the moves without a ticket
# ---------------------------------------------------------------------------------------
CREATE_ALLOWED = {
    # role → (may create at L1, may hand over straight at L2)
    "acme_customer": (True, False),
    "acme_l1": (True, True),
    "acme_admin": (True, True),
    "l2": (False, False),
    "lead": (False, False),
    "l3": (False, False),
    "admin": (False, False),
}


@pytest.mark.parametrize("who", list(CREATE_ALLOWED))
@pytest.mark.parametrize("hand_over", [False, True])
def test_who_may_open_a_ticket(world, who, hand_over):
    # given a complete ticket and a person of each role
    allowed = CREATE_ALLOWED[who][hand_over]
    actor = world.actor(who)
    staff_of_acme = who in ("acme_l1", "acme_admin")
    customer = world.user("acme_customer").email if staff_of_acme else None
    data = complete_fields()
    if actor.is_customer:  # the L1 checks are staff-only (test_customer_lane.py)
        data = {k: v for k, v in data.items() if not k.startswith("check_")}
    # when they open it (straight at L2 when `hand_over`)
    try:
        ticket = services.ticket_create(
            actor=actor, data=data, customer=customer, hand_over=hand_over
        )
    except (Forbidden, InvalidInput):  # a customer's hand_over: 422 naming it
        ticket = None
    # then only customers and L1 open tickets, only L1 straight at L2; a refusal writes nothing
    if not allowed:
        assert ticket is None
        assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0
        return
    assert ticket is not None
    assert (ticket.level, ticket.status) == ((2, NEW) if hand_over else (1, NEW))
    events = list(ticket.events.all())
    assert len(events) == 1
    assert (events[0].kind, events[0].from_level, events[0].from_status) == ("created", None, "")
    assert (events[0].to_level, events[0].to_status) == (ticket.level, ticket.status)
    assert events[0].actor_id == actor.user_id
    assert ticket.partner_id == world.acme.pk
    assert ticket.customer_id == world.user("acme_customer").pk
