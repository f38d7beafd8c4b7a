"""The sweep: running clocks whose risk moment or deadline has come are marked, each
with one SLA event, their tickets flagged, and the events announced to webhooks.

The clocks never turn their own flags on (`services.clocks`): this is the one place they
turn, so every turn comes with exactly one event and one announcement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from tierdesk.core.actor import SYSTEM
from tierdesk.sla.models import Calendar, Clock, ClockState, SlaEvent, SlaEventKind
from tierdesk.sla.services.replan import replan_dirty
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Ticket

RUNNING = ClockState.RUNNING
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    breached: int
    at_risk: int
    tickets: int
    more: bool = False  # a whole batch was marked: there may be more to mark now


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "clock": q(Clock._meta.db_table),
        "event": q(SlaEvent._meta.db_table),
        "ticket": q(Ticket._meta.db_table),
        "calendar": q(Calendar._meta.db_table),
    }


# A calendar changed and not yet re-planned (`replan`): its clocks' stored deadlines may
# be the old ones, so none of them turns until the re-plan has moved them. The calendar
# table is a handful of rows; the clocks are still found through the partial indexes.
_DIRTY = "{prefix}calendar_id NOT IN (SELECT id FROM {calendar} WHERE revision <> planned_revision)"

_EVENT_COLUMNS = (
    "ticket_id, clock_id, cycle, kind, clock_kind, level, due_at, assignee_id, created_at"
)

# PostgreSQL: one statement per mark; rows a service holds locked are left for the next
# sweep (SKIP LOCKED), so the sweep never waits on, or deadlocks with, a user's request.
# That includes the ticket: the event rows reference it, and their foreign key check at
# COMMIT takes a KEY SHARE lock on it, which a service's `SELECT … FOR UPDATE` of the
# ticket blocks — while that service waits for the clock rows the sweep holds (found by
# the topology test: two sweeps beside ticket moves, tests/test_topology.py). So the
# sweep takes that lock up front, skipping the tickets a service holds.
# The planner cannot know that the partial index holds only the few clocks about to turn
# (it multiplies the selectivities of `due_at < now` and `NOT breached`, which are anything
# but independent) and would hash-join whole tables; `= ANY(ARRAY(…))` and the scalar
# subquery keep every step an index look-up per marked clock.
_PG_MARK = """
WITH hit AS (
    SELECT c.id FROM {clock} AS c JOIN {ticket} AS t ON t.id = c.ticket_id
    WHERE c.state = 'running' AND c.{flag} = false AND c.{column} {op} %(now)s {also}
        AND {dirty_c}
    ORDER BY c.{column} LIMIT %(batch)s
    FOR UPDATE OF c SKIP LOCKED FOR KEY SHARE OF t SKIP LOCKED
), marked AS (
    UPDATE {clock} AS c SET {sets} WHERE c.id = ANY(ARRAY(SELECT id FROM hit))
    RETURNING c.id, c.ticket_id, c.cycle, c.kind, c.level, c.due_at
)
INSERT INTO {event} ({columns})
SELECT m.ticket_id, m.id, m.cycle, %(kind)s, m.kind, m.level, m.due_at,
    (SELECT t.assignee_id FROM {ticket} AS t WHERE t.id = m.ticket_id), %(now)s
FROM marked AS m
ON CONFLICT DO NOTHING
"""
# Elsewhere (SQLite: one writer at a time, the transaction holds the write lock): the
# same in two statements over the same condition, order and limit.
_INSERT = """
INSERT INTO {event} ({columns})
SELECT c.ticket_id, c.id, c.cycle, %s, c.kind, c.level, c.due_at, t.assignee_id, %s
FROM {clock} AS c JOIN {ticket} AS t ON t.id = c.ticket_id
WHERE c.state = 'running' AND c.{flag} = %s AND c.{column} {op} %s {also_c}
    AND {dirty_c}
