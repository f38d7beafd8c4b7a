"""The whole process in a real browser, as the people do it, each in their own session:

customer reports in the portal → L1 takes it, completes the handover and watches the
checklist turn complete, hands over → L2 bounces it for a missing log → L1 attaches the
log and hands over again → L2 accepts, asks the customer, the customer answers in the
portal, L2 records a reproduction and escalates → L3 delivers a fix → L2 verifies it →
the customer sees it resolved (and never an internal note). Also: an agent of one partner
gets 404 on another partner's ticket.

Screens are found by their accessible names (labels, roles), not by CSS classes; a
screenshot of each main screen goes to test-results/screenshots/.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACME_PRIMARY, People, Screens, brand_colour, submit
from tests.factories import (
    ACME_CONTRACT,
    ACME_FLOW,
    ACME_WORKSPACE,
    PLAIN_LOG,
    World,
    new_ticket,
    ticket_at,
)
from tierdesk.tickets import access
from tierdesk.tickets.models import Status, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INTERNAL_NOTE = "Internal: the partner rotated their ERP token on Monday"
QUESTION = "Did the failures start right after you changed the ERP user's password?"
ANSWER = "No, the password has not changed since July."
FIX_REFERENCE = "HF-2026-117"
VERIFICATION_NOTES = "Order 4711 goes through with the hot-fix."
RESOLUTION_FOR_CUSTOMER = "The fix is in place: your orders reach the ERP again."


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 270), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def state(ticket: Ticket) -> tuple[int, str]:
    ticket.refresh_from_db()
    return ticket.level, ticket.status


def open_ticket(page: Page, site: str, ticket: Ticket) -> None:
    """From the person's start page, follow the ticket's link (as they would)."""
    page.goto(f"{site}/")
    page.get_by_role("link", name=re.compile(rf"\b{ticket.reference}\b")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)


def action(page: Page, name: str):
    """An action of the ticket page: its disclosure, opened."""
    section = page.locator("details", has=page.locator("summary", has_text=name))
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section


# ---------------------------------------------------------------------------------------
# The people's steps
# ---------------------------------------------------------------------------------------
def customer_reports(page: Page, site: str, world: World, screens: Screens) -> Ticket:
    page.goto(f"{site}/portal/")
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    # Acme's customer is in Acme's portal: Acme's name and colour, not the vendor's.
    expect(page.locator("header")).to_contain_text("Acme Integrations")
    assert brand_colour(page) == ACME_PRIMARY
    page.get_by_role("link", name="Report a problem").first.click()
    page.get_by_label("Summary").fill("Orders stop at the ERP step")
    page.get_by_label("Flow address (URL)").fill(
        f"https://app.elastic.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/7"
    )
    page.get_by_label("What happened?").fill("Since this morning no order reaches the ERP.")
    page.get_by_label("What did you expect to happen?").fill("Each order is copied to the ERP.")
    page.get_by_label("What happened instead?").fill("The ERP step fails with HTTP 401.")
    page.get_by_label("When did it happen?").fill(local(timezone.now() - timedelta(hours=3)))
    page.get_by_label("How often does it happen?").select_option("always")
    page.get_by_label("Steps to make it happen again").fill("1. Send an order\n2. Open the ERP")
    blocker = page.get_by_role("group", name="Does this block your work right now?")
    blocker.get_by_label("Yes").check()
    page.get_by_label("How does it block your work?").fill("Nothing ships today.")
    page.get_by_label("By when do you need a solution").fill(
        local(timezone.now() + timedelta(days=2))
    )
    # A screenshot, but no log: the customer could not find it.
    page.get_by_label("Screenshots").set_input_files(
        [{"name": "erp-step.png", "mimeType": "image/png", "buffer": png()}]
    )
    screens.shot(page, "customer reports a problem in the portal")
    submit(page.get_by_role("button", name="Send report"))
    expect(page.get_by_text("We received your report as")).to_be_visible()
    screens.shot(page, "customer sees the ticket received")
    return access.visible_tickets(world.actor("acme_customer")).get()


def l1_completes_and_hands_over(page: Page, site: str, ticket: Ticket, screens: Screens):
    open_ticket(page, site, ticket)
    screens.shot(page, "L1 ticket page, new")
    submit(page.get_by_role("button", name="Take"))
    assert state(ticket) == (1, Status.IN_PROGRESS)
    # The handover form with its live checklist: the L1 checks and the log are missing.
    page.get_by_role("link", name="Complete the report").click()
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("items still missing")
    hand_over = page.get_by_role("button", name="Hand over to L2")
    expect(hand_over).to_be_disabled()
    screens.shot(page, "L1 handover form, checklist incomplete")
    page.get_by_label("How connectivity was ruled out").fill(
        "The ERP answers from the platform's egress IP (curl from the agent)."
    )
    page.get_by_label("How credentials / login were ruled out").fill(
        "Logged in to the ERP with the flow's user by hand: works."
    )
    expect(checklist).to_contain_text("1 item still missing")
    page.get_by_label("No log? Why").fill("The customer could not find the execution log.")
    # The checklist turns complete as the agent types, and the button comes alive.
    expect(checklist).to_contain_text("Complete: everything L2 needs is there.")
    expect(hand_over).to_be_enabled()
    screens.shot(page, "L1 handover form, checklist complete")
    submit(hand_over)
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (2, Status.NEW)
    screens.shot(page, "L1 ticket handed over to L2")


def l2_bounces_for_the_log(page: Page, site: str, ticket: Ticket, screens: Screens):
    open_ticket(page, site, ticket)
    screens.shot(page, "L2 intake, the handed-over ticket")
    bounce = action(page, "Bounce back to L1")
    bounce.get_by_label("Logs", exact=True).check()
    bounce.get_by_label("What L1 needs to add").fill(
        "We need the execution log: download it from the execution's page (.log)."
    )
    screens.shot(page, "L2 bounces for a missing log")
    submit(bounce.get_by_role("button", name="Bounce back to L1"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (1, Status.IN_PROGRESS)


def l1_attaches_the_log_and_hands_over_again(
    page: Page, site: str, ticket: Ticket, screens: Screens
):
    open_ticket(page, site, ticket)
    expect(page.get_by_text("We need the execution log").first).to_be_visible()
    screens.shot(page, "L1 sees the bounce")
    page.get_by_label("Logs and screenshots").set_input_files(
        [{"name": "execution.log", "mimeType": "text/plain", "buffer": PLAIN_LOG}]
    )
    page.get_by_label("What the files are").select_option("log")
    submit(page.get_by_role("button", name="Upload"))
    expect(page.get_by_role("link", name="execution.log")).to_be_visible()
    hand_over = action(page, "Hand over to L2")
    expect(hand_over).to_contain_text("Complete: everything L2 needs is there.")
    submit(hand_over.get_by_role("button", name="Hand over to L2"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (2, Status.NEW)
    assert ticket.handovers.count() == 2


def l2_accepts_and_asks_the_customer(page: Page, site: str, ticket: Ticket, screens: Screens):
    open_ticket(page, site, ticket)
    submit(page.get_by_role("button", name="Accept the handover"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (2, Status.IN_PROGRESS)
    # An internal note the customer must never see, then the question they must see.
    conversation = page.locator("#conversation")
    conversation.get_by_label("Message").fill(INTERNAL_NOTE)
    conversation.get_by_label("Internal note (never shown to the customer)").check()
    submit(conversation.get_by_role("button", name="Add", exact=True))
    expect(page.get_by_text(INTERNAL_NOTE)).to_be_visible()
    ask = action(page, "Ask the customer")
    ask.get_by_label("Question to the customer").fill(QUESTION)
    submit(ask.get_by_role("button", name="Ask the customer"))
    expect(page.get_by_text(QUESTION)).to_be_visible()
    assert state(ticket) == (2, Status.WAITING_ON_CUSTOMER)
    screens.shot(page, "L2 asked the customer, with an internal note")


def customer_answers(page: Page, site: str, ticket: Ticket, screens: Screens):
    page.goto(f"{site}/portal/")
    page.get_by_role("link", name=ticket.title).click()
    expect(page.get_by_text("Support is waiting for your reply.")).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_text(INTERNAL_NOTE)).to_have_count(0)
    page.get_by_label("Your reply").fill(ANSWER)
    screens.shot(page, "customer answers in the portal")
    submit(page.get_by_role("button", name="Send reply"))
    expect(page.get_by_text(ANSWER)).to_be_visible()
    assert state(ticket) == (2, Status.IN_PROGRESS)


def l2_reproduces_and_escalates(page: Page, site: str, ticket: Ticket, screens: Screens):
    open_ticket(page, site, ticket)
    expect(page.get_by_text(ANSWER)).to_be_visible()
    form = page.locator("#reproduction-form")
    form.locator("summary").click()  # folded until L2 records it
    form.get_by_label("Reproduced").check()
    form.get_by_label("Verified steps").fill("1. Rotate the token\n2. Send order 4711\n3. 401")
    form.get_by_label("Environment").fill(f"contract {ACME_CONTRACT}, flow {ACME_FLOW} v7")
    form.get_by_label("What was observed").fill("The HTTP step sends the old token: 401.")
    form.get_by_label("Analysis").fill("The refresh token is not persisted after rotation.")
    form.get_by_label(re.compile(r"execution\.log")).check()
    expect(form).to_contain_text("ready to escalate")
    submit(form.get_by_role("button", name="Save the reproduction"))
    escalate = action(page, "Escalate to L3")
    expect(escalate).to_contain_text("ready to escalate")
    screens.shot(page, "L2 reproduction recorded, ready to escalate")
    submit(escalate.get_by_role("button", name="Escalate to L3"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (3, Status.NEW)


def l3_delivers_a_fix(page: Page, site: str, ticket: Ticket, screens: Screens):
    open_ticket(page, site, ticket)
    submit(page.get_by_role("button", name="Accept the escalation"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (3, Status.IN_PROGRESS)
    deliver = action(page, "Deliver a fix")
    deliver.get_by_label("Hot-fix reference").fill(FIX_REFERENCE)
    deliver.get_by_label("What changed").fill("The component persists the rotated token.")
    screens.shot(page, "L3 delivers a fix")
    submit(deliver.get_by_role("button", name="Deliver a fix"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (2, Status.VERIFYING)


def l2_verifies_the_fix(page: Page, site: str, ticket: Ticket, screens: Screens):
    open_ticket(page, site, ticket)
    verify = action(page, "Verify the fix")
    expect(verify).to_contain_text(FIX_REFERENCE)
    verify.get_by_label("Passed: resolve the ticket").check()
    verify.get_by_label("Verification notes (internal)").fill(VERIFICATION_NOTES)
    # the message to the customer comes prefilled from the template; L2 writes its own
    expect(verify.get_by_label("Message to the customer")).to_have_value(
        re.compile("The fix for your problem has been verified")
    )
    verify.get_by_label("Message to the customer").fill(RESOLUTION_FOR_CUSTOMER)
    screens.shot(page, "L2 verifies the fix against the reproduction")
    submit(verify.get_by_role("button", name="Verify the fix"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (2, Status.RESOLVED)


def customer_sees_it_resolved(page: Page, site: str, ticket: Ticket, screens: Screens):
    page.goto(f"{site}/portal/?show=done")
    page.get_by_role("link", name=ticket.title).click()
    expect(page.get_by_role("heading", name="Resolved")).to_be_visible()
    expect(page.get_by_text(RESOLUTION_FOR_CUSTOMER)).to_be_visible()
    expect(page.get_by_text(INTERNAL_NOTE)).to_have_count(0)
    html = page.content()
    # the internal record (note, fix reference, verification notes) stays internal
    assert INTERNAL_NOTE not in html and FIX_REFERENCE not in html
    assert VERIFICATION_NOTES not in html
    assert "Integra Support" not in html  # the vendor answered as "Acme Integrations Support"
    screens.shot(page, "customer sees the ticket resolved")
    submit(page.get_by_role("button", name="Yes, it is solved: close the ticket"))
    expect(page.get_by_text("The ticket is closed.")).to_be_visible()
    assert state(ticket) == (2, Status.CLOSED)


# ---------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------
def test_the_whole_process_as_the_people_do_it(people: People, site, world, screens):
    customer = people("acme_customer")
    expect(customer).to_have_url(f"{site}/portal/")  # signed in, a customer lands here
    ticket = customer_reports(customer, site, world, screens)
    l1, l2 = people("acme_l1"), people("l2")
    l1_completes_and_hands_over(l1, site, ticket, screens)
    l2_bounces_for_the_log(l2, site, ticket, screens)
    l1_attaches_the_log_and_hands_over_again(l1, site, ticket, screens)
    l2_accepts_and_asks_the_customer(l2, site, ticket, screens)
    customer_answers(customer, site, ticket, screens)
    l2_reproduces_and_escalates(l2, site, ticket, screens)
    l3_delivers_a_fix(people("l3"), site, ticket, screens)
    l2_verifies_the_fix(l2, site, ticket, screens)
    customer_sees_it_resolved(customer, site, ticket, screens)


def test_the_customer_never_sees_an_internal_note(people: People, site, world, screens):
    # given a ticket of Acme's customer, worked by L2, with an internal note and an
    # internal file written in the console
    ticket = ticket_at(world, "in_progress@L2")
    l2 = people("l2")
    l2.goto(f"{site}/tickets/{ticket.number}/")
    conversation = l2.locator("#conversation")
    conversation.get_by_label("Message").fill(INTERNAL_NOTE)
    conversation.get_by_label("Internal note (never shown to the customer)").check()
    submit(conversation.get_by_role("button", name="Add", exact=True))
    l2.get_by_label("Logs and screenshots").set_input_files(
        [{"name": "backend-trace.log", "mimeType": "text/plain", "buffer": PLAIN_LOG}]
    )
    submit(l2.get_by_role("button", name="Upload"))
    expect(l2.get_by_text(INTERNAL_NOTE)).to_be_visible()
    expect(l2.get_by_role("link", name="backend-trace.log")).to_be_visible()
    # when the customer opens the ticket in the portal
    customer = people("acme_customer", start="/portal/")
    customer.get_by_role("link", name=ticket.title).click()
    expect(customer.get_by_role("heading", name="Conversation")).to_be_visible()
    # then neither the note nor the internal file is there
    expect(customer.get_by_text(INTERNAL_NOTE)).to_have_count(0)
    expect(customer.get_by_text("backend-trace.log")).to_have_count(0)
    html = customer.content()
    assert INTERNAL_NOTE not in html and "backend-trace.log" not in html
    screens.shot(customer, "customer's view of a ticket with internal notes")


def test_an_agent_of_another_partner_gets_404(people: People, site, world, screens):
    # given a ticket of Acme's customer
    ticket = new_ticket(world, "acme")
    # when Globex's L1 agent opens its address
    page = people("globex_l1")
    response = page.goto(f"{site}/tickets/{ticket.number}/")
    # then it is not found, exactly as a ticket that does not exist
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    assert ticket.title not in page.content()
    missing = page.goto(f"{site}/tickets/999999/")
    assert missing is not None and missing.status == 404
    screens.shot(page, "another partner's ticket: not found")
    # and Acme's own agent does see it
    own = people("acme_l1").goto(f"{site}/tickets/{ticket.number}/")
    assert own is not None and own.status == 200
