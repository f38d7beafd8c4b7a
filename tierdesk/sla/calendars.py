"""Working time on a calendar: which instants are open, adding and measuring it.

Pure: no database, no clock. A `WorkCalendar` is a value (built from the admin-edited
rows by `selectors.work_calendar`); every function here is a function of its arguments.

What "open" means, exactly — the definition the property tests check minute by minute:
an instant is open when its wall-clock time in the calendar's zone falls in one of the
open intervals of its local date. The open intervals of a date are, in this order:

1. a manual day for that date (a specific year wins over an every-year entry):
   `closed` → none; `open` → its hours, even on a weekend or public holiday;
   `short` → its hours, but only if the date is otherwise a working day (a half day);
2. a public holiday of any of the calendar's regions (`holidays` package) → none;
3. the weekly hours of that weekday.

Hours are `[start, end)` in wall-clock time; an `end` of 00:00 means midnight at the end of
the day. Durations are real elapsed time: the night the clocks go forward an open
00:00–24:00 day lasts 23 hours. A 24/7 calendar (`always_open`) is plain elapsed time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package

CLOSED, OPEN, SHORT = "closed", "open", "short"
MIDNIGHT = time(0, 0)
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
# A calendar with no open time at all would make `add_working` search forever.
MAX_SEARCH_DAYS = 3 * 366

Hours = tuple[tuple[time, time], ...]


class NoWorkingTime(ValueError):
    """The calendar has no open time within the search horizon."""


@dataclass(frozen=True)
class ManualDay:
    """A date that differs from the weekly hours: `year` None repeats every year."""

    month: int
    day: int
    kind: str  # CLOSED | OPEN | SHORT
    hours: Hours = ()
    year: int | None = None


@dataclass(frozen=True)
class WorkCalendar:
    name: str
    zone: str = "Europe/Berlin"
    always_open: bool = False
    # Monday first: seven tuples of (start, end) wall-clock intervals.
    weekly: tuple[Hours, ...] = ((),) * 7
    # "DE-NW", "UA", "GB-ENG": country, optionally a subdivision.
    regions: tuple[str, ...] = ()
    manual_days: tuple[ManualDay, ...] = ()
    _manual: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    _hash: int = field(default=0, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need seven days, Monday first")
        for hours in (*self.weekly, *(m.hours for m in self.manual_days)):
            for start, end in hours:
                if end != MIDNIGHT and end <= start:
                    raise ValueError(f"hours {start}–{end} end before they start")
        manual = {(m.year, m.month, m.day): m for m in self.manual_days}
        object.__setattr__(self, "_manual", manual)
        key = (self.name, self.zone, self.always_open, self.weekly, self.regions, self.manual_days)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        # The value is a key of the per-day memo (`day_intervals`), looked up for every day
        # of every clock planned: hash the nested hours once, not on every look-up.
        return self._hash

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.zone)

    def hours_on(self, day: date) -> Hours:
        """The wall-clock open hours of a local date (rules 1–3 above)."""
        manual = self._manual.get((day.year, day.month, day.day)) or self._manual.get(
            (None, day.month, day.day)
        )
        weekly = self.weekly[day.weekday()]
        holiday = is_holiday(self.regions, day)
        if manual is not None:
            if manual.kind == CLOSED:
                return ()
            if manual.kind == OPEN:
                return manual.hours
            return manual.hours if weekly and not holiday else ()
        return () if holiday else weekly


@functools.lru_cache(maxsize=64)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def parse_region(region: str) -> tuple[str, str | None]:
    country, _, subdivision = region.strip().partition("-")
    return country.upper(), (subdivision or None)


@functools.lru_cache(maxsize=512)
def holiday_dates(region: str, year: int) -> frozenset[date]:
    """Public holidays (with observed/substitute days) of one region in one year."""
    country, subdivision = parse_region(region)
    return frozenset(holidays_package.country_holidays(country, subdiv=subdivision, years=year))


def holiday_names(regions: Iterable[str], year: int) -> dict[date, list[str]]:
    """Every region's holidays of a year, with their names and regions (for the admin)."""
    names: dict[date, list[str]] = {}
    for region in regions:
        country, subdivision = parse_region(region)
        found = holidays_package.country_holidays(country, subdiv=subdivision, years=year)
        for day, name in found.items():
            names.setdefault(day, []).append(f"{name} ({region})")
    return dict(sorted(names.items()))


