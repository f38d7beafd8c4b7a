"""SLA clocks driven by the real ticket services: which clock starts, pauses, resumes and
stops on which move, re-plans on edits, and `next_deadline`. Times travel with
`clock.travel_to`; each expected value is computed by hand in the comment above it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import new_ticket, record_reproduction
from tierdesk.core.clock import travel_to
from tierdesk.sla import selectors, services
from tierdesk.sla.models import Calendar, Clock, Policy, TeamCalendar, WorkingHours
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import Message

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def policies(db):
    """premium/normal (the factories' contract plan): 4 h first, 2 h next response, 16 h
    resolution in support hours; as an incident: 3 h, 1 h, 8 h around the clock."""
    Policy.objects.filter(plan="premium", priority="normal", incident=False).update(
        first_response=4 * H,
        next_response=2 * H,
        resolution=16 * H,
        # the customer's own clocks far off: they are tests/test_sla_customer_clocks.py's
        customer_first_response=40 * H,
        customer_next_response=40 * H,
    )
    Policy.objects.filter(plan="premium", priority="normal", incident=True).update(
        first_response=3 * H, next_response=H, resolution=8 * H
    )


def opened(world, moment: datetime, **fields):
    """A ticket opened at `moment` by Acme's L1 agent, needed by a week later."""
    fields.setdefault("occurred_at", moment - 3 * H)
    fields.setdefault("needed_by", moment + timedelta(days=7))
    with travel_to(moment):
        return new_ticket(world, **fields)


def act(moment: datetime, service, **kwargs):
    with travel_to(moment):
        return service(**kwargs)


def clocks(ticket) -> dict[tuple[str, int | None], Clock]:
    return {(c.kind, c.level): c for c in Clock.objects.filter(ticket=ticket)}


def sla(ticket, moment):
    ticket.refresh_from_db()
    return selectors.ticket_sla(ticket, now=moment)


def test_opening_starts_first_response_at_l1_resolution_and_needed_by(world, policies):
    # Mon 30 Nov 2026 09:00: first response 4 h → 13:00; resolution 16 h → Tue 16:00;
    # needed by Tue 1 Dec 12:00 → then, exactly.
    t = opened(world, berlin(2026, 11, 30, 9), needed_by=berlin(2026, 12, 1, 12))
    c = clocks(t)
    assert set(c) == {
        ("first_response", 1),
        ("resolution", None),
        ("needed_by", None),
        ("customer_first", None),
    }
    assert c[("first_response", 1)].due_at == berlin(2026, 11, 30, 13)
    assert c[("resolution", None)].due_at == berlin(2026, 12, 1, 16)
    assert c[("needed_by", None)].due_at == berlin(2026, 12, 1, 12)
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 11, 30, 13)


def test_friday_evening_handover_starts_l2_first_response_due_monday(world, policies):
    # Opened Fri 27 Nov 2026 10:00, taken 10:05 (L1 first response met), handed over at
    # 17:30: L2's first response counts 0.5 h on Friday and 3.5 h from Monday 09:00 → 12:30.
    t = opened(world, berlin(2026, 11, 27, 10))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 27, 10, 5), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(berlin(2026, 11, 27, 17, 30), tickets.ticket_hand_over, actor=l1, ticket_id=t.pk)
    c = clocks(t)
    assert c[("first_response", 1)].state == "stopped" and c[("first_response", 1)].met
    assert c[("first_response", 2)].state == "running"
    assert c[("first_response", 2)].due_at == berlin(2026, 11, 30, 12, 30)
    # Resolution: Fri 10–18 = 8 h, Mon 09:00 + 8 h = Mon 17:00. The nearest: L2's 12:30.
    assert c[("resolution", None)].due_at == berlin(2026, 11, 30, 17)
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 11, 30, 12, 30)
    # when L2 takes it Monday 11:00, its first response is met and the resolution is next
    act(berlin(2026, 11, 30, 11), tickets.ticket_take, actor=world.actor("l2"), ticket_id=t.pk)
    assert clocks(t)[("first_response", 2)].met is True
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 11, 30, 17)