ORDER BY c.{column}, c.id LIMIT %s
ON CONFLICT DO NOTHING
"""
_UPDATE = """
UPDATE {clock} SET {sets} WHERE id IN (
    SELECT id FROM {clock} WHERE state = 'running' AND {flag} = %s AND {column} {op} %s {also}
        AND {dirty}
    ORDER BY {column}, id LIMIT %s
)
"""


def _mark(
    cursor, *, kind: str, flag: str, column: str, op: str, sets: str, now, batch, not_due=False
) -> int:
    tables = _tables()
    names = {
        **tables,
        "columns": _EVENT_COLUMNS,
        "dirty": _DIRTY.format(prefix="", calendar=tables["calendar"]),
        "dirty_c": _DIRTY.format(prefix="c.", calendar=tables["calendar"]),
    }
    shape = {"flag": flag, "column": column, "op": op}
    if connection.vendor == "postgresql":
        also = "AND c.due_at >= %(now)s" if not_due else ""
        sql = _PG_MARK.format(**names, **shape, also=also, sets=sets.replace("%s", "true"))
        cursor.execute(sql, {"now": now, "kind": kind, "batch": batch})
        return cursor.rowcount
    stamp = connection.ops.adapt_datetimefield_value(now)
    extra = [stamp] if not_due else []
    also, also_c = ("AND due_at >= %s", "AND c.due_at >= %s") if not_due else ("", "")
    cursor.execute(
        _INSERT.format(**names, **shape, also_c=also_c),
        [kind, stamp, False, stamp, *extra, batch],
    )
    inserted = cursor.rowcount
    cursor.execute(
        _UPDATE.format(**names, **shape, also=also, sets=sets),
        [True] * sets.count("%s") + [False, stamp, *extra, batch],
    )
    return inserted


def sweep(*, now: datetime, batch: int | None = None) -> SweepResult:
    """Mark running clocks breached (due passed) and at risk (risk moment reached),
    record one SLA event per clock, cycle and kind, and set the flags of those tickets.

    Idempotent, safe to run concurrently, and a constant number of statements whatever
    the number of tickets (set-based SQL; the partial indexes on `due_at` / `at_risk_at`
    hold only the clocks still to turn). At most `batch` clocks of each kind of mark per
    call, oldest first (`TIERDESK_SLA_SWEEP_BATCH`): a backlog — the worker was down —
    is worked off in bounded transactions. Webhooks go out in `notify_events`."""
    batch = batch or settings.TIERDESK_SLA_SWEEP_BATCH
    with transaction.atomic(), connection.cursor() as cursor:
        breached = _mark(
            cursor,
            kind=SlaEventKind.BREACHED,
            flag="breached",
            column="due_at",
            op="<",
            sets="breached = %s, at_risk = %s",
            now=now,
            batch=batch,
        )
        at_risk = _mark(
            cursor,
            kind=SlaEventKind.AT_RISK,
            flag="at_risk",
            column="at_risk_at",
            op="<=",
            sets="at_risk = %s",
            now=now,
            batch=batch,
            # An overdue clock a full batch left unmarked is the breach pass's: one event.
            not_due=True,
        )
    with transaction.atomic():
        running = Clock.objects.filter(ticket=OuterRef("pk"), state=RUNNING)
        pending = SlaEvent.objects.filter(notified_at__isnull=True).values("ticket_id")
        # Locked in one order first: two sweeps at once then queue instead of each
        # holding a ticket the other one waits for (an UPDATE locks in any order).
        flagged = list(
            visible_tickets(SYSTEM)
            .filter(pk__in=pending)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        tickets = (
            visible_tickets(SYSTEM)
            .filter(pk__in=flagged)
            .update(
                sla_at_risk=Exists(running.filter(at_risk=True)),
                sla_breached=Exists(running.filter(breached=True)),
            )
        )
    return SweepResult(
        breached=breached, at_risk=at_risk, tickets=tickets, more=max(breached, at_risk) >= batch
    )


WEBHOOK_OF = {SlaEventKind.AT_RISK: "sla.at_risk", SlaEventKind.BREACHED: "sla.breached"}


def _payload(event: SlaEvent) -> dict:
    ticket = event.ticket
    return {
        "sla": {
            "event": event.kind,
            "clock": event.clock_kind,
            "level": event.level,
            "due_at": event.due_at.astimezone(UTC).isoformat() if event.due_at else None,
            "cycle": event.cycle,
            "next_deadline": (
                ticket.next_deadline.astimezone(UTC).isoformat() if ticket.next_deadline else None
            ),
        },
        # Who should act: the assignee, or else the intake queue of the ticket's level.
        "notify": (
            {"assignee": ticket.assignee.email}
            if ticket.assignee_id
            else {"queue": f"L{ticket.level}"}
        ),
    }


def _emit(rows: list[tuple[str, Ticket, dict]], now: datetime) -> None:
    """The one place SLA events leave for webhooks (`notify.outbox`)."""
    from tierdesk.notify import outbox

    emit_many = getattr(outbox, "emit_many", None)
    if emit_many is not None:
        emit_many(rows, now)
        return
    for name, ticket, data in rows:
        outbox.emit(name, ticket, data, now)


NOTIFY_BATCH = 1000


def notify_events(*, now: datetime, limit: int = NOTIFY_BATCH) -> int:
    """Announce recorded SLA events that are not announced yet (`sla.at_risk`,
    `sla.breached`), oldest first, at most `limit`; marks them in the same transaction
    as the outbox rows, so each goes out exactly once — also when two workers announce at
    the same moment: each takes the events it locks and skips those the other holds (the
    topology test saw them announced twice before)."""
    with transaction.atomic():
        events = list(
            SlaEvent.objects.filter(notified_at__isnull=True)
            .select_related("ticket__partner", "ticket__assignee")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("created_at", "pk")[:limit]
        )
        if not events:
            return 0
        _emit([(WEBHOOK_OF[e.kind], e.ticket, _payload(e)) for e in events], now)
        SlaEvent.objects.filter(pk__in=[e.pk for e in events]).update(notified_at=now)
    return len(events)


def sweep_and_notify(*, now: datetime, rounds: int = 10) -> dict[str, int]:
    """The periodic job: sweep (again while whole batches turn, at most `rounds` times),
    announce, then re-plan the clocks of calendars that changed (if the task the change
    queued has not done it yet). Re-planning last keeps a long re-plan of a big calendar
    from delaying the marks of every other; the sweep skips the changed calendars' clocks
    until they are re-planned."""
    totals = {"breached": 0, "at_risk": 0, "tickets": 0, "rounds": 0, "replanned": 0}
    for _ in range(rounds):
        result = sweep(now=now)
        totals["breached"] += result.breached
        totals["at_risk"] += result.at_risk
        totals["tickets"] += result.tickets
        totals["rounds"] += 1
        if not result.more:
            break
    sent = 0
    while True:
        batch = notify_events(now=now)
        sent += batch
        if batch < NOTIFY_BATCH or sent >= rounds * NOTIFY_BATCH:
            break
    try:
        totals["replanned"] = replan_dirty(now=now)["clocks"]
    except Exception:  # logged; the calendar stays dirty and is tried again next minute
        log.exception("re-planning changed calendars failed")
    return {**totals, "notified": sent}


def lag(now: datetime) -> timedelta | None:
    """How late the oldest unannounced SLA event is (for health checks)."""
    oldest = (
        SlaEvent.objects.filter(notified_at__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return now - oldest if oldest else None
