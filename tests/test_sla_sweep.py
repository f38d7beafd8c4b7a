"""The SLA sweep: marks clocks at risk and breached with set-based SQL, records one SLA
event per clock, cycle and kind, flags the tickets, announces them to webhooks once — and
takes the same number of queries for 3 tickets as for 30."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import new_ticket
from tierdesk.core.clock import travel_to
from tierdesk.notify.models import OutboxEvent
from tierdesk.sla import services
from tierdesk.sla.models import Clock, Policy, SlaEvent
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import Ticket

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
MONDAY = datetime(2026, 11, 30, 9, tzinfo=BERLIN)


@pytest.fixture
def policies(db):
    # premium/normal: first response 4 h (at risk after 3 h: 75 %, also 1 h left); the
    # customer's own response clocks are far off here (tests/test_sla_customer_clocks.py).
    Policy.objects.filter(plan="premium", priority="normal", incident=False).update(
        first_response=4 * H,
        next_response=2 * H,
        resolution=16 * H,
        customer_first_response=40 * H,
        customer_next_response=40 * H,
    )


def open_tickets(world, n: int, moment=MONDAY) -> list[Ticket]:
    with travel_to(moment):
        return [
            new_ticket(world, occurred_at=moment - H, needed_by=moment + timedelta(days=14))
            for _ in range(n)
        ]


def first_response(ticket) -> Clock:
    return Clock.objects.get(ticket=ticket, kind="first_response", level=1)


def test_at_risk_then_breached_with_one_event_each(world, policies):
    (t,) = open_tickets(world, 1)
    # given the first response due Mon 13:00, at risk from 12:00
    assert first_response(t).at_risk_at == MONDAY + 3 * H
    # when the sweep runs before that, nothing happens
    assert services.sweep(now=MONDAY + 2 * H) == services.SweepResult(0, 0, 0)
    # at 12:30 it is at risk
    result = services.sweep(now=MONDAY + 3.5 * H)
    assert (result.breached, result.at_risk, result.tickets) == (0, 1, 1)
    t.refresh_from_db()
    assert t.sla_at_risk and not t.sla_breached
    # at 13:01 it is breached (and stays at risk)
    result = services.sweep(now=MONDAY + 4 * H + timedelta(minutes=1))
    assert (result.breached, result.at_risk) == (1, 0)
    t.refresh_from_db()
    assert t.sla_at_risk and t.sla_breached
    kinds = list(SlaEvent.objects.filter(ticket=t).values_list("kind", "clock_kind", "level"))
    assert kinds == [("at_risk", "first_response", 1), ("breached", "first_response", 1)]


def test_the_sweep_is_idempotent(world, policies):
    open_tickets(world, 2)
    later = MONDAY + 5 * H
    first = services.sweep(now=later)
    assert first.breached == 2
    events = SlaEvent.objects.count()
    again = services.sweep(now=later + timedelta(minutes=1))
    assert (again.breached, again.at_risk) == (0, 0)
    assert SlaEvent.objects.count() == events


def test_a_breach_found_late_is_one_event_not_two(world, policies):
    # the sweep did not run between at-risk and due (a worker was down): only "breached"
    (t,) = open_tickets(world, 1)
    services.sweep(now=MONDAY + 5 * H)
    assert list(SlaEvent.objects.filter(ticket=t).values_list("kind", flat=True)) == ["breached"]


def test_paused_and_stopped_clocks_are_not_marked(world, policies):
    (t,) = open_tickets(world, 1)
    l1 = world.actor("acme_l1")
    with travel_to(MONDAY + H):
        tickets.ticket_take(actor=l1, ticket_id=t.pk)
        tickets.ticket_ask_customer(actor=l1, ticket_id=t.pk, message="?")
    # first response stopped (met), resolution paused: weeks later nothing is due but needed_by
    result = services.sweep(now=MONDAY + timedelta(days=13))
    assert result.breached == 0
    assert not SlaEvent.objects.filter(ticket=t, clock_kind="resolution").exists()


def test_a_taken_ticket_drops_its_flags(world, policies):
    (t,) = open_tickets(world, 1)
    services.sweep(now=MONDAY + 5 * H)
    with travel_to(MONDAY + 5 * H):
        tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=t.pk)
    t.refresh_from_db()
    # the first response is over (missed); resolution is not at risk yet
    assert not t.sla_breached and not t.sla_at_risk
    assert first_response(t).met is False


def test_a_new_plan_is_a_new_cycle_with_its_own_events(world, policies):
    (t,) = open_tickets(world, 1)
    services.sweep(now=MONDAY + 3.5 * H)  # at risk
    assert first_response(t).at_risk
    Policy.objects.filter(plan="premium", priority="low", incident=False).update(
        first_response=40 * H
    )
    with travel_to(MONDAY + 3.5 * H):
        tickets.ticket_update(
            actor=world.actor("acme_l1"), ticket_id=t.pk, changes={"priority": "low"}, version=None
        )
    clock = first_response(t)
    t.refresh_from_db()
    assert clock.cycle == 2 and not clock.at_risk and not t.sla_at_risk
    # when the new deadline comes near, a second at-risk event is recorded
    services.sweep(now=clock.at_risk_at + timedelta(seconds=1))
    assert (
        SlaEvent.objects.filter(ticket=t, kind="at_risk", clock_kind="first_response").count() == 2
    )


def test_events_are_announced_to_webhooks_once(world, policies):
    (t,) = open_tickets(world, 1)
    services.sweep(now=MONDAY + 3.5 * H)
    services.sweep(now=MONDAY + 5 * H)
    assert services.notify_events(now=MONDAY + 5 * H) == 2
    assert services.notify_events(now=MONDAY + 5 * H) == 0
    rows = OutboxEvent.objects.filter(ticket=t, event__startswith="sla.").order_by("pk")
    assert [r.event for r in rows] == ["sla.at_risk", "sla.breached"]
    payload = rows[1].payload
    assert payload["ticket"]["id"] == t.pk
    assert payload["sla"]["clock"] == "first_response" and payload["sla"]["level"] == 1
    # nobody has taken it: the L1 intake queue is to act
    assert payload["notify"] == {"queue": "L1"}
    assert not SlaEvent.objects.filter(notified_at__isnull=True).exists()


def _sweep_queries(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = services.sweep(now=now)
    return len(queries), result


def test_query_count_does_not_grow_with_the_number_of_tickets(world, policies):
    # given 3 open tickets whose clocks all turn at once
    open_tickets(world, 3)
    few, result = _sweep_queries(MONDAY + 5 * H)
    assert result.breached == 3
    # when 30 more tickets turn in the next sweep
    open_tickets(world, 30, moment=MONDAY + timedelta(days=1))
    many, result = _sweep_queries(MONDAY + timedelta(days=1, hours=5))
    assert result.breached == 30 and result.tickets == 33  # 3 still unannounced
    # then the sweep took exactly as many queries
    assert many == few
    # and a sweep with nothing to do as well
    idle, _ = _sweep_queries(MONDAY + timedelta(days=1, hours=5))
    assert idle == few


def test_a_backlog_is_worked_off_in_batches_oldest_first(world, policies, settings):
    # given five tickets opened an hour apart, all past their first response
    for hour in range(5):
        open_tickets(world, 1, moment=MONDAY + hour * H)
    late = MONDAY + timedelta(days=1)
    # when a sweep may mark two clocks at a time
    first = services.sweep(now=late, batch=2)
    # then it marks the two that turned first, and says there is more
    assert (first.breached, first.more) == (2, True)
    marked = Clock.objects.filter(kind="first_response", breached=True).order_by("due_at")
    assert [c.due_at for c in marked] == [MONDAY + 4 * H, MONDAY + 5 * H]
    # and the periodic job sweeps again until a batch is not full
    settings.TIERDESK_SLA_SWEEP_BATCH = 2
    totals = services.sweep_and_notify(now=late)
    assert totals["breached"] == 3 and totals["rounds"] == 2
    assert totals["notified"] == SlaEvent.objects.count()


def test_an_overdue_clock_left_for_the_next_batch_is_not_called_at_risk_first(world, policies):
    # given two tickets past their first response, and a sweep marking one at a time
    open_tickets(world, 2)
    late = MONDAY + timedelta(days=1)
    services.sweep(now=late, batch=1)
    services.sweep(now=late, batch=1)
    # then each has one event: breached (no "at risk" for a clock already overdue)
    kinds = sorted(
        SlaEvent.objects.filter(clock_kind="first_response").values_list("kind", flat=True)
    )
    assert kinds == ["breached", "breached"]
