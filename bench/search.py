"""Benchmark keyword search through the API on PostgreSQL over many tickets.

    .venv/bin/python bench/search.py                       # 100,000 tickets
    .venv/bin/python bench/search.py --tickets 1000000 --repeat 50

It works in its own database (default `tierdesk_bench_search` on the local PostgreSQL,
created if missing, migrated, and refilled when the volume differs), never in the
application's. The data is `tierdesk bench-load`'s (`tierdesk/benchdata/`, the same
generator `make bench` uses): tickets of many partners over two years with their
messages, logs and search documents as `search.services.document_refresh` leaves them;
every description holds the common word `orders`, a word shared by one ticket in 20,000
(`lantern<k>`), one error in six "request to the gateway", and the document the ticket's
references and platform IDs.

Then `GET /api/v1/search?q=…` is called through Django's test client — the whole API
path: authentication, the access subquery, the query, the snippets, the JSON — as an L2
agent (sees every ticket), as a partner's L1 agent (sees one partner's) and as one of
that partner's customers (about ten tickets over the two years), for a common word, a
rare word, a phrase with a filter, a ticket reference and a piece of a flow ID. It
reports the median and the 95th percentile of `--repeat` calls of each, and the
machine's load average before and after (the figures depend on what else runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench_search"
    )
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=30)
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


def people() -> dict:
    """The L2 agent, an L1 agent of the first partner and one of its customers."""
    from tierdesk.accounts.models import User
    from tierdesk.benchdata.names import email

    return {
        "l2": User.objects.get(email=email("l2_agent", 1)),
        "l1": User.objects.get(email=email("l1_agent", 1, 1)),
        "customer": User.objects.get(email=email("customer", 1, 1)),
    }


def count() -> int:
    from tierdesk.search.models import SearchDocument

    return SearchDocument.objects.count()


def run(args: argparse.Namespace) -> int:
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.test import Client

    from tierdesk.benchdata import load
    from tierdesk.benchdata.guard import check_database
    from tierdesk.benchdata.names import RARE_EVERY
    from tierdesk.core.actor import SYSTEM
    from tierdesk.tickets.access import visible_tickets

    if args.regenerate or check_database() != args.tickets:
        print(load(args.tickets, progress=print).lines()[0])
    users = people()
    sample = visible_tickets(SYSTEM).get(pk=args.tickets // 2 + 1)
    queries = [
        ("common word", "orders"),
        ("rare word (1 in 20,000)", f"lantern{sample.number % RARE_EVERY}"),
        ("phrase + filter", '"request to the gateway" status:open'),
        ("reference", sample.reference),
        ("piece of a flow ID", sample.flow_id[:10]),
    ]
    print(f"{count():,} tickets; {args.repeat} calls each; milliseconds through the API")
    print("load average (1, 5, 15 min) before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'who':<8} {'query':<26} {'median':>8} {'p95':>8} {'found':>7}")
    for who in ("l2", "l1", "customer"):
        client = Client()
        client.force_login(users[who])
        for name, q in queries:
            timings, found = [], 0
            client.get("/api/v1/search", {"q": q})  # warm up
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                response = client.get("/api/v1/search", {"q": q})
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.content
                found = response.json()["count"]
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            print(f"{who:<8} {name:<26} {statistics.median(timings):8.1f} {p95:8.1f} {found:>7}")
    print("load average (1, 5, 15 min) after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
