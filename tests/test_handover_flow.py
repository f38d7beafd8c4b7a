"""The level-to-level flows through the services: handover and bounce, escalation and its
override, fix delivery and verification, reopen and close, optimistic locking."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.factories import (
    GLOBEX_CONTRACT,
    PLAIN_LOG,
    complete_fields,
    new_ticket,
    record_reproduction,
    ticket_at,
)
from tierdesk.core.actor import SYSTEM
from tierdesk.core.clock import travel_to
from tierdesk.core.errors import StaleVersion, TransitionRefused, WrongState
from tierdesk.tickets import services, workflow
from tierdesk.tickets.models import (
    AttachmentKind,
    EventKind,
    Fix,
    Handover,
    HandoverOutcome,
    Message,
    Reproduction,
    Status,
    Ticket,
    TicketEvent,
    Verification,
)


def snapshot(ticket_id: int) -> dict:
    """Everything a refused call must leave as it was."""
    return {
        "row": Ticket.objects.filter(pk=ticket_id).values().get(),
        "events": list(TicketEvent.objects.filter(ticket_id=ticket_id).values_list("pk")),
        "handovers": list(Handover.objects.filter(ticket_id=ticket_id).values()),
        "fixes": list(Fix.objects.filter(ticket_id=ticket_id).values()),
        "messages": Message.objects.filter(ticket_id=ticket_id).count(),
        "reproductions": Reproduction.objects.filter(ticket_id=ticket_id).count(),
    }


def codes(error: TransitionRefused) -> list[str]:
    return [m.code for m in error.missing]


def last_event(ticket: Ticket) -> TicketEvent:
    return ticket.events.order_by("-pk").first()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Handover L1 → L2
# ---------------------------------------------------------------------------------------
def test_handover_is_refused_with_exactly_the_missing_items(world):
    # given a ticket in progress at L1 that has no log and no latest acceptable time
    ticket = new_ticket(world, pasted_log="", needed_by=None)
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    before = snapshot(ticket.pk)
    # when the L1 agent hands it over
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # then exactly those two items are listed (422), and nothing was written
    assert codes(refused.value) == ["logs", "deadline"]
    assert refused.value.status == 422
    assert snapshot(ticket.pk) == before
    assert not Handover.objects.filter(ticket_id=ticket.pk).exists()


def test_a_bare_ticket_misses_every_handover_item(world):
    # given a ticket with only a title and a description
    ticket = services.ticket_create(
        actor=world.actor("acme_l1"), data={"title": "Broken", "description": "It fails."}
    )
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # when it is handed over
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # then every item of the checklist is missing, in its order
    assert codes(refused.value) == list(workflow.HANDOVER_CODES)


def test_a_screenshot_is_not_a_log_but_an_attached_text_log_is(world):
    # given a ticket in progress at L1 with no pasted log and only a screenshot attached
    ticket = new_ticket(world, pasted_log="")
    l1 = world.actor("acme_l1")
    services.ticket_take(actor=l1, ticket_id=ticket.pk)
    services.attachment_add(
        actor=l1, ticket_id=ticket.pk, file=png_bytes(), filename="log.png", kind="screenshot"
    )
    # when it is handed over, then the log is still missing
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_hand_over(actor=l1, ticket_id=ticket.pk)
    assert codes(refused.value) == ["logs"]
    # when the execution's text log is attached and it is handed over again
    services.attachment_add(
        actor=l1, ticket_id=ticket.pk, file=PLAIN_LOG, filename="run.log", kind=AttachmentKind.LOG
    )
    services.ticket_hand_over(actor=l1, ticket_id=ticket.pk)
    # then it is at L2, and the snapshot counted one log and one screenshot
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.NEW)
    checklist = ticket.handovers.get().checklist
    assert (checklist["text_logs"], checklist["screenshots"]) == (1, 1)


def test_the_directory_refuses_a_contract_of_another_partner(world):
    # given an Acme ticket naming Globex's contract (its workspace and flow are Acme's),
    # stored before every write checked the directory (the services refuse it now:
    # test_directory_tenancy.py)
    ticket = new_ticket(world)
    Ticket.objects.filter(pk=ticket.pk).update(contract_id=GLOBEX_CONTRACT)
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # when it is handed over
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # then the platform IDs are refused, and only they
    assert codes(refused.value) == ["platform_ids"]
    assert "another partner" in refused.value.missing[0].message


def test_a_complete_handover_reaches_l2_with_its_checklist(world):
    # given a complete ticket in progress at L1
    ticket = ticket_at(world, "in_progress@L1")
    # when the L1 agent hands it over
    services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # then it waits in L2's intake, unassigned, remembering who handed it over
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.NEW)
    assert ticket.assignee_id is None
    assert ticket.handed_over_by_id == world.user("acme_l1").pk
    # and the attempt is kept with every item ok
    handover = ticket.handovers.get()
    assert (handover.attempt, handover.outcome) == (1, HandoverOutcome.PENDING)
    items = handover.checklist["items"]
    assert [item["code"] for item in items] == list(workflow.HANDOVER_CODES)
    assert all(item["ok"] for item in items)
    assert handover.checklist["fields"]["contract_id"] == ticket.contract_id
    event = last_event(ticket)
    assert event.kind == EventKind.HANDED_OVER and event.data == {"attempt": 1}


def test_bounce_then_second_handover_then_accept(world):
    # given a handover made by Acme's partner admin (not the agent who opened the ticket)
    ticket = new_ticket(world)
    admin, l2 = world.actor("acme_admin"), world.actor("l2")
    services.ticket_take(actor=admin, ticket_id=ticket.pk)
    services.ticket_hand_over(actor=admin, ticket_id=ticket.pk)
    services.ticket_take(actor=l2, ticket_id=ticket.pk)

    # when L2 bounces it naming the insufficient items and what is needed
    note = "The log is of another execution; give the steps for order 4711."
    services.ticket_bounce(actor=l2, ticket_id=ticket.pk, items=["logs", "steps"], note=note)

    # then it is in progress at L1, back with the person who handed it over
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (1, Status.IN_PROGRESS)
    assert ticket.assignee_id == world.user("acme_admin").pk
    first = ticket.handovers.get(attempt=1)
    assert first.outcome == HandoverOutcome.BOUNCED
    assert first.bounced_items == ["logs", "steps"]
    assert first.bounce_note == note
    assert first.decided_by_id == world.user("l2").pk
    event = last_event(ticket)
    assert (event.kind, event.reason, event.data) == (
        EventKind.BOUNCED,
        note,
        {"items": ["logs", "steps"]},
    )

    # when L1 adds what was asked for and hands over again
    services.ticket_update(
        actor=admin,
        ticket_id=ticket.pk,
        changes={"steps_to_reproduce": "1. Send order 4711\n2. Open the execution"},
        version=ticket.version,
    )
    services.ticket_hand_over(actor=admin, ticket_id=ticket.pk)
    # then it is the second attempt, pending
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.NEW)
    second = ticket.handovers.get(attempt=2)
    assert second.outcome == HandoverOutcome.PENDING
    assert last_event(ticket).data == {"attempt": 2}

    # when another L2 agent takes it
    services.ticket_take(actor=world.actor("l2b"), ticket_id=ticket.pk)
    # then the second attempt is accepted and the first stays bounced
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.outcome, second.decided_by_id) == (
        HandoverOutcome.ACCEPTED,
        world.user("l2b").pk,
    )
    assert first.outcome == HandoverOutcome.BOUNCED
    ticket.refresh_from_db()
    assert ticket.assignee_id == world.user("l2b").pk


def test_bounce_straight_from_the_intake_queue(world):
    # given a handover L2 has not taken yet
    ticket = ticket_at(world, "new@L2")
    # when L2 bounces it
    services.ticket_bounce(
        actor=world.actor("lead"), ticket_id=ticket.pk, items=["deadline"], note="Ask the date."
    )
    # then the pending attempt is bounced and the L1 agent has it again
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (1, Status.IN_PROGRESS)
    assert ticket.assignee_id == world.user("acme_l1").pk
    assert ticket.handovers.get().outcome == HandoverOutcome.BOUNCED


@pytest.mark.parametrize(
    ("items", "note", "expected"),
    [([], "Add the log.", ["items"]), (["logs"], "", ["note"]), (["nope"], "x", ["items"])],
)
def test_a_bounce_without_items_or_note_is_refused(world, items, note, expected):
    # given a handover in L2's queue
    ticket = ticket_at(world, "new@L2")
    before = snapshot(ticket.pk)
    # when L2 bounces it without naming items, or without saying what is needed
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_bounce(actor=world.actor("l2"), ticket_id=ticket.pk, items=items, note=note)
    # then it is refused with what is missing and the attempt stays pending
    assert codes(refused.value) == expected
    assert snapshot(ticket.pk) == before


# ---------------------------------------------------------------------------------------
# Created straight at L2 (a partner's helpdesk tool)
# ---------------------------------------------------------------------------------------
def test_create_handed_over_is_refused_and_creates_nothing(world):
    # given a partner's tool sending a ticket without a log and without the L1 checks
    data = complete_fields(pasted_log="", check_credentials="")
    # when it is created straight at L2
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_create(
            actor=world.actor("acme_l1"),
            data=data,
            customer=world.user("acme_customer").email,
            hand_over=True,
        )
    # then exactly the missing items are listed, and nothing exists
    assert codes(refused.value) == ["logs", "l1_checks"]
    assert refused.value.code == "create_handed_over_refused"
    assert Ticket.objects.count() == 0
    assert Handover.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_create_handed_over_complete_lands_at_l2(world):
    # given a complete ticket from a partner's tool
    # when it is created straight at L2
    ticket = services.ticket_create(
        actor=world.actor("acme_l1"),
        data=complete_fields(),
        customer=world.user("acme_customer").email,
        hand_over=True,
    )
    # then it is new at L2 with its first handover attempt, every item ok
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.NEW)
    assert ticket.handed_over_by_id == world.user("acme_l1").pk
    handover = ticket.handovers.get()
    assert (handover.attempt, handover.outcome) == (1, HandoverOutcome.PENDING)
    assert all(item["ok"] for item in handover.checklist["items"])
    event = ticket.events.get()
    assert (event.kind, event.to_level, event.to_status) == (EventKind.CREATED, 2, Status.NEW)


# ---------------------------------------------------------------------------------------
# Escalation L2 → L3
# ---------------------------------------------------------------------------------------
def test_escalation_without_a_reproduction_is_refused(world):
    # given a ticket in progress at L2 with no reproduction record
    ticket = ticket_at(world, "in_progress@L2")
    before = snapshot(ticket.pk)
    # when L2 escalates
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket.pk)
    # then it is refused (422) naming the reproduction, and nothing was written
    assert codes(refused.value) == ["reproduction"]
    assert refused.value.as_dict()["missing"][0]["code"] == "reproduction"
    assert snapshot(ticket.pk) == before


def test_escalation_with_an_incomplete_reproduction_lists_every_gap(world):
    # given a reproduction that did not reproduce and has no analysis
    ticket = ticket_at(world, "in_progress@L2")
    record_reproduction(world, ticket.pk, reproduced=False, analysis="")
    # when L2 escalates
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket.pk)
    # then each gap is listed
    assert codes(refused.value) == ["reproduced", "reproduction.analysis"]


def test_escalation_with_a_complete_reproduction_reaches_l3(world):
    # given a complete reproduction record
    ticket = ticket_at(world, "in_progress@L2")
    record_reproduction(world, ticket.pk)
    # when L2 escalates
    services.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket.pk)
    # then it is new at L3, unassigned, remembering who escalated it
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (3, Status.NEW)
    assert ticket.assignee_id is None
    assert ticket.escalated_by_id == world.user("l2").pk
    assert ticket.escalated_at is not None
    event = last_event(ticket)
    assert (event.kind, event.data["override"]) == (EventKind.ESCALATED, False)
    # and L3 can now take it
    services.ticket_take(actor=world.actor("l3"), ticket_id=ticket.pk)


def test_a_support_lead_overrides_the_escalation_gate_with_an_audited_reason(world):
    # given a ticket in progress at L2 without a reproduction
    ticket = ticket_at(world, "in_progress@L2")
    reason = "Outage across 40 customers; engineering must look now."
    # when the support lead escalates with a written reason
    services.ticket_escalate(actor=world.actor("lead"), ticket_id=ticket.pk, override_reason=reason)
    # then it is new at L3
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (3, Status.NEW)
    # and the override is its own event with the reason and what was missing
    event = last_event(ticket)
    assert event.kind == EventKind.ESCALATION_OVERRIDDEN
    assert event.reason == reason
    assert event.actor_id == world.user("lead").pk
    assert event.data["override"] is True
    assert [m["code"] for m in event.data["missing"]] == ["reproduction"]


def test_an_l2_agents_override_is_refused(world):
    # given a ticket in progress at L2 without a reproduction
    ticket = ticket_at(world, "in_progress@L2")
    before = snapshot(ticket.pk)
    # when an L2 agent (not a lead) tries to override
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_escalate(
            actor=world.actor("l2"), ticket_id=ticket.pk, override_reason="Urgent."
        )
    # then the override is refused and nothing moved
    assert codes(refused.value) == ["override_reason"]
    assert snapshot(ticket.pk) == before


# ---------------------------------------------------------------------------------------
# Fix delivery and verification L3 → L2
# ---------------------------------------------------------------------------------------
def escalated_by_lead_and_taken_by_l3(world) -> Ticket:
    """In progress at L3, escalated by the lead (L2's assignee is another agent)."""
    ticket = ticket_at(world, "in_progress@L2")  # assigned to "l2"
    services.ticket_escalate(
        actor=world.actor("lead"), ticket_id=ticket.pk, override_reason="Outage."
    )
    services.ticket_take(actor=world.actor("l3"), ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return ticket


def test_a_delivered_fix_goes_to_the_escalating_agent_for_verification(world):
    # given a ticket the lead escalated, in progress at L3
    ticket = escalated_by_lead_and_taken_by_l3(world)
    # when L3 delivers a fix
    services.ticket_deliver_fix(
        actor=world.actor("l3"), ticket_id=ticket.pk, reference="HF-2026-117", notes="Persist."
    )
    # then it is verifying at L2, with the one who escalated it
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.VERIFYING)
    assert ticket.assignee_id == world.user("lead").pk
    fix = ticket.fixes.get()
    assert (fix.reference, fix.verification) == ("HF-2026-117", Verification.PENDING)
    assert fix.delivered_by_id == world.user("l3").pk


def test_delivering_a_fix_needs_a_reference(world):
    ticket = ticket_at(world, "in_progress@L3")
    before = snapshot(ticket.pk)
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_deliver_fix(actor=world.actor("l3"), ticket_id=ticket.pk, reference=" ")
    assert codes(refused.value) == ["reference"]
    assert snapshot(ticket.pk) == before


def test_a_verified_fix_resolves_the_ticket(world):
    # given a fix awaiting verification
    ticket = ticket_at(world, "verifying@L2")
    # when L2 verifies it passed
    services.ticket_verify_fix(
        actor=world.actor("l2"), ticket_id=ticket.pk, passed=True, notes="Order 4711 syncs."
    )
    # then the ticket is resolved at L2 as a platform defect fixed by that reference
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.RESOLVED)
    assert (ticket.resolved_level, ticket.resolution_cause) == (2, "platform_defect")
    assert "HF-2026-117" in ticket.resolution
    assert ticket.resolved_at is not None
    fix = ticket.fixes.get()
    assert (fix.verification, fix.verified_by_id) == (Verification.PASSED, world.user("l2").pk)
    assert last_event(ticket).kind == EventKind.FIX_VERIFIED


