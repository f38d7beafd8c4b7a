"""SLA clocks as pure functions of (calendar, policy, start, pauses, now).

Pure: no database, no clock reading. The services call `plan_clock` whenever a clock
starts, pauses, resumes, stops or is re-planned and store what it returns (`due_at`,
`at_risk_at`) so the sweep can find due clocks with plain SQL; the API calls it again
with the current time to show used and remaining time.

A clock counts working time on its calendar from `start`, leaving out its pauses, on top
of `used_before` (the time used before a re-plan: turning a ticket into an incident, or a
new priority, keeps what was used and counts the rest on the new calendar).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tierdesk.sla.calendars import ZERO, WorkCalendar, add_working, working_time

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class RiskRule:
    """A clock is at risk once `share` of its budget is used, or once no more than
    `within` working time remains, whichever comes first."""

    share: float = 0.75
    within: timedelta = timedelta(hours=1)

    def threshold(self, target: timedelta) -> timedelta:
        by_share = target * self.share
        by_remaining = target - self.within
        return max(ZERO, min(by_share, by_remaining))


@dataclass(frozen=True)
class ClockPlan:
    due_at: datetime | None  # None while paused and not yet due
    at_risk_at: datetime | None
    used: timedelta
    remaining: timedelta  # target − used: negative once overdue
    paused: bool
    paused_for: timedelta  # wall-clock time spent paused, before and since a re-plan
    at_risk: bool
    breached: bool
    stopped: bool

    @property
    def met(self) -> bool | None:
        """For a stopped clock: was it stopped in time."""
        return None if not self.stopped else not self.breached


def running_segments(
    start: datetime, pauses: Sequence[Pause], end: datetime
) -> list[tuple[datetime, datetime]]:
    """[start, end) minus the pauses, as ordered (from, to) segments."""
    segments: list[tuple[datetime, datetime]] = []
    cursor = start
    for pause_start, pause_end in sorted(pauses, key=lambda p: p[0]):
        if pause_start > cursor:
            segments.append((cursor, min(pause_start, end)))
        if pause_end is None:
            cursor = end
            break
        cursor = max(cursor, pause_end)
        if cursor >= end:
            break
    if cursor < end:
        segments.append((cursor, end))
    return [(a, b) for a, b in segments if a < b]


def paused_time(pauses: Sequence[Pause], end: datetime) -> timedelta:
    total = ZERO
    for pause_start, pause_end in pauses:
        stop = end if pause_end is None else min(pause_end, end)
        if stop > pause_start:
            total += stop - pause_start
    return total


def plan_clock(
    calendar: WorkCalendar,
    target: timedelta,
    start: datetime,
    pauses: Sequence[Pause],
    now: datetime,
    *,
    used_before: timedelta = ZERO,
    paused_before: timedelta = ZERO,
    stopped_at: datetime | None = None,
    risk: RiskRule = RiskRule(),
) -> ClockPlan:
    """Where the clock stands at `now` (or at `stopped_at` once stopped).

    `due_at` is the instant the budget is used up: in the past once it has been, the
    projection from now while running, None while paused with budget left. A budget
    already used up before `start` (a re-plan onto a smaller target) is due at `start`."""
    start, now = _utc(start), _utc(now)
    stopped_at = _utc(stopped_at) if stopped_at else None
    pauses = [(_utc(a), _utc(b) if b else None) for a, b in pauses]
    end = min(now, stopped_at) if stopped_at else now
    end = max(end, start)
    paused = stopped_at is None and any(p[1] is None or p[1] > end for p in pauses if p[0] <= end)
    threshold = risk.threshold(target)
    used = used_before
    due_at = start if used_before >= target else None
    at_risk_at = start if used_before >= threshold else None
    for a, b in running_segments(start, pauses, end):
        span = working_time(calendar, a, b)
        if due_at is None and used + span >= target:
            due_at = add_working(calendar, a, target - used)
        if at_risk_at is None and used + span >= threshold:
            at_risk_at = add_working(calendar, a, threshold - used)
        used += span
    if not paused:
        # Still to come: project from the end of the last running stretch.
        if due_at is None:
            due_at = add_working(calendar, end, target - used)
        if at_risk_at is None:
            at_risk_at = add_working(calendar, end, threshold - used)
    return ClockPlan(
        due_at=due_at,
        at_risk_at=at_risk_at,
        used=used,
        remaining=target - used,
        paused=paused,
        paused_for=paused_before + paused_time(pauses, end),
        at_risk=at_risk_at is not None and at_risk_at <= end,
        breached=due_at is not None and due_at < end,
        stopped=stopped_at is not None,
    )


def plan_fixed_deadline(
    calendar: WorkCalendar,
    start: datetime,
    deadline: datetime,
    now: datetime,
    *,
    stopped_at: datetime | None = None,
    risk: RiskRule = RiskRule(),
) -> ClockPlan:
    """The customer's latest acceptable time: due exactly at `deadline`, whatever the
    calendar; its budget is the working time from `start` to it, and it is at risk by
    the same rule as any clock. Waiting on the customer does not pause it."""
    start, deadline, now = _utc(start), _utc(deadline), _utc(now)
    stopped_at = _utc(stopped_at) if stopped_at else None
    target = working_time(calendar, start, deadline)
    plan = plan_clock(calendar, target, start, (), now, stopped_at=stopped_at, risk=risk)
    end = min(now, stopped_at) if stopped_at else now
    at_risk_at = min(plan.at_risk_at, deadline) if plan.at_risk_at else deadline
    return ClockPlan(
        due_at=deadline,
        at_risk_at=at_risk_at,
        used=plan.used,
        remaining=target - plan.used,
        paused=False,
        paused_for=ZERO,
        at_risk=at_risk_at <= end,
        breached=deadline < end,
        stopped=stopped_at is not None,
    )


def _utc(instant: datetime) -> datetime:
    # Python compares and adds aware datetimes of one zone by wall clock: use UTC.
    if instant.tzinfo is None:
        raise ValueError("clocks need aware datetimes")
    return instant.astimezone(UTC)


def earliest(instants: Sequence[datetime | None]) -> datetime | None:
    present = [i for i in instants if i is not None]
    return min(present) if present else None
