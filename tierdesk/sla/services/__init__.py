"""Every SLA write: the clocks of a ticket as it moves and changes (`clocks`), and the
sweep that marks them at risk and breached and announces it (`sweep`)."""

from tierdesk.sla.services.clocks import clocks_on_change, clocks_on_message, clocks_on_move
from tierdesk.sla.services.sweep import (
    SweepResult,
    lag,
    notify_events,
    sweep,
    sweep_and_notify,
)

__all__ = [
    "SweepResult",
    "clocks_on_change",
    "clocks_on_message",
    "clocks_on_move",
    "lag",
    "notify_events",
    "sweep",
    "sweep_and_notify",
]
