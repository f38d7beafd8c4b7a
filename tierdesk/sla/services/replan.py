"""Re-plan the running clocks of a calendar that changed.

A calendar's hours, days (a holiday added) or regions are data an admin edits; the clocks
that count on it store their `due_at` / `at_risk_at` so the sweep can compare them with
the time in SQL. A change therefore bumps the calendar's `revision` in the same
transaction (`calendar_changed`, from the admin, the calendar services and the CLI) and
queues `sla_replan_task` when it commits; the SLA sweep's periodic job re-plans every
such "dirty" calendar after it sweeps as well, so stored deadlines follow a change
within a minute even if the task went missing. Until a calendar is re-planned the sweep
leaves its clocks alone (`sweep._DIRTY`): no risk or breach fires for the old time.

The re-plan goes over the live (running and paused) clocks of one calendar in batches of
`TIERDESK_SLA_REPLAN_BATCH`, each its own transaction with a constant number of
statements whatever its size (`docs/performance.md`): the batch's clock ids, a lock on
their tickets (in id order, ticket before clock as the services lock them, so no
deadlock), the clocks locked, one UPDATE … FROM (VALUES …) of those whose plan moved, one
set-based update of their tickets' `next_deadline` / `sla_at_risk` / `sla_breached`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Subquery

from tierdesk.core.actor import SYSTEM
from tierdesk.sla import selectors
from tierdesk.sla.calendars import NoWorkingTime
from tierdesk.sla.models import Calendar, Clock, ClockState
from tierdesk.tickets.access import visible_tickets

log = logging.getLogger(__name__)

RUNNING, PAUSED = ClockState.RUNNING, ClockState.PAUSED
LIVE = (RUNNING, PAUSED)


def calendar_changed(*, calendar_id: int, now: datetime) -> None:
    """Record that a calendar (or its hours, days, regions) changed: bump its revision —
    the sweep leaves its clocks alone from now on — and queue the re-plan when the
    transaction commits. Call inside the transaction of the change."""
    Calendar.objects.filter(pk=calendar_id).update(revision=F("revision") + 1, updated_at=now)

    def enqueue() -> None:
        from tierdesk.sla.tasks import sla_replan_task

        try:
            sla_replan_task.enqueue()
        except Exception:  # the sweep's job re-plans dirty calendars anyway
            log.exception("could not queue the SLA re-plan; the next sweep does it")

    transaction.on_commit(enqueue)


# The new plans in one UPDATE … FROM (VALUES …): linear in the rows (Django's bulk_update
# writes CASE WHEN id = … per column, quadratic in the batch: 60 s instead of 18 s for
# 40,000 clocks in bench/sla_replan.py). SQLite binds at most 32,766 parameters: 5,000
# rows of six at a time.
_WRITE = """
WITH v (id, due_at, at_risk_at, at_risk, breached, cycle) AS (VALUES {rows})
UPDATE {clock} SET due_at = {ts}, at_risk_at = {risk_ts}, at_risk = {flag}, breached = {breach},
    cycle = {cycle}, updated_at = %s
