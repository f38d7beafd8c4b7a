"""The SLA sweep on the task worker.

The beat (`tierdesk.core.periodic`, job `sla.sweep`) enqueues it every
`TIERDESK_SLA_SWEEP_SECONDS` (60), once per interval however many workers run; the sweep
itself is idempotent and safe to run twice at once. After it sweeps, it re-plans the
clocks of calendars that changed (`sla_replan_task` does only that, queued by the change).
"""

from __future__ import annotations

from django_tasks import task

from tierdesk.core import clock
from tierdesk.sla import services


@task()
def sla_sweep_task() -> dict[str, int]:
    """Mark clocks at risk and breached (batch after batch while whole batches turn),
    record their events, flag their tickets, announce the events to webhooks."""
    return services.sweep_and_notify(now=clock.now())


@task()
def sla_replan_task() -> dict[str, int]:
    """Re-plan the running clocks of every calendar that changed (queued by the change;
    the sweep's job does the same every minute, so a lost task costs a minute)."""
    return services.replan_dirty(now=clock.now())
