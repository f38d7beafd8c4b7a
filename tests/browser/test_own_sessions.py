"""A customer ends a session of theirs on another browser from the portal's list, in their
partner's brand (ASVS 3.3.4): the other browser's next page is the sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ACME_PRIMARY, brand_colour, sign_in, submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_customer_ends_their_other_browsers_session_from_the_portal(
    browser, browser_context_args, site, branded, screens
):
    email = branded.user("acme_customer").email
    contexts = [browser.new_context(**browser_context_args) for _ in range(2)]
    try:
        laptop, phone = (context.new_page() for context in contexts)
        # given the customer signed in on two browsers
        for page in (laptop, phone):
            sign_in(page, site, email)
        # when they open their sessions on the laptop
        laptop.goto(f"{site}/portal/")
        laptop.get_by_role("link", name="Your sessions").click()
        # then the page wears Acme's brand and lists both, the laptop marked as this one
        expect(laptop.get_by_role("heading", name="Your sessions")).to_be_visible()
        assert brand_colour(laptop) == ACME_PRIMARY
        rows = laptop.locator("#sessions tbody tr[data-session]")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="This session")).to_have_count(1)
        screens.shot(laptop, "portal sessions")
        # when they end the other one
        other = rows.filter(has_not_text="This session")
        submit(other.get_by_role("button", name="End session"))
        # then one is left, and the phone's next page is the sign-in
        expect(laptop.get_by_text("The session is ended: it is signed out.")).to_be_visible()
        expect(rows).to_have_count(1)
        phone.goto(f"{site}/portal/")
        expect(phone).to_have_url(re.compile(r"/login/"))
        # while the laptop goes on
        laptop.goto(f"{site}/portal/")
        expect(laptop).to_have_url(re.compile(r"/portal/$"))
    finally:
        for context in contexts:
            context.close()
