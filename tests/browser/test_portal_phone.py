"""The portal's ticket list is readable on a phone: no sideways scrolling, every ticket a
card of labelled lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import ticket_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_ticket_list_fits_a_phone(page, site, branded):
    world = branded
    # given a customer with an open ticket, on a phone-sized screen
    ticket_at(world, "in_progress@L1")
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, site, world.user("acme_customer").email, next_url="/portal/")
    # then the list needs no sideways scrolling and each line says what it is
    expect(page.get_by_role("link", name="Orders sync fails with 401")).to_be_visible()
    page.wait_for_load_state("load")  # the stylesheet applied
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 375
    label = page.evaluate(
        "getComputedStyle(document.querySelector('td[data-label]'), '::before').content"
    )
    assert "Ticket" in label
