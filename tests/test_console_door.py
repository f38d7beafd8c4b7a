"""Customers never reach the agent console.

The console's door (`tickets.views.common.console_view`, wrapped around every view in
`tickets/urls.py`) sends a signed-in customer to the portal before any view runs: 302 for
GET, 303 See Other for any other method, `HX-Redirect` for htmx. The test walks every URL
pattern of the console from the URL configuration, so a view added without the door fails
here.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PLAIN_LOG, ticket_at
from tierdesk.tickets import services
from tierdesk.tickets import urls as console_urls
from tierdesk.tickets.models import AttachmentKind, Ticket

# Values for the console's URL parameters; a new parameter needs one here.
CONSOLE_MODULE = "tierdesk.tickets.views"


def console_patterns() -> list[tuple[str, URLPattern]]:
    """(name to reverse, pattern) of every URL served by a console view."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
                continue
            module = getattr(pattern.callback, "__module__", "") or ""
            if module.startswith(CONSOLE_MODULE) and not module.endswith(".health"):
                found.append((f"{namespace}{pattern.name}", pattern))

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def customer_world(world):
    """A customer's ticket waiting on them, with a public file of theirs."""
    ticket = ticket_at(world, "waiting@L1")
    attachment = services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="mine.log",
        kind=AttachmentKind.LOG,
    )
    return world, ticket, attachment


def _url(name: str, pattern: URLPattern, ticket: Ticket, attachment_id: int) -> str:
    samples = {
        "number": ticket.number,
        "attachment_id": attachment_id,
        "key": "all",
        "action": "customer_reply",
    }
    params = list(pattern.pattern.converters)
    unknown = [p for p in params if p not in samples]
    assert not unknown, f"add a sample value for {unknown} of {name}"
    return reverse(name, kwargs={p: samples[p] for p in params})


def _portal_location(pattern: URLPattern, ticket: Ticket, attachment_id: int) -> str:
    params = pattern.pattern.converters
    if "number" in params:
        return f"/portal/tickets/{ticket.number}/"
    if "attachment_id" in params:
        inline = "?inline=1" if str(pattern.pattern).rstrip("/").endswith("image") else ""
        return f"/portal/files/{attachment_id}/{inline}"
    return "/portal/"


# Everything a console form could post: if a view ran, it would write something.
POSTED = {
    "title": "Customer via console",
    "description": "Typed into the agent form.",
    "priority": "urgent",
    "check_connectivity": "typed by the customer",
    "check_credentials": "typed by the customer",
    "body": "Posted to the console",
    "internal": "yes",
    "customer_reply-message": "Answer through the console",
    "reproduced": "on",
}


def test_every_console_url_pattern_is_walked():
    # given the console's URL configuration
    names = {name for name, _pattern in console_patterns()}
    # then the walk finds every pattern of tickets/urls.py (and nothing outside the console)
    assert {p.name for p in console_urls.urlpatterns} <= names
    assert "healthz" not in names and len(names) >= 15


def test_a_customer_is_sent_to_the_portal_from_every_console_url(customer_world, client):
    world, ticket, attachment = customer_world
    client.force_login(world.user("acme_customer"))
    before = (ticket.version, ticket.messages.count(), ticket.attachments.count())
    tickets_before = Ticket.objects.count()
    wrong = []
    for name, pattern in console_patterns():
        url = _url(name, pattern, ticket, attachment.pk)
        expected = _portal_location(pattern, ticket, attachment.pk)
        # when the customer opens the URL, and posts to it as a form and as htmx
        answers = {
            "GET": client.get(url),
            "HEAD": client.head(url),
            "POST": client.post(url, POSTED),
            "htmx POST": client.post(url, POSTED, HTTP_HX_REQUEST="true"),
        }
        # then every answer sends them to the portal's page for the same thing
        for how, response in answers.items():
            status = {"GET": 302, "HEAD": 302, "POST": 303, "htmx POST": 204}[how]
            where = response.get("HX-Redirect") if how == "htmx POST" else response.get("Location")
            if (response.status_code, where) != (status, expected):
                wrong.append((name, how, response.status_code, where))
            # and never shows a byte of the console
            assert b"<main" not in response.content, (name, how)
    assert wrong == []
    # and nothing was read into a page or written: the ticket is as it was
    ticket.refresh_from_db()
    assert (ticket.version, ticket.messages.count(), ticket.attachments.count()) == before
    assert Ticket.objects.count() == tickets_before


def test_the_portal_answers_where_the_console_sent_the_customer(customer_world, client):
    world, ticket, attachment = customer_world
    client.force_login(world.user("acme_customer"))
    # when the customer follows the console's redirect for their ticket and their file
    page = client.get(f"/tickets/{ticket.number}/", follow=True)
    download = client.get(f"/attachments/{attachment.pk}/", follow=True)
    # then they land on their portal's ticket page and get their file from the portal
    assert page.status_code == 200 and page.redirect_chain[-1][0].startswith("/portal/")
    assert ticket.title.encode() in page.content
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PLAIN_LOG


def test_staff_still_work_in_the_console_and_strangers_sign_in_first(customer_world, client):
    world, ticket, _attachment = customer_world
    # given an L1 agent, the console answers
    client.force_login(world.user("acme_l1"))
    assert client.get("/").status_code == 200
    assert client.get(f"/tickets/{ticket.number}/").status_code == 200
    # given nobody signed in, the console asks them to sign in
    anonymous = Client()
    response = anonymous.get("/tickets/new/")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)
