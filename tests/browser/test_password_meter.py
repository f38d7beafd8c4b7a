"""The strength meter under a new password answers while the person types, fed by the
server's own rules, and the form refuses a weak password with the validator's reason
(ASVS 2.1.8), under the strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GUESSABLE = "asdfghjkl;12"  # twelve characters, a straight row of keys
STRONG = "a much better passphrase"


def test_the_meter_follows_the_typing_and_a_weak_password_is_refused(page, site, world, screens):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # a CSP refusal shows as a console error ("Refused to …"); a 422 answer is expected
    page.on("console", lambda msg: errors.append(msg.text) if "Refused" in msg.text else None)
    # given the person on the password change form, its script wired
    sign_in(page, site, world.user("acme_l1").email)
    page.goto(f"{site}/settings/password/")
    expect(page.locator("html")).to_have_attribute("data-ui", "ready")
    meter = page.locator("[data-strength-for=id_new_password1]")
    expect(meter).to_be_hidden()
    new = page.locator("#id_new_password1")
    # when they start typing: a very weak start, and why
    new.press_sequentially("asdf", delay=20)
    expect(meter).to_be_visible()
    expect(meter).to_have_attribute("data-score", "0")
    expect(meter).to_have_attribute("data-acceptable", "false")
    expect(meter).to_contain_text("Very weak")
    expect(meter).to_contain_text("too short")
    # and go on to twelve characters of one row of keys: long enough, still refused
    new.press_sequentially("ghjkl;12", delay=20)
    expect(meter).to_contain_text("This password is too easy to guess.")
    expect(meter).to_contain_text("It is a straight row of keys.")
    expect(meter).to_have_attribute("data-acceptable", "false")
    screens.shot(page, "password meter weak")
    # then a passphrase instead turns the meter to strong
    new.fill("")
    expect(meter).to_be_hidden()
    new.press_sequentially(STRONG, delay=10)
    expect(meter).to_have_attribute("data-score", "4")
    expect(meter).to_have_attribute("data-acceptable", "true")
    expect(meter).to_contain_text("Strong")
    expect(meter.locator("meter")).to_have_js_property("value", 4)
    # when they send the guessable one anyway
    new.fill(GUESSABLE)
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password2").fill(GUESSABLE)
    page.get_by_role("button", name="Set the password").click()
    # then the form refuses it with the validator's reason, and the old password stands
    error = page.locator("#id_new_password2_error, #id_new_password1_error").first
    expect(error).to_contain_text("This password is too easy to guess.")
    world.user("acme_l1").refresh_from_db()
    assert world.user("acme_l1").check_password(PASSWORD)
    assert errors == []
