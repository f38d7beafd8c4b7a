"""The SQL the reports share: the period, the scope as a CTE, and the few expressions
that differ between SQLite and PostgreSQL (durations, percentiles, JSON arrays).

Every report is one statement (or a fixed few) whatever the number of tickets: the
scope is compiled from the access choke point into the statement, never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from tierdesk.reports.access import Scope

# Statuses whose time counts as "time in a level": waiting on the customer, resolved
# and closed do not.
WORKING_STATUSES = ("new", "in_progress", "verifying")
OPEN_STATUSES = ("new", "in_progress", "waiting_on_customer", "verifying")
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole days `start`..`end` (both included) in the site's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("The end of the period is before its start.")
        if self.days > MAX_DAYS:
            raise ValueError(f"A period has at most {MAX_DAYS} days.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def lo(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def hi(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def day_ends(self) -> list[tuple[date, datetime]]:
        """Each day with the instant it ends (the backlog is counted then)."""
        out = []
        for i in range(self.days):
            day = self.start + timedelta(days=i)
            out.append((day, timezone.make_aware(datetime.combine(day + timedelta(1), time.min))))
        return out


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def db_time(value: datetime) -> Any:
    """A datetime as the database compares it (SQLite: a UTC text; PostgreSQL: itself)."""
    return connection.ops.adapt_datetimefield_value(value)


def seconds(start: str, end: str) -> str:
    """SQL for the seconds from `start` to `end` (two datetime expressions)."""
    if is_postgres():
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def percentiles_sql(values: str, group: str, fractions: dict[str, float]) -> str:
    """`SELECT <group>, <name>...` with each continuous percentile (linear interpolation,
    PostgreSQL's `percentile_cont`) of column `v` from the relation `values`, per `group`.
    SQLite has no such aggregate: the same figure is read off a window-function rank."""
    if is_postgres():
        cols = ", ".join(
            f"percentile_cont({p}) WITHIN GROUP (ORDER BY v) AS {name}"
            for name, p in fractions.items()
        )
        return f"SELECT {group}, {cols} FROM {values} GROUP BY {group}"
    cols = []
    for name, p in fractions.items():
        pos = f"({p} * (n - 1))"
        lo = f"(1 + CAST({pos} AS INTEGER))"
        frac = f"({pos} - CAST({pos} AS INTEGER))"
        v_lo = f"MAX(CASE WHEN rn = {lo} THEN v END)"
        v_hi = f"COALESCE(MAX(CASE WHEN rn = {lo} + 1 THEN v END), {v_lo})"
        cols.append(f"{v_lo} + MAX({frac}) * ({v_hi} - {v_lo}) AS {name}")
    return (
        f"SELECT {group}, {', '.join(cols)} FROM (SELECT {group}, v, "
        f"ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY v) AS rn, "
        f"COUNT(*) OVER (PARTITION BY {group}) AS n FROM {values}) ranked GROUP BY {group}"
    )


def json_texts(column: str, path: str = "") -> str:
    """A FROM item yielding `j.value` for each element of a JSON array of strings
    (`column`, or its member `path` such as 'items')."""
    if is_postgres():
        source = f"{column}->'{path}'" if path else column
        return f"jsonb_array_elements_text({_array(source)}) AS j(value)"
    return f"json_each({column}, '$.{path}') AS j" if path else f"json_each({column}) AS j"


def _array(source: str) -> str:
    return f"CASE WHEN jsonb_typeof({source}) = 'array' THEN {source} ELSE '[]'::jsonb END"


def json_objects(column: str, path: str) -> str:
    """A FROM item yielding `j.value` for each object of the array `column.path`."""
    if is_postgres():
        source = f"{column}->'{path}'"
        return f"jsonb_array_elements({_array(source)}) AS j(value)"
    return f"json_each({column}, '$.{path}') AS j"


def json_member(value: str, key: str) -> str:
    """The text of member `key` of the JSON object `value` (booleans as 'true'/'false')."""
    if is_postgres():
        return f"({value}->>'{key}')"
    return (
        f"(CASE json_type({value}, '$.{key}') WHEN 'true' THEN 'true' WHEN 'false' THEN "
        f"'false' ELSE json_extract({value}, '$.{key}') END)"
    )


def lateral(item: str) -> str:
    """Join a set-returning FROM item to the rows before it."""
    return f"CROSS JOIN LATERAL {item}" if is_postgres() else f", {item}"


_POSITIONAL = re.compile(r"(?<!%)%s")


class Statement:
    """Named parameters (`%(name)s`) over the scope CTE `scope(id)` and the events CTE
    `ev` (the scope's ticket events)."""

    def __init__(self, scope: Scope):
        sql, params = scope.tickets().order_by().values("pk").query.sql_with_params()
        self.params: dict[str, Any] = {}
        counter = iter(range(len(params)))

        def name(_match: re.Match) -> str:
            key = f"scope_{next(counter)}"
            return f"%({key})s"

        self.scope_sql = _POSITIONAL.sub(name, sql)
        for i, value in enumerate(params):
            self.params[f"scope_{i}"] = value
        self.ctes: list[str] = [f"scope(id) AS ({self.scope_sql})"]

    def bind(self, **values: Any) -> None:
        for key, value in values.items():
            self.params[key] = db_time(value) if isinstance(value, datetime) else value

    def period(self, period: Period, prefix: str = "") -> None:
        self.bind(**{f"{prefix}lo": period.lo, f"{prefix}hi": period.hi})

    def with_events(self) -> None:
        """`ev`: the scope's events in the period (bind the period first), read by the
        index on `created_at`: a report costs the period's events, not the history."""
        self.ctes.append(
            "ev AS (SELECT e.id, e.ticket_id, e.kind, e.from_level, e.from_status, "
            "e.to_level, e.to_status, e.actor_id, e.created_at, "
            f"{json_member('e.data', 'cause')} "
            "AS cause FROM tickets_ticketevent e "
            "JOIN scope s ON s.id = e.ticket_id "
            "WHERE e.created_at >= %(lo)s AND e.created_at < %(hi)s)"
        )

    def with_flags(self) -> None:
        from tierdesk.reports.sets import flags_sql  # the sets module builds on this one

        self.ctes.append(f"tf AS ({flags_sql()})")

    def with_intervals(self) -> None:
        """`iv`: each stretch a scope ticket spent in one (level, status), from one event
        to the next (`t1` empty while it is still there), over its whole history; only
        stretches that reach into the period (or later) are kept."""
        self.ctes.append(
            "iv AS (SELECT * FROM (SELECT e.ticket_id, e.to_level AS level, "
            "e.to_status AS status, e.created_at AS t0, LEAD(e.created_at) OVER "
            "(PARTITION BY e.ticket_id ORDER BY e.created_at, e.id) AS t1 "
            "FROM tickets_ticketevent e JOIN scope s ON s.id = e.ticket_id "
            "WHERE e.created_at < %(hi)s) stretches WHERE t1 IS NULL OR t1 >= %(lo)s)"
        )

    def run(self, body: str) -> list[tuple]:
        sql = f"WITH {', '.join(self.ctes)} {body}"
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            return cursor.fetchall()


def in_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def true() -> str:
    return "TRUE" if is_postgres() else "1"


def false() -> str:
    return "FALSE" if is_postgres() else "0"
