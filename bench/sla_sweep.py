"""Benchmark the SLA sweep on PostgreSQL over a realistic volume of open tickets.

    .venv/bin/python bench/sla_sweep.py                      # 100,000 open + 100,000 closed
    .venv/bin/python bench/sla_sweep.py --open 1000000 --closed 0 --repeat 3

It works in its own database (default `tierdesk_bench` on the local PostgreSQL, created
if missing, migrated, and refilled when the volume differs), never in the application's.
Tickets, clocks and the SLA event history are generated with set-based SQL
(`generate_series`), shaped as the services leave them: every open ticket has a resolution
clock (paused while waiting on the customer), new tickets a first-response clock of their
level, some a next-response clock, half a needed_by clock; closed tickets' clocks are
stopped. Due times spread from ten days ago to twenty days ahead.

Each scenario resets the clocks that turn inside its window (as if the sweep had last run
`window` ago), vacuums, then times one `sla.services.sweep()` — the whole call: both
marking statements, their events and the tickets' flags, each in its committed
transaction, at most `TIERDESK_SLA_SWEEP_BATCH` clocks per mark — and reports the median
and the slowest of `--repeat` runs. The largest backlog is then worked off sweep after
sweep, as the periodic job does, and `notify_events` (webhook outbox rows, 1000 per call)
is timed once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = "interval '1 day'"
WINDOWS = [
    ("idle (nothing turned)", timedelta(0)),
    ("steady: last sweep 1 min ago", timedelta(minutes=1)),
    ("worker down 1 hour", timedelta(hours=1)),
    ("worker down 1 day", timedelta(days=1)),
    ("worker down 10 days (every overdue clock)", timedelta(days=10)),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench")
    p.add_argument("--open", type=int, default=100_000, help="open tickets")
    p.add_argument("--closed", type=int, default=100_000, help="closed tickets (stopped clocks)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--regenerate", action="store_true", help="drop and regenerate the data")
    return p.parse_args(argv)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------
def _insert_select(model, values: dict[str, str], source: str) -> str:
    """INSERT INTO <model> (every column) SELECT … FROM <source>: the given SQL expressions,
    '' / false / NULL for the rest (Django keeps defaults in Python, not in the table)."""
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.column in values:
            exprs.append(values[field.column])
        elif field.null:
            exprs.append("NULL")
        elif field.get_internal_type() == "BooleanField":
            exprs.append("false")
        elif field.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
            exprs.append("''")
        else:
            raise ValueError(f"{model.__name__}.{field.column} needs a value")
    return (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(exprs)} FROM {source}"
    )


def generate(open_n: int, closed_n: int) -> None:
    from django.db import connection, transaction

    from tierdesk.accounts.models import Organisation
    from tierdesk.sla.models import Calendar, Clock, Policy, SlaEvent
    from tierdesk.tickets.models import Ticket

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for model in (SlaEvent, Clock, Ticket):
            cur.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        org, _ = Organisation.objects.get_or_create(
            name="Bench partner", defaults={"kind": "partner", "display_name": "Bench"}
        )
        office = Calendar.objects.get(code="support-hours").pk
        policy = Policy.objects.get(plan="standard", priority="normal", incident=False).pk
        now = f"'{NOW.isoformat()}'::timestamptz"
        total = open_n + closed_n
        # g < open_n: open; status by g % 10: 0–2 new@L1, 3 new@L2, 4–7 in progress, 8–9
        # waiting on the customer. The rest closed.
        status = (
            f"CASE WHEN g >= {open_n} THEN 'closed' WHEN g % 10 < 4 THEN 'new' "
            "WHEN g % 10 < 8 THEN 'in_progress' ELSE 'waiting_on_customer' END"
        )
        cur.execute(
            _insert_select(
                Ticket,
                {
                    "created_at": f"{now} - (g % 30 + 1) * interval '1 day'",
                    "updated_at": now,
                    "number": "100000 + g",
                    "title": "'Bench ticket ' || g",
                    "partner_id": str(org.pk),
                    "description": "'Generated for the SLA sweep benchmark.'",
                    "priority": "'normal'",
                    "level": "CASE WHEN g % 10 = 3 THEN 2 ELSE 1 END",
                    "status": status,
                    "version": "1",
                    "needed_by": (
                        f"CASE WHEN g % 2 = 0 THEN {now} + (g % 480 - 120) * interval '1 hour' END"
                    ),
                },
                f"generate_series(0, {total - 1}) AS g",
            )
        )
        # Clocks: (kind, level expression, which tickets, state expression).
        tickets = f'"{Ticket._meta.db_table}"'
        running = "CASE WHEN t.status = 'closed' THEN 'stopped' ELSE 'running' END"
        specs = [
            (
                "resolution",
                "NULL",
                "true",
                "CASE WHEN t.status = 'closed' THEN 'stopped' "
                "WHEN t.status = 'waiting_on_customer' THEN 'paused' ELSE 'running' END",
            ),
            ("first_response", "t.level", "t.status = 'new'", "'running'"),
            ("next_response", "t.level", "t.status = 'in_progress' AND t.id % 4 = 0", "'running'"),
            ("needed_by", "NULL", "t.needed_by IS NOT NULL", running),
        ]
        # Due times spread over [now − 10 days, now + 20 days] by a hash of (ticket, kind).
        spread = "(((t.id * 7919 + {salt}) % 43200) - 14400) * interval '1 minute'"
        for salt, (kind, level, where, state) in enumerate(specs):
            paused = f"t.status = 'waiting_on_customer' AND '{kind}' = 'resolution'"
            due = f"{now} + {spread.format(salt=salt * 104729)}"
            cur.execute(
                _insert_select(
                    Clock,
                    {
                        "updated_at": now,
                        "ticket_id": "t.id",
                        "kind": f"'{kind}'",
                        "level": level,
                        "policy_id": "NULL" if kind == "needed_by" else str(policy),
                        "calendar_id": str(office),
                        "target": "interval '18 hours'",
                        "start": "t.created_at",
                        "pauses": "'[]'::jsonb",
                        "used_before": "interval '0'",
                        "paused_before": "interval '0'",
                        "state": state,
                        "stopped_at": f"CASE WHEN t.status = 'closed' THEN {now} - {DAY} END",
                        "due_at": f"CASE WHEN {paused} THEN NULL ELSE {due} END",
                        "at_risk_at": (
                            f"CASE WHEN {paused} THEN NULL "
                            f"ELSE {due} - (1 + t.id % 12) * interval '1 hour' END"
                        ),
                        "cycle": "1",
                    },
                    f"{tickets} AS t WHERE {where}",
                )
            )
    settle()
    with connection.cursor() as cur:
        for model in (Ticket, Clock, SlaEvent):
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    print(
        f"generated {open_n:,} open + {closed_n:,} closed tickets in "
        f"{time.perf_counter() - t0:.1f} s"
    )


def settle() -> None:
    """The steady state: everything that turned before NOW was marked by earlier sweeps,
    with its events recorded and announced, and the tickets' flags set."""
    from django.db import connection, transaction

    from tierdesk.sla.models import Clock, SlaEvent
    from tierdesk.tickets.models import Ticket

    now = f"'{NOW.isoformat()}'::timestamptz"
    clocks, events = f'"{Clock._meta.db_table}"', f'"{SlaEvent._meta.db_table}"'
    tickets = f'"{Ticket._meta.db_table}"'
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {events} WHERE created_at > {now}")
        cur.execute(
            f"UPDATE {clocks} SET at_risk = (at_risk_at <= {now}), breached = (due_at < {now}) "
            "WHERE state = 'running' AND (at_risk IS DISTINCT FROM (at_risk_at <= "
            f"{now}) OR breached IS DISTINCT FROM (due_at < {now}))"
        )
        for kind, flag, moment in (
            ("at_risk", "at_risk", "at_risk_at"),
            ("breached", "breached", "due_at"),
        ):
            cur.execute(
                f"INSERT INTO {events} (ticket_id, clock_id, cycle, kind, clock_kind, level, "
                "due_at, assignee_id, created_at, notified_at) "
                f"SELECT ticket_id, id, cycle, '{kind}', kind, level, due_at, NULL, "
                f"{moment}, {now} FROM {clocks} WHERE state = 'running' AND {flag} "
                "ON CONFLICT DO NOTHING"
            )
        cur.execute(
            f"UPDATE {tickets} AS t SET next_deadline = c.due, sla_at_risk = c.r, "
            "sla_breached = c.b FROM (SELECT ticket_id, min(due_at) AS due, bool_or(at_risk) "
            f"AS r, bool_or(breached) AS b FROM {clocks} WHERE state = 'running' "
            "GROUP BY ticket_id) AS c WHERE c.ticket_id = t.id AND (t.next_deadline IS "
            "DISTINCT FROM c.due OR t.sla_at_risk <> c.r OR t.sla_breached <> c.b)"
        )