def is_holiday(regions: Iterable[str], day: date) -> bool:
    return any(day in holiday_dates(region, day.year) for region in regions)


def validate_region(region: str) -> None:
    """Raise ValueError for a region the `holidays` package does not know."""
    country, subdivision = parse_region(region)
    try:
        holidays_package.country_holidays(country, subdiv=subdivision, years=2026)
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise ValueError(f"unknown holiday region {region!r}: {exc}") from None


# ---------------------------------------------------------------------------------------
# Open intervals as real instants
# ---------------------------------------------------------------------------------------
def _offset_at(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or ZERO


def _transition(zone: ZoneInfo, lo: datetime, hi: datetime) -> datetime:
    """The first instant in (lo, hi] whose offset differs from lo's (to the second)."""
    before = _offset_at(zone, lo)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            break
        if _offset_at(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


@functools.lru_cache(maxsize=100_000)
def day_intervals(calendar: WorkCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open intervals of a local date as UTC instants, sorted and merged.

    Each wall-clock interval is mapped through the zone's offset; the day is split where
    the offset changes, so a daylight-saving gap or repeated hour is counted as the
    wall-clock definition says (open exactly when the wall time is inside the hours)."""
    hours = calendar.hours_on(day)
    if not hours:
        return ()
    zone = calendar.tz
    naive_start = datetime.combine(day, MIDNIGHT)
    naive_end = naive_start + ONE_DAY
    # Offsets lie within [-12 h, +14 h]: every instant whose wall time falls on `day` is
    # in [lo, hi).
    lo = (naive_start - timedelta(hours=14)).replace(tzinfo=UTC)
    hi = (naive_end + timedelta(hours=12)).replace(tzinfo=UTC)
    segments: list[tuple[datetime, datetime, timedelta]] = []
    if _offset_at(zone, lo) == _offset_at(zone, hi):
        segments.append((lo, hi, _offset_at(zone, lo)))
    else:
        switch = _transition(zone, lo, hi)
        segments.append((lo, switch, _offset_at(zone, lo)))
        segments.append((switch, hi, _offset_at(zone, hi)))
    found: list[tuple[datetime, datetime]] = []
    for seg_start, seg_end, offset in segments:
        for start, end in hours:
            wall_start = naive_start + _since_midnight(start)
            wall_end = naive_end if end == MIDNIGHT else naive_start + _since_midnight(end)
            a = max((wall_start - offset).replace(tzinfo=UTC), seg_start)
            b = min((wall_end - offset).replace(tzinfo=UTC), seg_end)
            if a < b:
                found.append((a, b))
    return _merge(found)


def _since_midnight(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


def _merge(intervals: list[tuple[datetime, datetime]]) -> tuple[tuple[datetime, datetime], ...]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def _local_date(calendar: WorkCalendar, instant: datetime) -> date:
    return instant.astimezone(calendar.tz).date()


def open_intervals(
    calendar: WorkCalendar, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The open parts of [start, end), in order, as UTC instants."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return
    if calendar.always_open:
        yield start, end
        return
    # From the day before: a zone's wall clock may step back across midnight.
    day = _local_date(calendar, start) - ONE_DAY
    last = _local_date(calendar, end) + ONE_DAY
    while day <= last:
        for a, b in day_intervals(calendar, day):
            if b <= start or a >= end:
                continue
            yield max(a, start), min(b, end)
        day += ONE_DAY


def is_open(calendar: WorkCalendar, instant: datetime) -> bool:
    instant = _utc(instant)
    return any(True for _ in open_intervals(calendar, instant, instant + timedelta(microseconds=1)))


# ---------------------------------------------------------------------------------------
# Adding and measuring working time
# ---------------------------------------------------------------------------------------
def working_time(calendar: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """The open time in [start, end); zero when end is not after start."""
    total = ZERO
    for a, b in open_intervals(calendar, start, end):
        total += b - a
    return total


def add_working(calendar: WorkCalendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant at which `amount` of open time has passed since `start`.

    Zero (or less) gives `start` itself. The result is never inside a closed stretch: a
    budget used up exactly at 18:00 is due at 18:00, not at the next opening. The answer
    is in UTC."""
    start = _utc(start)
    if amount <= ZERO:
        return start
    if calendar.always_open:
        return start + amount
    remaining = amount
    day = _local_date(calendar, start) - ONE_DAY
    for _ in range(MAX_SEARCH_DAYS):
        for a, b in day_intervals(calendar, day):
            if b <= start:
                continue
            a = max(a, start)
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        day += ONE_DAY
    raise NoWorkingTime(f"calendar {calendar.name!r} has no open time after {start.isoformat()}")


def add_working_days(calendar: WorkCalendar, start: datetime, days: int) -> datetime:
    """`days` business days after `start`: the same local time of day on the `days`-th
    working day after start's local date (a day with open hours; weekends, holidays and
    closed days do not count; a short day does). Around the clock: `days` × 24 h. UTC."""
    start = _utc(start)
    if days <= 0:
        return start
    if calendar.always_open:
        return start + days * ONE_DAY
    local = start.astimezone(calendar.tz)
    day, counted = local.date(), 0
    for _ in range(MAX_SEARCH_DAYS):
        day += ONE_DAY
        if calendar.hours_on(day):
            counted += 1
            if counted == days:
                wall = datetime.combine(day, local.time()).replace(tzinfo=calendar.tz)
                return _utc(wall)
    raise NoWorkingTime(f"calendar {calendar.name!r} has no working days after {start.date()}")


def next_open(calendar: WorkCalendar, instant: datetime) -> datetime:
    """The instant itself if open, else the next opening."""
    instant = _utc(instant)
    for a, _b in open_intervals(calendar, instant, instant + MAX_SEARCH_DAYS * ONE_DAY):
        return a
    raise NoWorkingTime(f"calendar {calendar.name!r} never opens after {instant.isoformat()}")


def _utc(instant: datetime) -> datetime:
    """Arithmetic on aware datetimes sharing a zone is wall-clock arithmetic in Python
    (Berlin 23:00 + 5 h is 04:00 on the spring night, 4 real hours): everything here runs
    on UTC instants."""
    if instant.tzinfo is None:
        raise ValueError("working-time arithmetic needs aware datetimes")
    return instant.astimezone(UTC)


NINE_TO_SIX: Hours = ((time(9), time(18)),)
BERLIN_WEEK: tuple[Hours, ...] = (NINE_TO_SIX,) * 5 + ((), ())
HALF_DAYS = (
    ManualDay(month=12, day=24, kind=SHORT, hours=((time(9), time(13)),)),
    ManualDay(month=12, day=31, kind=SHORT, hours=((time(9), time(13)),)),
)
DEFAULT_REGIONS = ("DE-NW", "UA", "GB-ENG")


def support_hours() -> WorkCalendar:
    """The vendor's default: Mon–Fri 09:00–18:00 Berlin, DE-NW ∪ UA ∪ GB-ENG holidays,
    24 and 31 December 09:00–13:00. The seeded row holds the same data."""
    return WorkCalendar(
        name="Support hours",
        zone="Europe/Berlin",
        weekly=BERLIN_WEEK,
        regions=DEFAULT_REGIONS,
        manual_days=HALF_DAYS,
    )


def around_the_clock() -> WorkCalendar:
    return WorkCalendar(name="24/7", zone="UTC", always_open=True)
