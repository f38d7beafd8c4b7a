"""Changes to a calendar from code and the command line: a day that differs (a holiday
closed, a short or an extra open day) and a weekday's hours. The admin edits the same
rows through its forms and calls `calendar_changed` the same way.

Every change records itself with `replan.calendar_changed` in its transaction, so the
running clocks on the calendar are re-planned within a minute.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.sla.models import Calendar, DayKind, ManualDay, WorkingHours
from tierdesk.sla.services.replan import calendar_changed


def _check_admin(actor: Actor) -> None:
    if not (actor.is_system or actor.role == Role.ADMIN):
        raise Forbidden("Only an administrator changes calendars.")


def _calendar(code: str) -> Calendar:
    calendar = Calendar.objects.select_for_update().filter(code=code).first()
    if calendar is None:
        raise NotFound(f"No calendar {code!r}.")
    return calendar


def _fields(exc: ValidationError) -> dict[str, str]:
    return {name: " ".join(messages) for name, messages in exc.message_dict.items()}


@transaction.atomic
def calendar_day_set(
    *,
    actor: Actor,
    calendar_code: str,
    day: date,
    now: datetime,
    kind: str = DayKind.CLOSED,
    hours: tuple[time, time] | None = None,
    name: str = "",
    every_year: bool = False,
) -> ManualDay:
    """Make one date differ from the weekly hours (replacing what was set for it): closed
    (a holiday), short (these hours on a working day) or open (these hours whatever the
    day). Refuses bad input with `InvalidInput` naming the field."""
    _check_admin(actor)
    calendar = _calendar(calendar_code)
    if kind not in DayKind.values:
        raise InvalidInput({"kind": f"must be one of {', '.join(DayKind.values)}"})
    year = None if every_year else day.year
    start, end = hours if hours else (None, None)
    row = ManualDay.objects.filter(
        calendar=calendar, year=year, month=day.month, day=day.day
    ).first() or ManualDay(calendar=calendar, year=year, month=day.month, day=day.day)
    row.kind, row.start, row.end, row.name = kind, start, end, name[:100]
    try:
        row.full_clean(exclude=["calendar"])
    except ValidationError as exc:
        raise InvalidInput(_fields(exc)) from None
    row.save()
    calendar_changed(calendar_id=calendar.pk, now=now)
    return row


@transaction.atomic
def calendar_hours_set(
    *,
    actor: Actor,
    calendar_code: str,
    weekday: int,
    hours: list[tuple[time, time]],
    now: datetime,
) -> list[WorkingHours]:
    """Replace a weekday's open hours (Monday 0 … Sunday 6; none: closed that day)."""
    _check_admin(actor)
    calendar = _calendar(calendar_code)
    if weekday not in range(7):
        raise InvalidInput({"weekday": "must be 0 (Monday) to 6 (Sunday)"})
    rows = [WorkingHours(calendar=calendar, weekday=weekday, start=a, end=b) for a, b in hours]
    for row in rows:
        try:
            row.full_clean(exclude=["calendar"])
        except ValidationError as exc:
            raise InvalidInput({"hours": " ".join(exc.messages)}) from None
    WorkingHours.objects.filter(calendar=calendar, weekday=weekday).delete()
    WorkingHours.objects.bulk_create(rows)
    calendar_changed(calendar_id=calendar.pk, now=now)
    return rows