def counts() -> dict[str, int]:
    from tierdesk.sla.models import Clock, SlaEvent
    from tierdesk.tickets.models import Ticket

    return {
        "open tickets": Ticket._default_manager.exclude(status="closed").count(),
        "tickets": Ticket._default_manager.count(),
        "clocks": Clock.objects.count(),
        "running clocks": Clock.objects.filter(state="running").count(),
        "sla events": SlaEvent.objects.count(),
    }


def rewind(window: timedelta) -> None:
    """Undo what the sweep marked since `NOW - window` (as if it had last run then)."""
    from django.db import connection

    from tierdesk.sla.models import Clock, SlaEvent
    from tierdesk.tickets.models import Ticket

    since = NOW - window
    clocks, events = f'"{Clock._meta.db_table}"', f'"{SlaEvent._meta.db_table}"'
    tickets = f'"{Ticket._meta.db_table}"'
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {events} WHERE created_at > %s", [NOW])
        cur.execute(
            f"UPDATE {clocks} SET breached = false "
            "WHERE state = 'running' AND breached AND due_at >= %s",
            [since],
        )
        cur.execute(
            f"UPDATE {clocks} SET at_risk = false "
            "WHERE state = 'running' AND at_risk AND at_risk_at >= %s",
            [since],
        )
        # … and the events of those marks
        cur.execute(
            f"DELETE FROM {events} AS e USING {clocks} AS c WHERE e.clock_id = c.id "
            "AND e.cycle = c.cycle AND ((e.kind = 'breached' AND NOT c.breached) "
            "OR (e.kind = 'at_risk' AND NOT c.at_risk))"
        )
        cur.execute(
            f"UPDATE {tickets} AS t SET sla_at_risk = c.r, sla_breached = c.b FROM "
            f"(SELECT ticket_id, bool_or(at_risk) AS r, bool_or(breached) AS b FROM {clocks} "
            "WHERE state = 'running' GROUP BY ticket_id) AS c "
            "WHERE c.ticket_id = t.id AND (t.sla_at_risk <> c.r OR t.sla_breached <> c.b)"
        )
        for table in (clocks, events, tickets):
            cur.execute(f"VACUUM ANALYZE {table}")


