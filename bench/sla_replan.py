"""Benchmark the re-plan after a calendar change on PostgreSQL.

    .venv/bin/python bench/sla_replan.py --open 20000       # 20,000 open tickets

Same database and data as `bench/sla_sweep.py` (generated set-based, shaped as the
services leave them; `--database-url`, default `tierdesk_bench`). The day after the
benchmark's moment is closed on every calendar that has live clocks, and one
`sla.services.replan_dirty()` — every live clock of those calendars, batch after batch of
`TIERDESK_SLA_REPLAN_BATCH`, each committed — is timed; then the day is opened again and
re-planned back (timed too), so the data stays as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sla_sweep


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench")
    p.add_argument("--open", type=int, default=100_000, help="open tickets")
    p.add_argument("--closed", type=int, default=0, help="closed tickets (stopped clocks)")
    p.add_argument("--regenerate", action="store_true")
    return p.parse_args(argv)


def _timed(now) -> tuple[dict[str, int], float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tierdesk.sla import services

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        result = services.replan_dirty(now=now)
        elapsed = time.perf_counter() - start
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(control)]
    if os.environ.get("BENCH_SHOW_SQL"):
        print("\n".join(sql[:80] for sql in statements[:20]))
    return result, elapsed, len(statements)


def run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import F

    from tierdesk.sla import services
    from tierdesk.sla.models import Calendar, Clock, ManualDay

    have = sla_sweep.counts()
    if args.regenerate or have["tickets"] != args.open + args.closed:
        sla_sweep.generate(args.open, args.closed)
    sla_sweep.settle()
    now = sla_sweep.NOW
    live = Clock.objects.filter(state__in=("running", "paused"))
    calendar_ids = sorted(set(live.values_list("calendar_id", flat=True)))
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in sla_sweep.counts().items()))
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}; "
        f"{live.count():,} live clocks on {len(calendar_ids)} calendar(s); "
        f"batch {settings.TIERDESK_SLA_REPLAN_BATCH:,}\n"
    )
    closed = (now + timedelta(days=1)).date()
    rows = []
    for label in ("close tomorrow", "open it again"):
        with transaction.atomic():
            for pk in calendar_ids:
                if label == "close tomorrow":
                    ManualDay.objects.update_or_create(
                        calendar_id=pk,
                        year=closed.year,
                        month=closed.month,
                        day=closed.day,
                        defaults={"kind": "closed", "name": "bench"},
                    )
                else:
                    ManualDay.objects.filter(calendar_id=pk, name="bench").delete()
                services.calendar_changed(calendar_id=pk, now=now)
        result, elapsed, statements = _timed(now)
        rows.append((label, result["clocks"], statements, elapsed))
    assert not Calendar.objects.exclude(revision=F("planned_revision")).exists()
    print("| change | clocks moved | SQL statements | time | clocks/s |")
    print("|---|---:|---:|---:|---:|")
    for label, moved, statements, elapsed in rows:
        print(
            f"| {label} | {moved:,} | {statements:,} | {elapsed:.1f} s | "
            f"{moved / elapsed if elapsed else 0:,.0f} |"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sla_sweep.ensure_database(args.database_url)
    sla_sweep.setup_django(args.database_url)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
