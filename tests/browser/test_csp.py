"""Under the Content-Security-Policy the pages still work in a real browser: htmx swaps
the live checklist and the platform IDs parsed from a pasted URL, Swagger UI renders the API
docs — and Chromium reports no CSP violation on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def watched(browser, browser_context_args):
    """A fresh page whose console messages and page errors are collected from the start."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    page.messages = messages
    yield page
    context.close()


def violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "pageerror" in m]


def test_the_live_checklist_works_under_the_csp(watched, site, world):
    page = watched
    # given an L1 agent on the new ticket form (signed in through the sign-in page)
    sign_in(page, site, world.user("acme_l1").email, next_url="/tickets/new/")
    expect(page).to_have_url(re.compile(r"/tickets/new/$"))
    # (the page's script wires the fields once it has run: wait for it, or a typed URL is lost)
    expect(page.locator("html[data-ui=ready]")).to_have_count(1)
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("items still missing")
    before = checklist.inner_text()
    # when they paste a platform URL and describe the L1 checks
    page.get_by_label("Platform URL").fill(
        f"https://app.elastic.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/3"
    )
    page.get_by_label("How connectivity was ruled out").fill("curl from the agent works.")
    page.get_by_label("How credentials / login were ruled out").fill("Signed in by hand.")
    # then htmx swapped in the parsed platform IDs and a shorter checklist
    expect(checklist).not_to_have_text(before)
    expect(checklist).to_contain_text(re.compile(r"still missing|Complete"))
    expect(page.locator("#platform-ids input[name=flow_id]")).to_have_value(ACME_FLOW)
    # and the brand colours (the nonce'd <style>) applied
    assert page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
    )
    # and the browser reported no CSP violation and no script error
    assert violations(page.messages) == []


def test_the_portal_and_the_api_docs_work_under_the_csp(watched, site, world):
    page = watched
    sign_in(page, site, world.user("acme_customer").email, next_url="/portal/")
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    page.goto(f"{site}/portal/new/")
    page.goto(f"{site}/api/v1/docs")
    # Swagger UI (its own static files) renders the operations
    expect(page.locator(".swagger-ui .information-container")).to_contain_text("Tierdesk API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page.messages) == []


def test_the_admin_works_under_the_csp(watched, site, world):
    page = watched
    sign_in(page, site, world.user("admin").email, next_url="/admin/")
    expect(page.get_by_role("heading", name="Vendor administration")).to_be_visible()
    page.goto(f"{site}/admin/accounts/organisation/{world.acme.pk}/change/")
    expect(page.locator("#organisation_form")).to_be_visible()
    page.goto(f"{site}/admin/tickets/ticket/")
    expect(page.locator("#changelist")).to_be_visible()
    assert violations(page.messages) == []
