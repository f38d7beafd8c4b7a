"""A partner admin sets up a webhook in the console the way they would in a browser: from
Administration to Webhooks, a new hook with two events, its secret shown once, then paused
and given a new secret on its own page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import submit
from tierdesk.notify.models import Webhook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PUBLIC_URL = "https://93.184.215.14/hooks/tierdesk"


def test_a_partner_admin_adds_pauses_and_rekeys_a_webhook(people, site, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    page = people("acme_admin")
    page.goto(f"{site}/settings/administration/")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()
    # a new hook for two events
    page.get_by_label("Receiver URL").fill(PUBLIC_URL)
    page.get_by_label("Description").fill("Our helpdesk")
    page.get_by_label("Ticket created").check()
    page.get_by_label("Ticket resolved").check()
    submit(page.get_by_role("button", name="Add the webhook"))
    secret = page.locator("#new-secret").inner_text()
    assert secret.startswith("whsec_")
    hook = Webhook.objects.get()
    assert hook.events == ["ticket.created", "ticket.resolved"] and hook.secret == secret
    # the list no longer shows the secret
    page.goto(f"{site}/settings/administration/webhooks/")
    expect(page.locator("#new-secret")).to_have_count(0)
    page.get_by_role("link", name=PUBLIC_URL).click()
    # pause it
    submit(page.get_by_role("button", name="Pause"))
    expect(page.get_by_text(re.compile("^Paused: it receives nothing"))).to_be_visible()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    # a new signing secret, shown once
    submit(page.get_by_role("button", name="New signing secret"))
    rotated = page.locator("#new-secret").inner_text()
    hook.refresh_from_db()
    assert rotated != secret and hook.secret == rotated and hook.active is False
