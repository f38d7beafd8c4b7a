"""The second factor in a real browser: a partner admin must set up an authenticator at
their first sign-in (QR code and key as text), sees their recovery codes once, and signs
in the next time with a code — under the CSP, without a violation."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.second_factor,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def code_for(secret_text: str, *, step_ahead: int = 0) -> str:
    """What an authenticator app with this key shows (RFC 6238), `step_ahead` steps on."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, t0=-30 * step_ahead):06d}"


def test_enrolment_and_sign_in_with_a_code(browser, browser_context_args, site, world):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    email = world.user("acme_admin").email
    # given a partner admin without a second factor signs in with their password
    sign_in(page, site, email, next_url="/settings/")
    # then they land on the enrolment, with a QR code and the key as text
    expect(page).to_have_url(re.compile(r"/settings/second-factor/"))
    qr = page.get_by_role("img", name="QR code of your authenticator key")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: SVG rendered
    secret = page.locator("#totp-secret").inner_text()
    # when a wrong code is entered, it is refused and they stay
    page.get_by_label("Code").fill("123456" if code_for(secret) != "123456" else "654321")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".errorlist, .field-error, [role=alert]").first).to_be_visible()
    # when they enter the code their app shows (after django-otp's one-second back-off
    # that follows a wrong code)
    page.wait_for_timeout(1100)
    page.get_by_label("Code").fill(code_for(secret))
    page.get_by_role("button", name="Confirm").click()
    # then the recovery codes are shown, and they may go on to where they were going
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/settings/$"))
    # when they sign out and in again
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto(f"{site}/login/?next=/settings/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # then the code is asked for, with no queue in sight, and the next code of their app
    # lets them in
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    expect(page.get_by_role("navigation", name="Queues")).to_have_count(0)
    page.get_by_label("Code").fill(code_for(secret, step_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/settings/$"))
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    assert problems == []
    context.close()
