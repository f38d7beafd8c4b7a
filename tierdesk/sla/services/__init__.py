"""Every SLA write: the clocks of a ticket as it moves and changes (`clocks`), the
sweep that marks them at risk and breached and announces it (`sweep`), calendar changes
(`calendars`) and the re-plan of the clocks a changed calendar affects (`replan`)."""

from tierdesk.sla.services.calendars import calendar_day_set, calendar_hours_set
from tierdesk.sla.services.clocks import (
    clocks_first_response_from,
    clocks_on_change,
    clocks_on_message,
    clocks_on_move,
)
from tierdesk.sla.services.replan import calendar_changed, replan_calendar, replan_dirty
from tierdesk.sla.services.sweep import (
    SweepResult,
    lag,
    notify_events,
    sweep,
    sweep_and_notify,
)

__all__ = [
    "SweepResult",
    "calendar_changed",
    "calendar_day_set",
    "calendar_hours_set",
    "clocks_first_response_from",
    "clocks_on_change",
    "clocks_on_message",
    "clocks_on_move",
    "lag",
    "notify_events",
    "replan_calendar",
    "replan_dirty",
    "sweep",
    "sweep_and_notify",
]
