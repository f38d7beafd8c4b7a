"""The calendar commands of `tierdesk`: the same changes as the admin's calendar form.

    tierdesk calendar day CODE DATE [--kind closed|short|open] [--hours 09:00-13:00] [--name …]
    tierdesk calendar hours CODE WEEKDAY [09:00-13:00 14:00-18:00 …]   none: closed that day
    tierdesk calendar replan                re-plan the clocks of changed calendars now

A change marks the calendar changed in its transaction; the worker re-plans the running
clocks on it within a minute (or `calendar replan` does it at once).
"""

from __future__ import annotations

import argparse
from datetime import date, time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _fail(text: str):
    from tierdesk.cli import CommandFailed

    raise CommandFailed(text)


def _hours(text: str) -> tuple[time, time]:
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        _fail(f"hours {text!r} are not HH:MM-HH:MM")
        raise


def _weekday(text: str) -> int:
    key = text.strip().lower()[:3]
    if key.isdigit() and int(key) in range(7):
        return int(key)
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    _fail(f"weekday {text!r} is not mon…sun or 0…6")
    raise AssertionError


def cmd_calendar_day(args: argparse.Namespace) -> int:
    from tierdesk.core import clock
    from tierdesk.core.actor import SYSTEM
    from tierdesk.sla.services import calendar_day_set

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        _fail(f"date {args.date!r} is not YYYY-MM-DD")
    row = calendar_day_set(
        actor=SYSTEM,
        calendar_code=args.code,
        day=day,
        now=clock.now(),
        kind=args.kind,
        hours=_hours(args.hours) if args.hours else None,
        name=args.name or "",
        every_year=args.every_year,
    )
    print(f"{args.code}: {row}. Running clocks on it are re-planned within a minute.")
    return 0


def cmd_calendar_hours(args: argparse.Namespace) -> int:
    from tierdesk.core import clock
    from tierdesk.core.actor import SYSTEM
    from tierdesk.sla.services import calendar_hours_set

    weekday = _weekday(args.weekday)
    rows = calendar_hours_set(
        actor=SYSTEM,
        calendar_code=args.code,
        weekday=weekday,
        hours=[_hours(h) for h in args.hours],
        now=clock.now(),
    )
    shown = ", ".join(f"{r.start:%H:%M}–{r.end:%H:%M}" for r in rows) or "closed"
    print(f"{args.code} {WEEKDAYS[weekday]}: {shown}. Running clocks are re-planned shortly.")
    return 0


def cmd_calendar_replan(args: argparse.Namespace) -> int:
    from tierdesk.core import clock
    from tierdesk.sla.services import replan_dirty

    result = replan_dirty(now=clock.now())
    print(f"Re-planned {result['calendars']} calendar(s): {result['clocks']} clock(s) moved.")
    return 0


def add_commands(sub, command) -> None:
    calendar = sub.add_parser("calendar", help="SLA calendars").add_subparsers(
        dest="calendar_command", required=True, metavar="ACTION"
    )
    day = command(calendar, "day", cmd_calendar_day, "close a date (a holiday) or set its hours")
    day.add_argument("code", help="the calendar's code, e.g. support-hours")
    day.add_argument("date", help="YYYY-MM-DD")
    day.add_argument("--kind", default="closed", choices=("closed", "short", "open"))
    day.add_argument("--hours", help="HH:MM-HH:MM for a short or open day")
    day.add_argument("--name", help="e.g. the holiday's name")
    day.add_argument("--every-year", action="store_true", help="repeat on this date each year")
    hours = command(calendar, "hours", cmd_calendar_hours, "set one weekday's open hours")
    hours.add_argument("code")
    hours.add_argument("weekday", help="mon…sun or 0…6")
    hours.add_argument("hours", nargs="*", help="HH:MM-HH:MM …; none: closed that day")
    command(calendar, "replan", cmd_calendar_replan, "re-plan the clocks of changed calendars")
