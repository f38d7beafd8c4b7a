"""Clocks as pure functions of (calendar, policy target, start, pauses, now): pauses,
re-plans (incident on/off), the at-risk rule and the customer's fixed deadline. No database;
every expected value is computed by hand in the comment above it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.sla.calendars import add_working, around_the_clock, support_hours, working_time
from tierdesk.sla.deadlines import (
    RiskRule,
    plan_clock,
    plan_fixed_deadline,
    running_segments,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
OFFICE = support_hours()
ALWAYS = around_the_clock()


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_running_clock_projects_its_deadline():
    # Mon 30 Nov 2026 09:00 + 16 working hours: Mon 9 h, Tue 09:00 + 7 h = Tue 1 Dec 16:00.
    # At Mon 12:00, 3 h are used and 13 h remain.
    plan = plan_clock(OFFICE, 16 * H, berlin(2026, 11, 30, 9), [], berlin(2026, 11, 30, 12))
    assert plan.due_at == berlin(2026, 12, 1, 16)
    assert (plan.used, plan.remaining, plan.paused, plan.breached) == (3 * H, 13 * H, False, False)


def test_a_two_working_day_pause_moves_the_deadline_by_exactly_two_working_days():
    # Without a pause: due Tue 1 Dec 16:00 (above). Paused Mon 14:00 → Wed 2 Dec 14:00, i.e.
    # Mon 14–18 (4 h) + Tue (9 h) + Wed 09–14 (5 h) = 18 h = two working days.
    # Used before: Mon 09–14 = 5 h; after: Wed 14–18 = 4 h (9), Thu 09:00 + 7 h = Thu 16:00,
    # which is Tue 16:00 two working days later.
    start, target = berlin(2026, 11, 30, 9), 16 * H
    pause = (berlin(2026, 11, 30, 14), berlin(2026, 12, 2, 14))
    assert working_time(OFFICE, *pause) == 18 * H
    plan = plan_clock(OFFICE, target, start, [pause], berlin(2026, 12, 2, 15))
    assert plan.due_at == berlin(2026, 12, 3, 16)
    assert plan.due_at == add_working(OFFICE, berlin(2026, 12, 1, 16), 18 * H)
    assert plan.used == 6 * H  # 5 h before, Wed 14–15 after
    assert plan.paused_for == 48 * H  # wall-clock time spent waiting


def test_while_paused_there_is_no_deadline_and_the_time_used_stands_still():
    start = berlin(2026, 11, 30, 9)
    pauses = [(berlin(2026, 11, 30, 14), None)]
    plan = plan_clock(OFFICE, 16 * H, start, pauses, berlin(2026, 12, 4, 12))
    assert plan.paused and plan.due_at is None and plan.at_risk_at is None
    assert plan.used == 5 * H and plan.remaining == 11 * H and not plan.breached
    assert plan.paused_for == berlin(2026, 12, 4, 12) - berlin(2026, 11, 30, 14)


def test_a_clock_breached_before_its_pause_stays_breached_with_its_real_due_time():
    # 2 h target from Mon 09:00 → due 11:00; paused at 12:00 (3 h used).
    plan = plan_clock(
        OFFICE,
        2 * H,
        berlin(2026, 11, 30, 9),
        [(berlin(2026, 11, 30, 12), None)],
        berlin(2026, 12, 1, 9),
    )
    assert plan.paused and plan.breached and plan.due_at == berlin(2026, 11, 30, 11)
    assert plan.remaining == -H


def test_incident_on_saturday_night_is_due_an_hour_later():
    # 24/7, 1 h target from Sat 28 Nov 2026 03:00 → Sat 04:00; at risk at 75 % = 03:45 or
    # with ≤ 1 h left = 03:00: the earlier, 03:00.
    plan = plan_clock(ALWAYS, H, berlin(2026, 11, 28, 3), [], berlin(2026, 11, 28, 3, 10))
    assert plan.due_at == berlin(2026, 11, 28, 4)
    assert plan.at_risk_at == berlin(2026, 11, 28, 3) and plan.at_risk


def test_ordinary_ticket_turned_incident_halfway_keeps_what_it_used():
    # First response 4 working hours from Mon 30 Nov 16:00: ordinary due Tue 11:00 (Mon
    # 16–18 = 2 h, Tue 09–11 = 2 h). At Mon 18:00 — halfway, 2 h used — it becomes an
    # incident whose first-response target is 3 h around the clock: 1 h left → Mon 19:00.
    # Resolution 16 working hours, 2 h used; incident resolution 8 h: 6 h left → Tue 00:00.
    start, switch = berlin(2026, 11, 30, 16), berlin(2026, 11, 30, 18)
    before = plan_clock(OFFICE, 4 * H, start, [], switch)
    assert before.due_at == berlin(2026, 12, 1, 11) and before.used == 2 * H
    first = plan_clock(ALWAYS, 3 * H, switch, [], switch, used_before=before.used)
    assert first.due_at == berlin(2026, 11, 30, 19) and first.remaining == H
    used = plan_clock(OFFICE, 16 * H, start, [], switch).used
    resolution = plan_clock(ALWAYS, 8 * H, switch, [], switch, used_before=used)
    assert resolution.due_at == berlin(2026, 12, 1, 0)


def test_turned_incident_keeps_paused_time_and_may_already_be_over_its_new_target():
    # 3 h used of a 4 h ordinary first response, 20 h spent paused; the incident target is
    # 2 h: over already, due at the moment of the switch, breached a minute later.
    switch = berlin(2026, 12, 1, 10)
    plan = plan_clock(
        ALWAYS,
        2 * H,
        switch,
        [],
        switch + timedelta(minutes=1),
        used_before=3 * H,
        paused_before=20 * H,
    )
    assert plan.due_at == switch and plan.breached and plan.paused_for == 20 * H
    assert plan.used == 3 * H + timedelta(minutes=1)


def test_at_risk_at_the_share_of_budget_or_within_the_last_working_hours():
    # 16 h resolution from Mon 09:00 (Mon 9 h, Tue the rest). Default rule: 75 % = 12 h used
    # → Tue 12:00; ≤ 1 h left = 15 h used → Tue 15:00; the earlier wins: Tue 12:00. With a
    # 6 h window: 10 h used → Tue 10:00, earlier than 75 %.
    start, now = berlin(2026, 11, 30, 9), berlin(2026, 11, 30, 9)
    assert plan_clock(OFFICE, 16 * H, start, [], now).at_risk_at == berlin(2026, 12, 1, 12)
    rule = RiskRule(share=0.75, within=6 * H)
    assert plan_clock(OFFICE, 16 * H, start, [], now, risk=rule).at_risk_at == berlin(
        2026, 12, 1, 10
    )
    # A 90 % share with a 1 h window on a 4 h target: 3.6 h vs 3 h → 3 h → Mon 12:00.
    rule = RiskRule(share=0.9, within=H)
    assert plan_clock(OFFICE, 4 * H, start, [], now, risk=rule).at_risk_at == berlin(
        2026, 11, 30, 12
    )


def test_a_stopped_clock_records_whether_it_was_met():
    start = berlin(2026, 11, 30, 9)
    met = plan_clock(
        OFFICE, 4 * H, start, [], berlin(2026, 12, 5), stopped_at=berlin(2026, 11, 30, 12)
    )
    assert met.stopped and met.met and met.used == 3 * H and met.due_at == berlin(2026, 11, 30, 13)
    late = plan_clock(
        OFFICE, 4 * H, start, [], berlin(2026, 12, 5), stopped_at=berlin(2026, 11, 30, 14)
    )
    assert late.met is False and late.remaining == -H


def test_needed_by_is_due_exactly_then_whatever_the_calendar():
    # Opened Fri 27 Nov 2026 10:00, needed by Sat 28 Nov 12:00: due Sat 12:00 although the
    # office is closed; its working budget is Fri 10–18 = 8 h; at risk when 75 % (6 h) is
    # used, Fri 16:00, or 1 working hour before the end of the budget, Fri 17:00 → Fri 16:00.
    plan = plan_fixed_deadline(
        OFFICE, berlin(2026, 11, 27, 10), berlin(2026, 11, 28, 12), berlin(2026, 11, 27, 17)
    )
    assert plan.due_at == berlin(2026, 11, 28, 12) and plan.at_risk_at == berlin(2026, 11, 27, 16)
    assert plan.at_risk and not plan.breached and plan.used == 7 * H and plan.remaining == H
    later = plan_fixed_deadline(
        OFFICE, berlin(2026, 11, 27, 10), berlin(2026, 11, 28, 12), berlin(2026, 11, 28, 12, 1)
    )
    assert later.breached


# ---------------------------------------------------------------------------------------
# Properties of pauses
# ---------------------------------------------------------------------------------------
hours = st.integers(1, 60).map(lambda n: n * H / 2)
moments = st.integers(0, 14 * 24 * 4).map(lambda q: datetime(2026, 3, 20, tzinfo=UTC) + q * H / 4)


@st.composite
def pause_lists(draw, start):
    cuts = sorted(draw(st.lists(moments, max_size=6, unique=True)))
    cuts = [c for c in cuts if c > start]
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), start=moments, target=hours)
def test_the_deadline_is_where_the_unpaused_working_time_reaches_the_target(data, start, target):
    pauses = data.draw(pause_lists(start))
    far = start + timedelta(days=60)
    plan = plan_clock(OFFICE, target, start, pauses, far)
    # the working time outside the pauses up to the deadline is exactly the target …
    counted = sum(
        (working_time(OFFICE, a, b) for a, b in running_segments(start, pauses, plan.due_at)),
        timedelta(0),
    )
    assert counted == target
    # … and pausing never brings a deadline forward.
    assert plan.due_at >= plan_clock(OFFICE, target, start, [], far).due_at
