"""Working-time arithmetic (`sla.calendars`): properties checked by hypothesis against an
independent minute-by-minute oracle, and worked examples computed by hand. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tierdesk.sla.calendars import (
    CLOSED,
    OPEN,
    SHORT,
    ManualDay,
    WorkCalendar,
    add_working,
    around_the_clock,
    is_open,
    support_hours,
    working_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# ---------------------------------------------------------------------------------------
# The oracle: the definition of "open", written again without the implementation's tricks
# ---------------------------------------------------------------------------------------
_holidays: dict[tuple[str, int], set[date]] = {}


def oracle_holiday(regions, day: date) -> bool:
    for region in regions:
        key = (region, day.year)
        if key not in _holidays:
            country, _, sub = region.partition("-")
            _holidays[key] = set(
                holidays_package.country_holidays(country, subdiv=sub or None, years=day.year)
            )
        if day in _holidays[key]:
            return True
    return False


def oracle_hours(cal: WorkCalendar, day: date):
    manual = {(m.year, m.month, m.day): m for m in cal.manual_days}
    entry = manual.get((day.year, day.month, day.day)) or manual.get((None, day.month, day.day))
    weekly = cal.weekly[day.weekday()]
    holiday = oracle_holiday(cal.regions, day)
    if entry is not None:
        if entry.kind == CLOSED:
            return ()
        if entry.kind == OPEN:
            return entry.hours
        return entry.hours if (weekly and not holiday) else ()
    return () if holiday else weekly


def oracle_open(cal: WorkCalendar, instant: datetime) -> bool:
    if cal.always_open:
        return True
    local = instant.astimezone(ZoneInfo(cal.zone))
    wall = local.time().replace(tzinfo=None)
    for start, end in oracle_hours(cal, local.date()):
        if start <= wall and (end == time(0) or wall < end):
            return True
    return False


def oracle_minutes(cal: WorkCalendar, start: datetime, minutes: int) -> timedelta:
    return sum((MIN for m in range(minutes) if oracle_open(cal, start + m * MIN)), timedelta(0))


# ---------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------
ZONES = [
    "Europe/Berlin",
    "Europe/London",
    "Europe/Kyiv",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute daylight-saving shift
    "UTC",
]
# Daylight-saving days of 2026 (Europe: last Sundays of March and October), and the days
# around the half days, where the interesting minutes are.
HOT_DAYS = [
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 12, 24),
    date(2026, 12, 31),
    date(2021, 12, 24),
    date(2026, 11, 27),
]


@st.composite
def day_hours(draw):
    n = draw(st.integers(0, 2))
    hours = []
    for _ in range(n):
        a = draw(st.integers(0, 24 * 60 - 1))
        b = draw(st.integers(a + 1, 24 * 60))
        hours.append((time(a // 60, a % 60), time(0) if b == 24 * 60 else time(b // 60, b % 60)))
    return tuple(hours)


@st.composite
def calendars(draw):
    manual = []
    for _ in range(draw(st.integers(0, 3))):
        day = draw(st.sampled_from(HOT_DAYS))
        kind = draw(st.sampled_from([CLOSED, OPEN, SHORT]))
        hours = draw(day_hours()) if kind != CLOSED else ()
        if kind != CLOSED and not hours:
            kind = CLOSED
        year = draw(st.sampled_from([None, day.year]))
        manual.append(ManualDay(month=day.month, day=day.day, kind=kind, hours=hours, year=year))
    unique = {(m.year, m.month, m.day): m for m in manual}
    return WorkCalendar(
        name="generated",
        zone=draw(st.sampled_from(ZONES)),
        weekly=tuple(draw(day_hours()) for _ in range(7)),
        regions=tuple(
            draw(st.lists(st.sampled_from(["DE-NW", "UA", "GB-ENG"]), unique=True, max_size=3))
        ),
        manual_days=tuple(unique.values()),
    )


def open_calendars():
    """Calendars with open time every week, for round trips that must terminate."""
    return calendars().filter(lambda c: any(c.weekly))


@st.composite
def minutes_near_hot_days(draw):
    day = draw(st.sampled_from(HOT_DAYS))
    offset = draw(st.integers(-36 * 60, 36 * 60))
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + offset * MIN


instants = st.datetimes(
    min_value=datetime(2025, 12, 1),
    max_value=datetime(2027, 1, 31),
    timezones=st.sampled_from([UTC, BERLIN]),
    allow_imaginary=False,
)
amounts = st.integers(0, 120 * 3600 * 1_000_000).map(lambda us: timedelta(microseconds=us))
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------
@fast
@given(cal=calendars(), start=minutes_near_hot_days(), minutes=st.integers(0, 3 * 24 * 60))
def test_only_open_minutes_are_counted(cal, start, minutes):
    # No holiday, weekend, manual closed day or out-of-hours minute is ever counted, and
    # every open one is: minute by minute against the oracle, across DST changes.
    assert working_time(cal, start, start + minutes * MIN) == oracle_minutes(cal, start, minutes)


@fast
@given(cal=calendars(), instant=minutes_near_hot_days())
def test_is_open_agrees_with_the_oracle(cal, instant):
    assert is_open(cal, instant) == oracle_open(cal, instant)


@fast
@given(cal=open_calendars(), start=instants, amount=amounts)
def test_adding_then_measuring_round_trips(cal, start, amount):
    due = add_working(cal, start, amount)
    assert due >= start
    assert working_time(cal, start, due) == amount
    if amount:
        # tight: not a microsecond later than needed, and never inside a closed stretch
        assert working_time(cal, start, due - timedelta(microseconds=1)) < amount
        assert is_open(cal, due - timedelta(microseconds=1))


@fast
@given(cal=open_calendars(), a=instants, b=instants)
def test_measuring_then_adding_lands_on_the_same_open_time(cal, a, b):
    assume(a <= b)
    back = add_working(cal, a, working_time(cal, a, b))
    assert back <= b
    assert working_time(cal, back, b) == timedelta(0)


@fast
@given(cal=calendars(), a=instants, b=instants, c=instants)
def test_working_time_adds_up(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert working_time(cal, a, c) == working_time(cal, a, b) + working_time(cal, b, c)
    assert working_time(cal, c, a) == timedelta(0)


@fast
@given(start=instants, amount=amounts)
def test_around_the_clock_is_elapsed_time(start, amount):
    cal = around_the_clock()
    # (in UTC: Python never calls an instant of a repeated hour equal to another zone's)
    elapsed = start.astimezone(UTC) + amount
    assert add_working(cal, start, amount) == elapsed
    assert working_time(cal, start, elapsed) == amount


@given(year=st.integers(2020, 2035), day=st.sampled_from([24, 31]))
@settings(deadline=None)
def test_half_days_are_four_hours_on_working_days(year, day):
    cal = support_hours()
    moment = date(year, 12, day)
    whole_day = working_time(cal, berlin(year, 12, day), berlin(year, 12, day) + 24 * H)
    working_day = moment.weekday() < 5 and not oracle_holiday(cal.regions, moment)
    assert whole_day == (4 * H if working_day else timedelta(0))
    if working_day:
        assert is_open(cal, berlin(year, 12, day, 12, 59)) and not is_open(
            cal, berlin(year, 12, day, 13, 0)
        )


@given(year=st.integers(2020, 2035))
@settings(deadline=None)
def test_berlin_dst_weeks_keep_nine_to_six(year):
    # The clocks change on the last Sundays of March and October; the Monday after still
    # opens at 09:00 Berlin time, one hour earlier or later in UTC than the Friday.
    cal = support_hours()
    for month in (3, 10):
        sunday = max(d for d in (date(year, month, n) for n in range(25, 32)) if d.weekday() == 6)
        friday, monday = sunday - timedelta(days=2), sunday + timedelta(days=1)
        assume(not oracle_holiday(cal.regions, friday) and not oracle_holiday(cal.regions, monday))
        due = add_working(cal, berlin(friday.year, month, friday.day, 17), 2 * H)
        assert due == berlin(monday.year, monday.month, monday.day, 10)
        shift = berlin(*friday.timetuple()[:3], 9).utcoffset() - due.astimezone(BERLIN).utcoffset()
        assert shift == (-H if month == 3 else H)


# ---------------------------------------------------------------------------------------
# Worked examples, each expected value computed by hand in the comment above it
# ---------------------------------------------------------------------------------------
def test_friday_evening_handover_is_due_monday_half_past_twelve():
    # Fri 2026-11-27 17:30 → 18:00 is 0.5 h; Sat and Sun closed; Mon 09:00 + 3.5 h = 12:30.
    due = add_working(support_hours(), berlin(2026, 11, 27, 17, 30), 4 * H)
    assert due == berlin(2026, 11, 30, 12, 30)


def test_first_response_across_christmas_2026():
    # Thu 24 Dec 11:00 → 13:00 (half day) is 2 h; Fri 25 Christmas (DE-NW, GB-ENG); Sat 26,
    # Sun 27 weekend; Mon 28 Boxing Day observed (GB-ENG); Tue 29 09:00 + 2 h = 11:00.
    cal = support_hours()
    assert add_working(cal, berlin(2026, 12, 24, 11), 4 * H) == berlin(2026, 12, 29, 11)
    assert working_time(cal, berlin(2026, 12, 24, 0), berlin(2026, 12, 29, 0)) == 4 * H


def test_first_response_across_christmas_2021_counts_every_location():
    # Fri 24 Dec 2021 10:00 → 13:00 is 3 h; Sat 25, Sun 26 weekend; Mon 27: Christmas
    # observed in Ukraine and England; Tue 28: Boxing Day observed in England; so the last
    # hour runs Wed 29 09:00 → 10:00. Each location moves it by a day.
    start, need = berlin(2021, 12, 24, 10), 4 * H
    default = support_hours()
    germany = WorkCalendar(
        name="de", weekly=default.weekly, regions=("DE-NW",), manual_days=default.manual_days
    )
    with_ukraine = WorkCalendar(
        name="de+ua",
        weekly=default.weekly,
        regions=("DE-NW", "UA"),
        manual_days=default.manual_days,
    )
    assert add_working(germany, start, need) == berlin(2021, 12, 27, 10)
    assert add_working(with_ukraine, start, need) == berlin(2021, 12, 28, 10)
    assert add_working(support_hours(), start, need) == berlin(2021, 12, 29, 10)


def test_incident_on_saturday_night_is_due_an_hour_later():
    # 24/7: Sat 2026-11-28 03:00 + 1 h = Sat 04:00.
    assert add_working(around_the_clock(), berlin(2026, 11, 28, 3), H) == berlin(2026, 11, 28, 4)


def test_around_the_clock_over_the_spring_and_autumn_nights():
    # Sat 28 Mar 2026 23:00 CET + 5 h elapsed = Sun 05:00 CEST (the wall clock jumps 02→03);
    # Sat 24 Oct 2026 23:00 CEST + 5 h = Sun 03:00 CET (the wall clock repeats 02–03).
    cal = around_the_clock()
    assert add_working(cal, berlin(2026, 3, 28, 23), 5 * H) == berlin(2026, 3, 29, 5)
    assert add_working(cal, berlin(2026, 10, 24, 23), 5 * H) == berlin(2026, 10, 25, 3)


def test_a_whole_open_day_lasts_23_or_25_hours_when_the_clocks_change():
    always = WorkCalendar(name="all day", weekly=(((time(0), time(0)),),) * 7)
    assert working_time(always, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * H
    assert working_time(always, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25 * H


def test_dst_week_of_march_2026():
    # Fri 27 Mar 09:00 CET → Mon 30 Mar 18:00 CEST: Fri 9 h + Mon 9 h = 18 h, although
    # 81 hours of wall time minus the hour the clocks skipped lie between.
    cal = support_hours()
    assert working_time(cal, berlin(2026, 3, 27, 9), berlin(2026, 3, 30, 18)) == 18 * H
    assert add_working(cal, berlin(2026, 3, 27, 17), 2 * H) == berlin(2026, 3, 30, 10)


def test_budget_used_up_at_closing_time_is_due_at_closing_time():
    # Fri 17:00 + 1 h = Fri 18:00, not Mon 09:00.
    assert add_working(support_hours(), berlin(2026, 11, 27, 17), H) == berlin(2026, 11, 27, 18)


def test_public_holidays_of_each_region_close_the_default_calendar():
    cal = support_hours()
    # Corpus Christi (DE-NW only), Spring Bank Holiday (England only), 2021-08-24
    # Independence Day (Ukraine): all closed; an ordinary Thursday is open.
    for closed in (date(2026, 6, 4), date(2026, 5, 25), date(2021, 8, 24)):
        assert not is_open(cal, berlin(closed.year, closed.month, closed.day, 12))
    assert is_open(cal, berlin(2026, 6, 11, 12))


@pytest.mark.parametrize("bad", [((time(10), time(9)),), ((time(9), time(9)),)])
def test_hours_must_end_after_they_start(bad):
    with pytest.raises(ValueError):
        WorkCalendar(name="bad", weekly=(bad,) + ((),) * 6)
