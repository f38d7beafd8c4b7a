"""A macro reply in a real browser: an L1 agent finds a macro from the reply box by
searching, inserts it (rendered for the ticket), sends it signed; the customer reads the
rendered text and the signature in the portal, and nothing internal."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People, submit
from tests.factories import ticket_at
from tierdesk.macros import services as macros
from tierdesk.macros.services import MacroDraft
from tierdesk.tickets import services as tickets

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEMPLATE = (
    "Hello {{ customer.first_name }}, thanks for {{ ticket.number }}. "
    "Please reconnect the credential in {{ partner.brand }}'s platform."
)
SIGNATURE = "Acme L1 Support, on call until 18:00"
INTERNAL = "INTERNAL-ONLY: the customer's admin rotated the key"


def test_an_agent_inserts_a_macro_and_the_customer_reads_it_rendered(people: People, site):
    world = people.world
    ticket = ticket_at(world, "in_progress@L1")
    # given Acme's "Reconnect" macro, the agent's signature and an internal note
    macros.macro_create(
        actor=world.actor("acme_admin"),
        scope="organisation",
        draft=MacroDraft(name="Reconnect the credential", body=TEMPLATE),
    )
    macros.signature_set(actor=world.actor("acme_l1"), body=SIGNATURE)
    tickets.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body=INTERNAL, internal=True
    )
    # when the agent searches the reply box's macros and picks it
    agent = people("acme_l1", start=f"/tickets/{ticket.number}/")
    errors: list[str] = []  # the CSP refusing a script or a style shows here
    agent.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    agent.goto(f"{site}/tickets/{ticket.number}/")
    # (the search's answer is in before the pick: a list swapped in under the pointer
    # between press and release makes no click)
    with agent.expect_response(lambda r: "macro_q=reconnect" in r.url):
        agent.get_by_label("Insert a macro").fill("reconnect")
    pick = agent.get_by_role("button", name="Reconnect the credential")
    expect(pick).to_be_visible()
    pick.click()
    # then the reply holds the macro rendered for this ticket, as a reply to the customer
    rendered = (
        f"Hello Acme, thanks for {ticket.reference}. "
        "Please reconnect the credential in Acme Integrations's platform."
    )
    box = agent.get_by_role("textbox", name="Message (required)")
    expect(box).to_have_value(rendered)
    expect(agent.get_by_label("Reply to the customer")).to_be_checked()
    expect(agent.get_by_label("Sign public replies with my signature")).to_be_checked()
    box.press("End")
    box.type(" Thank you!")
    submit(agent.get_by_role("button", name="Add"))
    expect(agent.locator("#conversation")).to_contain_text(SIGNATURE)
    assert errors == []
    # and the customer reads it, filled and signed, and nothing internal
    customer = people("acme_customer")
    customer.goto(f"{site}/portal/tickets/{ticket.number}/")
    expect(customer.get_by_text(rendered + " Thank you!")).to_be_visible()
    expect(customer.get_by_text(SIGNATURE)).to_be_visible()
    html = customer.content()
    assert INTERNAL not in html and "{{" not in html
    assert "Reconnect the credential" not in html  # the macro's name is support's
