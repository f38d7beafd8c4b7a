"""The customer rates the help on their resolved ticket in the portal, in a real browser
(the page's strict CSP holds: a plain form, no script)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, submit
from tests.factories import ticket_at
from tierdesk.satisfaction.models import Rating

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_customer_rates_a_resolved_ticket_in_the_portal(page, site, branded, screens):
    world = branded
    # given a ticket of theirs that L1 resolved
    ticket = ticket_at(world, "resolved@L1")
    url = f"/portal/tickets/{ticket.number}/"
    sign_in(page, site, world.user("acme_customer").email, next_url=url)
    # when they open it, pick 4 and write a comment
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Comment (optional)").fill("Quick and clear.")
    screens.shot(page, "portal rating form")
    submit(page.get_by_role("button", name="Send rating"))
    # then the page thanks them and no longer asks
    expect(page.get_by_text("You rated our help 4 of 5. Thank you.")).to_be_visible()
    expect(page.get_by_role("heading", name="How did we do?")).to_have_count(0)
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment, rating.level) == (4, "Quick and clear.", 1)