FROM v WHERE {clock}.id = {id}
"""
_CASTS = {
    "postgresql": {
        "ts": "v.due_at::timestamptz",
        "risk_ts": "v.at_risk_at::timestamptz",
        "flag": "v.at_risk::boolean",
        "breach": "v.breached::boolean",
        "cycle": "v.cycle::integer",
        "id": "v.id::bigint",
    },
    "sqlite": {
        "ts": "v.due_at",
        "risk_ts": "v.at_risk_at",
        "flag": "v.at_risk",
        "breach": "v.breached",
        "cycle": "v.cycle",
        "id": "v.id",
    },
}
_WRITE_CHUNK = 5000


def _write_plans(clocks: list[Clock], now: datetime) -> None:
    ops = connection.ops
    casts = _CASTS.get(connection.vendor, _CASTS["sqlite"])
    stamp = ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for first in range(0, len(clocks), _WRITE_CHUNK):
            chunk = clocks[first : first + _WRITE_CHUNK]
            params: list = []
            for c in chunk:
                params += [c.pk, stamp(c.due_at), stamp(c.at_risk_at), c.at_risk, c.breached]
                params.append(c.cycle)
            sql = _WRITE.format(
                rows=", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk)),
                clock=ops.quote_name(Clock._meta.db_table),
                **casts,
            )
            cursor.execute(sql, [*params, stamp(now)])


def _ticket_flags(ticket_ids: list[int]) -> int:
    """One set-based update: the tickets' denormalised SLA fields from their running
    clocks, as `clocks._Book._refresh_ticket` computes them."""
    running = Clock.objects.filter(ticket=OuterRef("pk"), state=RUNNING)
    earliest = (
        running.filter(due_at__isnull=False)
        .order_by()
        .values("ticket")
        .annotate(first=Min("due_at"))
        .values("first")
    )
    return (
        visible_tickets(SYSTEM)
        .filter(pk__in=ticket_ids)
        .update(
            next_deadline=Subquery(earliest),
            sla_at_risk=Exists(running.filter(at_risk=True)),
            sla_breached=Exists(running.filter(breached=True)),
        )
    )


def _replan_batch(
    calendar: Calendar, *, after: int, now: datetime, batch: int
) -> tuple[int, int, int]:
    """Re-plan the next `batch` live clocks of `calendar` with ids above `after`.
    Returns (clocks looked at, clocks moved, last id); (0, 0, after) when none are left."""
    with transaction.atomic():
        rows = list(
            Clock.objects.filter(calendar_id=calendar.pk, state__in=LIVE, pk__gt=after)
            .order_by("pk")
            .values_list("pk", "ticket_id")[:batch]
        )
        if not rows:
            return 0, 0, after
        ticket_ids = sorted({ticket_id for _pk, ticket_id in rows})
        # Ticket first, then its clocks — the order every service locks them in.
        list(
            visible_tickets(SYSTEM)
            .filter(pk__in=ticket_ids)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        clocks = list(
            Clock.objects.filter(
                pk__in=[pk for pk, _ticket in rows], calendar_id=calendar.pk, state__in=LIVE
            ).select_for_update()
        )
        moved = []
        for clock in clocks:
            clock.calendar = calendar  # one value for the whole batch (hours, days loaded)
            try:
                plan = selectors.plan_of(clock, now)
            except NoWorkingTime:
                log.warning("calendar %s has no working time: clock %s kept", calendar.pk, clock.pk)
                continue
            if (plan.due_at, plan.at_risk_at) == (clock.due_at, clock.at_risk_at):
                continue
            # A new deadline is a new cycle: a risk or breach already announced for the old
            # time is withdrawn (the flag turns off) and may come again at the new one.
            clock.due_at, clock.at_risk_at = plan.due_at, plan.at_risk_at
            clock.at_risk = clock.at_risk and plan.at_risk
            clock.breached = clock.breached and plan.breached
            clock.cycle += 1
            clock.updated_at = now
            moved.append(clock)
        if moved:
            _write_plans(moved, now)
            _ticket_flags(sorted({c.ticket_id for c in moved}))
        return len(rows), len(moved), rows[-1][0]


def replan_calendar(*, calendar_id: int, now: datetime, batch: int | None = None) -> int:
    """Re-plan every live clock of one calendar on its current data; returns how many
    clocks' deadlines moved. Marks the calendar planned at the revision it read first, so
    a change made meanwhile leaves it dirty for the next run. Idempotent: a second run
    moves nothing."""
    batch = batch or settings.TIERDESK_SLA_REPLAN_BATCH
    revision = Calendar.objects.filter(pk=calendar_id).values_list("revision", flat=True).first()
    if revision is None:
        return 0
    # Read after the revision: a change committed in between is newer than `revision`,
    # so at worst this run plans on newer data and the calendar stays dirty.
    calendar = Calendar.objects.prefetch_related("hours", "days").get(pk=calendar_id)
    moved, after = 0, 0
    while True:
        count, changed, after = _replan_batch(calendar, after=after, now=now, batch=batch)
        moved += changed
        if count < batch:
            break
    Calendar.objects.filter(pk=calendar_id, planned_revision__lt=revision).update(
        planned_revision=revision
    )
    return moved


def replan_dirty(*, now: datetime, batch: int | None = None) -> dict[str, int]:
    """Re-plan every calendar changed since its last re-plan."""
    dirty = list(
        Calendar.objects.exclude(planned_revision=F("revision"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    clocks = 0
    for calendar_id in dirty:
        clocks += replan_calendar(calendar_id=calendar_id, now=now, batch=batch)
    return {"calendars": len(dirty), "clocks": clocks}
