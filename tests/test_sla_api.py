"""The `sla` block of GET /api/v1/tickets/{id}, the `at_risk` filter and `order=deadline`
on GET /api/v1/tickets, through the real URL stack."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import new_ticket
from tests.test_api import API, client_for
from tierdesk.core.clock import travel_to
from tierdesk.sla import services
from tierdesk.sla.models import Policy
from tierdesk.tickets import services as tickets

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
MONDAY = datetime(2026, 11, 30, 9, tzinfo=BERLIN)


@pytest.fixture
def policies(db):
    Policy.objects.filter(plan="premium", priority="normal", incident=False).update(
        first_response=4 * H, next_response=2 * H, resolution=16 * H
    )


def when(moment):
    return travel_to(moment)


def opened(world, moment, **fields):
    fields.setdefault("occurred_at", moment - H)
    fields.setdefault("needed_by", moment + timedelta(days=7))
    with when(moment):
        return new_ticket(world, **fields)


def test_ticket_detail_shows_every_clock(world, policies):
    t = opened(world, MONDAY, needed_by=MONDAY + timedelta(days=1, hours=3))
    acme = client_for(world, "acme_l1")
    with when(MONDAY + H):
        body = acme.get(f"{API}/tickets/{t.pk}").json()
    sla = body["sla"]
    assert set(sla) == {"next_deadline", "at_risk", "breached", "clocks"}
    assert sla["next_deadline"] == "2026-11-30T12:00:00Z"  # 13:00 Berlin
    assert (sla["at_risk"], sla["breached"]) == (False, False)
    by_kind = {c["kind"]: c for c in sla["clocks"]}
    assert [c["kind"] for c in sla["clocks"]] == [
        "first_response",
        "resolution",
        "needed_by",
        "customer_first",
    ]
    # the customer's first response: same 4 h target, no level, met by a public reply only
    mine = by_kind["customer_first"]
    assert mine["level"] is None and mine["due_at"] == "2026-11-30T12:00:00Z"
    first = by_kind["first_response"]
    assert set(first) == {
        "kind",
        "level",
        "due_at",
        "used_seconds",
        "remaining_seconds",
        "paused",
        "stopped",
        "met",
        "calendar",
        "policy",
    }
    assert (first["stopped"], first["met"]) == (False, None)
    assert first["level"] == 1 and first["used_seconds"] == 3600
    assert first["remaining_seconds"] == 3 * 3600 and first["paused"] is False
    assert first["policy"] == "premium/normal"
    assert first["calendar"].startswith("Support hours")
    needed = by_kind["needed_by"]
    assert needed["level"] is None and needed["policy"] is None
    assert needed["due_at"] == "2026-12-01T11:00:00Z"
    # later that day the first response is past due
    with when(MONDAY + 5 * H):
        late = acme.get(f"{API}/tickets/{t.pk}").json()["sla"]
    assert late["breached"] and late["at_risk"]
    assert late["clocks"][0]["remaining_seconds"] == -3600


def test_at_risk_filter_and_deadline_order(world, policies):
    # three tickets opened an hour apart; the first is at risk after the sweep at 12:30
    a = opened(world, MONDAY)
    b = opened(world, MONDAY + H)
    c = opened(world, MONDAY + 2 * H, needed_by=MONDAY + 3 * H)  # the customer's deadline: 12:00
    services.sweep(now=MONDAY + 3.5 * H)
    acme = client_for(world, "acme_l1")
    with when(MONDAY + 3.5 * H):
        risky = acme.get(f"{API}/tickets", {"at_risk": "true"}).json()["items"]
        calm = acme.get(f"{API}/tickets", {"at_risk": "false"}).json()["items"]
        first = acme.get(f"{API}/tickets", {"order": "deadline", "limit": 2}).json()
        rest = acme.get(
            f"{API}/tickets", {"order": "deadline", "limit": 2, "cursor": first["next_cursor"]}
        ).json()
        bad = acme.get(f"{API}/tickets", {"order": "deadline", "cursor": "!!"})
        wrong = acme.get(f"{API}/tickets", {"order": "sideways"})
    assert {t["id"] for t in risky} == {a.pk, c.pk}
    assert {t["id"] for t in calm} == {b.pk}
    # c's needed_by (12:00) comes before a's first response (13:00) and b's (14:00)
    assert [t["id"] for t in first["items"]] == [c.pk, a.pk]
    assert [t["id"] for t in rest["items"]] == [b.pk] and rest["next_cursor"] is None
    assert bad.status_code == 422 and wrong.status_code == 422


def test_deadline_order_puts_tickets_without_a_deadline_last(world, policies):
    a = opened(world, MONDAY)
    b = opened(world, MONDAY)
    l1 = world.actor("acme_l1")
    with when(MONDAY + H):
        tickets.ticket_take(actor=l1, ticket_id=a.pk)
        tickets.ticket_resolve(actor=l1, ticket_id=a.pk, resolution="Done.", cause="usage")
    acme = client_for(world, "acme_l1")
    pages, cursor = [], None
    while True:
        params = {"order": "deadline", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = acme.get(f"{API}/tickets", params).json()
        pages += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == [b.pk, a.pk]


def test_detail_query_count_does_not_grow_with_clocks(
    world, policies, django_assert_max_num_queries
):
    t = opened(world, MONDAY)
    acme = client_for(world, "acme_l1")
    acme.get(f"{API}/tickets/{t.pk}")  # warm the calendar cache
    # A fixed number for the ticket and each contributed block (sla, time, triage,
    # problem, links, satisfaction, support access), whatever the number of clocks.
    with django_assert_max_num_queries(20):
        acme.get(f"{API}/tickets/{t.pk}")
