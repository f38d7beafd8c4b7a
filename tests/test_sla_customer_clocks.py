"""The customer's own response clocks: started by the customer's message, met only by a
public reply to the customer (never by taking the ticket, a hand-over or an internal
note), counted in business hours, swept like every clock, shown in the API, the reports
and the portal ("we will answer by …", in the customer's time zone and language).

Premium/normal here: the levels' intake 4 h and next response 2 h; the customer's first
response 2 h and next response 1 h, all in support hours (Mon–Fri 09–18 Berlin, DE-NW,
UA and GB-ENG holidays, 24 and 31 December 09–13). Each expected time is worked out by
hand in the comment above it."""

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

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)

pytestmark = pytest.mark.django_db


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def policies(db):
    Policy.objects.filter(plan="premium", priority="normal", incident=False).update(
        first_response=4 * H,
        next_response=2 * H,
        resolution=40 * H,
        customer_first_response=2 * H,
        customer_next_response=H,
    )


def opened(world, moment: datetime, **fields):
    fields.setdefault("occurred_at", moment - 3 * H)
    fields.setdefault("needed_by", moment + timedelta(days=30))
    with travel_to(moment):
        return new_ticket(world, **fields)


def act(moment: datetime, service, **kwargs):
    with travel_to(moment):
        return service(**kwargs)


def clock(ticket, kind: str, level: int | None = None) -> Clock:
    return Clock.objects.get(ticket=ticket, kind=kind, level=level)


