"""The portal's search box in a real browser: a customer types a word into the box in the
header, presses Enter and finds their own ticket with the word marked — not another
customer's ticket with the same word, not the words of an internal note."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import new_ticket
from tierdesk.tickets import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_customer_finds_their_own_ticket_from_the_portal_header(page, site, branded, screens):
    world = branded
    # given the customer's ticket, with an internal note, and another customer's ticket
    # with the same word (Globex's)
    own = new_ticket(
        world,
        title="Invoices stuck after the gazebo import",
        description="Since Monday the gazebo import leaves invoices in the outbox.",
    )
    services.message_add(
        actor=world.actor("acme_l1"),
        ticket_id=own.pk,
        body="gazebo: customer is on the harpsichord plan",
        internal=True,
    )
    other = new_ticket(world, partner="globex", title="Gazebo import drops rows")
    sign_in(page, site, world.user("acme_customer").email, next_url="/portal/")
    expect(page).to_have_url(f"{site}/portal/")

    # when they search from the box in the header
    box = page.get_by_role("searchbox", name="Search my tickets")
    box.fill("gazebo")
    box.press("Enter")

    # then they see their ticket, the word marked, and only theirs
    expect(page).to_have_url(re.compile(r"/portal/search/\?q=gazebo"))
    expect(page.get_by_role("heading", name="Search my tickets")).to_be_visible()
    results = page.locator("ol.search-results > li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Invoices stuck after the gazebo import")
    expect(page.get_by_text("1 ticket", exact=True)).to_be_visible()
    expect(page.locator("mark").first).to_have_text(re.compile("gazebo", re.I))
    expect(page.locator("main")).not_to_contain_text("Gazebo import drops rows")
    expect(page.locator("main")).not_to_contain_text("harpsichord")
    screens.shot(page, "portal search, own ticket found")

    # and the internal note's word finds nothing
    box = page.get_by_role("searchbox", name="Search my tickets")
    box.fill("harpsichord")
    box.press("Enter")
    expect(page.get_by_text("Nothing found.")).to_be_visible()

    # and the result leads to the ticket in the portal
    box.fill("gazebo")
    box.press("Enter")
    page.locator("ol.search-results a").first.click()
    expect(page).to_have_url(re.compile(rf"/portal/tickets/{own.number}/?$"))
    assert other.number != own.number
