"""The engineering loop on a problem: escalation creates or links it, a fix delivered
moves every waiting ticket, verification one by one or all, workaround now and fix later."""

from __future__ import annotations

import inspect

import pytest

from tests.factories import ticket_at
from tests.problems_support import brand_partners, escalated, three_tickets_two_partners
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, TransitionRefused, WrongState
from tierdesk.mail.models import MailKind, OutboundMail
from tierdesk.problems import services
from tierdesk.problems.models import ProblemEvent, ProblemStatus, ProblemTicket
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Status


def _state(world, ticket_id):
    ticket = get_ticket(world.actor("admin"), ticket_id)
    return (ticket.level, ticket.status)


def test_three_tickets_of_two_partners_one_fix_one_failure_two_branded_mails(world):
    # given three tickets of Acme and Globex escalated onto one problem
    brand_partners(world)
    problem, (a1, a2, g1) = three_tickets_two_partners(world)
    assert ProblemTicket.objects.filter(problem=problem).count() == 3
    assert problem.reproduction is not None and problem.flow_ids

    # when L3 delivers the fix on the problem
    moved = services.problem_deliver_fix(
        actor=world.actor("l3"), problem_id=problem.pk, reference="HF-2026-200"
    )

    # then all three wait in verification at L2, and the problem says so
    assert sorted(t.pk for t in moved) == sorted([a1, a2, g1])
    assert {_state(world, t) for t in (a1, a2, g1)} == {(2, Status.VERIFYING)}
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FIX_DELIVERED
    before = set(OutboundMail.objects.values_list("pk", flat=True))

    # when L2 fails one and passes the other two together
    services.problem_verify_fix(
        actor=world.actor("l2"),
        problem_id=problem.pk,
        passed=False,
        notes="Order 4712 still fails after the token refresh.",
        ticket_ids=[a2],
    )
    services.problem_verify_fix(
        actor=world.actor("l2"),
        problem_id=problem.pk,
        passed=True,
        customer_message="We fixed the expired Salesforce sessions; your flow runs again.",
    )

    # then only the failed one went back to L3; the other two are resolved
    assert _state(world, a2) == (3, Status.IN_PROGRESS)
    assert _state(world, a1) == (2, Status.RESOLVED)
    assert _state(world, g1) == (2, Status.RESOLVED)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FIX_IN_PROGRESS
    # and each customer got exactly one mail, in their own partner's brand
    mails = OutboundMail.objects.exclude(pk__in=before)
    acme = [m for m in mails if m.to_email == world.user("acme_customer").email]
    globex = [m for m in mails if m.to_email == world.user("globex_customer").email]
    assert [(m.kind, m.ticket_id) for m in acme] == [(MailKind.RESOLVED, a1)]
    assert [(m.kind, m.ticket_id) for m in globex] == [(MailKind.RESOLVED, g1)]
    assert "support@acme.example" in acme[0].from_email and "[ACME#" in acme[0].subject
    assert "help@globex.example" in globex[0].from_email and "[GLX#" in globex[0].subject
    # and no customer mail carries the internal analysis
    for mail in acme + globex:
        assert "token.js" not in mail.text_body and "token.js" not in mail.html_body
    # and once the ticket service takes a customer text, that is what they read instead
    # of the fix reference
    if "customer_message" in inspect.signature(tickets.ticket_verify_fix).parameters:
        for mail in acme + globex:
            assert "HF-2026-200" not in mail.text_body
            assert "your flow runs again" in mail.text_body


def test_escalating_a_second_ticket_links_it_to_the_named_problem(world):
    # given a problem from one escalation
    first, problem = escalated(world, "acme")
    # when another ticket is escalated onto it
    second, same = escalated(world, "globex", problem)
    # then both are its tickets, and the link is in the problem's trail
    assert same.pk == problem.pk
    assert set(
        ProblemTicket.objects.filter(problem=problem).values_list("ticket_id", flat=True)
    ) == {
        first,
        second,
    }
    kinds = list(ProblemEvent.objects.filter(problem=problem).values_list("kind", flat=True))
    assert kinds == ["created", "ticket_linked", "ticket_linked"]


def test_a_refused_escalation_creates_no_problem(world):
    # given a ticket at L2 without a reproduction record
    ticket = ticket_at(world, "in_progress@L2")
    # when L2 escalates it onto a new problem
    with pytest.raises(TransitionRefused):
        services.problem_escalate(
            actor=world.actor("l2"), ticket_id=ticket.pk, fields={"public_summary": "x"}
        )
    # then nothing was written
    assert not ProblemTicket.objects.exists()
    assert _state(world, ticket.pk) == (2, Status.IN_PROGRESS)


def test_a_ticket_belongs_to_one_problem(world):
    # given two problems
    ticket, first = escalated(world, "acme")
    second = services.problem_create(
        actor=world.actor("l2"), fields={"title": "Other", "public_summary": "Other."}
    )
    # when the ticket of the first is linked to the second
    with pytest.raises(Conflict):
        services.problem_link_ticket(
            actor=world.actor("l2"), problem_id=second.pk, ticket_id=ticket
        )
    # then it stays with the first
    assert ProblemTicket.objects.get(ticket_id=ticket).problem_id == first.pk


def test_bad_problem_input_names_the_field_and_writes_nothing(world):
    # when a problem comes without a public summary and with a bad component list
    with pytest.raises(InvalidInput) as refused:
        services.problem_create(
            actor=world.actor("l2"), fields={"title": "T", "components": "sync"}
        )
    # then each field is named
    assert set(refused.value.fields) == {"components"}
    with pytest.raises(InvalidInput) as refused:
        services.problem_create(actor=world.actor("l2"), fields={"title": "T"})
    assert set(refused.value.fields) == {"public_summary"}