def test_taking_and_an_internal_note_do_not_answer_the_customer_a_public_reply_does(
    world, policies
):
    # given a ticket reported Fri 27 Nov 2026 17:00: the customer's first response, 2 h,
    # counts Fri 17–18 (1 h) and Mon 30 Nov 09–10 → due Mon 10:00
    t = opened(world, berlin(2026, 11, 27, 17))
    mine = clock(t, "customer_first")
    assert (mine.state, mine.due_at) == ("running", berlin(2026, 11, 30, 10))
    l1 = world.actor("acme_l1")
    # when L1 takes it at 17:05, the level's intake clock is met ...
    act(berlin(2026, 11, 27, 17, 5), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    assert clock(t, "first_response", 1).met is True
    # ... but the customer has heard nothing: their clock runs on
    assert clock(t, "customer_first").state == "running"
    # an internal note is no answer either
    act(
        berlin(2026, 11, 30, 9, 30),
        tickets.message_add,
        actor=l1,
        ticket_id=t.pk,
        body="Looks like the token.",
        internal=True,
    )
    assert clock(t, "customer_first").state == "running"
    # when the agent answers the customer publicly at 09:45, it is met
    act(
        berlin(2026, 11, 30, 9, 45),
        tickets.message_add,
        actor=l1,
        ticket_id=t.pk,
        body="We are on it.",
    )
    mine = clock(t, "customer_first")
    assert (mine.state, mine.met, mine.stopped_at) == ("stopped", True, berlin(2026, 11, 30, 9, 45))
    # and the customer's API view still shows no clocks at all
    from tests.test_api import client_for

    with travel_to(berlin(2026, 11, 30, 10)):
        body = client_for(world, "acme_customer").get(f"/api/v1/tickets/{t.pk}").json()
    assert body["sla"]["clocks"] == []


def test_the_customers_reply_starts_their_next_response_which_hand_over_and_take_leave_running(
    world, policies
):
    t = opened(world, berlin(2026, 11, 30, 9))
    l1, customer = world.actor("acme_l1"), world.actor("acme_customer")
    act(berlin(2026, 11, 30, 9, 5), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    # asking the customer is a public reply: their first response is met at 10:00
    act(
        berlin(2026, 11, 30, 10),
        tickets.ticket_ask_customer,
        actor=l1,
        ticket_id=t.pk,
        message="Which order?",
    )
    assert clock(t, "customer_first").met is True
    # the customer answers Mon 17:30: 1 h → 17:30–18:00, Tue 1 Dec 09:00–09:30
    act(
        berlin(2026, 11, 30, 17, 30),
        tickets.ticket_customer_reply,
        actor=customer,
        ticket_id=t.pk,
        message="Order 4711.",
    )
    nxt = clock(t, "customer_next")
    assert (nxt.state, nxt.due_at) == ("running", berlin(2026, 12, 1, 9, 30))
    # a hand-over and L2 taking it meet the levels' clocks, not the customer's
    act(berlin(2026, 12, 1, 9, 10), tickets.ticket_hand_over, actor=l1, ticket_id=t.pk)
    assert clock(t, "next_response", 1).state == "stopped"
    act(berlin(2026, 12, 1, 9, 20), tickets.ticket_take, actor=world.actor("l2"), ticket_id=t.pk)
    assert clock(t, "customer_next").state == "running"
    # the customer writing again while they wait starts no second clock
    act(
        berlin(2026, 12, 1, 9, 25),
        tickets.message_add,
        actor=customer,
        ticket_id=t.pk,
        body="Any news?",
    )
    assert clock(t, "customer_next").cycle == 1
    # L2's public answer at 10:00 meets it — late (due 09:30)
    act(
        berlin(2026, 12, 1, 10),
        tickets.message_add,
        actor=world.actor("l2"),
        ticket_id=t.pk,
        body="Found it.",
    )
    nxt = clock(t, "customer_next")
    assert (nxt.state, nxt.met) == ("stopped", False)
    # and the customer writing once more starts the next wait (cycle 2): Tue 11:00 + 1 h
    act(
        berlin(2026, 12, 1, 11),
        tickets.message_add,
        actor=customer,
        ticket_id=t.pk,
        body="Thanks, one more question.",
    )
    nxt = clock(t, "customer_next")
    assert (nxt.state, nxt.cycle, nxt.due_at) == ("running", 2, berlin(2026, 12, 1, 12))


def test_counted_in_business_hours_across_the_christmas_holidays(world, policies):
    # given a report on Thu 24 Dec 2026 12:30 (a short day, 09–13): 0.5 h that day; Fri 25
    # and Sat 26 are holidays, Sun 27 a weekend, Mon 28 England's Boxing Day (observed);
    # Tue 29 Dec 09:00 + 1.5 h → 10:30
    t = opened(world, berlin(2026, 12, 24, 12, 30))
    assert clock(t, "customer_first").due_at == berlin(2026, 12, 29, 10, 30)
    # then the nearest deadline of the ticket is the customer's (the intake's is 4 h)
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 12, 29, 10, 30)


def test_the_sweep_marks_the_customer_clock_with_one_event_each_and_announces_it(world, policies):
    t = opened(world, berlin(2026, 11, 30, 9))
    # nobody takes it; the customer waits from 09:00
    # at risk after 75 % of 2 h or with 1 h left: 10:00; due 11:00
    services.sweep(now=berlin(2026, 11, 30, 10, 1))
    services.sweep(now=berlin(2026, 11, 30, 11, 1))
    services.sweep(now=berlin(2026, 11, 30, 11, 2))  # idempotent
    events = SlaEvent.objects.filter(ticket=t, clock_kind="customer_first").order_by("pk")
    assert [(e.kind, e.level) for e in events] == [("at_risk", None), ("breached", None)]
    t.refresh_from_db()
    assert t.sla_breached
    services.notify_events(now=berlin(2026, 11, 30, 11, 2))
    rows = OutboxEvent.objects.filter(ticket=t, event__startswith="sla.")
    clocks = {(r.event, r.payload["sla"]["clock"]) for r in rows}
    assert ("sla.breached", "customer_first") in clocks


def _sweep_queries(now) -> tuple[int, services.SweepResult]:
    with CaptureQueriesContext(connection) as queries:
        result = services.sweep(now=now)
    return len(queries), result


def test_the_sweep_takes_as_many_queries_for_many_customer_clocks_as_for_few(world, policies):
    # given 2 tickets, each answered at intake (taken) so only the customer's clock turns
    def answered_only_at_intake(n: int, moment: datetime) -> None:
        for _ in range(n):
            t = opened(world, moment)
            act(moment, tickets.ticket_take, actor=world.actor("acme_l1"), ticket_id=t.pk)

    answered_only_at_intake(2, berlin(2026, 11, 30, 9))
    few, result = _sweep_queries(berlin(2026, 11, 30, 11, 30))
    assert result.breached == 2
    # when 20 more turn the next day
    answered_only_at_intake(20, berlin(2026, 12, 1, 9))
    many, result = _sweep_queries(berlin(2026, 12, 1, 11, 30))
    assert result.breached == 20
    # then the sweep took exactly as many queries
    assert many == few


def test_the_reports_count_the_customer_clocks_per_kind(world, policies):
    from datetime import date

    from tierdesk.reports import sql as q
    from tierdesk.reports.access import report_scope
    from tierdesk.reports.catalogue import REPORTS

    week = q.Period(date(2026, 11, 30), date(2026, 12, 6))

    def report(world, name):
        return REPORTS[name].build(report_scope(world.actor("lead"), None), week)

    t = opened(world, berlin(2026, 11, 30, 9))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 30, 9, 5), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    # answered within 2 h (met); the customer writes at 12:00, answered at 14:00 (missed)
    act(berlin(2026, 11, 30, 10), tickets.message_add, actor=l1, ticket_id=t.pk, body="Hi")
    act(
        berlin(2026, 11, 30, 12),
        tickets.message_add,
        actor=world.actor("acme_customer"),
        ticket_id=t.pk,
        body="And?",
    )
    act(berlin(2026, 11, 30, 14), tickets.message_add, actor=l1, ticket_id=t.pk, body="Done")
    with travel_to(berlin(2026, 12, 2, 9)):
        levels = {
            (r["kind"], r["level"]): (r["met"], r["clocks"])
            for r in report(world, "sla_levels").rows
        }
        summary = {r["metric"]: r for r in report(world, "summary").rows}
    assert levels[("customer_first", None)] == (1, 1)
    assert levels[("customer_next", None)] == (0, 1)
    first = summary["sla_customer_first"]
    assert (first["numerator"], first["denominator"]) == (1, 1)
    assert summary["sla_customer_next"]["value"] == 0


