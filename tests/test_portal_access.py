"""Who gets into the portal and what a customer sees there: only their own tickets, only
public messages and files; never internal notes, internal files or the event trail. The
list costs the same number of queries whatever the number of tickets."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PLAIN_LOG, new_ticket, ticket_at
from tierdesk.accounts.models import User
from tierdesk.accounts.services import user_create
from tierdesk.tickets import services
from tierdesk.tickets.models import AttachmentKind

LIST_QUERY_BUDGET = 8
PASSWORD = "correct horse battery staple"  # tests.factories.build_world


def listed(body: bytes) -> set[int]:
    return {int(n) for n in re.findall(rb'href="/portal/tickets/(\d+)/"', body)}


def urls_of(number: int, attachment_id: int = 1) -> list[str]:
    return [
        "/portal/",
        "/portal/new/",
        f"/portal/tickets/{number}/",
        f"/portal/files/{attachment_id}/",
    ]


# ---------------------------------------------------------------------------------------
# Getting in
# ---------------------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_sign_in_and_back(world, client):
    ticket = new_ticket(world)
    for url in urls_of(ticket.number):
        # when nobody is signed in
        response = client.get(url)
        # then they are sent to the sign-in page, which brings them back afterwards
        assert response.status_code == 302, url
        assert response["Location"] == f"{settings.LOGIN_URL}?next={url}", url


@pytest.mark.parametrize("who", ["acme_l1", "acme_admin", "vendor_l1", "l2", "lead", "l3", "admin"])
def test_staff_are_sent_to_the_console(world, client, who):
    # given a ticket they may see in the console
    ticket = ticket_at(world, "new@L3")
    client.force_login(world.user(who))
    # when staff open the portal, then they go to the console's home
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    # and a portal ticket link takes them to the same ticket in the console
    response = client.get(f"/portal/tickets/{ticket.number}/")
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.number}/"
    # and a portal form posts nothing on their behalf
    response = client.post(f"/portal/tickets/{ticket.number}/reply/", {"body": "hi"})
    assert response.status_code == 302
    assert not ticket.messages.filter(body="hi").exists()


def test_customers_who_sign_in_land_in_the_portal(world, client):
    # when a customer signs in without a page to return to
    response = client.post(
        settings.LOGIN_URL,
        {"username": world.user("acme_customer").email, "password": PASSWORD},
        follow=True,
    )
    # then they end up in the portal
    assert response.redirect_chain, "the sign-in did not redirect"
    assert response.redirect_chain[-1][0] == "/portal/"
    assert response.status_code == 200


def test_an_account_without_a_role_is_refused(db, client):
    user = User.objects.create_user("nobody@example.test", "correct horse battery staple")
    client.force_login(user)
    assert client.get("/portal/").status_code == 403


# ---------------------------------------------------------------------------------------
# Only their own tickets
# ---------------------------------------------------------------------------------------
@pytest.fixture
def second_acme_customer(world):
    return user_create(
        email="second@acme.example.test",
        organisation=world.acme,
        role="customer",
        password="correct horse battery staple",
    )


def test_the_list_shows_only_the_customers_own_tickets(world, client, second_acme_customer):
    # given tickets of two Acme customers, a Globex customer and a direct customer
    own = {new_ticket(world, "acme"), ticket_at(world, "in_progress@L2")}
    new_ticket(world, "globex")
    new_ticket(world, "vendor")
    services.ticket_create(
        actor=world.actor("acme_l1"),
        data={"title": "Other customer's", "description": "x"},
        customer=second_acme_customer.email,
    )
    client.force_login(world.user("acme_customer"))
    # when the customer lists all their tickets
    response = client.get("/portal/?show=all")
    # then exactly their own appear
    assert listed(response.content) == {t.number for t in own}


@pytest.mark.parametrize("intruder", ["globex_customer", "direct_customer", "second"])
def test_another_customers_ticket_is_not_found(world, client, intruder, second_acme_customer):
    # given an Acme customer's ticket with a public file
    ticket = ticket_at(world, "waiting@L1")
    public_file = services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="mine.log",
        kind=AttachmentKind.LOG,
    )
    user = second_acme_customer if intruder == "second" else world.user(intruder)
    client.force_login(user)
    base = f"/portal/tickets/{ticket.number}"
    # when another customer (even of the same partner) opens or acts on it
    gets = [f"{base}/", f"/portal/files/{public_file.pk}/"]
    posts = {
        f"{base}/reply/": {"body": "hijack"},
        f"{base}/reopen/": {"reason": "hijack"},
        f"{base}/close/": {},
    }
    # then every answer is 404, as for a ticket that does not exist
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert client.get("/portal/tickets/999999/").status_code == 404
    # and nothing was written
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_customer"
    assert not ticket.messages.filter(body="hijack").exists()


def test_the_not_found_page_wears_the_customers_brand(world, client):
    client.force_login(world.user("globex_customer"))
    response = client.get("/portal/tickets/999999/")
    assert response.status_code == 404
    assert "Globex Cloud" in response.content.decode()


# ---------------------------------------------------------------------------------------
# Only public messages and files
# ---------------------------------------------------------------------------------------
def test_internal_notes_files_and_events_never_reach_the_customer(world, client):
    # given a ticket L2 bounced with a note, then worked with internal notes and an
    # internal file beside a public question
    ticket = ticket_at(world, "new@L2")
    services.ticket_bounce(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        items=["logs"],
        note="BOUNCE-REASON the log is a screenshot",
    )
    services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    services.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
    services.message_add(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        body="INTERNAL-NOTE customer's partner misconfigured the token",
        internal=True,
    )
    secret = services.attachment_add(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="INTERNAL-backend-trace.log",
        kind=AttachmentKind.LOG,
    )
    services.ticket_ask_customer(
        actor=world.actor("l2"), ticket_id=ticket.pk, message="PUBLIC-QUESTION which order?"
    )
    client.force_login(world.user("acme_customer"))
    # when the customer opens the ticket
    html = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    # then the public question is there, and none of the internal matter
    assert "PUBLIC-QUESTION which order?" in html
    assert "INTERNAL-NOTE" not in html
    assert "INTERNAL-backend-trace.log" not in html
    assert "BOUNCE-REASON" not in html
    assert f"/portal/files/{secret.pk}/" not in html
    # and the internal file cannot be fetched by guessing its number
    assert client.get(f"/portal/files/{secret.pk}/").status_code == 404
    # and who at the vendor answered stays behind the partner's brand
    # (in the text people read: a random CSRF token in an attribute may contain "L2")
    text = re.sub(r"<[^>]+>", " ", html)
    assert "L2" not in text.split()
    assert world.user("l2").full_name not in text


def test_a_public_file_downloads_and_a_screenshot_shows_inline(world, client):
    ticket = ticket_at(world, "waiting@L1")
    log = services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="run.log",
        kind=AttachmentKind.LOG,
    )
    client.force_login(world.user("acme_customer"))
    # when the customer fetches their log, even asking for it inline
    response = client.get(f"/portal/files/{log.pk}/?inline=1")
    # then it is an opaque download, never rendered from our origin
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PLAIN_LOG


# ---------------------------------------------------------------------------------------
# Query budget
# ---------------------------------------------------------------------------------------
def test_the_list_costs_the_same_queries_for_3_or_12_tickets(world, client):
    for _ in range(3):
        new_ticket(world, "acme")
    client.force_login(world.user("acme_customer"))
    client.get("/portal/")  # warm up: session, content types
    with CaptureQueriesContext(connection) as few:
        response = client.get("/portal/")
    assert len(listed(response.content)) == 3
    # when nine more arrive
    for _ in range(9):
        new_ticket(world, "acme")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/portal/")
    assert len(listed(response.content)) == 12
    # then the page costs the same number of queries, within a small budget
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= LIST_QUERY_BUDGET, [q["sql"] for q in many.captured_queries]


def test_the_ticket_page_costs_the_same_queries_for_few_or_many_messages(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    client.force_login(world.user("acme_customer"))

    def add_messages(n: int) -> None:
        for i in range(n):
            services.message_add(actor=world.actor("l2"), ticket_id=ticket.pk, body=f"m{i}")
            services.attachment_add(
                actor=world.actor("acme_customer"),
                ticket_id=ticket.pk,
                file=PLAIN_LOG,
                filename=f"r{i}.log",
                kind=AttachmentKind.LOG,
            )

    add_messages(2)
    url = f"/portal/tickets/{ticket.number}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_messages(8)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert "m7" in html and "r7.log" in html
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
