"""Calendars and policies are data the admin edits (seeded by the migration); clocks and
SLA events are read-only there; the ticket page's partial renders the clocks."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import new_ticket
from tierdesk.core.clock import travel_to
from tierdesk.sla import selectors
from tierdesk.sla.calendars import add_working
from tierdesk.sla.models import Calendar, Clock, ManualDay, Policy, SlaEvent

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 30, 9, tzinfo=BERLIN)


def opened(world):
    with travel_to(MONDAY):
        return new_ticket(
            world, occurred_at=MONDAY - timedelta(hours=1), needed_by=MONDAY + timedelta(days=7)
        )


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.user("admin"))
    return client


def test_the_defaults_are_seeded(db):
    office = Calendar.objects.get(code="support-hours")
    assert office.time_zone == "Europe/Berlin" and office.regions == ("DE-NW", "UA", "GB-ENG")
    assert sorted((h.weekday, h.start, h.end) for h in office.hours.all()) == [
        (d, time(9), time(18)) for d in range(5)
    ]
    assert sorted((d.month, d.day, d.kind, d.start, d.end) for d in office.days.all()) == [
        (12, 24, "short", time(9), time(13)),
        (12, 31, "short", time(9), time(13)),
    ]
    assert Calendar.objects.get(code="24x7").always_open
    # every plan × priority, ordinary and incident; incidents around the clock
    assert Policy.objects.count() == 4 * 4 * 2
    assert set(Policy.objects.filter(incident=True).values_list("calendar__code", flat=True)) == {
        "24x7"
    }


def test_sla_pages_render(admin_client, world):
    opened(world)
    for model in (Calendar, Policy, Clock, SlaEvent):
        url = reverse(f"admin:sla_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
    office = Calendar.objects.get(code="support-hours")
    page = admin_client.get(reverse("admin:sla_calendar_change", args=[office.pk]))
    assert page.status_code == 200
    assert "(DE-NW)" in page.content.decode() and "(GB-ENG)" in page.content.decode()


def test_clocks_and_events_are_read_only(db):
    for model in (Clock, SlaEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(None)
        assert not model_admin.has_change_permission(None)


def test_clock_list_does_not_query_per_row(admin_client, world):
    url = reverse("admin:sla_clock_changelist")
    opened(world)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(4):
        opened(world)
    with CaptureQueriesContext(connection) as more:
        admin_client.get(url)
    assert len(more) <= len(few)


def test_an_admin_edit_of_a_calendar_is_seen_at_once(db):
    # given the cached calendar value, when a manual closed day is added and the calendar
    # saved (as the admin's change form does), then the next value has it
    office = Calendar.objects.get(code="support-hours")
    before = selectors.work_calendar(office)
    ManualDay.objects.create(calendar=office, year=2026, month=11, day=30, kind="closed")
    with travel_to(datetime(2026, 11, 30, 8, tzinfo=BERLIN)):
        office.save()
    office.refresh_from_db()
    after = selectors.work_calendar(office)
    start = datetime(2026, 11, 30, 9, tzinfo=BERLIN)
    assert add_working(before, start, timedelta(hours=1)) == start + timedelta(hours=1)
    assert add_working(after, start, timedelta(hours=1)) == datetime(2026, 12, 1, 10, tzinfo=BERLIN)


def test_the_ticket_page_partial_shows_each_clock(world):
    ticket = opened(world)
    html = render_to_string(
        "sla/_clocks.html", {"sla": selectors.ticket_sla(ticket, now=MONDAY + timedelta(hours=1))}
    )
    assert "First response" in html and "Customer's latest acceptable time" in html
    # a header row, then L1's first response, resolution, needed_by and the customer's own
    # first response (met only by a public reply to them)
    assert html.count("<tr>") == 1 + 4 and "L1" in html and "premium/normal" in html
    assert "Customer's first response" in html
