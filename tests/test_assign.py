"""Assignment: who may assign which ticket to whom, the events it writes, the API and the
ticket page's control. Assignment never moves a ticket."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound, StaleVersion, WrongState
from tierdesk.mail.models import OutboundMail
from tierdesk.tickets import assignees, services
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

API = "/api/v1"


def assign(world, who, ticket, to, reason="", version=None):
    return services.ticket_assign(
        actor=world.actor(who),
        ticket_id=ticket.pk,
        assignee_id=None if to is None else world.user(to).pk,
        reason=reason,
        version=version,
    )


def test_a_lead_reassigns_an_l2_ticket_with_a_reason_and_an_event(world):
    # given a ticket in progress at L2, taken by one L2 agent
    ticket = ticket_at(world, "in_progress@L2")
    state = (ticket.level, ticket.status, ticket.version)
    # when the lead gives it to the other L2 agent, with a reason
    ticket = assign(world, "lead", ticket, "l2b", reason="l2 is on the incident")
    # then it is theirs; level and status did not move; the version moved on
    assert ticket.assignee == world.user("l2b")
    assert (ticket.level, ticket.status) == state[:2] and ticket.version == state[2] + 1
    # and one ASSIGNED event records who, why, from whom
    event = TicketEvent.objects.filter(ticket=ticket).latest("pk")
    assert event.kind == EventKind.ASSIGNED and event.reason == "l2 is on the incident"
    assert event.data["assignee_id"] == world.user("l2b").pk
    assert event.data["previous_id"] == world.user("l2").pk
    # and the new assignee is mailed, in the same transaction
    assert OutboundMail.objects.filter(to_email=world.user("l2b").email).exists()


def test_unassigning_hands_the_ticket_back_with_an_event(world):
    ticket = ticket_at(world, "in_progress@L2")
    # when the lead unassigns it
    ticket = assign(world, "lead", ticket, None, reason="needs a fresh pair of eyes")
    # then nobody has it and the history says so
    assert ticket.assignee is None
    assert TicketEvent.objects.filter(ticket=ticket).latest("pk").kind == EventKind.UNASSIGNED


def test_an_assignee_may_hand_back_their_own_ticket_but_not_assign_it(world):
    ticket = ticket_at(world, "in_progress@L2")
    # when the L2 agent tries to give it to a colleague
    with pytest.raises(Forbidden):
        assign(world, "l2", ticket, "l2b")
    # then nothing changed; but handing it back is theirs to do
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.user("l2")
    assert assign(world, "l2", ticket, None).assignee is None


@pytest.mark.parametrize(
    "who, where, to, refusal",
    [
        ("l2", "new@L2", "l2b", Forbidden),  # an agent does not assign
        ("acme_l1", "in_progress@L1", "acme_admin", Forbidden),
        ("acme_admin", "new@L2", "l2", Forbidden),  # a partner admin assigns only at L1
        ("globex_admin", "new@L1", "globex_l1", NotFound),  # not their partner's ticket
        ("lead", "new@L2", "l3", InvalidInput),  # not of the ticket's level
        ("lead", "new@L1", "globex_l1", InvalidInput),  # L1 of another partner
        ("acme_admin", "new@L1", "globex_l1", InvalidInput),
        ("lead", "new@L2", "acme_customer", InvalidInput),
        ("lead", "resolved@L2", "l2b", WrongState),  # only open tickets
        ("customer", "new@L1", "acme_l1", Forbidden),  # their own ticket: seen, not assigned
    ],
)
def test_refusals_change_nothing(world, who, where, to, refusal):
    who = "acme_customer" if who == "customer" else who
    # given a ticket somewhere in the process
    ticket = ticket_at(world, where)
    before = (ticket.assignee_id, ticket.version, TicketEvent.objects.count())
    # when someone assigns it who may not, or to someone who may not have it
    with pytest.raises(refusal):
        assign(world, who, ticket, to)
    # then nothing was written
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.version, TicketEvent.objects.count()) == before


def test_a_partner_admin_assigns_l1_tickets_of_their_partner(world):
    ticket = ticket_at(world, "new@L1")
    ticket = assign(world, "acme_admin", ticket, "acme_l1", reason="yours")
    assert ticket.assignee == world.user("acme_l1") and ticket.status == "new"


def test_an_inactive_person_is_not_assigned(world):
    ticket = ticket_at(world, "new@L2")
    user = world.user("l2b")
    user.is_active = False
    user.save()
    with pytest.raises(InvalidInput) as refused:
        assign(world, "lead", ticket, "l2b")
    assert "assignee" in refused.value.fields


def test_a_stale_version_is_refused_and_the_same_assignee_is_no_change(world):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(StaleVersion):
        assign(world, "lead", ticket, "l2b", version=ticket.version - 1)
    events = TicketEvent.objects.count()
    assign(world, "lead", ticket, "l2")  # already theirs
    assert TicketEvent.objects.count() == events


def test_the_eligible_people_are_those_who_may_see_the_ticket(world):
    # given tickets at each level
    l1, l2, l3 = (ticket_at(world, w) for w in ("new@L1", "new@L2", "new@L3"))
    names = lambda t: sorted(u.email.split("@")[0] for u in assignees.eligible_assignees(t))  # noqa: E731
    # then each level offers its own people, L1 only the ticket's partner's
    assert names(l1) == ["acme_admin", "acme_l1"]
    assert names(l2) == ["l2", "l2b", "lead"]
    assert names(l3) == ["l3"]
    # and each of them may see the ticket (their own access decides)
    from tierdesk.core.actor import actor_for
    from tierdesk.tickets.access import visible_tickets

    for ticket in (l1, l2, l3):
        for person in assignees.eligible_assignees(ticket):
            assert visible_tickets(actor_for(person)).filter(pk=ticket.pk).exists()


# The API ----------------------------------------------------------------------------------
def api_client(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, ticket_id: int, body) -> object:
    return client.post(
        f"{API}/tickets/{ticket_id}/actions/assign",
        json.dumps(body),
        content_type="application/json",
    )


def test_the_api_assigns_by_email_or_id_and_unassigns_with_null(world):
    ticket = ticket_at(world, "new@L2")
    lead = api_client(world, "lead")
    # when the lead assigns by email
    answer = post(lead, ticket.pk, {"assignee": "L2B@example.test", "reason": "rota"})
    # then the detail answers with the assignee, the status unchanged
    assert answer.status_code == 200, answer.content
    assert answer.json()["assignee"] == "l2b@example.test" and answer.json()["status"] == "new"
    # when by id, then with null
    answer = post(lead, ticket.pk, {"assignee": world.user("l2").pk})
    assert answer.json()["assignee"] == "l2@example.test"
    answer = post(lead, ticket.pk, {"assignee": None})
    assert answer.status_code == 200 and answer.json()["assignee"] is None


def test_the_api_names_the_field_and_loses_nothing(world):
    ticket = ticket_at(world, "new@L2")
    lead = api_client(world, "lead")
    version = ticket.version
    # an unknown person, someone of another level, a missing key, an unknown key
    for body, field in (
        ({"assignee": "nobody@example.test"}, "assignee"),
        ({"assignee": "l3@example.test"}, "assignee"),
        ({}, "assignee"),
        ({"assignee": None, "priority": "high"}, "priority"),
        ({"assignee": "l2@example.test", "reason": "x" * 2001}, "reason"),
    ):
        answer = post(lead, ticket.pk, body)
        assert answer.status_code == 422, body
        assert field in answer.json()["fields"], answer.json()
    ticket.refresh_from_db()
    assert ticket.version == version and ticket.assignee_id is None
    # and an agent who may not assign gets 403; a partner who may not see it 404
    assert (
        post(api_client(world, "l2"), ticket.pk, {"assignee": "l2b@example.test"}).status_code
        == 403
    )
    globex = api_client(world, "globex_l1")
    assert post(globex, ticket.pk, {"assignee": None}).status_code == 404


def test_the_api_operation_is_named(world):
    schema = Client().get(f"{API}/openapi.json").json()
    operation = schema["paths"]["/api/v1/tickets/{ticket_id}/actions/assign"]["post"]
    assert operation["operationId"] == "ticket_assign"
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])


# The ticket page ------------------------------------------------------------------------------
def test_the_lead_sees_a_select_of_eligible_people_and_assigns(world, client):
    ticket = ticket_at(world, "new@L2")
    client.force_login(world.user("lead"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    # then the control offers L2 people (and nobody), not L3 or partners
    select = re.search(r'<select name="assignee".*?</select>', page, re.S).group(0)
    offered = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert "Nobody" in offered[0] and sorted(offered[1:]) == ["L2", "L2B", "Lead"]
    # when the lead assigns
    answer = client.post(
        f"/tickets/{ticket.number}/assign/",
        {"assignee": world.user("l2b").pk, "reason": "rota", "version": ticket.version},
    )
    assert answer.status_code == 303
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.user("l2b")


def test_the_page_shows_a_refusal_and_an_agent_gets_no_select(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    # a stale version: 409, the page again, nothing changed
    client.force_login(world.user("lead"))
    answer = client.post(
        f"/tickets/{ticket.number}/assign/",
        {"assignee": world.user("l2b").pk, "version": ticket.version - 1},
    )
    assert answer.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.user("l2")
    # the assignee gets only "hand back"; another L2 agent gets no control at all
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Hand back to the queue" in page and 'name="assignee" value=""' in page
    client.force_login(world.user("l2b"))
    assert 'id="assign"' not in client.get(f"/tickets/{ticket.number}/").content.decode()
    # and a forged post from them is refused
    answer = client.post(f"/tickets/{ticket.number}/assign/", {"assignee": world.user("l2b").pk})
    assert answer.status_code == 403
