"""The agents' day in a real browser, each person in their own session: a lead assigns a
ticket from its page, and a mention in an internal note reaches the bell of the person
mentioned while their page stays open (no reload)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People, submit
from tests.factories import ticket_at
from tierdesk.notifications.models import Notification
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def fast_bell(settings):
    # the bell asks every second here (20 s by default), so the test need not wait long
    settings.TIERDESK_BELL_POLL_SECONDS = 1


def test_a_lead_assigns_a_ticket_and_the_assignee_finds_it(people: People, site, fast_bell):
    world = people.world
    ticket = ticket_at(world, "new@L2")
    # given the lead on the ticket's page
    lead = people("lead", start=f"/tickets/{ticket.number}/")
    lead.goto(f"{site}/tickets/{ticket.number}/")
    control = lead.locator("#assign")
    expect(control.get_by_test_id("assignee")).to_have_text("nobody")
    # when they choose L2B with a reason and assign
    control.get_by_label("Assign to").select_option(label="L2B")
    control.get_by_label("Reason").fill("L2 is on the incident today")
    submit(control.get_by_role("button", name="Assign"))
    # then the page says so, the status did not move, and the history has the reason
    expect(lead.locator(".notice")).to_contain_text("assigned")
    expect(lead.locator("#assign").get_by_test_id("assignee")).to_have_text("L2B")
    ticket.refresh_from_db()
    assert ticket.assignee == world.user("l2b") and ticket.status == "new"
    event = TicketEvent.objects.filter(ticket=ticket).latest("pk")
    assert (event.kind, event.reason) == (EventKind.ASSIGNED, "L2 is on the incident today")
    # and L2B finds it in their own queue, with the bell telling them
    l2b = people("l2b")
    l2b.goto(f"{site}/queues/l2_mine/")
    expect(l2b.get_by_role("link", name=re.compile(ticket.reference))).to_be_visible()
    expect(l2b.locator("#bell .count")).to_have_text("1")


def test_a_mention_reaches_the_bell_of_the_person_mentioned_live(people: People, site, fast_bell):
    world = people.world
    ticket = ticket_at(world, "in_progress@L2")
    # given L2B with a console page open, nothing unread, the page marked to see a reload
    l2b = people("l2b")
    l2b.goto(f"{site}/")
    expect(l2b.locator("#bell .count")).to_have_text("0")
    l2b.evaluate("window.stillTheSamePage = true")
    # when L2 writes an internal note mentioning them, in their own session
    l2 = people("l2", start=f"/tickets/{ticket.number}/")
    l2.goto(f"{site}/tickets/{ticket.number}/")
    expect(l2.locator("#following")).to_contain_text("@l2b")  # offered as mentionable
    l2.get_by_role("textbox", name="Message (required)").fill(
        "@l2b can you compare this with the Globex case?"
    )
    submit(l2.get_by_role("button", name="Add"))
    assert Notification.objects.filter(recipient=world.user("l2b")).count() == 1
    # then L2B's bell shows it without a reload
    expect(l2b.locator("#bell .count")).to_have_text("1")
    assert l2b.evaluate("window.stillTheSamePage") is True
    # and from the bell they reach the notification, then the ticket
    l2b.locator("#bell").click()
    item = l2b.locator(".notification.unread")
    expect(item).to_contain_text(f"L2 mentioned you on {ticket.reference}")
    submit(item.get_by_role("button", name=re.compile("mentioned you")))
    expect(l2b.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    expect(l2b.locator("#bell .count")).to_have_text("0")
    assert Ticket.objects.get(pk=ticket.pk).messages.filter(internal=True).count() == 1


def test_two_agents_on_one_ticket_see_each_other(people: People, site, settings):
    settings.TIERDESK_PRESENCE_BEAT_SECONDS = 1
    world = people.world
    ticket = ticket_at(world, "in_progress@L2")
    url = f"{site}/tickets/{ticket.number}/"
    # given L2 and the lead on the same ticket page, each in their own session
    l2 = people("l2", start=f"/tickets/{ticket.number}/")
    l2.goto(url)
    lead = people("lead", start=f"/tickets/{ticket.number}/")
    lead.goto(url)
    # then each sees the other, viewing
    expect(l2.locator('#presence [data-person="lead@example.test"]')).to_contain_text("viewing")
    expect(lead.locator('#presence [data-person="l2@example.test"]')).to_contain_text("viewing")
    # when the lead starts writing a note, L2 sees that (without a reload)
    lead.get_by_role("textbox", name="Message (required)").fill("Drafting an answer…")
    expect(l2.locator('#presence [data-person="lead@example.test"]')).to_contain_text("writing")
