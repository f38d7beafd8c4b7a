"""Reads with meaning: the calendar values, the policy that applies to a ticket, a
ticket's clocks as the API and the ticket page show them, queues by deadline."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q

from tierdesk.core import clock as wall_clock
from tierdesk.directory.models import Contract
from tierdesk.sla import calendars, deadlines
from tierdesk.sla.models import (
    Calendar,
    Clock,
    ClockKind,
    ClockState,
    Policy,
    TeamCalendar,
)
from tierdesk.tickets.models import Ticket

# ---------------------------------------------------------------------------------------
# Calendars as values
# ---------------------------------------------------------------------------------------
_cache: dict[tuple[int, datetime, int], calendars.WorkCalendar] = {}
_cache_lock = threading.Lock()


def work_calendar(calendar: Calendar) -> calendars.WorkCalendar:
    """The pure value of a calendar row. Cached per process by (id, updated_at,
    revision): every change of the calendar, its hours or days moves both
    (`services.calendar_changed`)."""
    key = (calendar.pk, calendar.updated_at, calendar.revision)
    found = _cache.get(key)
    if found is not None:
        return found
    weekly: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for hours in calendar.hours.all():
        weekly[hours.weekday].append((hours.start, hours.end))
    manual = tuple(
        calendars.ManualDay(
            month=day.month,
            day=day.day,
            year=day.year,
            kind=day.kind,
            hours=((day.start, day.end),) if day.start and day.end else (),
        )
        for day in calendar.days.all()
    )
    value = calendars.WorkCalendar(
        name=calendar.name,
        zone=calendar.time_zone,
        always_open=calendar.always_open,
        weekly=tuple(tuple(sorted(day)) for day in weekly),
        regions=calendar.regions,
        manual_days=manual,
    )
    with _cache_lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = value
    return value


def calendar_by_code(code: str) -> Calendar | None:
    return Calendar.objects.filter(code=code).first()


def risk_rule() -> deadlines.RiskRule:
    return deadlines.RiskRule(
        share=settings.TIERDESK_SLA_AT_RISK_SHARE,
        within=timedelta(hours=settings.TIERDESK_SLA_AT_RISK_HOURS),
    )


# ---------------------------------------------------------------------------------------
# What applies to a ticket
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Terms:
    """The policy (targets) and calendars a ticket's clocks count on right now."""

    policy: Policy | None
    calendar: Calendar  # resolution and needed_by
    level_calendars: dict[int, Calendar]  # first and next responses, per level

    def calendar_for(self, level: int | None) -> Calendar:
        return self.level_calendars.get(level, self.calendar) if level else self.calendar

    def target(self, kind: str) -> timedelta | None:
        if self.policy is None:
            return None
        return {
            ClockKind.FIRST_RESPONSE: self.policy.first_response,
            ClockKind.NEXT_RESPONSE: self.policy.next_response,
            ClockKind.RESOLUTION: self.policy.resolution,
            ClockKind.CUSTOMER_FIRST: self.policy.customer_first_response
            or self.policy.first_response,
            ClockKind.CUSTOMER_NEXT: self.policy.customer_next_response
            or self.policy.next_response,
        }.get(kind)


def support_plan(ticket: Ticket) -> str:
    plan = None
    if ticket.contract_id:
        plan = (
            Contract.objects.filter(platform_id=ticket.contract_id)
            .values_list("plan", flat=True)
            .first()
        )
    return plan or settings.TIERDESK_SLA_DEFAULT_PLAN


