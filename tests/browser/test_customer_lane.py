"""A signed-in customer never leaves the portal, in a real browser.

The customer follows every link the portal shows them (each page, each file) and types
every URL of the agent console (walked from the URL configuration, as
tests/test_console_door.py does); every one ends in the portal, and no page shows the
console or anything support wrote only for itself."""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PLAIN_LOG, ticket_at
from tests.test_console_door import console_patterns
from tierdesk.tickets import services
from tierdesk.tickets.models import AttachmentKind, Message

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SECRET = "SECRET-internal-Q7"
# What only the console shows: its queue navigation and the ticket page's staff cards.
CONSOLE_SIGNS = ("Everything I can see", "History", "Internal note", "Priority")


def _customer_tickets(world):
    """A ticket resolved with a customer message and internal notes, one waiting on the
    customer, each with a file of the customer's and an internal one of support's."""
    resolved = ticket_at(world, "in_progress@L2")
    waiting = ticket_at(world, "waiting@L1")
    for ticket in (resolved, waiting):
        services.attachment_add(
            actor=world.actor("acme_customer"),
            ticket_id=ticket.pk,
            file=PLAIN_LOG,
            filename="my-export.log",
            kind=AttachmentKind.LOG,
        )
        services.attachment_add(
            actor=world.actor("l2"),
            ticket_id=ticket.pk,
            file=PLAIN_LOG,
            filename=f"{SECRET}.log",
            kind=AttachmentKind.LOG,
        )
        Message.objects.create(ticket=ticket, author=world.user("l2"), body=SECRET, internal=True)
    services.ticket_resolve(
        actor=world.actor("l2"),
        ticket_id=resolved.pk,
        resolution=SECRET,
        cause="configuration",
        customer_message="Your flow works again; please check your orders.",
    )
    return resolved, waiting


def test_a_customer_follows_every_link_and_types_every_console_url_and_stays_in_the_portal(
    page, site, branded
):
    world = branded
    resolved, waiting = _customer_tickets(world)
    # given the customer signed in
    sign_in(page, site, world.user("acme_customer").email)
    expect(page).to_have_url(f"{site}/portal/")

    # when they follow every link the portal shows them, page after page
    seen_pages, seen_files = set(), set()
    queue = deque(["/portal/"])
    while queue:
        path = queue.popleft()
        if path in seen_pages:
            continue
        seen_pages.add(path)
        page.goto(site + path)
        here = urlsplit(page.url).path
        # then every page is a portal page, with nothing of the console or of support's notes
        assert here.startswith("/portal/"), (path, page.url)
        text = page.content()
        assert SECRET not in text, path
        for sign in CONSOLE_SIGNS:
            assert sign not in page.inner_text("main"), (path, sign)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(urljoin(page.url, href))
            if f"{parts.scheme}://{parts.netloc}" != site:
                continue  # (no link leaves the site either, but that is not ours to follow)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            assert parts.path.startswith("/portal/"), (path, href)
            if parts.path.startswith("/portal/files/"):
                seen_files.add(target)
            elif target not in seen_pages:
                queue.append(target)
    # and each file link is the customer's own file, served by the portal
    assert seen_files, "the portal shows the customer's files"
    for target in seen_files:
        answer = page.request.get(site + target)
        assert answer.ok and answer.body() == PLAIN_LOG, target
    assert {f"/portal/tickets/{t.number}/" for t in (resolved, waiting)} <= seen_pages
    page.goto(f"{site}/portal/tickets/{resolved.number}/")
    expect(page.get_by_text("Your flow works again; please check your orders.")).to_be_visible()

    # when they type every URL of the console
    samples = {
        "number": resolved.number,
        "attachment_id": resolved.attachments.get(internal=False).pk,
        "key": "all",
        "action": "close",
    }
    for name, pattern in console_patterns():
        url = reverse(name, kwargs={p: samples[p] for p in pattern.pattern.converters})
        if "attachment_id" in pattern.pattern.converters:
            # a file: the browser would download it, so ask as the browser would
            answer = page.request.get(site + url)
            assert urlsplit(answer.url).path.startswith("/portal/files/"), (url, answer.url)
            assert answer.ok and SECRET.encode() not in answer.body()
            continue
        page.goto(site + url)
        # then the browser ends in the portal, and never shows a byte of the console
        assert urlsplit(page.url).path.startswith("/portal/"), (url, page.url)
        assert SECRET not in page.content(), url
        for sign in CONSOLE_SIGNS:
            assert sign not in page.inner_text("main"), (url, sign)
    # and nothing they did through the console's URLs changed a ticket
    resolved.refresh_from_db()
    assert resolved.status == "resolved"
