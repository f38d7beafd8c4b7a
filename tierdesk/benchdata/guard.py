# ruff: noqa: S608  (table names are constants and model tables, never input)
"""Where `tierdesk bench-load` may write: PostgreSQL only, and only a database that is
empty or that it filled before (its marker table says so). It truncates what it fills,
so anything else — an application's people and tickets — makes it refuse."""

from __future__ import annotations

from django.db import connection

MARKER = "tierdesk_bench_load"
# Tables whose rows mean "somebody's data" when no marker says they are the bench's.
PEOPLE_AND_TICKETS = ("accounts_organisation", "accounts_user", "tickets_ticket")


class Refused(Exception):
    """The database is not one bench-load may fill."""


def check_database() -> int | None:
    """Refuse (Refused, with the reason) unless this is a PostgreSQL database that is
    empty or a bench database; returns the number of tickets the last load wrote (None:
    none yet)."""
    if connection.vendor != "postgresql":
        raise Refused(
            f"bench-load writes with PostgreSQL's COPY; this database is {connection.vendor}. "
            "Point DATABASE_URL at a PostgreSQL database of its own "
            "(e.g. postgres://postgres@127.0.0.1:5432/tierdesk_bench_10000)."
        )
    name = connection.settings_dict["NAME"]
    tables = set(connection.introspection.table_names())
    if MARKER in tables:
        with connection.cursor() as cur:
            cur.execute('SELECT tickets FROM "' + MARKER + '" ORDER BY loaded_at DESC LIMIT 1')
            row = cur.fetchone()
        return row[0] if row else None
    held = []
    with connection.cursor() as cur:
        for table in PEOPLE_AND_TICKETS:
            if table in tables:
                cur.execute('SELECT EXISTS (SELECT 1 FROM "' + table + '")')
                if cur.fetchone()[0]:
                    held.append(table)
    if held:
        raise Refused(
            f"database {name!r} holds data bench-load did not write ({', '.join(held)}): it "
            "would be deleted. Use an empty database of its own for benchmarks."
        )
    return None


def mark(tickets: int) -> None:
    """Record that this database holds bench-load's data of `tickets` tickets."""
    with connection.cursor() as cur:
        cur.execute(
            'CREATE TABLE IF NOT EXISTS "' + MARKER + '" (tickets integer NOT NULL, '
            "loaded_at timestamptz NOT NULL DEFAULT now(), seconds double precision)"
        )
        cur.execute('DELETE FROM "' + MARKER + '"')


def record(tickets: int, seconds: float) -> None:
    with connection.cursor() as cur:
        cur.execute(
            'INSERT INTO "' + MARKER + '" (tickets, seconds) VALUES (%s, %s)', [tickets, seconds]
        )