def terms_for(ticket: Ticket) -> Terms | None:
    """Plan (from the contract) × priority × incident → policy; incidents count on the
    24/7 calendar (their policy's, or the incident calendar with the ordinary targets);
    ordinary tickets' response clocks count on their level's team calendar if it has one.
    None when no calendar exists at all (nothing can be counted: no clocks are kept)."""
    plan = support_plan(ticket)
    policies = {
        p.incident: p
        for p in Policy.objects.select_related("calendar").filter(
            plan=plan, priority=ticket.priority
        )
    }
    policy = policies.get(ticket.incident)
    calendar = policy.calendar if policy else None
    if ticket.incident and policy is None:
        policy = policies.get(False)
        calendar = calendar_by_code(settings.TIERDESK_SLA_INCIDENT_CALENDAR)
    if calendar is None:
        calendar = calendar_by_code(settings.TIERDESK_SLA_DEFAULT_CALENDAR)
    if calendar is None:
        calendar = Calendar.objects.order_by("pk").first()
    if calendar is None:
        return None
    level_calendars: dict[int, Calendar] = {}
    if not ticket.incident:
        teams = TeamCalendar.objects.select_related("calendar").filter(
            Q(partner__isnull=True) | Q(partner_id=ticket.partner_id)
        )
        # A partner's own team wins over the level's team.
        for team in sorted(teams, key=lambda t: t.partner_id is not None):
            level_calendars[team.level] = team.calendar
    return Terms(policy=policy, calendar=calendar, level_calendars=level_calendars)


def customer_answer_by(ticket_id: int) -> datetime | None:
    """When the customer is to hear from support: the deadline of their running first- or
    next-response clock (None while no public reply is owed to them)."""
    return (
        Clock.objects.filter(
            ticket_id=ticket_id,
            kind__in=[ClockKind.CUSTOMER_FIRST, ClockKind.CUSTOMER_NEXT],
            state=ClockState.RUNNING,
            due_at__isnull=False,
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


# ---------------------------------------------------------------------------------------
# Clocks as values
# ---------------------------------------------------------------------------------------
def pauses_of(clock: Clock) -> list[deadlines.Pause]:
    return [
        (datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None)
        for a, b in clock.pauses
    ]


def plan_of(clock: Clock, now: datetime) -> deadlines.ClockPlan:
    """Where a stored clock stands at `now`."""
    calendar = work_calendar(clock.calendar)
    risk = risk_rule()
    if clock.kind == ClockKind.NEEDED_BY:
        return deadlines.plan_fixed_deadline(
            calendar, clock.start, clock.due_at, now, stopped_at=clock.stopped_at, risk=risk
        )
    return deadlines.plan_clock(
        calendar,
        clock.target,
        clock.start,
        pauses_of(clock),
        now,
        used_before=clock.used_before,
        paused_before=clock.paused_before,
        stopped_at=clock.stopped_at,
        risk=risk,
    )


def _seconds(delta: timedelta) -> int:
    # Whole seconds, towards zero: an overdue clock shows −59 s, not −60 s, at −59.5 s.
    return int(delta.total_seconds())


def ticket_sla(ticket: Ticket, *, now: datetime | None = None) -> dict[str, Any]:
    """The `sla` block of a ticket: `{"next_deadline", "at_risk", "breached", "clocks"}`.
    Every clock that is running or paused, plus stopped ones (met or not) for the record;
    `at_risk` and `breached` are as of `now` (the sweep's flags may lag a minute)."""
    now = now or wall_clock.now()
    clocks = list(
        Clock.objects.filter(ticket=ticket).select_related("calendar", "policy").order_by("pk")
    )
    out = []
    next_deadline = None
    at_risk = breached = False
    for clock in clocks:
        plan = plan_of(clock, now)
        live = clock.state != ClockState.STOPPED
        if live and not plan.paused and plan.due_at is not None:
            next_deadline = min(next_deadline or plan.due_at, plan.due_at)
        if live:
            at_risk = at_risk or plan.at_risk
            breached = breached or plan.breached
        out.append(
            {
                "kind": clock.kind,
                "level": clock.level,
                "due_at": plan.due_at,
                "used_seconds": _seconds(plan.used),
                "remaining_seconds": _seconds(plan.remaining),
                "paused": plan.paused,
                "stopped": not live,
                "met": None if live else clock.met,
                "calendar": clock.calendar.name,
                "policy": clock.policy.label if clock.policy_id else None,
            }
        )
    order = {k: i for i, k in enumerate(ClockKind.values)}
    out.sort(key=lambda c: (order[c["kind"]], c["level"] or 0))
    return {"next_deadline": next_deadline, "at_risk": at_risk, "breached": breached, "clocks": out}
