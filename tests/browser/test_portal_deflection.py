"""Deflection in a real browser: a customer types an expired-token error into the report
form, the matching article appears as they type (htmx), they mark it as the solution; no
ticket is opened and the deflection is recorded."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, submit
from tierdesk.core.actor import SYSTEM
from tierdesk.kb import seed as kb_seed
from tierdesk.kb.models import Article
from tierdesk.tickets.access import visible_tickets
from tierdesk.triage import seed as triage_seed
from tierdesk.triage.models import Deflection

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ERROR = "Google Sheets step fails: invalid_grant - Token has been expired or revoked."


def test_a_customer_finds_the_article_while_typing_and_sends_no_report(
    page, site, branded, screens
):
    kb_seed.load()
    triage_seed.load()
    world = branded
    article = Article.objects.get(slug="oauth-token-expired-or-revoked")
    # given a customer on the report form
    sign_in(page, site, world.user("acme_customer").email, next_url="/portal/new/")
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    # when they type the error they see
    page.get_by_label("Summary").fill("Sheets sync stopped")
    page.get_by_label("What happened?").press_sequentially(ERROR, delay=5)
    # then the article about expired tokens appears beside the form
    suggestion = page.locator("#suggestions").get_by_role("link", name=article.title)
    expect(suggestion).to_be_visible()
    expect(page.locator("#suggestions")).to_contain_text("invalid_grant")
    screens.shot(page, "portal report form suggests an article")
    # when they mark it as the solution
    submit(page.locator("#suggestions").get_by_role("button", name="This solved it"))
    # then they are back on their tickets with a word of thanks, and no ticket was opened
    expect(page.get_by_text("Glad it is solved. No report was sent.")).to_be_visible()
    assert not visible_tickets(SYSTEM).filter(partner=world.acme).exists()
    # and the deflection is recorded with the article and the cause
    deflection = Deflection.objects.get()
    assert deflection.article_id == article.pk and deflection.cause == "token_expired"
    assert deflection.customer == world.user("acme_customer")
    assert "invalid_grant" in deflection.text
