"""Calendars, policies, the clocks of each ticket and the SLA events the sweep records.

Calendars and policies are data an admin edits; clocks and SLA events are written by
`sla.services` only (the sweep marks them with set-based SQL).
"""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tierdesk.core.models import TimeStamped
from tierdesk.directory.models import SupportPlan
from tierdesk.sla import calendars
from tierdesk.tickets.models import Level, Priority

MIDNIGHT = time(0, 0)


class Calendar(TimeStamped):
    """Support hours: a time zone, weekly hours, public holidays of regions, manual days.
    `always_open` makes it a 24/7 calendar (elapsed time; hours and holidays ignored)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")
    always_open = models.BooleanField(default=False, help_text="24/7: every minute counts.")
    holiday_regions = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated ISO country codes with an optional subdivision, whose "
        "public holidays are all closed: e.g. DE-NW, UA, GB-ENG.",
    )
    # Every change of the calendar, its hours or days bumps `revision`
    # (`sla.services.calendar_changed`); the re-plan sets `planned_revision` once the running
    # clocks on it are planned on that revision. While they differ the calendar is "dirty":
    # its clocks' stored deadlines may be stale and the sweep leaves them alone.
    revision = models.PositiveIntegerField(default=0, editable=False)
    planned_revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def replan_pending(self) -> bool:
        return self.revision != self.planned_revision

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(r.strip().upper() for r in self.holiday_regions.split(",") if r.strip())

    def clean(self) -> None:
        errors = {}
        try:
            calendars._zone(self.time_zone)
        except Exception:
            errors["time_zone"] = f"'{self.time_zone}' is not an IANA time zone"
        for region in self.regions:
            try:
                calendars.validate_region(region)
            except ValueError as exc:
                errors["holiday_regions"] = str(exc)
        if errors:
            raise ValidationError(errors)


def _check_hours(start: time | None, end: time | None) -> None:
    if start is None or end is None:
        raise ValidationError("Give both start and end.")
    if end != MIDNIGHT and end <= start:
        raise ValidationError("The end must be after the start (00:00 means midnight).")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """One open stretch of a weekday (a day may have several, e.g. around a break)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name_plural = "working hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        _check_hours(self.start, self.end)


class DayKind(models.TextChoices):
    CLOSED = calendars.CLOSED, "Closed all day"
    SHORT = calendars.SHORT, "Short day: these hours, if it is a working day"
    OPEN = calendars.OPEN, "Open: these hours, even on a weekend or holiday"