def test_a_failed_fix_goes_back_to_l3_with_the_notes(world):
    # given a fix awaiting verification
    ticket = ticket_at(world, "verifying@L2")
    notes = "Order 4712 still fails after the token refresh."
    # when L2 records that it failed
    services.ticket_verify_fix(
        actor=world.actor("l2"), ticket_id=ticket.pk, passed=False, notes=notes
    )
    # then it is in progress at L3 with the engineer who delivered it, and the notes kept
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (3, Status.IN_PROGRESS)
    assert ticket.assignee_id == world.user("l3").pk
    assert ticket.resolved_at is None
    fix = ticket.fixes.get()
    assert (fix.verification, fix.verification_notes) == (Verification.FAILED, notes)
    event = last_event(ticket)
    assert (event.kind, event.reason) == (EventKind.FIX_FAILED, notes)
    # when L3 delivers a second fix and it passes
    services.ticket_deliver_fix(actor=world.actor("l3"), ticket_id=ticket.pk, reference="HF-2")
    services.ticket_verify_fix(actor=world.actor("l2"), ticket_id=ticket.pk, passed=True)
    # then the ticket is resolved and the first fix stays failed
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert list(ticket.fixes.order_by("pk").values_list("reference", "verification")) == [
        ("HF-2026-117", Verification.FAILED),
        ("HF-2", Verification.PASSED),
    ]


