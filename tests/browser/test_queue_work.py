"""Working a queue in a real browser: a bulk take where one ticket is refused and named
with its reason, a saved view created and shown in the sidebar with its count, the list
refreshing itself without losing the selection, and the keyboard: `?` lists the
shortcuts, j/k move through the queue and through its tickets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People, submit
from tests.factories import ticket_at
from tierdesk.savedviews.models import SavedView
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def fast_queue(settings):
    settings.TIERDESK_QUEUE_POLL_SECONDS = 1  # the list refreshes every second here


def test_a_bulk_take_reports_the_refused_ticket_and_takes_the_others(
    people: People, site, fast_queue
):
    world = people.world
    first, second, third = (ticket_at(world, "new@L2") for _ in range(3))
    # given L2B on the intake queue with all three listed
    l2b = people("l2b")
    l2b.goto(f"{site}/queues/l2_intake/")
    for t in (first, second, third):
        expect(l2b.locator(f"input[data-pick='{t.pk}']")).to_be_visible()
    # when they tick the first and the second, the list refreshes itself and keeps them
    l2b.locator(f"input[data-pick='{first.pk}']").check()
    l2b.locator(f"input[data-pick='{second.pk}']").check()
    with l2b.expect_response(re.compile(r"/queues/l2_intake/")):
        pass  # one refresh of the list went by
    expect(l2b.locator(f"input[data-pick='{first.pk}']")).to_be_checked()
    expect(l2b.locator(f"input[data-pick='{second.pk}']")).to_be_checked()
    # and meanwhile L2 takes the second
    services.ticket_take(actor=world.actor("l2"), ticket_id=second.pk)
    # and L2B takes the selection in one go
    l2b.get_by_label("With the selected tickets").select_option("take")
    submit(l2b.get_by_role("button", name="Apply to the selected tickets"))
    # then the page says the first is done and names the second with its reason
    notices = l2b.locator(".notice")
    expect(notices.filter(has_text=f"#{first.number}")).to_contain_text("done")
    expect(notices.filter(has_text=f"#{second.number}: refused — ")).to_be_visible()
    assert Ticket.objects.get(pk=first.pk).assignee == world.user("l2b")
    assert Ticket.objects.get(pk=second.pk).assignee == world.user("l2")
    assert Ticket.objects.get(pk=third.pk).assignee is None


def test_a_saved_view_shows_in_the_sidebar_with_its_count(people: People, site):
    world = people.world
    urgent = ticket_at(world, "new@L2")
    services.ticket_update(
        actor=world.actor("lead"), ticket_id=urgent.pk, changes={"priority": "urgent"}, version=None
    )
    ticket_at(world, "new@L2")
    l2 = people("l2")
    l2.goto(f"{site}/queues/l2_intake/?priority=urgent")
    l2.get_by_text("Save this view").click()
    l2.get_by_label("Name").fill("Urgent intake")
    l2.get_by_label("Share with my team").check()
    submit(l2.locator("details.save-view").get_by_role("button", name="Save"))
    nav = l2.get_by_role("navigation", name="Queues")
    link = nav.get_by_role("link", name=re.compile("Urgent intake"))
    expect(link).to_be_visible()
    expect(link.locator(".count")).to_have_text("1")
    assert SavedView.objects.get().filters == {"priority": "urgent"}
    # and the teammate sees it too, counted for them
    l2b = people("l2b")
    l2b.goto(f"{site}/")
    expect(
        l2b.get_by_role("navigation", name="Queues").get_by_role(
            "link", name=re.compile("Urgent intake")
        ).locator(".count")
    ).to_have_text("1")


def test_the_shortcuts_overlay_and_j_k_through_a_queue(people: People, site):
    world = people.world
    tickets = [ticket_at(world, "new@L2") for _ in range(3)]
    l2 = people("l2")
    l2.goto(f"{site}/queues/l2_intake/")
    ready = l2.locator("html[data-shortcuts=ready]")
    expect(ready).to_have_count(1)
    # `?` opens the list of shortcuts, Esc closes it
    l2.keyboard.press("?")
    help_ = l2.locator("#shortcuts-help")
    expect(help_).to_be_visible()
    expect(help_).to_contain_text("Next / previous ticket")
    expect(help_).to_contain_text("Write an internal note")
    l2.keyboard.press("Escape")
    expect(help_).to_be_hidden()
    # j moves down the rows, k back up
    rows = l2.locator("#queue-results tr[data-row]")
    l2.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("current"))
    l2.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("current"))
    l2.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("current"))
    first_ref = rows.nth(0).locator("td.title a").get_attribute("href")
    # o opens it; on the ticket, j goes to the queue's next ticket and k back
    l2.keyboard.press("o")
    expect(l2).to_have_url(re.compile(re.escape(first_ref) + "$"))
    expect(ready).to_have_count(1)  # (a key pressed before the page's script runs is lost)
    l2.keyboard.press("j")
    expect(l2).not_to_have_url(re.compile(re.escape(first_ref) + "$"))
    expect(ready).to_have_count(1)
    second_url = l2.url
    assert any(second_url.endswith(f"/tickets/{t.number}/") for t in tickets)
    l2.keyboard.press("k")
    expect(l2).to_have_url(re.compile(re.escape(first_ref) + "$"))
    expect(ready).to_have_count(1)
    # n puts the cursor in the reply box as an internal note
    l2.keyboard.press("n")
    expect(l2.locator("textarea[name=body]")).to_be_focused()
    expect(l2.locator("input[name=internal][value=yes]")).to_be_checked()
    # keys typed in a field are text, not shortcuts
    l2.keyboard.type("ju")
    expect(l2.locator("textarea[name=body]")).to_have_value("ju")
    expect(l2).to_have_url(re.compile(re.escape(first_ref) + "$"))
    # out of the field, u goes back to the queue
    l2.locator("textarea[name=body]").evaluate("box => box.blur()")
    l2.keyboard.press("u")
    expect(l2).to_have_url(re.compile(r"/queues/l2_intake/$"))
