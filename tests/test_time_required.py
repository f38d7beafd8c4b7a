"""The per-organisation rule "minutes required": a reply, a note or an action by that
organisation's staff without minutes is refused (422 naming `minutes`) in the console
and the API, and nothing of it is written; minutes given are logged with the work."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.tickets import services, worklog
from tierdesk.tickets.models import Message, Ticket
from tierdesk.timelog.models import TimeEntry
from tierdesk.timelog.policy import minutes_required, time_policy_set

PASSWORD = "correct horse battery staple"


def require_time(world, admin="admin"):
    time_policy_set(actor=world.actor(admin), minutes_required=True)


def api_client(world, who) -> Client:
    _, token = token_create(email=world.user(who).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def console(world, who) -> Client:
    client = Client()
    assert client.login(username=world.user(who).email, password=PASSWORD)
    return client


def test_a_note_without_minutes_is_refused_in_the_api_and_nothing_is_written(world):
    # given the vendor requires time and an L2 ticket in progress
    require_time(world)
    ticket = ticket_at(world, "in_progress@L2")
    api = api_client(world, "l2")
    url = f"/api/v1/tickets/{ticket.pk}/messages"
    # when L2 posts a note without minutes
    answer = api.post(url, {"body": "Checked the logs.", "internal": True}, "application/json")
    # then 422 names `minutes`, and no note was written
    assert answer.status_code == 422, answer.content
    assert "minutes" in answer.json()["fields"]
    assert not Message.objects.filter(ticket=ticket, body="Checked the logs.").exists()
    # when they give the minutes, the note and the time are written together
    body = {"body": "Checked the logs.", "internal": True, "minutes": 12}
    assert api.post(url, body, "application/json").status_code == 201
    entry = TimeEntry.objects.get(ticket=ticket)
    assert (entry.minutes, entry.kind, entry.level, entry.user) == (12, "note", 2, world.user("l2"))


def test_an_action_without_minutes_is_refused_in_the_api(world):
    require_time(world)
    ticket = ticket_at(world, "in_progress@L2")
    api = api_client(world, "l2")
    url = f"/api/v1/tickets/{ticket.pk}/actions/ask_customer"
    answer = api.post(url, {"message": "Which order?"}, "application/json")
    assert answer.status_code == 422 and "minutes" in answer.json()["fields"]
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"
    answer = api.post(url, {"message": "Which order?", "minutes": 3}, "application/json")
    assert answer.status_code == 200, answer.content
    assert TimeEntry.objects.get(ticket=ticket).kind == "action"


def test_taking_and_closing_never_need_minutes(world):
    require_time(world)
    ticket = ticket_at(world, "new@L2")
    answer = api_client(world, "l2").post(
        f"/api/v1/tickets/{ticket.pk}/actions/take", {}, "application/json"
    )
    assert answer.status_code == 200, answer.content


def test_the_rule_is_the_organisations_own(world):
    # given Acme requires time, the vendor does not
    require_time(world, "acme_admin")
    l2_ticket = ticket_at(world, "in_progress@L2")
    l1_ticket = ticket_at(world, "in_progress@L1")
    # then the vendor's L2 writes without minutes, Acme's L1 does not
    assert api_client(world, "l2").post(
        f"/api/v1/tickets/{l2_ticket.pk}/messages", {"body": "ok"}, "application/json"
    ).status_code == 201
    answer = api_client(world, "acme_l1").post(
        f"/api/v1/tickets/{l1_ticket.pk}/messages", {"body": "ok"}, "application/json"
    )
    assert answer.status_code == 422 and "minutes" in answer.json()["fields"]


def test_the_console_reply_form_names_the_field_and_keeps_the_text(world):
    require_time(world)
    ticket = ticket_at(world, "in_progress@L2")
    client = console(world, "l2")
    url = f"/tickets/{ticket.number}/messages/"
    page = client.post(url, {"body": "Typed with care.", "internal": "yes"})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'name="minutes"' in html and "Typed with care." in html
    assert "is required: your organisation logs the minutes" in html
    assert not Message.objects.filter(body="Typed with care.").exists()
    page = client.post(url, {"body": "Typed with care.", "internal": "yes", "minutes": "7"})
    assert page.status_code in (302, 303)
    assert TimeEntry.objects.get(ticket=ticket).minutes == 7


def test_the_console_action_form_names_the_field(world):
    require_time(world)
    ticket = ticket_at(world, "in_progress@L2")
    client = console(world, "l2")
    url = f"/tickets/{ticket.number}/act/ask_customer/"
    page = client.post(url, {"ask_customer-message": "Which order?"})
    assert page.status_code == 422
    assert "is required: your organisation logs the minutes" in page.content.decode()
    page = client.post(url, {"ask_customer-message": "Which order?", "ask_customer-minutes": "4"})
    assert page.status_code in (302, 303)
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting_on_customer"


def test_surfaces_that_ask_no_minutes_are_not_bound(world):
    # mail intake, automations and direct service calls report nothing: no requirement
    require_time(world)
    ticket = ticket_at(world, "in_progress@L2")
    services.message_add(actor=world.actor("l2"), ticket_id=ticket.pk, body="by mail")
    assert not TimeEntry.objects.exists()


def test_a_customer_sending_minutes_is_refused_naming_the_field(world):
    ticket = ticket_at(world, "in_progress@L1")
    answer = api_client(world, "acme_customer").post(
        f"/api/v1/tickets/{ticket.pk}/messages", {"body": "hi", "minutes": 5}, "application/json"
    )
    assert answer.status_code == 422 and "minutes" in answer.json()["fields"]
    with worklog.reporting(None):  # without minutes a customer's reply is as ever
        services.message_add(actor=world.actor("acme_customer"), ticket_id=ticket.pk, body="hi")


@pytest.mark.parametrize("who", ["l2", "lead", "acme_l1"])
def test_only_administrators_set_the_rule(world, who):
    with pytest.raises(Forbidden):
        time_policy_set(actor=world.actor(who), minutes_required=True)
    with pytest.raises(InvalidInput):
        time_policy_set(actor=world.actor("admin"), minutes_required="yes")


def test_the_settings_page_turns_the_rule_on_for_the_own_organisation(world):
    client = console(world, "acme_admin")
    assert client.get("/time/settings/").status_code == 200
    answer = client.post("/time/settings/", {"minutes_required": "on"})
    assert answer.status_code in (302, 303)
    assert minutes_required(world.acme.pk) and not minutes_required(world.vendor.pk)
    assert console(world, "l2").get("/time/settings/").status_code == 403