def test_a_failed_verification_needs_notes(world):
    ticket = ticket_at(world, "verifying@L2")
    before = snapshot(ticket.pk)
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_verify_fix(actor=world.actor("l2"), ticket_id=ticket.pk, passed=False)
    assert codes(refused.value) == ["notes"]
    assert snapshot(ticket.pk) == before


def test_l3_returns_a_ticket_to_the_escalating_agent(world):
    # given a ticket the lead escalated, in progress at L3
    ticket = escalated_by_lead_and_taken_by_l3(world)
    # when L3 returns it with a reason
    services.ticket_return_to_l2(
        actor=world.actor("l3"), ticket_id=ticket.pk, reason="A configuration error."
    )
    # then it is in progress at L2 with the lead
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.IN_PROGRESS)
    assert ticket.assignee_id == world.user("lead").pk
    assert last_event(ticket).reason == "A configuration error."


# ---------------------------------------------------------------------------------------
# Reopen and close
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "level", "resolver"), [("resolved@L1", 1, "acme_l1"), ("resolved@L2", 2, "l2")]
)
def test_reopen_within_the_period_returns_to_the_resolving_level(world, state, level, resolver):
    # given a ticket resolved at `level` and a customer 13 days later
    ticket = ticket_at(world, state)
    with travel_to(timezone.now() + timedelta(days=13)):
        # when the customer reopens it
        services.ticket_reopen(
            actor=world.actor("acme_customer"), ticket_id=ticket.pk, reason="Still fails."
        )
    # then it is in progress at that level, with the agent who resolved it
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (level, Status.IN_PROGRESS)
    assert ticket.assignee_id == world.user(resolver).pk
    assert ticket.resolved_at is None
    event = last_event(ticket)
    assert (event.kind, event.reason) == (EventKind.REOPENED, "Still fails.")