def test_partner_staff_and_customers_may_not_write_problems(world):
    for who in ("acme_l1", "acme_admin", "acme_customer"):
        with pytest.raises(Forbidden):
            services.problem_create(
                actor=world.actor(who), fields={"title": "T", "public_summary": "S"}
            )


def test_verifying_a_ticket_of_another_problem_is_refused_and_nothing_moves(world):
    # given a problem whose fix is delivered, and another ticket verifying elsewhere
    problem, ids = three_tickets_two_partners(world)
    services.problem_deliver_fix(actor=world.actor("l3"), problem_id=problem.pk, reference="HF-1")
    other = ticket_at(world, "verifying@L2")
    # when L2 names the other ticket
    with pytest.raises(InvalidInput):
        services.problem_verify_fix(
            actor=world.actor("l2"),
            problem_id=problem.pk,
            passed=True,
            ticket_ids=[ids[0], other.pk],
        )
    # then nothing moved
    assert {_state(world, t) for t in ids} == {(2, Status.VERIFYING)}


def test_a_blank_fix_reference_moves_nothing(world):
    problem, ids = three_tickets_two_partners(world)
    with pytest.raises(InvalidInput):
        services.problem_deliver_fix(actor=world.actor("l3"), problem_id=problem.pk, reference=" ")
    assert {_state(world, t) for t in ids} == {(3, Status.NEW)}


def test_workaround_now_fix_later_tells_the_customer_once(world):
    # given a problem with a public workaround and an Acme ticket linked at L2
    brand_partners(world)
    _, problem = escalated(world, "globex")
    services.problem_update(
        actor=world.actor("l3"),
        problem_id=problem.pk,
        fields={
            "workaround": "Reconnect the Salesforce credential daily.",
            "workaround_public": True,
        },
    )
    waiting = ticket_at(world, "in_progress@L2")
    services.problem_link_ticket(
        actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
    )

    # when L2 resolves it with the workaround
    services.problem_apply_workaround(
        actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
    )

    # then the ticket is resolved, still linked, and the problem stays open
    assert _state(world, waiting.pk) == (2, Status.RESOLVED)
    problem.refresh_from_db()
    assert problem.is_open
    resolved_mail = OutboundMail.objects.get(ticket_id=waiting.pk, kind=MailKind.RESOLVED)
    assert "Reconnect the Salesforce credential daily." in resolved_mail.text_body

    # when the fix is delivered and released
    services.problem_deliver_fix(actor=world.actor("l3"), problem_id=problem.pk, reference="HF-9")
    services.problem_release(actor=world.actor("l3"), problem_id=problem.pk, release="2026.12")

    # then its customer was told once, in Acme's brand, and again releasing changes nothing
    told = OutboundMail.objects.filter(ticket_id=waiting.pk, kind=MailKind.REPLY)
    assert told.count() == 1
    assert "support@acme.example" in told.get().from_email
    assert "fix for the problem behind your ticket has shipped" in told.get().text_body
    with pytest.raises(WrongState):
        services.problem_release(actor=world.actor("l3"), problem_id=problem.pk)
    # and the customer can still reopen it to verify with us
    tickets.ticket_reopen(
        actor=world.actor("acme_customer"), ticket_id=waiting.pk, reason="Still fails for me."
    )
    assert _state(world, waiting.pk) == (2, Status.IN_PROGRESS)


def test_an_internal_workaround_needs_a_customer_text(world):
    _, problem = escalated(world, "acme")
    services.problem_update(
        actor=world.actor("l3"), problem_id=problem.pk, fields={"workaround": "Patch row 17 in db."}
    )
    waiting = ticket_at(world, "in_progress@L2", "globex")
    services.problem_link_ticket(
        actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
    )
    with pytest.raises(InvalidInput) as refused:
        services.problem_apply_workaround(
            actor=world.actor("l2"), problem_id=problem.pk, ticket_id=waiting.pk
        )
    assert "customer_message" in refused.value.fields
    assert _state(world, waiting.pk) == (2, Status.IN_PROGRESS)


def test_closing_a_problem_with_tickets_waiting_is_refused(world):
    problem, _ = three_tickets_two_partners(world)
    with pytest.raises(Conflict):
        services.problem_close(actor=world.actor("l3"), problem_id=problem.pk)


def test_a_failed_verification_after_a_fix_with_a_customer_text_tells_nobody(world):
    # given a fix delivered with what the customers are to read when it passes
    problem, (a1, a2, g1) = three_tickets_two_partners(world)
    services.problem_deliver_fix(
        actor=world.actor("l3"),
        problem_id=problem.pk,
        reference="HF-3",
        customer_message="Your flow runs again.",
    )
    before = set(OutboundMail.objects.values_list("pk", flat=True))
    # when L2 fails the verification of one ticket
    services.problem_verify_fix(
        actor=world.actor("l2"),
        problem_id=problem.pk,
        passed=False,
        notes="Still fails.",
        ticket_ids=[g1],
    )
    # then only that one goes back to L3, and no customer is told anything
    assert _state(world, g1) == (3, Status.IN_PROGRESS)
    assert {_state(world, t) for t in (a1, a2)} == {(2, Status.VERIFYING)}
    customers = [world.user(c).email for c in ("acme_customer", "globex_customer")]
    told = OutboundMail.objects.exclude(pk__in=before).filter(to_email__in=customers)
    assert not told.exists()
