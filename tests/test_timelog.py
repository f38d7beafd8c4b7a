"""Time per level: staff log minutes with a reply, a note or an action; totals per ticket
by level and person on the ticket page and in the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.timelog import selectors, services
from tierdesk.timelog.models import TimeEntry


def log(world, who, ticket, minutes, kind="reply", note=""):
    return services.time_log(
        actor=world.actor(who), ticket_id=ticket.pk, minutes=minutes, kind=kind, note=note
    )


def test_totals_by_level_and_person(world):
    # given an L2 ticket worked by L1, two L2 agents
    ticket = ticket_at(world, "in_progress@L2")
    log(world, "acme_l1", ticket, 20, "action")
    log(world, "l2", ticket, 30, "note")
    log(world, "l2", ticket, 15, "reply")
    log(world, "l2b", ticket, 5, "other", note="call with the partner")
    # then the totals add up by level and person, each at the level they work
    totals = selectors.totals(ticket)
    assert totals["total_minutes"] == 70
    assert totals["by_level"] == [{"level": 1, "minutes": 20}, {"level": 2, "minutes": 50}]
    assert [(r["person"], r["level"], r["minutes"]) for r in totals["by_person"]] == [
        ("acme_l1@example.test", 1, 20),
        ("l2@example.test", 2, 45),
        ("l2b@example.test", 2, 5),
    ]


@pytest.mark.parametrize(
    "minutes, kind, note, field",
    [(0, "reply", "", "minutes"), (1441, "reply", "", "minutes"), ("5", "reply", "", "minutes"),
     (5, "coffee", "", "kind"), (5, "reply", "x" * 201, "note")],
)  # fmt: skip
def test_bad_input_names_the_field_and_writes_nothing(world, minutes, kind, note, field):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(InvalidInput) as refused:
        log(world, "l2", ticket, minutes, kind, note)
    assert field in refused.value.fields and not TimeEntry.objects.exists()


def test_only_staff_who_see_the_ticket_log_time(world):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(NotFound):
        log(world, "globex_l1", ticket, 5)
    with pytest.raises(NotFound):
        log(world, "l3", ticket, 5)
    with pytest.raises(Forbidden):
        log(world, "acme_customer", ticket, 5)
    assert not TimeEntry.objects.exists()


def test_the_api_logs_time_and_the_detail_carries_the_totals(world):
    ticket = ticket_at(world, "in_progress@L2")
    _, token = token_create(email=world.user("l2").email)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/tickets/{ticket.pk}/time"
    answer = api.post(url, json.dumps({"minutes": 25, "kind": "note"}), "application/json")
    assert answer.status_code == 201 and answer.json()["level"] == 2
    for body, field in (({"minutes": 0, "kind": "note"}, "minutes"),
                        ({"minutes": 5, "kind": "nap"}, "kind"),
                        ({"minutes": 5, "kind": "note", "extra": 1}, "extra")):  # fmt: skip
        answer = api.post(url, json.dumps(body), "application/json")
        assert answer.status_code == 422 and field in answer.json()["fields"]
    detail = api.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert detail["time"] == {
        "total_minutes": 25,
        "by_level": [{"level": 2, "minutes": 25}],
        "by_person": [{"person": "l2@example.test", "level": 2, "minutes": 25}],
    }
    # a customer's detail carries no one's time
    _, token = token_create(email=world.user("acme_customer").email)
    customer = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert customer.get(f"/api/v1/tickets/{ticket.pk}").json()["time"]["by_person"] == []
    assert (
        customer.post(
            url, json.dumps({"minutes": 5, "kind": "note"}), "application/json"
        ).status_code
        == 403
    )
    schema = Client().get("/api/v1/openapi.json").json()
    assert (
        schema["paths"]["/api/v1/tickets/{ticket_id}/time"]["post"]["operationId"]
        == "time_entry_create"
    )


def test_the_ticket_page_logs_time_and_keeps_bad_input(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    client.force_login(world.user("l2"))
    answer = client.post(f"/time/{ticket.number}/", {"minutes": "12", "kind": "reply"})
    assert answer.status_code == 302
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="time"' in page and "12 minutes in all" in page
    answer = client.post(
        f"/time/{ticket.number}/", {"minutes": "abc", "kind": "reply", "note": "kept"}
    )
    assert answer.status_code == 422 and 'value="kept"' in answer.content.decode()
    assert TimeEntry.objects.count() == 1
