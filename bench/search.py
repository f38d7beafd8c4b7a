"""Benchmark keyword search through the API on PostgreSQL over many tickets.

    .venv/bin/python bench/search.py                       # 100,000 tickets
    .venv/bin/python bench/search.py --tickets 1000000 --repeat 50

It works in its own database (default `tierdesk_bench_search` on the local PostgreSQL,
created if missing, migrated, and refilled when the volume differs), never in the
application's. Tickets of twenty partners and their search documents are generated with
set-based SQL (`generate_series`), as `search.services.document_refresh` leaves them:
every document holds the common words of a failing flow, a word shared by one ticket in
20,000 (`lantern<k>`), a 24-hex flow ID and the ticket's references.

Then `GET /api/v1/search?q=…` is called through Django's test client — the whole API
path: authentication, the access subquery, the query, the snippets, the JSON — as an L2
agent (sees every ticket), as a partner's L1 agent (sees one partner's) and as one of
that partner's customers (CUSTOMER_TICKETS of its tickets, spread over its history, are
theirs: a common word's newest matches are not theirs), for a
common word, a rare word, a phrase with a filter, a ticket reference and a piece of a
flow ID. It reports the median and the 95th percentile of `--repeat` calls of each, and
the machine's load average before and after (the figures depend on what else runs).
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
PARTNERS = 20
RARE_EVERY = 20_000
CUSTOMER_TICKETS = 40


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


def people():
    """The partners, an L2 agent, and an L1 agent and a customer of the first partner."""
    from tierdesk.accounts.models import Organisation, User
    from tierdesk.accounts.services import organisation_create, user_create

    if not Organisation.objects.filter(kind="vendor").exists():
        organisation_create(name="Bench vendor", kind="vendor", display_name="Vendor")
    partners = []
    for n in range(PARTNERS):
        org = Organisation.objects.filter(name=f"Bench partner {n}").first()
        partners.append(org or organisation_create(name=f"Bench partner {n}", kind="partner"))
    vendor = Organisation.objects.get(kind="vendor")
    users = {}
    for key, org, role in (
        ("l2", vendor, "l2_agent"),
        ("l1", partners[0], "l1_agent"),
        ("customer", partners[0], "customer"),
    ):
        email = f"bench-{key}@example.test"
        users[key] = User.objects.filter(email=email).first() or user_create(
            email=email, organisation=org, role=role, password="bench-password-1"
        )
    return partners, users


def generate(n: int, partners) -> None:
    from django.db import connection, transaction

    from tierdesk.search.models import ErrorSignature, SearchDocument
    from tierdesk.tickets.models import Ticket

    t0 = time.perf_counter()
    ids = "ARRAY[" + ", ".join(str(p.pk) for p in partners) + "]"
    partner = f"({ids})[1 + g % {PARTNERS}]"
    with transaction.atomic(), connection.cursor() as cur:
        for model in (ErrorSignature, SearchDocument, Ticket):
            cur.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        cur.execute(
            'INSERT INTO "tickets_ticket" (created_at, updated_at, number, title, partner_id, '
            "contract_id, workspace_id, flow_id, flow_version, no_flow_reason, description, "
            "expected_behaviour, actual_behaviour, steps_to_reproduce, reproducibility, "
            "context, blocker_impact, check_connectivity, check_credentials, pasted_log, "
            "no_logs_reason, incident, priority, level, status, resolution, "
            "resolution_cause, version, sla_at_risk, sla_breached) "
            "SELECT now(), now(), 100000 + g, 'Orders sync fails with 401 ' || g, "
            f"{partner}, '', '', substr(md5(g::text), 1, 24), '', '', "
            "'Generated for the search benchmark.', '', '', '', '', '', '', '', '', '', '', "
            "false, 'normal', 1 + g % 3, "
            "(ARRAY['new','in_progress','waiting_on_customer','resolved','closed'])[1 + g % 5], "
            "'', '', 1, false, false "
            f"FROM generate_series(0, {n - 1}) AS g"
        )
        cur.execute(
            'INSERT INTO "search_searchdocument" (ticket_id, partner_id, customer_id, status, '
            "level, flow_id, max_log_level, title, public_body, staff_body, ids, updated_at) "
            "SELECT t.id, t.partner_id, NULL, t.status, t.level, t.flow_id, 50, t.title, "
            "'Since this morning every execution of the orders flow fails. The HTTP step "
            "answers 401 Unauthorized from the ERP. Request to the gateway failed after ' "
            f"|| (t.number % 997) || ' ms. Customer mentions lantern' || (t.number % {RARE_EVERY})"
            " || ' in the mapping.', 'Internal: check the contract renewal.', "
            "t.number || ' #' || t.number || ' TD-' || t.number || ' ' || t.flow_id, now() "
            'FROM "tickets_ticket" t'
        )
    with connection.cursor() as cur:
        for model in (Ticket, SearchDocument):
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    print(f"generated {n:,} tickets with their documents in {time.perf_counter() - t0:.1f} s")


def give_customer_tickets(n: int, partner, customer) -> None:
    """CUSTOMER_TICKETS of the partner's tickets, evenly spread over its history, become
    the customer's (idempotent)."""
    from django.db import connection, transaction

    step = max(PARTNERS, n // CUSTOMER_TICKETS // PARTNERS * PARTNERS)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            'UPDATE "tickets_ticket" SET customer_id = %s WHERE partner_id = %s '
            "AND (number - 100000) %% %s = 0 AND customer_id IS DISTINCT FROM %s",
            [customer.pk, partner.pk, step, customer.pk],
        )
        cur.execute(
            'UPDATE "search_searchdocument" d SET customer_id = t.customer_id FROM '
            '"tickets_ticket" t WHERE t.id = d.ticket_id AND t.customer_id = %s '
            "AND d.customer_id IS DISTINCT FROM t.customer_id",
            [customer.pk],
        )


def count() -> int:
    from tierdesk.search.models import SearchDocument

    return SearchDocument.objects.count()


def run(args: argparse.Namespace) -> int:
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.test import Client

    partners, users = people()
    if args.regenerate or count() != args.tickets:
        generate(args.tickets, partners)
    give_customer_tickets(args.tickets, partners[0], users["customer"])
    sample = 100000 + args.tickets // 2
    flow_piece = __import__("hashlib").md5(str(args.tickets // 2).encode()).hexdigest()[:10]
    queries = [
        ("common word", "orders"),
        ("rare word (1 in 20,000)", "lantern4711"),
        ("phrase + filter", '"request to the gateway" status:open'),
        ("reference", f"TD-{sample}"),
        ("piece of a flow ID", flow_piece),
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