def test_escalation_starts_l3_first_response_from_the_escalation(world, policies):
    t = opened(world, berlin(2026, 11, 30, 9))
    l1, l2 = world.actor("acme_l1"), world.actor("l2")
    act(berlin(2026, 11, 30, 9, 5), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(berlin(2026, 11, 30, 9, 30), tickets.ticket_hand_over, actor=l1, ticket_id=t.pk)
    act(berlin(2026, 11, 30, 10), tickets.ticket_take, actor=l2, ticket_id=t.pk)
    with travel_to(berlin(2026, 11, 30, 15)):
        record_reproduction(world, t.pk)
        tickets.ticket_escalate(actor=l2, ticket_id=t.pk)
    # escalated Mon 15:00: 3 h on Monday, 1 h from Tue 09:00 → Tue 10:00
    c = clocks(t)
    assert c[("first_response", 3)].start == berlin(2026, 11, 30, 15)
    assert c[("first_response", 3)].due_at == berlin(2026, 12, 1, 10)
    assert [c[("first_response", n)].met for n in (1, 2)] == [True, True]


def test_waiting_on_the_customer_pauses_and_the_reply_resumes(world, policies):
    # Opened and taken Mon 30 Nov 09:00; asked the customer at 14:00 (5 h used); they answer
    # Wed 2 Dec 14:00. Resolution (16 h) was due Tue 16:00; the two working days of waiting
    # move it to Thu 3 Dec 16:00. The reply starts the next response: 2 h → Wed 16:00.
    t = opened(world, berlin(2026, 11, 30, 9))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 30, 9), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    assert clocks(t)[("resolution", None)].due_at == berlin(2026, 12, 1, 16)
    act(
        berlin(2026, 11, 30, 14),
        tickets.ticket_ask_customer,
        actor=l1,
        ticket_id=t.pk,
        message="Which order number?",
    )
    waiting = sla(t, berlin(2026, 12, 1, 12))
    resolution = next(c for c in waiting["clocks"] if c["kind"] == "resolution")
    assert resolution["paused"] and resolution["due_at"] is None
    assert resolution["used_seconds"] == 5 * 3600 and resolution["remaining_seconds"] == 11 * 3600
    # while waiting, only the customer's own deadline runs
    assert waiting["next_deadline"] == t.needed_by
    act(
        berlin(2026, 12, 2, 14),
        tickets.ticket_customer_reply,
        actor=world.actor("acme_customer"),
        ticket_id=t.pk,
        message="Order 4711.",
    )
    c = clocks(t)
    assert c[("resolution", None)].due_at == berlin(2026, 12, 3, 16)
    assert c[("next_response", 1)].due_at == berlin(2026, 12, 2, 16)
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 12, 2, 16)
    # asking again answers the customer: the next response is met
    act(
        berlin(2026, 12, 2, 15),
        tickets.ticket_ask_customer,
        actor=l1,
        ticket_id=t.pk,
        message="And the time?",
    )
    assert clocks(t)[("next_response", 1)].met is True


def test_needed_by_is_not_paused_while_waiting(world, policies):
    t = opened(world, berlin(2026, 11, 30, 9), needed_by=berlin(2026, 12, 1, 12))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 30, 9), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(
        berlin(2026, 11, 30, 10), tickets.ticket_ask_customer, actor=l1, ticket_id=t.pk, message="?"
    )
    block = sla(t, berlin(2026, 12, 1, 13))
    needed = next(c for c in block["clocks"] if c["kind"] == "needed_by")
    assert not needed["paused"] and needed["due_at"] == berlin(2026, 12, 1, 12)
    assert block["breached"] is True and block["next_deadline"] == berlin(2026, 12, 1, 12)


def test_ordinary_ticket_turned_incident_halfway_and_back(world, policies):
    # Opened Mon 30 Nov 16:00; first response 4 working hours → Tue 11:00. At 18:00, 2 h
    # used (halfway), it becomes an incident: 3 h around the clock, 1 h left → Mon 19:00.
    # Resolution: 2 h of 16 used; incident 8 h → 6 h left → Tue 00:00.
    t = opened(world, berlin(2026, 11, 30, 16))
    assert clocks(t)[("first_response", 1)].due_at == berlin(2026, 12, 1, 11)
    l1 = world.actor("acme_l1")
    act(
        berlin(2026, 11, 30, 18),
        tickets.ticket_update,
        actor=l1,
        ticket_id=t.pk,
        changes={"incident": True},
        version=None,
    )
    c = clocks(t)
    assert c[("first_response", 1)].due_at == berlin(2026, 11, 30, 19)
    assert c[("resolution", None)].due_at == berlin(2026, 12, 1, 0)
    assert c[("first_response", 1)].calendar.code == "24x7"
    block = sla(t, berlin(2026, 11, 30, 18, 30))
    first = next(c for c in block["clocks"] if c["kind"] == "first_response")
    assert first["used_seconds"] == 2.5 * 3600 and first["policy"] == "premium/normal incident"
    # back to ordinary at 18:30: 2.5 h used of 4 working hours, 1.5 h from Tue 09:00 → 10:30
    act(
        berlin(2026, 11, 30, 18, 30),
        tickets.ticket_update,
        actor=l1,
        ticket_id=t.pk,
        changes={"incident": False},
        version=None,
    )
    assert clocks(t)[("first_response", 1)].due_at == berlin(2026, 12, 1, 10, 30)