def run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tierdesk.sla import services

    have = counts()
    if (
        args.regenerate
        or have["open tickets"] != args.open
        or (have["tickets"] != args.open + args.closed)
    ):
        generate(args.open, args.closed)
    settle()
    have = counts()
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in have.items()))
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"sweep at {NOW.isoformat()}, {args.repeat} runs per scenario\n"
    )
    print("| scenario | clocks turned | tickets flagged | queries | median | slowest |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, window in WINDOWS:
        times, result, queries = [], None, 0
        for _ in range(args.repeat):
            settle()
            rewind(window)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                result = services.sweep(now=NOW + timedelta(seconds=1))
                times.append(time.perf_counter() - start)
            queries = len(captured)
            with connection.cursor() as cur:  # the next run starts unannounced-free
                cur.execute(
                    'UPDATE "sla_slaevent" SET notified_at = %s WHERE notified_at IS NULL', [NOW]
                )
        turned = result.breached + result.at_risk
        print(
            f"| {label} | {turned:,} | {result.tickets:,} | {queries} | "
            f"{statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |"
        )
    # The largest backlog worked off as the periodic job does: sweep after sweep.
    settle()
    rewind(WINDOWS[-1][1])
    start, rounds, turned, more = time.perf_counter(), 0, 0, True
    while more:
        result = services.sweep(now=NOW + timedelta(seconds=1))
        rounds, turned, more = rounds + 1, turned + result.breached + result.at_risk, result.more
    elapsed = time.perf_counter() - start
    print(
        f"\nbacklog of {WINDOWS[-1][0]}: {turned:,} clocks in {rounds} sweeps "
        f"(batch {settings.TIERDESK_SLA_SWEEP_BATCH:,}), {elapsed:.1f} s in all"
    )
    # Announcing: 1000 of those events per call.
    start = time.perf_counter()
    sent = services.notify_events(now=NOW + timedelta(seconds=2), limit=1000)
    elapsed = time.perf_counter() - start
    print(
        f"notify_events: {sent} webhook outbox rows in {elapsed * 1000:.0f} ms "
        f"({sent / elapsed:.0f}/s)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
