"""Macros in the console (pages, the reply box's search, sending with a macro, the
signature) and in the API (`/api/v1/macros`)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.macros import services
from tierdesk.macros.models import Macro
from tierdesk.macros.services import MacroDraft
from tierdesk.tickets.access import visible_messages


def api_client(world, who) -> Client:
    _, token = token_create(email=world.user(who).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post_json(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), "application/json")


def customer_reads(world, ticket, author) -> list[str]:
    rows = visible_messages(world.actor("acme_customer"), ticket).filter(author=world.user(author))
    return [m.body for m in rows.order_by("pk")]


def test_the_macros_page_writes_a_macro_and_keeps_bad_input(world, client):
    client.force_login(world.user("acme_admin"))
    assert client.get("/macros/").status_code == 200
    bad = client.post(
        "/macros/new/", {"name": "Hi", "scope": "organisation", "body": "Hi {{ user.password }}"}
    )
    assert bad.status_code == 422
    assert "unknown placeholder {{ user.password }}" in bad.content.decode()
    assert "Hi {{ user.password }}" in bad.content.decode()  # what was typed stays
    good = client.post(
        "/macros/new/",
        {"name": "Greeting", "scope": "organisation", "body": "Hi {{ customer.first_name }}"},
    )
    assert good.status_code == 302
    made = Macro.objects.get()
    assert made.organisation_id == world.acme.pk and made.owner_id is None
    # an L1 agent of Acme uses it, but may not change it (403), nor choose the scope
    client.force_login(world.user("acme_l1"))
    page = client.get("/macros/").content.decode()
    assert "Greeting" in page and f"/macros/{made.pk}/" not in page
    assert client.post(f"/macros/{made.pk}/delete/").status_code == 403
    form = client.get("/macros/new/").content.decode()
    assert 'value="organisation"' not in form and 'value="personal"' in form
    # Globex's admin does not even find it
    client.force_login(world.user("globex_admin"))
    assert client.get(f"/macros/{made.pk}/").status_code == 404


def test_the_reply_box_finds_macros_rendered_for_the_ticket(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    services.macro_create(
        actor=world.actor("acme_admin"),
        scope="organisation",
        draft=MacroDraft(name="Ask for logs", body="Hi {{ customer.first_name }}, the log?",
                         action="ask_customer"),
    )  # fmt: skip
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'name="macro_q"' in page and f'hx-get="/macros/search/{ticket.number}/"' in page
    assert "macros/macros.js" in page
    found = client.get(f"/macros/search/{ticket.number}/", {"macro_q": "logs"}).content.decode()
    assert 'data-macro-body="Hi Acme, the log?"' in found
    assert f'data-macro-apply="/macros/{Macro.objects.get().pk}/apply/{ticket.number}/"' in found
    none = client.get(f"/macros/search/{ticket.number}/", {"macro_q": "zzz"}).content.decode()
    assert "No macro matches." in none
    # a ticket one may not see: 404, not a list
    client.force_login(world.user("globex_l1"))
    assert client.get(f"/macros/search/{ticket.number}/").status_code == 404


def test_a_public_reply_is_signed_and_a_note_is_not(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    services.signature_set(actor=world.actor("acme_l1"), body="Ana, Acme Support")
    client.force_login(world.user("acme_l1"))
    url = f"/tickets/{ticket.number}/messages/"
    client.post(url, {"body": "Reconnect, please.", "internal": "no", "sign": "1"})
    client.post(url, {"body": "Unsigned.", "internal": "no"})
    client.post(url, {"body": "Note.", "internal": "yes", "sign": "1"})
    assert customer_reads(world, ticket, "acme_l1") == [
        "Reconnect, please.\n\nAna, Acme Support",
        "Unsigned.",
    ]
    notes = visible_messages(world.actor("acme_l1"), ticket).filter(internal=True)
    assert [m.body for m in notes] == ["Note."]


def test_sending_with_a_macro_runs_its_action_and_a_refusal_keeps_the_text(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    ask = services.macro_create(
        actor=world.actor("acme_admin"),
        scope="organisation",
        draft=MacroDraft(name="Ask", body="The log, please.", action="ask_customer",
                         set_priority="high"),
    )  # fmt: skip
    client.force_login(world.user("acme_l1"))
    url = f"/macros/{ask.pk}/apply/{ticket.number}/"
    stale = client.post(url, {"body": "EDITED log please", "macro_version": ticket.version - 1})
    assert stale.status_code == 409 and "EDITED log please" in stale.content.decode()
    done = client.post(url, {"body": "EDITED log please", "macro_version": ticket.version})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("waiting_on_customer", "high")
    assert customer_reads(world, ticket, "acme_l1")[-1] == "EDITED log please"
    # asked again while waiting: refused by the workflow, nothing more written
    again = client.post(url, {"body": "Again?", "macro_version": ticket.version})
    assert again.status_code == 409
    assert customer_reads(world, ticket, "acme_l1")[-1] == "EDITED log please"


def test_the_api_lists_writes_and_applies_macros(world):
    ticket = ticket_at(world, "in_progress@L2")
    l2 = api_client(world, "l2")
    made = post_json(
        l2,
        "/api/v1/macros",
        {"name": "Ask for logs", "scope": "organisation", "set_priority": "high",
         "body": "Hello {{ customer.first_name }}, the log of {{ ticket.number }}?",
         "action": "ask_customer"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    macro = made.json()
    assert (macro["scope"], macro["action"], macro["set_priority"]) == (
        "organisation",
        "ask_customer",
        "high",
    )
    bad = post_json(l2, "/api/v1/macros", {"name": "x", "body": "{{ nope }}"})
    assert bad.status_code == 422 and "body" in bad.json()["fields"]
    extra = post_json(l2, "/api/v1/macros", {"name": "x", "body": "x", "owner": 1})
    assert extra.status_code == 422 and "owner" in extra.json()["fields"]
    listed = l2.get("/api/v1/macros", {"q": "logs"}).json()["items"]
    assert [m["name"] for m in listed] == ["Ask for logs"]
    preview = l2.get(f"/api/v1/macros/{macro['id']}/preview", {"ticket_id": ticket.pk}).json()
    assert preview["text"] == f"Hello Acme, the log of {ticket.reference}?"
    put = l2.put(
        f"/api/v1/macros/{macro['id']}",
        json.dumps({"name": "Ask for logs", "body": "Log of {{ ticket.number }}?",
                    "action": "ask_customer", "version": 0}),
        "application/json",
    )  # fmt: skip
    assert put.status_code == 409
    applied = post_json(
        l2, f"/api/v1/macros/{macro['id']}/apply", {"ticket_id": ticket.pk, "sign": False}
    )
    assert applied.status_code == 200, applied.content
    assert applied.json()["status"] == "waiting_on_customer"
    again = post_json(l2, f"/api/v1/macros/{macro['id']}/apply", {"ticket_id": ticket.pk})
    assert again.status_code == 409
    # Acme's people see neither the vendor's macro nor, from Globex, Acme's ticket
    acme = api_client(world, "acme_l1")
    assert acme.get("/api/v1/macros").json()["items"] == []
    assert acme.delete(f"/api/v1/macros/{macro['id']}").status_code == 404
    globex_macro = services.macro_create(
        actor=world.actor("globex_admin"), scope="personal", draft=MacroDraft(name="g", body="g")
    )
    globex = api_client(world, "globex_admin")
    answer = globex.get(f"/api/v1/macros/{globex_macro.pk}/preview", {"ticket_id": ticket.pk})
    assert answer.status_code == 404
    assert l2.delete(f"/api/v1/macros/{macro['id']}").status_code == 204
    assert not Macro.objects.filter(pk=macro["id"]).exists()


@pytest.mark.parametrize("who", ["acme_customer"])
def test_customers_get_no_macros_from_the_api(world, who):
    customer = api_client(world, who)
    assert customer.get("/api/v1/macros").json()["items"] == []
    made = post_json(customer, "/api/v1/macros", {"name": "x", "body": "x", "scope": "personal"})
    assert made.status_code == 403
