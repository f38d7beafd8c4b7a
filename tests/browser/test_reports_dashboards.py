"""The dashboards in a real browser: the support lead's and the partner admin's, each
screenshotted into test-results/screenshots/, and a drill-down followed from a figure
to the tickets behind it and on to one of them — the process figures and those of the
outer apps (satisfaction, deflected reports, problem records)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People, Screens
from tests.reports_world import build_outcomes, build_week
from tierdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WEEK = "from=2026-11-02&to=2026-11-08"


def test_lead_and_partner_admin_dashboards_and_a_drill_down(people: People, screens: Screens):
    # Given the hand-built week
    ids = build_week(people.world)
    ids.update(build_outcomes(people.world, ids))
    reopened = Ticket.objects.get(pk=ids["F"])

    # When the support lead opens Reports from the console's navigation
    lead = people("lead")
    lead.get_by_role("link", name="Reports").click()
    expect(lead.get_by_role("heading", name="Support figures")).to_be_visible()
    # and picks the week with the date-range form
    lead.get_by_label("From").fill("2026-11-02")
    lead.get_by_label("To").fill("2026-11-08")
    lead.get_by_role("button", name="Show").click()
    expect(lead).to_have_url(re.compile(r"start=2026-11-02"))
    expect(lead.locator("svg.chart").first).to_be_visible()
    screens.shot(lead, "reports lead dashboard")

    # Then the reopen rate drills down to the one reopened ticket
    card = lead.locator(".report-card", has_text="Reopen rate")
    expect(card.locator(".figure")).to_have_text("20.0 %")
    card.locator(".figure a").click()
    expect(lead.get_by_role("heading", name="Resolved and reopened")).to_be_visible()
    rows = lead.locator("table.report-tickets tbody tr")
    expect(rows).to_have_count(1)
    screens.shot(lead, "reports drill-down")
    rows.get_by_role("link", name=reopened.reference).click()
    expect(lead).to_have_url(re.compile(rf"/tickets/{reopened.number}/$"))

    # And the outer apps' figures are on the lead's dashboard: ratings by score (a chart),
    # satisfaction per level, partner and agent, deflected reports, problem records
    lead.go_back()
    lead.go_back()
    expect(lead.locator("#chart-scores svg.chart")).to_be_visible()
    satisfaction = lead.locator("#report-satisfaction")
    expect(satisfaction.locator("tbody tr").first).to_contain_text("3.0")
    expect(lead.locator("#report-deflections")).to_contain_text("40.0 %")
    expect(lead.locator("#report-problem_summary")).to_contain_text("Problems opened")
    lead.locator("#report-satisfaction").scroll_into_view_if_needed()
    screens.shot(lead, "reports lead dashboard outcomes")
    # the bar of the ratings of 1 lists the one ticket rated 1: D
    lead.locator("#chart-scores a").filter(has_text="Rated 1").click()
    expect(lead.get_by_role("heading", name="Rated by the customer")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(Ticket.objects.get(pk=ids["D"]).reference)

    # And Globex's partner admin sees their own figures, never Acme's
    admin = people("globex_admin")
    admin.goto(f"{people.site}/reports/?{WEEK}")
    expect(admin.get_by_role("heading", name="Your partner's figures")).to_be_visible()
    expect(admin.locator("main")).not_to_contain_text("Acme")
    # their satisfaction is D's rating alone, their deflection rate 1 of 2
    expect(admin.locator("#report-satisfaction tbody tr").first).to_contain_text("1.0")
    expect(admin.locator("#report-deflections")).to_contain_text("50.0 %")
    screens.shot(admin, "reports partner admin dashboard")
    admin.get_by_role("link", name="Handover quality").click()
    coaching = admin.locator("#report-handover_agent_items")
    expect(coaching).to_contain_text("Globex L1")
    # with the bounced ticket as the example
    expect(coaching).to_contain_text(Ticket.objects.get(pk=ids["D"]).reference)
    screens.shot(admin, "reports partner admin handover quality")
