# ruff: noqa: S608  (table names are constants and model tables, never input)
"""Realistic volumes for benchmarks: `tierdesk bench-load --tickets N` (PostgreSQL, COPY).

Partners with contracts on every support plan, workspaces and flows; customers, L1
agents, a partner admin per partner; the vendor's L2 agents, leads and L3 engineers.
Tickets over two years (`story.py`): OPEN_SHARE of them open over every level and open
status (most among the newest), the rest resolved or closed at the level that solved
them, with their steps as events, handover attempts (some bounced), messages and notes,
SLA clocks (running, paused or stopped; the overdue ones marked with their SLA events,
as the sweep leaves them), log attachments with their parsed lines, text with log
excerpts, and search documents (`history.py`). Deterministic for a given size and seed.

Only into an empty PostgreSQL database or one it filled before (`guard.py`): it empties
the tables it fills. The people who sign in (`people.email(role, 1…)`) have the password
`people.PASSWORD`; everyone else has none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

CHUNK = 10_000
SEED = 14


@dataclass
class Summary:
    tickets: int
    seconds: float
    people: int = 0
    partners: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    copy_seconds: dict[str, float] = field(default_factory=dict)  # per table

    def lines(self) -> list[str]:
        rate = self.tickets / self.seconds if self.seconds else 0
        total = sum(self.rows.values())
        out = [
            f"{self.tickets:,} tickets in {self.seconds:.1f} s ({rate:,.0f} tickets/s, "
            f"{total:,} rows; {self.partners} partners, {self.people:,} people)"
        ]
        out += [
            f"  {table:<32} {count:>12,} rows {self.copy_seconds.get(table, 0):8.1f} s COPY"
            for table, count in sorted(self.rows.items())
        ]
        return out


def _empty() -> None:
    from django.db import connection

    from tierdesk.core.models import Sequence

    roots = ["accounts_organisation", "accounts_user", "directory_contract", "tickets_ticket"]
    with connection.cursor() as cur:
        # Rows written earlier in the same transaction (a caller's: a test) leave deferred
        # foreign-key checks pending, and PostgreSQL truncates no table with pending ones.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("TRUNCATE " + ", ".join(roots) + " RESTART IDENTITY CASCADE")
        cur.execute("DELETE FROM django_session")
        cur.execute('DELETE FROM "' + Sequence._meta.db_table + '" WHERE name = %s', ["ticket"])


def _sla(tag: str):
    from tierdesk.benchdata.history import Sla
    from tierdesk.sla.models import Calendar, Policy

    policies = {
        (p.plan, p.priority, p.incident): (p.pk, p.first_response, p.next_response, p.resolution)
        for p in Policy.objects.all()
    }
    calendars = dict(Calendar.objects.values_list("code", "pk"))
    return Sla(policies, calendars["support-hours"], calendars["24x7"], tag)


def load(
    tickets: int,
    *,
    now: datetime | None = None,
    seed: int = SEED,
    chunk: int = CHUNK,
    progress: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Empty the bench tables and fill them with `tickets` tickets (guard.Refused first
    when the database is not one bench-load may fill)."""
    from django.conf import settings
    from django.db import connection, transaction

    from tierdesk.benchdata import guard, history, people, rows, story
    from tierdesk.core import clock
    from tierdesk.core.models import Sequence
    from tierdesk.logs.models import LogLine
    from tierdesk.tickets.services.create import FIRST_TICKET_NUMBER

    if tickets < 1:
        raise ValueError("--tickets must be at least 1")
    guard.check_database()
    started = time.perf_counter()
    now = now or clock.now()
    with transaction.atomic():
        _empty()
        guard.mark(tickets)
        world = people.load_people(tickets, now)
    progress(f"{len(world.partners)} partners, {world.users:,} people")
    teller = story.Teller(world, tickets, now, FIRST_TICKET_NUMBER, seed)
    sla, ids = _sla(settings.TIERDESK_TICKET_TAG), history.Ids()
    summary = Summary(tickets=tickets, seconds=0.0)
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
    for start in range(0, tickets, chunk):
        part = history.Chunk(sla, ids, now)
        for index in range(start, min(tickets, start + chunk)):
            part.add(teller.story(index))
        with transaction.atomic():
            for table, (count, took) in part.write().items():
                summary.rows[table] = summary.rows.get(table, 0) + count
                summary.copy_seconds[table] = summary.copy_seconds.get(table, 0) + took
        done = min(tickets, start + chunk)
        elapsed = time.perf_counter() - started
        progress(f"{done:,} / {tickets:,} tickets, {elapsed:.0f} s")
    for t in (
        history.TICKET,
        history.MESSAGE,
        history.EVENT,
        history.HANDOVER,
        history.CLOCK,
        history.SLA_EVENT,
        history.ATTACHMENT,
        history.LOG_FILE,
        history.LOG_LINE,
    ):
        rows.restart_identity(t.table)
    Sequence.objects.update_or_create(
        name="ticket", defaults={"value": FIRST_TICKET_NUMBER + tickets - 1}
    )
    # VACUUM cannot run inside a transaction (a caller's, or a test's): ANALYZE there.
    vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cur:
        for table in sorted({*summary.rows, LogLine._meta.db_table, "accounts_user"}):
            cur.execute(vacuum + ' "' + table + '"')
    summary.seconds = time.perf_counter() - started
    guard.record(tickets, summary.seconds)
    summary.people, summary.partners = world.users, len(world.partners)
    return summary
