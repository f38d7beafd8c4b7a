"""Time reported with a piece of work: the surfaces that ask for it (the console's forms,
the API's bodies, bulk work) open `reporting(minutes)` around the service call; the
services publish `bus.Worked` for each reply, internal note or move a staff member makes
while a report is open, and the time app listens (it logs the minutes, and refuses the
work when the person's organisation requires minutes and none were given).

Outside a report (mail intake, chat, automations, the rota, problem loops, the demo)
nothing is published: those surfaces have no place to ask for minutes, so no
requirement applies to them. The report is a context variable, so it follows the call
into the service without every service taking a `minutes` argument it does not use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    minutes: int | None


_current: ContextVar[Report | None] = ContextVar("tierdesk_worklog", default=None)


@contextmanager
def reporting(minutes: int | None) -> Iterator[Report]:
    """Work done inside the block reports `minutes` (None: the person gave none)."""
    report = Report(minutes=minutes)
    token = _current.set(report)
    try:
        yield report
    finally:
        _current.reset(token)


def current() -> Report | None:
    """The open report, or None when the surface asked for no minutes."""
    return _current.get()
