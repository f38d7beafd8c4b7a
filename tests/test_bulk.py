"""Bulk work: one action on many tickets, each through its own service; a refusal is
reported per ticket while the others go through; a ticket the person may not see is
`not_found` like a missing one, in the console and the API."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import BULK_MAX, BulkItem, tickets_bulk

API = "/api/v1/tickets/bulk"


def bulk(world, who, action, tickets, **kw):
    items = [t if isinstance(t, BulkItem) else BulkItem(t.pk) for t in tickets]
    return tickets_bulk(actor=world.actor(who), action=action, items=items, **kw)


def api(world, who) -> Client:
    _, token = token_create(email=world.user(who).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_bulk_take_takes_each_and_reports_the_one_refused(world):
    # given two tickets in L2's intake and one already taken
    a, b = ticket_at(world, "new@L2"), ticket_at(world, "new@L2")
    taken = ticket_at(world, "in_progress@L2")
    # when L2b takes all three
    outcomes = bulk(world, "l2b", "take", [a, taken, b])
    # then the two are theirs, the third is refused with its reason, in the order sent
    assert [o.ok for o in outcomes] == [True, False, True]
    assert outcomes[1].number == taken.number and outcomes[1].error.code == "wrong_state"
    assert outcomes[1].reason
    for t in (a, b):
        assert Ticket.objects.get(pk=t.pk).assignee == world.user("l2b")
    assert Ticket.objects.get(pk=taken.pk).assignee == world.user("l2")


def test_a_stale_version_refuses_that_ticket_only(world):
    a, b = ticket_at(world, "in_progress@L2"), ticket_at(world, "in_progress@L2")
    outcomes = bulk(
        world, "lead", "priority", [BulkItem(a.pk, a.version - 1), BulkItem(b.pk, b.version)],
        priority="high",
    )  # fmt: skip
    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].error.code == "stale_version"
    assert Ticket.objects.get(pk=a.pk).priority != "high"
    assert Ticket.objects.get(pk=b.pk).priority == "high"


def test_a_note_on_many_and_assignment_by_a_lead(world):
    a, b = ticket_at(world, "in_progress@L2"), ticket_at(world, "new@L2")
    outcomes = bulk(world, "l2", "note", [a, b], body="Same outage as the others.")
    assert all(o.ok for o in outcomes)
    assert Message.objects.filter(body="Same outage as the others.", internal=True).count() == 2
    outcomes = bulk(world, "lead", "assign", [a, b], assignee_id=world.user("l2b").pk, reason="x")
    assert all(o.ok for o in outcomes)
    # an agent may not assign: each ticket refused as forbidden, nothing changed
    outcomes = bulk(world, "l2", "assign", [a], assignee_id=world.user("l2").pk)
    assert outcomes[0].error.code == "forbidden"
    assert Ticket.objects.get(pk=a.pk).assignee == world.user("l2b")


def test_close_goes_through_the_close_gate(world):
    resolved = ticket_at(world, "resolved@L2")
    open_one = ticket_at(world, "in_progress@L2")
    outcomes = bulk(world, "l2", "close", [resolved, open_one])
    assert outcomes[1].error.code == "wrong_state"
    assert Ticket.objects.get(pk=open_one.pk).status == "in_progress"
    assert outcomes[0].ok == (Ticket.objects.get(pk=resolved.pk).status == "closed")


@pytest.mark.parametrize(
    "action, count, kw, field",
    [
        ("take", 0, {}, "tickets"),
        ("take", BULK_MAX + 1, {}, "tickets"),
        ("dance", 1, {}, "action"),
        ("priority", 1, {"priority": "asap"}, "priority"),
        ("note", 1, {"body": "  "}, "body"),
    ],
)
def test_a_bad_request_is_refused_as_a_whole_naming_the_field(world, action, count, kw, field):
    items = [BulkItem(i + 1) for i in range(count)]
    with pytest.raises(InvalidInput) as refused:
        tickets_bulk(actor=world.actor("l2"), action=action, items=items, **kw)
    assert field in refused.value.fields


# Access: bulk results never reveal a ticket ------------------------------------------


@pytest.mark.parametrize(
    "who, where",
    [
        ("globex_l1", "new@L1"),  # another partner's ticket
        ("l3", "new@L2"),  # not escalated: L3 does not see it
        ("globex_customer", "new@L1"),  # a customer sees only their own
    ],
)
def test_a_ticket_one_may_not_see_is_not_found_like_a_missing_one(world, who, where):
    hidden = ticket_at(world, where)
    outcomes = bulk(world, who, "take", [hidden, BulkItem(999_999)])
    for outcome in outcomes:
        assert not outcome.ok and outcome.number is None
        assert (outcome.error.code, outcome.reason) == ("not_found", "Ticket not found.")
    assert Ticket.objects.get(pk=hidden.pk).assignee is None


def test_the_api_answers_one_result_per_ticket_and_hides_what_one_may_not_see(world):
    mine = ticket_at(world, "new@L1")
    other = ticket_at(world, "new@L1", partner="globex")
    answer = api(world, "acme_l1").post(
        API,
        {"action": "take", "tickets": [{"id": mine.pk, "version": mine.version},
                                       {"id": other.pk}, {"id": 999_999}]},
        "application/json",
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["action"], body["done"], body["refused"]) == ("take", 1, 2)
    first, hidden, missing = body["results"]
    assert first["ok"] and first["number"] == mine.number and first["version"] > mine.version
    assert hidden == {**missing, "ticket_id": other.pk}  # the same answer, word for word
    assert hidden["http_status"] == 404 and hidden["number"] is None
    assert hidden["error"] == {"code": "not_found", "message": "Ticket not found."}
    assert "Globex" not in answer.content.decode() and other.title not in answer.content.decode()


def test_the_api_reports_a_gate_refusal_with_its_missing_items(world):
    ticket = ticket_at(world, "in_progress@L2")
    answer = api(world, "l2").post(
        API, {"action": "priority", "tickets": [{"id": ticket.pk}]}, "application/json"
    )
    assert answer.status_code == 422 and "priority" in answer.json()["fields"]
    answer = api(world, "l2").post(
        API,
        {"action": "close", "tickets": [{"id": ticket.pk}], "minutes": 5},
        "application/json",
    )
    result = answer.json()["results"][0]
    assert result["http_status"] == 409 and result["error"]["code"] == "wrong_state"


def test_the_api_bounds_the_number_of_tickets(world):
    tickets = [{"id": i} for i in range(1, BULK_MAX + 2)]
    answer = api(world, "l2").post(API, {"action": "take", "tickets": tickets}, "application/json")
    assert answer.status_code == 422 and "tickets" in answer.json()["fields"]


# The console ---------------------------------------------------------------------------


def test_the_console_takes_in_bulk_and_names_the_refused_ticket(world):
    a, taken = ticket_at(world, "new@L2"), ticket_at(world, "in_progress@L2")
    client = Client()
    client.force_login(world.user("l2b"))
    page = client.get("/queues/l2_intake/")
    assert f'value="{a.pk}:{a.version}"' in page.content.decode()
    answer = client.post(
        "/tickets/bulk/",
        {
            "action": "take",
            "tickets": [f"{a.pk}:{a.version}", f"{taken.pk}:{taken.version}"],
            "next": "/queues/l2_intake/",
        },
    )
    assert answer.status_code == 303 and answer["Location"] == "/queues/l2_intake/"
    notices = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any(f"#{a.number}" in n and "done" in n for n in notices)
    assert any(n.startswith(f"#{taken.number}: refused — ") for n in notices)
    assert Ticket.objects.get(pk=a.pk).assignee == world.user("l2b")


def test_the_console_needs_the_csrf_token(world):
    ticket = ticket_at(world, "new@L2")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("l2"))
    answer = client.post("/tickets/bulk/", {"action": "take", "tickets": [f"{ticket.pk}:1"]})
    assert answer.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_the_console_refuses_a_foreign_return_address(world):
    client = Client()
    client.force_login(world.user("l2"))
    answer = client.post("/tickets/bulk/", {"action": "take", "next": "https://evil.example/"})
    assert answer.status_code == 303 and answer["Location"] == "/"
    notices = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("Select at least one ticket" in n for n in notices)


def test_the_bulk_form_offers_assignment_only_to_those_who_assign(world):
    client = Client()
    client.force_login(world.user("l2"))
    assert 'value="assign"' not in client.get("/queues/l2_intake/").content.decode()
    client.force_login(world.user("lead"))
    html = client.get("/queues/l2_intake/").content.decode()
    assert 'value="assign"' in html and world.user("l2b").full_name in html
