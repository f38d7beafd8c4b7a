"""The customer portal in a real browser: a customer signs in, reports a problem with
a log and a screenshot, answers support's question, and confirms the solution; a
partner's customer sees the partner's brand, a direct customer the vendor's.

The agents' side is played through the ticket services here (the whole process through
the console is in test_process_e2e.py)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import (
    ACME_PRIMARY,
    VENDOR_PRIMARY,
    brand_colour,
    sign_in,
    submit,
)
from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE, PLAIN_LOG, new_ticket
from tierdesk.tickets import access, services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def png(colour=(31, 78, 121)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(buffer, "PNG")
    return buffer.getvalue()


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_customer_reports_answers_and_confirms_in_the_portal(page, site, branded, screens):
    world = branded
    # given a customer who opens the portal and is asked to sign in first
    page.goto(f"{site}/portal/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/portal/"))
    sign_in(page, site, world.user("acme_customer").email, next_url="/portal/")
    expect(page).to_have_url(f"{site}/portal/")
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    expect(page.get_by_text("You have no open tickets.")).to_be_visible()
    screens.shot(page, "portal home, no tickets yet")

    # when they report a problem with the flow's address, a log file and a screenshot
    page.get_by_role("link", name="Report a problem").first.click()
    page.get_by_label("Summary").fill("Orders stop at the ERP step")
    page.get_by_label("Flow address (URL)").fill(
        f"https://app.elastic.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/7"
    )
    page.get_by_label("What happened?").fill("Since Monday no order reaches the ERP.")
    page.get_by_label("What did you expect to happen?").fill("Each order is copied to the ERP.")
    page.get_by_label("What happened instead?").fill("The ERP step fails with HTTP 401.")
    page.get_by_label("When did it happen?").fill(local(timezone.now() - timedelta(hours=5)))
    page.get_by_label("How often does it happen?").select_option("always")
    page.get_by_label("Steps to make it happen again").fill("1. Send an order\n2. Watch the ERP")
    page.get_by_role("group", name="Does this block your work right now?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("How does it block your work?").fill("Nothing ships today.")
    page.get_by_label("By when do you need a solution").fill(
        local(timezone.now() + timedelta(days=2))
    )
    page.get_by_label("Log files").set_input_files(
        [{"name": "execution.log", "mimeType": "text/plain", "buffer": PLAIN_LOG}]
    )
    page.get_by_label("Screenshots").set_input_files(
        [{"name": "erp-step.png", "mimeType": "image/png", "buffer": png()}]
    )
    screens.shot(page, "portal report form filled in")
    submit(page.get_by_role("button", name="Send report"))

    # then they land on their new ticket, received, with what they sent
    ticket = access.visible_tickets(world.actor("acme_customer")).get()
    expect(page).to_have_url(f"{site}/portal/tickets/{ticket.number}/")
    expect(page.get_by_text(f"We received your report as TD-{ticket.number}")).to_be_visible()
    expect(page.get_by_role("link", name="execution.log")).to_be_visible()
    expect(page.get_by_role("img", name="Screenshot erp-step.png")).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("Received")
    screens.shot(page, "portal ticket received")
    assert ticket.flow_id == ACME_FLOW and ticket.attachments.count() == 2

    # given L1 takes it, notes something internal and asks the customer a question
    l1 = world.actor("acme_l1")
    services.ticket_take(actor=l1, ticket_id=ticket.pk)
    services.message_add(
        actor=l1, ticket_id=ticket.pk, body="INTERNAL: token rotated on Monday?", internal=True
    )
    services.ticket_ask_customer(
        actor=l1, ticket_id=ticket.pk, message="Which order number failed first?"
    )
    # when the customer looks again
    page.reload()
    # then they see the question and that support waits on them, but not the note
    expect(page.get_by_text("Support is waiting for your reply.")).to_be_visible()
    expect(page.get_by_text("Which order number failed first?")).to_be_visible()
    expect(page.get_by_text("INTERNAL: token rotated")).to_have_count(0)
    screens.shot(page, "portal question from support")
    # when they answer
    page.get_by_label("Your reply").fill("Order 4711, at 09:14 on Monday.")
    submit(page.get_by_role("button", name="Send reply"))
    # then the ticket is being worked on again
    expect(page.get_by_text("support carries on with your ticket")).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("In progress")
    expect(page.get_by_text("Order 4711, at 09:14 on Monday.")).to_be_visible()

    # given L1 solves it
    services.ticket_resolve(
        actor=l1,
        ticket_id=ticket.pk,
        resolution="The ERP password had expired; we renewed it with your admin.",
        cause="credentials",
        customer_message="The ERP password had expired; we renewed it with your admin.",
    )
    page.reload()
    expect(page.get_by_role("heading", name="Resolved")).to_be_visible()
    expect(page.get_by_text("The ERP password had expired")).to_be_visible()
    screens.shot(page, "portal resolved, confirm or reopen")
    # when the customer confirms the solution
    submit(page.get_by_role("button", name="Yes, it is solved: close the ticket"))
    # then the ticket is closed, and listed among the resolved and closed ones
    expect(page.get_by_text("The ticket is closed.")).to_be_visible()
    page.get_by_role("link", name="My tickets").first.click()
    page.get_by_role("link", name="Resolved and closed").click()
    row = page.get_by_role("row", name=re.compile(f"TD-{ticket.number}"))
    expect(row).to_contain_text("Closed")
    screens.shot(page, "portal list, resolved and closed")


def test_partner_customers_wear_the_partners_brand_direct_customers_the_vendors(
    browser, browser_context_args, site, branded, screens
):
    world = branded
    new_ticket(world, "acme")
    new_ticket(world, "vendor")
    seen = {}
    for who, brand_name, colour in (
        ("acme_customer", "Acme Integrations", ACME_PRIMARY),
        ("direct_customer", "Integra Support", VENDOR_PRIMARY),
    ):
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        # when each customer signs in to the portal
        sign_in(page, site, world.user(who).email, next_url="/portal/")
        expect(page).to_have_url(f"{site}/portal/")
        # then the header carries their organisation's name and colour
        header = page.locator("header.site-header")
        expect(header).to_contain_text(brand_name)
        assert brand_colour(page) == colour
        seen[who] = page.content()
        screens.shot(page, f"portal brand of {who.replace('_', ' ')}")
        context.close()
    # and the partner's logo is an image, the vendor's name appears nowhere for Acme's
    assert 'src="data:image/svg+xml;base64,' in seen["acme_customer"]
    assert "Integra Support" not in seen["acme_customer"]
    assert "Acme Integrations" not in seen["direct_customer"]
