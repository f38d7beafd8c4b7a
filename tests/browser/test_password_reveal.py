"""A password field can be shown to check what was typed (ASVS 2.1.12), under the CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_password_can_be_shown_and_hidden_again_and_still_signs_in(page, site, world):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # given the sign-in page with a typed password
    page.goto(f"{site}/login/")
    field = page.locator("input[name=password]")
    field.fill("correct horse battery staple")
    expect(field).to_have_attribute("type", "password")
    # when the person presses Show
    page.get_by_role("button", name="Show").click()
    # then the password is readable, and Hide masks it again
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_value("correct horse battery staple")
    page.get_by_role("button", name="Hide").click()
    expect(field).to_have_attribute("type", "password")
    # and shown or not, the form signs in
    page.get_by_role("button", name="Show").click()
    page.get_by_label("Email").fill(world.user("acme_l1").email)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    assert errors == []