def test_reopen_after_a_verified_fix_returns_to_l2(world):
    # given a ticket resolved by a verified fix
    ticket = ticket_at(world, "verifying@L2")
    services.ticket_verify_fix(actor=world.actor("l2"), ticket_id=ticket.pk, passed=True)
    # when the L1 agent reopens it for the customer
    services.ticket_reopen(actor=world.actor("acme_l1"), ticket_id=ticket.pk, reason="Again.")
    # then L2 has it again
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.IN_PROGRESS)


def test_reopen_after_the_period_is_refused(world):
    # given a ticket resolved 15 days ago (period: 14 days)
    ticket = ticket_at(world, "resolved@L1")
    before = snapshot(ticket.pk)
    # when the customer tries to reopen it
    with (
        travel_to(timezone.now() + timedelta(days=15)),
        pytest.raises(TransitionRefused) as refused,
    ):
        services.ticket_reopen(
            actor=world.actor("acme_customer"), ticket_id=ticket.pk, reason="Still fails."
        )
    # then the period has ended and nothing changed
    assert codes(refused.value) == ["period"]
    assert snapshot(ticket.pk) == before


def test_the_reopen_period_is_configurable(world, settings):
    # given a reopen period of two days and a ticket resolved three days ago
    settings.TIERDESK_REOPEN_DAYS = 2
    ticket = ticket_at(world, "resolved@L1")
    with travel_to(timezone.now() + timedelta(days=3)):
        # when it is reopened, then it is refused
        with pytest.raises(TransitionRefused):
            services.ticket_reopen(
                actor=world.actor("acme_l1"), ticket_id=ticket.pk, reason="Again."
            )
        # and an agent may now close it without confirmation
        services.ticket_close(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_the_customer_closes_at_any_time(world):
    # given a ticket resolved a moment ago
    ticket = ticket_at(world, "resolved@L2")
    # when the customer closes it
    services.ticket_close(actor=world.actor("acme_customer"), ticket_id=ticket.pk)
    # then it is closed, recorded as confirmed
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    event = last_event(ticket)
    assert (event.kind, event.data) == (EventKind.CLOSED, {"confirmed": True})


def test_an_agent_closes_when_the_customer_confirmed(world):
    ticket = ticket_at(world, "resolved@L1")
    services.ticket_close(actor=world.actor("acme_l1"), ticket_id=ticket.pk, confirmed=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_an_agent_may_not_close_unconfirmed_within_the_period(world):
    # given a ticket resolved a moment ago
    ticket = ticket_at(world, "resolved@L1")
    before = snapshot(ticket.pk)
    # when an agent closes it without the customer's confirmation
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_close(actor=world.actor("l2"), ticket_id=ticket.pk)
    # then it is refused
    assert codes(refused.value) == ["confirmed"]
    assert snapshot(ticket.pk) == before


@pytest.mark.parametrize("who", ["acme_l1", "system"])
def test_after_the_period_an_agent_or_the_system_closes(world, who):
    # given a ticket resolved 14 days ago
    ticket = ticket_at(world, "resolved@L1")
    actor = SYSTEM if who == "system" else world.actor(who)
    with travel_to(timezone.now() + timedelta(days=14, minutes=1)):
        # when it is closed without confirmation
        services.ticket_close(actor=actor, ticket_id=ticket.pk)
    # then it is closed, not recorded as confirmed
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert last_event(ticket).data == {"confirmed": False}


# ---------------------------------------------------------------------------------------
# Optimistic locking and the race for a ticket
# ---------------------------------------------------------------------------------------
def test_an_update_with_a_stale_version_overwrites_nothing(world):
    # given a ticket two people loaded at version 1, and one of them saved a change
    ticket = new_ticket(world)
    loaded = ticket.version
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        changes={"title": "Orders sync fails for EU orders"},
        version=loaded,
    )
    before = snapshot(ticket.pk)
    # when the other saves their change against the version they loaded
    with pytest.raises(StaleVersion) as stale:
        services.ticket_update(
            actor=world.actor("acme_admin"),
            ticket_id=ticket.pk,
            changes={"title": "Something else"},
            version=loaded,
        )
    # then it is a conflict (409) and the first change stands
    assert stale.value.status == 409
    assert snapshot(ticket.pk) == before
    ticket.refresh_from_db()
    assert ticket.title == "Orders sync fails for EU orders"
    assert ticket.version == loaded + 1


def test_an_action_with_a_stale_version_does_nothing(world):
    # given a ticket changed since an agent loaded it
    ticket = new_ticket(world)
    loaded = ticket.version
    services.ticket_update(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, changes={"priority": "high"}, version=1
    )
    before = snapshot(ticket.pk)
    # when the agent takes it with the version they loaded
    with pytest.raises(StaleVersion):
        services.ticket_take(actor=world.actor("acme_admin"), ticket_id=ticket.pk, version=loaded)
    # then nothing happened; with the current version it works
    assert snapshot(ticket.pk) == before
    services.ticket_take(actor=world.actor("acme_admin"), ticket_id=ticket.pk, version=loaded + 1)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == (Status.IN_PROGRESS, loaded + 2)


def test_of_two_agents_taking_one_ticket_the_second_gets_a_conflict(world):
    # given a ticket in Acme's L1 queue
    ticket = new_ticket(world)
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    before = snapshot(ticket.pk)
    # when the partner admin takes it too
    with pytest.raises(WrongState) as conflict:
        services.ticket_take(actor=world.actor("acme_admin"), ticket_id=ticket.pk)
    # then it is a 409 and the first agent keeps it
    assert conflict.value.status == 409
    assert snapshot(ticket.pk) == before
    ticket.refresh_from_db()
    assert ticket.assignee_id == world.user("acme_l1").pk