def test_incident_keeps_the_paused_time(world, policies):
    # Taken Mon 09:00, waiting from 10:00 to Tue 10:00 (24 h wall, 9 working hours), then an
    # incident at Tue 11:00: resolution used 1 h + 1 h = 2 h, paused 24 h; 8 − 2 = 6 h left
    # around the clock → Tue 17:00.
    t = opened(world, berlin(2026, 11, 30, 9))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 30, 9), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(
        berlin(2026, 11, 30, 10), tickets.ticket_ask_customer, actor=l1, ticket_id=t.pk, message="?"
    )
    act(
        berlin(2026, 12, 1, 10),
        tickets.ticket_customer_reply,
        actor=world.actor("acme_customer"),
        ticket_id=t.pk,
        message="!",
    )
    act(
        berlin(2026, 12, 1, 11),
        tickets.ticket_update,
        actor=l1,
        ticket_id=t.pk,
        changes={"incident": True},
        version=None,
    )
    resolution = clocks(t)[("resolution", None)]
    assert resolution.used_before == 2 * H and resolution.paused_before == 24 * H
    assert resolution.due_at == berlin(2026, 12, 1, 17)


def test_resolving_stops_every_clock_and_reopening_resumes_resolution(world, policies):
    # Taken Mon 09:00, resolved 11:00 (2 h used), reopened Thu 3 Dec 09:00: the resolved
    # stretch counts as paused, 14 h left: Thu 9 h, Fri 09:00 + 5 h → Fri 4 Dec 14:00.
    t = opened(world, berlin(2026, 11, 30, 9))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 30, 9), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(
        berlin(2026, 11, 30, 11),
        tickets.ticket_resolve,
        actor=l1,
        ticket_id=t.pk,
        resolution="Renewed the key.",
        cause="credentials",
    )
    assert {c.state for c in clocks(t).values()} == {"stopped"}
    assert clocks(t)[("resolution", None)].met is True
    t.refresh_from_db()
    assert t.next_deadline is None
    act(
        berlin(2026, 12, 3, 9),
        tickets.ticket_reopen,
        actor=world.actor("acme_customer"),
        ticket_id=t.pk,
        reason="Still failing.",
    )
    c = clocks(t)
    assert c[("resolution", None)].due_at == berlin(2026, 12, 4, 14)
    # the customer said it is not solved: someone answers within 2 h
    assert c[("next_response", 1)].due_at == berlin(2026, 12, 3, 11)


def test_a_new_priority_re_plans_with_its_targets(world, policies):
    Policy.objects.filter(plan="premium", priority="urgent", incident=False).update(
        first_response=H
    )
    t = opened(world, berlin(2026, 11, 30, 9))
    act(
        berlin(2026, 11, 30, 9, 30),
        tickets.ticket_update,
        actor=world.actor("acme_l1"),
        ticket_id=t.pk,
        changes={"priority": "urgent"},
        version=None,
    )
    first = clocks(t)[("first_response", 1)]
    assert first.due_at == berlin(2026, 11, 30, 10) and first.cycle == 2


def test_a_new_needed_by_moves_that_deadline_and_clearing_it_removes_it(world, policies):
    t = opened(world, berlin(2026, 11, 30, 9))
    l1 = world.actor("acme_l1")
    act(
        berlin(2026, 11, 30, 10),
        tickets.ticket_update,
        actor=l1,
        ticket_id=t.pk,
        changes={"needed_by": berlin(2026, 11, 30, 12)},
        version=None,
    )
    t.refresh_from_db()
    assert clocks(t)[("needed_by", None)].due_at == berlin(2026, 11, 30, 12)
    assert t.next_deadline == berlin(2026, 11, 30, 12)
    act(
        berlin(2026, 11, 30, 10, 5),
        tickets.ticket_update,
        actor=l1,
        ticket_id=t.pk,
        changes={"needed_by": None},
        version=None,
    )
    t.refresh_from_db()
    assert ("needed_by", None) not in clocks(t) and t.next_deadline == berlin(2026, 11, 30, 13)


def test_the_contract_plan_chooses_the_policy(world, policies, settings):
    Policy.objects.filter(plan="basic", priority="normal", incident=False).update(
        first_response=8 * H
    )
    settings.TIERDESK_SLA_DEFAULT_PLAN = "basic"
    known = opened(world, berlin(2026, 11, 30, 9))
    unknown = opened(
        world,
        berlin(2026, 11, 30, 9),
        contract_id="",
        workspace_id="",
        flow_id="",
        no_flow_reason="About the account.",
    )
    assert clocks(known)[("first_response", 1)].policy.plan == "premium"
    assert clocks(unknown)[("first_response", 1)].due_at == berlin(2026, 11, 30, 17)


