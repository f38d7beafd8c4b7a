"""Benchmark the reports on PostgreSQL over a large ticket history.

    .venv/bin/python bench/reports.py                      # 100,000 tickets
    .venv/bin/python bench/reports.py --tickets 1000000 --repeat 3

Its own database (default `tierdesk_bench_reports` on the local PostgreSQL, created if
missing, migrated, refilled when the volume differs), never the application's. Tickets,
their events, handover attempts and resolution clocks are generated with set-based SQL
over eight weeks: every ticket is opened and taken at L1; 60 % are resolved there, the
rest handed over (one in four of those bounced back), taken at L2, and resolved there or
escalated to L3. The outer apps' rows follow (`generate_outcomes`, once per volume): a
rating for every third resolved ticket, one deflected report per five tickets, and one
problem per 50 escalated tickets linking them, half of them fixed. Each report is then
built for a support lead over the last four weeks (all partners), timed (median and
slowest of `--repeat`) with its statement count; the load average is printed before and
after (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sla_sweep import _insert_select, ensure_database, setup_django

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench_reports"
    )
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--only", default="", help="comma-separated report names (default: all)")
    return p.parse_args(argv)


# (kind, minutes after opening, from level, from status, to level, to status, which tickets)
EVENTS = [
    ("created", 0, "NULL", "''", 1, "new", "true"),
    ("taken", 30, 1, "'new'", 1, "in_progress", "true"),
    ("resolved", 120, 1, "'in_progress'", 1, "resolved", "g % 10 < 6"),
    ("handed_over", 60, 1, "'in_progress'", 2, "new", "g % 10 >= 6"),
    ("bounced", 120, 2, "'new'", 1, "in_progress", "g % 10 = 9"),
    ("taken", 180, 2, "'new'", 2, "in_progress", "g % 10 IN (6, 7, 8)"),
    ("resolved", 1440, 2, "'in_progress'", 2, "resolved", "g % 10 IN (6, 7)"),
    ("escalated", 1440, 2, "'in_progress'", 3, "new", "g % 10 = 8"),
]


def generate(n: int) -> None:
    from django.db import connection, transaction

    from tierdesk.accounts.models import Organisation
    from tierdesk.sla.models import Calendar, Clock
    from tierdesk.tickets.models import Handover, Ticket, TicketEvent

    t0 = time.perf_counter()
    now = f"'{NOW.isoformat()}'::timestamptz"
    opened = f"{now} - (g % 56 + 1) * interval '1 day' - (g % 1440) * interval '1 minute'"
    with transaction.atomic(), connection.cursor() as cur:
        for model in (TicketEvent, Handover, Clock, Ticket):
            cur.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        orgs = [
            Organisation.objects.get_or_create(
                name=f"Bench partner {i}", defaults={"kind": "partner"}
            )[0].pk
            for i in (1, 2)
        ]
        office = Calendar.objects.get(code="support-hours").pk
        status = (
            "CASE WHEN g % 10 IN (0, 1, 2, 3, 4, 5, 6, 7) THEN 'resolved' "
            "WHEN g % 10 = 8 THEN 'new' ELSE 'in_progress' END"
        )
        cur.execute(
            _insert_select(
                Ticket,
                {
                    "created_at": opened,
                    "updated_at": now,
                    "number": "1000000 + g",
                    "title": "'Bench ticket ' || g",
                    "partner_id": f"CASE WHEN g % 2 = 0 THEN {orgs[0]} ELSE {orgs[1]} END",
                    "description": "'Generated for the reports benchmark.'",
                    "priority": "'normal'",
                    "level": "CASE WHEN g % 10 = 8 THEN 3 WHEN g % 10 IN (6, 7) THEN 2 ELSE 1 END",
                    "status": status,
                    "version": "1",
                },
                f"generate_series(0, {n - 1}) AS g",
            )
        )
        source = f'"{Ticket._meta.db_table}" t, LATERAL (SELECT t.number - 1000000 AS g) s'
        for kind, minutes, fl, fs, tl, ts, where in EVENTS:
            at = f"t.created_at + {minutes} * interval '1 minute'"
            data = '\'{"cause": "credentials"}\'::jsonb' if kind == "resolved" else "'{}'::jsonb"
            cur.execute(
                _insert_select(
                    TicketEvent,
                    {
                        "ticket_id": "t.id",
                        "actor_role": "'l1_agent'",
                        "kind": f"'{kind}'",
                        "from_level": str(fl),
                        "from_status": fs,
                        "to_level": str(tl),
                        "to_status": f"'{ts}'",
                        "data": data,
                        "created_at": at,
                    },
                    f"{source} WHERE {where}",
                )
            )
        cur.execute(
            _insert_select(
                Handover,
                {
                    "created_at": "t.created_at + interval '1 hour'",
                    "updated_at": now,
                    "ticket_id": "t.id",
                    "attempt": "1",
                    "checklist": (
                        '\'{"items": [{"code": "logs", "ok": true}], '
                        '"recommendations": [{"code": "screenshots"}]}\'::jsonb'
                    ),
                    "outcome": "CASE WHEN g % 10 = 9 THEN 'bounced' ELSE 'accepted' END",
                    "bounced_items": (
                        "CASE WHEN g % 10 = 9 THEN '[\"logs\"]'::jsonb ELSE '[]'::jsonb END"
                    ),
                },
                f"{source} WHERE g % 10 >= 6",
            )
        )
        cur.execute(
            _insert_select(
                Clock,
                {
                    "updated_at": now,
                    "ticket_id": "t.id",
                    "kind": "'resolution'",
                    "calendar_id": str(office),
                    "target": "interval '18 hours'",
                    "start": "t.created_at",
                    "pauses": "'[]'::jsonb",
                    "used_before": "interval '0'",
                    "paused_before": "interval '0'",
                    "state": "'stopped'",
                    "stopped_at": "t.created_at + interval '2 hours'",
                    "met": "g % 20 <> 0",
                    "cycle": "1",
                },
                f"{source} WHERE t.status = 'resolved'",
            )
        )
    with connection.cursor() as cur:
        for model in (Ticket, TicketEvent, Handover, Clock):
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    print(f"generated {n:,} tickets in {time.perf_counter() - t0:.1f} s")


def generate_outcomes(n: int) -> None:
    """Ratings, deflections and problems over the generated tickets (set-based SQL)."""
    from django.db import connection, transaction

    from tierdesk.accounts.models import Organisation, User
    from tierdesk.problems.models import Problem, ProblemEvent, ProblemTicket
    from tierdesk.satisfaction.models import Rating
    from tierdesk.tickets.models import Ticket
    from tierdesk.triage.models import Deflection

    t0 = time.perf_counter()
    now = f"'{NOW.isoformat()}'::timestamptz"
    source = f'"{Ticket._meta.db_table}" t, LATERAL (SELECT t.number - 1000000 AS g) s'
    with transaction.atomic(), connection.cursor() as cur:
        for model in (Rating, Deflection, ProblemEvent, ProblemTicket, Problem):
            cur.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        agents = [
            User.objects.get_or_create(email=f"bench-agent-{i}@example.test")[0].pk
            for i in range(4)
        ]
        customer = User.objects.get_or_create(email="bench-customer@example.test")[0].pk
        orgs = list(
            Organisation.objects.filter(name__startswith="Bench partner")
            .order_by("name")
            .values_list("pk", flat=True)
        )
        resolved = (
            "t.created_at + CASE WHEN g % 10 < 6 THEN interval '2 hours' ELSE interval '1 day' END"
        )
        agent = f"(ARRAY[{', '.join(map(str, agents))}])[g % 4 + 1]"
        cur.execute(
            _insert_select(
                Rating,
                {
                    "ticket_id": "t.id",
                    "resolved_at": resolved,
                    "customer_id": str(customer),
                    "score": "1 + g % 5",
                    "comment": "''",
                    "level": "CASE WHEN g % 10 < 6 THEN 1 ELSE 2 END",
                    "partner_id": "t.partner_id",
                    "agent_id": agent,
                    "created_at": f"{resolved} + interval '1 hour'",
                },
                f"{source} WHERE g % 10 < 8 AND g % 3 = 0",
            )
        )
        cur.execute(
            _insert_select(
                Deflection,
                {
                    "partner_id": f"(ARRAY[{orgs[0]}, {orgs[1]}])[g % 2 + 1]",
                    "customer_id": str(customer),
                    "cause": "(ARRAY['dns', 'credentials', 'quota', ''])[g % 4 + 1]",
                    "created_at": (
                        f"{now} - (g % 56 + 1) * interval '1 day' "
                        "- (g % 1440) * interval '1 minute'"
                    ),
                },
                f"generate_series(0, {n // 5 - 1}) AS g",
            )
        )
        problems = max(1, n // 500)
        opened = f"{now} - (g % 56 + 1) * interval '1 day'"
        cur.execute(
            _insert_select(
                Problem,
                {
                    "created_at": opened,
                    "updated_at": now,
                    "title": "'Bench problem ' || g",
                    "public_summary": "'Generated for the reports benchmark.'",
                    "components": "'[]'::jsonb",
                    "flow_ids": "'[]'::jsonb",
                    "status": "CASE WHEN g % 2 = 0 THEN 'fix_delivered' ELSE 'investigating' END",
                    "version": "1",
                },
                f"generate_series(0, {problems - 1}) AS g",
            )
        )
        table = f'"{Problem._meta.db_table}"'
        cur.execute(f"SELECT MIN(id) FROM {table}")
        (first,) = cur.fetchone()
        p_source = f"{table} p, LATERAL (SELECT p.id - {first} AS g) s"
        for kind, status, after, where in (
            ("created", "investigating", "interval '0'", "true"),
            ("fix_delivered", "fix_delivered", "(g % 10 + 1) * interval '1 day'", "g % 2 = 0"),
        ):
            cur.execute(
                _insert_select(
                    ProblemEvent,
                    {
                        "problem_id": "p.id",
                        "actor_role": "'l3_engineer'",
                        "kind": f"'{kind}'",
                        "to_status": f"'{status}'",
                        "data": "'{}'::jsonb",
                        "created_at": f"p.created_at + {after}",
                    },
                    f"{p_source} WHERE {where}",
                )
            )
        cur.execute(
            _insert_select(
                ProblemTicket,
                {
                    "created_at": "t.created_at + interval '1 day'",
                    "updated_at": now,
                    "problem_id": f"{first} + (g / 10) % {problems}",
                    "ticket_id": "t.id",
                },
                f"{source} WHERE g % 10 = 8",
            )
        )
    with connection.cursor() as cur:
        for model in (Rating, Deflection, Problem, ProblemEvent, ProblemTicket):
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    print(f"generated ratings, deflections and problems in {time.perf_counter() - t0:.1f} s")


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def run(args: argparse.Namespace) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tierdesk.core.actor import Actor
    from tierdesk.reports.access import report_scope
    from tierdesk.reports.catalogue import REPORTS
    from tierdesk.reports.sql import Period
    from tierdesk.tickets.access import visible_tickets

    lead = Actor(user=None, role="support_lead", org_id=None, org_kind="vendor")
    from tierdesk.satisfaction.models import Rating

    fresh = args.regenerate or visible_tickets(lead).count() != args.tickets
    if fresh:
        generate(args.tickets)
    if fresh or not Rating.objects.exists():
        generate_outcomes(args.tickets)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM tickets_ticketevent")
        (events,) = cur.fetchone()
    period = Period(date(2026, 11, 4), date(2026, 12, 1))
    print(
        f"{args.tickets:,} tickets, {events:,} events; PostgreSQL "
        f"{connection.cursor().connection.info.server_version}; period {period.start} to "
        f"{period.end} ({period.days} days), all partners, {args.repeat} runs\n"
    )
    print(f"before: {load()}\n")
    print("| report | statements | median | slowest |")
    print("|---|---:|---:|---:|")
    scope = report_scope(lead)
    only = [n for n in args.only.split(",") if n]
    for name, report in REPORTS.items():
        if only and name not in only:
            continue
        times, queries = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                report.build(scope, period)
                times.append(time.perf_counter() - start)
            queries = len(captured)
        print(
            f"| {name} | {queries} | {statistics.median(times) * 1000:.0f} ms | "
            f"{max(times) * 1000:.0f} ms |",
            flush=True,
        )
    print(f"\nafter: {load()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
