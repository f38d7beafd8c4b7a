"""The problem pages in a real browser, as the people use them, each in their own session:

L2 escalates a reproduced ticket with the ticket page's ordinary escalate action → the
ticket's page shows the problem it is now on, and the problem page lists it → L2
escalates a second partner's ticket onto the same problem from that ticket's page → L3
delivers the fix on the problem page: both tickets show "Verifying fix" → L2 fails the
verification of one and passes the other: the page shows one resolved, one back at L3,
and the problem back in fix in progress.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import People, Screens, submit
from tests.factories import World, record_reproduction, ticket_at
from tierdesk.problems.models import Problem, ProblemTicket
from tierdesk.tickets.models import Status, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIX_REFERENCE = "HF-2026-300"
STILL_FAILS = "Order 4712 still fails after the hot-fix."


def state(ticket: Ticket) -> tuple[int, str]:
    ticket.refresh_from_db()
    return ticket.level, ticket.status


def reproduced(world: World, partner: str) -> Ticket:
    ticket = ticket_at(world, "in_progress@L2", partner)
    record_reproduction(world, ticket.pk)
    return ticket


def ticket_row(page: Page, ticket: Ticket):
    """The problem page's line of one ticket."""
    return page.locator("#tickets li", has_text=ticket.reference)


def problem_block(page: Page):
    return page.locator("#problem")


def l2_escalates_with_the_ordinary_action(page: Page, site: str, ticket: Ticket) -> Problem:
    page.goto(f"{site}/tickets/{ticket.number}/")
    expect(problem_block(page)).to_contain_text("Not linked to a problem.")
    escalate = page.locator("details", has=page.locator("summary", has_text="Escalate to L3"))
    escalate.locator("summary").click()
    submit(escalate.get_by_role("button", name="Escalate to L3"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    assert state(ticket) == (3, Status.NEW)
    problem = ProblemTicket.objects.get(ticket=ticket).problem
    # the ticket's page now names the problem it is on
    expect(
        problem_block(page).get_by_role("link", name=re.compile(problem.reference))
    ).to_be_visible()
    return problem


def l2_escalates_onto_the_problem(page: Page, site: str, ticket: Ticket, problem: Problem):
    page.goto(f"{site}/tickets/{ticket.number}/")
    block = problem_block(page)
    block.locator("summary", has_text="Escalate onto a problem (L3)").click()
    block.get_by_label("Problem").select_option(str(problem.pk))
    submit(block.get_by_role("button", name="Escalate", exact=True))
    expect(block.get_by_role("link", name=re.compile(problem.reference))).to_be_visible()
    assert state(ticket) == (3, Status.NEW)


def test_a_problem_from_escalation_to_verification(people: People, site, world, screens: Screens):
    # given two reproduced tickets at L2, of Acme and of Globex
    acme, globex = reproduced(world, "acme"), reproduced(world, "globex")
    l2, l3 = people("l2"), people("l3")

    # when L2 escalates Acme's ticket with the ticket page's ordinary action
    problem = l2_escalates_with_the_ordinary_action(l2, site, acme)
    screens.shot(l2, "L2 escalated a ticket, now on a problem")

    # then the problem page lists it, investigating
    problem_block(l2).get_by_role("link", name=re.compile(problem.reference)).click()
    expect(l2.get_by_role("heading", level=1)).to_contain_text(problem.reference)
    expect(l2.locator(".page-head")).to_contain_text("Investigating")
    expect(l2.get_by_role("heading", name="Tickets (1)")).to_be_visible()
    expect(ticket_row(l2, acme)).to_contain_text("New")

    # when L2 escalates Globex's ticket onto the same problem from its page
    l2_escalates_onto_the_problem(l2, site, globex, problem)

    # then the problem page lists both, grouped by partner
    l3.goto(f"{site}/problems/")
    l3.get_by_role("link", name=re.compile(problem.reference)).first.click()
    expect(l3.get_by_role("heading", name="Tickets (2)")).to_be_visible()
    expect(l3.get_by_role("heading", name="Acme Integrations")).to_be_visible()
    expect(l3.get_by_role("heading", name="Globex Cloud")).to_be_visible()
    screens.shot(l3, "L3 problem page, two tickets of two partners")

    # when L3 delivers the fix on the problem
    deliver = l3.locator(
        "form", has=l3.get_by_role("button", name="Deliver the fix to every waiting ticket")
    )
    deliver.get_by_label("Fix reference").fill(FIX_REFERENCE)
    deliver.get_by_label("What the customers read").fill("The fix is live; your flow runs again.")
    submit(deliver.get_by_role("button", name="Deliver the fix to every waiting ticket"))

    # then both tickets wait in verification, as the page shows
    expect(l3.locator(".page-head")).to_contain_text("Fix delivered")
    expect(ticket_row(l3, acme)).to_contain_text("Verifying fix")
    expect(ticket_row(l3, globex)).to_contain_text("Verifying fix")
    assert state(acme) == state(globex) == (2, Status.VERIFYING)
    screens.shot(l3, "L3 delivered the fix to both tickets")

    # when L2 fails the verification of Globex's ticket, then passes the rest
    l2.goto(f"{site}/problems/{problem.pk}/")
    row = ticket_row(l2, globex)
    row.get_by_label("What still fails").fill(STILL_FAILS)
    submit(row.get_by_role("button", name="Failed"))
    expect(ticket_row(l2, globex)).to_contain_text("In progress")
    submit(l2.get_by_role("button", name="Verified: resolve every ticket in verification"))

    # then the page shows Acme's resolved, Globex's back at L3, the problem in progress
    expect(ticket_row(l2, acme)).to_contain_text("Resolved")
    expect(ticket_row(l2, globex)).to_contain_text("In progress")
    expect(ticket_row(l2, globex)).to_contain_text("L3")
    expect(l2.locator(".page-head")).to_contain_text("Fix in progress")
    assert state(acme) == (2, Status.RESOLVED)
    assert state(globex) == (3, Status.IN_PROGRESS)
    # and the history says what happened, in order
    expect(l2.locator(".timeline")).to_contain_text("Fix delivered")
    screens.shot(l2, "L2 verified: one resolved, one back at L3")