def test_a_team_calendar_counts_that_levels_responses(world, policies):
    # L3 works Mon–Thu 10:00–16:00 only: escalated Thu 3 Dec 15:00, 4 h → Thu 1 h, Mon 7 Dec
    # 10:00 + 3 h = 13:00. The resolution keeps the support-hours calendar.
    lab = Calendar.objects.create(code="lab", name="Engineering", time_zone="Europe/Berlin")
    WorkingHours.objects.bulk_create(
        WorkingHours(
            calendar=lab,
            weekday=d,
            start=datetime.min.time().replace(hour=10),
            end=datetime.min.time().replace(hour=16),
        )
        for d in range(4)
    )
    TeamCalendar.objects.create(level=3, calendar=lab)
    t = opened(world, berlin(2026, 12, 3, 9))
    l1, l2 = world.actor("acme_l1"), world.actor("l2")
    act(berlin(2026, 12, 3, 9), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(berlin(2026, 12, 3, 9), tickets.ticket_hand_over, actor=l1, ticket_id=t.pk)
    act(berlin(2026, 12, 3, 9), tickets.ticket_take, actor=l2, ticket_id=t.pk)
    with travel_to(berlin(2026, 12, 3, 15)):
        record_reproduction(world, t.pk)
        tickets.ticket_escalate(actor=l2, ticket_id=t.pk)
    c = clocks(t)
    assert c[("first_response", 3)].calendar == lab
    assert c[("first_response", 3)].due_at == berlin(2026, 12, 7, 13)
    assert c[("resolution", None)].calendar.code == "support-hours"


def test_a_public_answer_stops_the_next_response_wait(world, policies):
    t = opened(world, berlin(2026, 11, 30, 9))
    l1 = world.actor("acme_l1")
    act(berlin(2026, 11, 30, 9), tickets.ticket_take, actor=l1, ticket_id=t.pk)
    act(
        berlin(2026, 11, 30, 10), tickets.ticket_ask_customer, actor=l1, ticket_id=t.pk, message="?"
    )
    act(
        berlin(2026, 11, 30, 11),
        tickets.ticket_customer_reply,
        actor=world.actor("acme_customer"),
        ticket_id=t.pk,
        message="!",
    )
    t.refresh_from_db()
    # an internal note is no answer; a public reply is
    note = Message.objects.create(ticket=t, author=world.user("acme_l1"), body="n", internal=True)
    with travel_to(berlin(2026, 11, 30, 11, 30)):
        services.clocks_on_message(ticket=t, message=note, now=berlin(2026, 11, 30, 11, 30))
    assert clocks(t)[("next_response", 1)].state == "running"
    reply = Message.objects.create(ticket=t, author=world.user("acme_l1"), body="On it.")
    services.clocks_on_message(ticket=t, message=reply, now=berlin(2026, 11, 30, 12))
    assert clocks(t)[("next_response", 1)].met is True
    # and the customer writing again starts a new wait
    again = Message.objects.create(ticket=t, author=world.user("acme_customer"), body="Any news?")
    services.clocks_on_message(ticket=t, message=again, now=berlin(2026, 11, 30, 14))
    nxt = clocks(t)[("next_response", 1)]
    assert nxt.state == "running" and nxt.cycle == 2 and nxt.due_at == berlin(2026, 11, 30, 16)


def test_a_staff_public_reply_through_message_add_stops_the_next_response_wait(world):
    # given a ticket at L1 the customer has just answered (a next-response clock runs)
    from tests.factories import ticket_at
    from tierdesk.sla.models import ClockKind, ClockState
    from tierdesk.tickets import services as ticket_services

    ticket = ticket_at(world, "waiting@L1")
    ticket_services.ticket_customer_reply(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, message="Order 4711."
    )
    running = ticket.clocks.filter(kind=ClockKind.NEXT_RESPONSE, state=ClockState.RUNNING)
    assert running.count() == 1
    # when the agent only writes an internal note, the wait goes on
    ticket_services.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="Checking", internal=True
    )
    assert running.count() == 1
    # when the agent answers the customer publicly
    ticket_services.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="Found it, fixing now."
    )
    # then the next-response clock has stopped
    assert running.count() == 0
    assert ticket.clocks.filter(kind=ClockKind.NEXT_RESPONSE, state=ClockState.STOPPED).exists()


def test_a_stopped_clock_is_reported_as_stopped_and_met(world):
    # given a ticket an L1 agent took within its first-response target
    from tests.factories import ticket_at
    from tierdesk.sla.selectors import ticket_sla

    ticket = ticket_at(world, "in_progress@L1")
    # when its SLA block is read
    clocks = ticket_sla(ticket)["clocks"]
    first = next(c for c in clocks if c["kind"] == "first_response" and c["level"] == 1)
    resolution = next(c for c in clocks if c["kind"] == "resolution")
    # then the answered first response says so, and the resolution clock still runs
    assert (first["stopped"], first["met"]) == (True, True)
    assert (resolution["stopped"], resolution["met"]) == (False, None)