@pytest.mark.parametrize(
    ("language", "says"), [("en", "We will answer by"), ("de", "Wir antworten bis")]
)
def test_the_portal_says_when_we_answer_from_the_customers_clock_in_their_zone(
    world, policies, client, language, says
):
    # given a customer in New York, reading in their language
    user = world.user("acme_customer")
    user.time_zone, user.language = "America/New_York", language
    user.save(update_fields=["time_zone", "language"])
    t = opened(world, berlin(2026, 11, 30, 9))
    client.force_login(user)
    # when they open their ticket at 09:30 Berlin (their first response due 11:00 Berlin =
    # 05:00 in New York)
    with travel_to(berlin(2026, 11, 30, 9, 30)):
        page = client.get(f"/portal/tickets/{t.number}/").content.decode()
    # then the portal says when, in their time zone and language
    assert says in page
    assert 'datetime="2026-11-30T05:00:00-05:00"' in page
    assert "America/New_York" in page
    # when L1 takes it, the customer still waits for an answer: still shown
    act(berlin(2026, 11, 30, 9, 40), tickets.ticket_take, actor=world.actor("acme_l1"),
        ticket_id=t.pk)  # fmt: skip
    with travel_to(berlin(2026, 11, 30, 9, 45)):
        assert says in client.get(f"/portal/tickets/{t.number}/").content.decode()
    # once support has answered publicly, nothing is owed: no promise shown
    act(
        berlin(2026, 11, 30, 10),
        tickets.message_add,
        actor=world.actor("acme_l1"),
        ticket_id=t.pk,
        body="Looking into it.",
    )
    with travel_to(berlin(2026, 11, 30, 10, 5)):
        assert says not in client.get(f"/portal/tickets/{t.number}/").content.decode()
