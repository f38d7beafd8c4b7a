"""Every escalation ends on a problem record, whichever door escalated the ticket: the
ticket page's escalate action, the API's escalate action, the problems page and API
(`problem_escalate`) — each ticket linked once, each problem created once."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import record_reproduction, ticket_at
from tests.problems_support import escalated
from tests.test_api import client_for
from tierdesk.core.errors import Conflict
from tierdesk.notify.models import OutboxEvent
from tierdesk.problems import services
from tierdesk.problems.models import Problem, ProblemEvent, ProblemStatus, ProblemTicket
from tierdesk.problems.services.escalation import DEFAULT_PUBLIC_SUMMARY
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Status

API = "/api/v1"


def _reproduced(world, partner: str = "acme"):
    ticket = ticket_at(world, "in_progress@L2", partner)
    record_reproduction(world, ticket.pk)
    return ticket


def _state(world, ticket_id):
    ticket = get_ticket(world.actor("admin"), ticket_id)
    return (ticket.level, ticket.status)


def _trail(problem) -> list[str]:
    return list(ProblemEvent.objects.filter(problem=problem).values_list("kind", flat=True))


def _the_problem_of(ticket_id) -> Problem:
    return ProblemTicket.objects.select_related("problem").get(ticket_id=ticket_id).problem


def _post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_the_core_escalate_service_puts_the_ticket_on_a_new_problem(world):
    # given a ticket L2 reproduced
    ticket = _reproduced(world)
    # when L2 escalates it with the plain action of the workflow
    tickets.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket.pk)
    # then it waits at L3 on one new problem carrying what the escalation carried
    assert _state(world, ticket.pk) == (3, Status.NEW)
    problem = _the_problem_of(ticket.pk)
    assert Problem.objects.count() == 1
    assert problem.status == ProblemStatus.INVESTIGATING
    # (a neutral title: every partner's staff read it, never the customer's words)
    assert problem.title.startswith("Under investigation (escalated ")
    assert ticket.title not in problem.title
    assert problem.reproduction.ticket_id == ticket.pk
    assert problem.flow_ids == [ticket.flow_id]
    assert "HTTP step returns 401 after the token refresh." in problem.internal_analysis
    assert "refresh token is not persisted" in problem.internal_analysis
    assert ticket.reference in problem.internal_analysis
    # and what partners and customers read says nothing of the analysis
    assert problem.public_summary == DEFAULT_PUBLIC_SUMMARY
    assert problem.created_by == world.user("l2")
    assert _trail(problem) == ["created", "ticket_linked"]
    linked = OutboxEvent.objects.filter(event="problem.ticket_linked")
    assert list(linked.values_list("ticket_id", flat=True)) == [ticket.pk]


def test_the_ticket_page_escalate_action_puts_the_ticket_on_a_problem(world):
    # given L2 on the page of a reproduced ticket
    ticket = _reproduced(world, "globex")
    client = Client()
    client.force_login(world.user("l2"))
    version = get_ticket(world.actor("l2"), ticket.pk).version
    # when L2 uses the ticket page's escalate action (not the problems form)
    answer = client.post(f"/tickets/{ticket.number}/act/escalate/", {"version": version})
    # then the ticket is at L3 on a new problem, and the ticket page shows it
    assert answer.status_code in (302, 303), answer.content[:500]
    assert _state(world, ticket.pk) == (3, Status.NEW)
    problem = _the_problem_of(ticket.pk)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert problem.reference in page


def test_the_api_escalate_action_puts_the_ticket_on_a_problem_shown_in_its_detail(world):
    # given a reproduced ticket, and L2's API token
    ticket = _reproduced(world)
    l2 = client_for(world, "l2")
    # when L2 escalates it through the ticket's API action
    answer = _post(l2, f"{API}/tickets/{ticket.pk}/actions/escalate", {})
    # then the ticket's detail names its new problem
    assert answer.status_code == 200, answer.content
    problem = _the_problem_of(ticket.pk)
    detail = l2.get(f"{API}/tickets/{ticket.pk}").json()
    assert detail["problem"]["id"] == problem.pk
    # and the ticket's partner reads only its public parts
    seen = client_for(world, "acme_l1").get(f"{API}/tickets/{ticket.pk}").json()["problem"]
    assert seen["public_summary"] == DEFAULT_PUBLIC_SUMMARY
    assert seen["internal_analysis"] is None


def test_a_lead_override_creates_a_problem_that_names_the_override(world):
    # given a ticket at L2 without a reproduction record
    ticket = ticket_at(world, "in_progress@L2")
    # when a support lead escalates it with an override
    tickets.ticket_escalate(
        actor=world.actor("lead"), ticket_id=ticket.pk, override_reason="Production is down."
    )
    # then its problem says so, internally
    problem = _the_problem_of(ticket.pk)
    assert "override: Production is down." in problem.internal_analysis
    assert problem.reproduction is None
    assert problem.created_by == world.user("lead")


def test_the_problems_api_escalation_links_once_and_creates_nothing_more(world):
    # given a problem from an earlier escalation
    _, problem = escalated(world, "acme")
    ticket = _reproduced(world, "globex")
    # when L2 escalates a Globex ticket onto it through the problems API
    answer = _post(
        client_for(world, "l2"),
        f"{API}/problems/escalations",
        {"ticket_id": ticket.pk, "problem_id": problem.pk},
    )
    # then it is linked once, and no other problem was made
    assert answer.status_code == 201, answer.content
    assert answer.json()["id"] == problem.pk
    assert Problem.objects.count() == 1
    assert _trail(problem) == ["created", "ticket_linked", "ticket_linked"]
    assert OutboxEvent.objects.filter(event="problem.ticket_linked", ticket=ticket).count() == 1


def test_the_problems_api_escalation_onto_a_new_problem_takes_the_given_texts(world):
    ticket = _reproduced(world)
    answer = _post(
        client_for(world, "l2"),
        f"{API}/problems/escalations",
        {
            "ticket_id": ticket.pk,
            "title": "Salesforce sessions expire",
            "public_summary": "Sessions expire mid-run; a fix is on its way.",
        },
    )
    assert answer.status_code == 201, answer.content
    problem = _the_problem_of(ticket.pk)
    assert (problem.title, problem.public_summary) == (
        "Salesforce sessions expire",
        "Sessions expire mid-run; a fix is on its way.",
    )
    # the analysis still carries what L2 found
    assert "HTTP step returns 401" in problem.internal_analysis
    assert Problem.objects.count() == 1 and _trail(problem) == ["created", "ticket_linked"]


def test_the_problems_page_form_escalates_onto_a_named_problem_once(world):
    _, problem = escalated(world, "acme")
    ticket = _reproduced(world, "globex")
    client = Client()
    client.force_login(world.user("l2"))
    client.post(f"/tickets/{ticket.number}/escalate-to-problem/", {"problem": problem.pk})
    assert _the_problem_of(ticket.pk).pk == problem.pk
    assert Problem.objects.count() == 1
    assert _trail(problem) == ["created", "ticket_linked", "ticket_linked"]


def test_escalating_again_after_a_return_keeps_the_ticket_on_its_problem(world):
    # given a ticket escalated onto a problem and returned to L2
    ticket_id, problem = escalated(world, "acme")
    tickets.ticket_return_to_l2(
        actor=world.actor("l3"), ticket_id=ticket_id, reason="Reproduce with version 4."
    )
    # when L2 escalates it again with the plain action
    tickets.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket_id)
    # then it is still on the same problem, linked once
    assert _the_problem_of(ticket_id).pk == problem.pk
    assert Problem.objects.count() == 1
    assert _trail(problem) == ["created", "ticket_linked"]


def test_escalating_onto_a_closed_or_another_problem_is_refused_and_nothing_moves(world):
    # given a closed problem, and a ticket returned to L2 from another problem
    closed = services.problem_create(
        actor=world.actor("l2"), fields={"title": "Old", "public_summary": "Old."}
    )
    services.problem_close(actor=world.actor("l3"), problem_id=closed.pk)
    ticket = _reproduced(world)
    # when L2 escalates the ticket onto the closed problem
    with pytest.raises(Conflict) as refused:
        services.problem_escalate(
            actor=world.actor("l2"), ticket_id=ticket.pk, problem_id=closed.pk
        )
    assert refused.value.code == "wrong_state"
    # then the ticket stays at L2 and no problem was made
    assert _state(world, ticket.pk) == (2, Status.IN_PROGRESS)
    assert Problem.objects.count() == 1 and not ProblemTicket.objects.exists()

    # given a ticket on one problem, returned to L2, and another open problem
    ticket_id, first = escalated(world, "globex")
    tickets.ticket_return_to_l2(actor=world.actor("l3"), ticket_id=ticket_id, reason="More.")
    other = services.problem_create(
        actor=world.actor("l2"), fields={"title": "Other", "public_summary": "Other."}
    )
    # when L2 escalates it onto the other: refused, it stays at L2 on its own problem
    with pytest.raises(Conflict):
        services.problem_escalate(actor=world.actor("l2"), ticket_id=ticket_id, problem_id=other.pk)
    assert _state(world, ticket_id) == (2, Status.IN_PROGRESS)
    assert _the_problem_of(ticket_id).pk == first.pk