class ManualDay(models.Model):
    """A date that differs from the weekly hours; without a year it repeats every year
    (24 and 31 December are short days 09:00–13:00)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days")
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty: every year.", validators=[MinValueValidator(2000)]
    )
    month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(31)])
    kind = models.CharField(max_length=10, choices=DayKind.choices, default=DayKind.CLOSED)
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "month", "day", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "year", "month", "day"], name="sla_manual_day_unique"
            ),
            models.UniqueConstraint(
                fields=["calendar", "month", "day"],
                condition=Q(year__isnull=True),
                name="sla_manual_day_yearly_unique",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.year or 'every year'}-{self.month:02d}-{self.day:02d}"
        return f"{when}: {self.get_kind_display()}"

    def clean(self) -> None:
        try:
            date(self.year or 2000, self.month, self.day)  # 2000: 29 February exists
        except (TypeError, ValueError):
            raise ValidationError({"day": "There is no such date."}) from None
        if self.kind != DayKind.CLOSED:
            _check_hours(self.start, self.end)


class TeamCalendar(models.Model):
    """A level's team (or one partner's L1 team) working its own hours: the clocks of that
    level — its intake first response and next responses — count on this calendar.
    Incidents always count around the clock."""

    level = models.PositiveSmallIntegerField(choices=Level.choices)
    partner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only this partner's team (L1); empty: the level's team.",
    )
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["level", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["level", "partner"], name="sla_team_calendar_unique"),
            models.UniqueConstraint(
                fields=["level"], condition=Q(partner__isnull=True), name="sla_team_level_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"L{self.level} {self.partner or 'team'}: {self.calendar}"


class Policy(TimeStamped):
    """Targets for one support plan × priority (and whether the ticket is an incident),
    counted in working time on the policy's calendar."""

    plan = models.CharField(max_length=20, choices=SupportPlan.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    incident = models.BooleanField(default=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    first_response = models.DurationField(help_text="From each level's intake to being taken.")
    next_response = models.DurationField(help_text="From a customer's reply to the next answer.")
    resolution = models.DurationField(help_text="From opening to resolution, pauses excluded.")
    customer_first_response = models.DurationField(
        null=True,
        blank=True,
        help_text="From the customer's report to the first public reply to them; "
        "empty: the first-response target.",
    )
    customer_next_response = models.DurationField(
        null=True,
        blank=True,
        help_text="From the customer's message to the next public reply to them; "
        "empty: the next-response target.",
    )

    class Meta:
        ordering = ["incident", "plan", "priority"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "priority", "incident"], name="sla_policy_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}/{self.priority}{' incident' if self.incident else ''}"

    @property
    def label(self) -> str:
        return str(self)


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"
    NEEDED_BY = "needed_by", "Customer's latest acceptable time"
    # The customer's own waits: met only by a public reply to the customer.
    CUSTOMER_FIRST = "customer_first", "Customer's first response"
    CUSTOMER_NEXT = "customer_next", "Customer's next response"


# The clocks the customer feels: ticket-wide, started by the customer's message, met only
# by a public reply to them (the level clocks measure each level's own intake and pace).
CUSTOMER_KINDS = (ClockKind.CUSTOMER_FIRST, ClockKind.CUSTOMER_NEXT)


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class Clock(models.Model):
    """One SLA clock of a ticket. First and next responses belong to a level; resolution,
    needed_by and the customer's first and next responses to the whole ticket (level empty).

    `start`, `pauses`, `used_before`, `paused_before` are the clock's history since its
    last re-plan (the inputs of `deadlines.plan_clock`); `due_at` and `at_risk_at` are
    its outputs, stored so the sweep can compare them with the time in SQL."""

    # Every index of this table is paid for by each clock the sweep marks: no more than the
    # sweep, the ticket's own look-ups and the uniqueness need.
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=20, choices=ClockKind.choices)
    level = models.PositiveSmallIntegerField(choices=Level.choices, null=True, blank=True)
    policy = models.ForeignKey(
        Policy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    target = models.DurationField()
    start = models.DateTimeField()
    pauses = models.JSONField(default=list, blank=True)
    used_before = models.DurationField()
    paused_before = models.DurationField()
    state = models.CharField(max_length=10, choices=ClockState.choices)
    stopped_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    at_risk = models.BooleanField(default=False)
    breached = models.BooleanField(default=False)
    met = models.BooleanField(null=True, blank=True)
    # Bumped whenever the deadline is planned anew: one at-risk and one breach event per
    # clock and cycle.
    cycle = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "kind", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "level"],
                condition=Q(level__isnull=False),
                name="sla_clock_level_unique",
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(level__isnull=True),
                name="sla_clock_ticket_unique",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ClockState]), name="sla_clock_state_valid"
            ),
        ]
        indexes = [
            # The sweep: running clocks not yet marked, by the instant they turn.
            models.Index(
                fields=["due_at"],
                condition=Q(state="running", breached=False),
                name="sla_clock_due_open",
            ),
            models.Index(
                fields=["at_risk_at"],
                condition=Q(state="running", at_risk=False),
                name="sla_clock_risk_open",
            ),
        ]

    def __str__(self) -> str:
        where = f"@L{self.level}" if self.level else ""
        return f"{self.kind}{where} of {self.ticket_id}: {self.state}"


class SlaEventKind(models.TextChoices):
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


class SlaEvent(models.Model):
    """Append-only: a clock turned at risk or breached (found by the sweep). Webhooks
    and notifications are sent from these rows (`notified_at`)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # Kept when the clock goes (a needed_by that was cleared): the event is history.
    clock = models.ForeignKey(
        Clock, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    cycle = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=SlaEventKind.choices)
    clock_kind = models.CharField(max_length=20, choices=ClockKind.choices)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True)
    # Who should act, as it stood: the assignee, or (empty) the level's intake queue.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "cycle", "kind"], name="sla_event_once"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(notified_at__isnull=True),
                name="sla_event_unnotified",
            ),
            models.Index(fields=["ticket", "created_at"], name="sla_event_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.clock_kind} {self.kind} on {self.ticket_id}"
