"""W1: what creating a ticket through `POST /api/v1/tickets` costs the application, in
process, on PostgreSQL: CPU milliseconds, SQL statements and commits per ticket.

    .venv/bin/python bench/w1_cpu.py                      # 300 tickets after 30 to warm up
    .venv/bin/python bench/w1_cpu.py --tickets 1000 --existing 50000
    .venv/bin/python bench/w1_cpu.py --code /tmp/older-checkout   # the same, older code

It works in its own database (default `tierdesk_bench_w1` on the local PostgreSQL,
created if missing and migrated), never in the application's. A partner with a contract,
workspace and flow, its L1 agent with a bearer token and a customer are made once; with
`--existing` that many tickets are inserted first (set-based). Then each ticket is
created with a typical complete body (every handover item, the customer, a pasted log)
through Django's test client — the whole stack: middleware, token, the API, the
service, every listener (SLA clocks, webhook outbox, mail, notifications, search
document), the 201 answer and what runs after the commit — with the production settings
(the database task backend).

CPU is `time.process_time()` of this process around the creates (Django, psycopg and the
test client; PostgreSQL's own CPU is another process). Statements are counted with a
database execute wrapper (all of them, transaction control aside, after-commit work
included); commits are the transactions that wrote (an atomic block's commit, or a
write in autocommit mode). The figures depend on the machine and what else runs on it:
the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTRACT, WORKSPACE, FLOW = (
    "5f1a2b3c4d5e6f7081920a1b",
    "5f1a2b3c4d5e6f7081920a2c",
    "5f1a2b3c4d5e6f7081920a3d",
)
LOG = (
    '{"name":"http-component","hostname":"step-1-abc","pid":7,"level":50,'
    '"msg":"Request failed with status code 401","time":"2026-11-27T09:14:03.120Z","v":0}\n'
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench_w1")
    p.add_argument("--tickets", type=int, default=300)
    p.add_argument("--warm-up", type=int, default=30)
    p.add_argument("--existing", type=int, default=0, help="tickets to insert first")
    p.add_argument("--code", default=str(REPO), help="the checkout whose code to measure")
    p.add_argument("--json", action="store_true", help="print the figures as JSON too")
    p.add_argument("--profile", type=int, default=0, help="then profile this many creates")
    p.add_argument("--sort", default="cumulative", help="the profile's order (tottime…)")
    p.add_argument("--only", default="", help="the profile's functions whose path matches")
    return p.parse_args(argv)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def world() -> tuple[str, object]:
    """The partner, its directory, L1 agent (and a new token) and customer."""
    from tierdesk.accounts.models import Organisation, User
    from tierdesk.accounts.services import organisation_create, token_create, user_create
    from tierdesk.directory.services import directory_import

    if not Organisation.objects.filter(kind="vendor").exists():
        organisation_create(name="Bench vendor", kind="vendor", display_name="Vendor")
    partner = Organisation.objects.filter(name="Bench partner").first()
    if partner is None:
        partner = organisation_create(name="Bench partner", kind="partner")
        directory_import(
            docs=[
                {
                    "partner": "Bench partner",
                    "contracts": [
                        {
                            "id": CONTRACT,
                            "name": "Production",
                            "plan": "premium",
                            "workspaces": [
                                {
                                    "id": WORKSPACE,
                                    "name": "Main",
                                    "flows": [{"id": FLOW, "name": "Orders sync"}],
                                }
                            ],
                        }
                    ],
                }
            ]
        )
    for key, role in (("l1", "l1_agent"), ("customer", "customer")):
        email = f"w1-{key}@example.test"
        if not User.objects.filter(email=email).exists():
            user_create(email=email, organisation=partner, role=role, password="bench-pass-1")
    _, token = token_create(email="w1-l1@example.test", name="w1 bench")
    return token, partner


def insert_existing(n: int, partner) -> None:
    from django.db import connection, transaction

    from tierdesk.tickets.models import Ticket

    have = Ticket.objects.filter(partner=partner).count()
    if have >= n:
        return
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            'INSERT INTO "tickets_ticket" (created_at, updated_at, number, title, partner_id, '
            "contract_id, workspace_id, flow_id, flow_version, no_flow_reason, description, "
            "expected_behaviour, actual_behaviour, steps_to_reproduce, reproducibility, "
            "context, blocker_impact, check_connectivity, check_credentials, pasted_log, "
            "no_logs_reason, incident, priority, level, status, resolution, "
            "resolution_cause, version, sla_at_risk, sla_breached) "
            "SELECT now(), now(), 5000000 + g, 'Existing ' || g, %s, '', '', '', '', '', "
            "'Generated.', '', '', '', '', '', '', '', '', '', '', false, 'normal', 1, "
            "'closed', '', '', 1, false, false "
            f"FROM generate_series({have}, {n - 1}) AS g",
            [partner.pk],
        )
    with connection.cursor() as cur:
        cur.execute('VACUUM ANALYZE "tickets_ticket"')


def body() -> dict:
    now = datetime.now(UTC)
    return {
        "title": "Orders sync fails with 401",
        "description": "Since this morning every execution of the orders flow fails.",
        "expected_behaviour": "Orders are copied to the ERP.",
        "actual_behaviour": "The HTTP step fails with status 401.",
        "contract_id": CONTRACT,
        "workspace_id": WORKSPACE,
        "flow_id": FLOW,
        "occurred_at": (now - timedelta(hours=3)).isoformat(),
        "steps_to_reproduce": "1. Start the flow\n2. Send an order\n3. See the error",
        "is_blocker": True,
        "blocker_impact": "No orders reach the ERP.",
        "needed_by": (now + timedelta(days=2)).isoformat(),
        "l1_checks": {
            "connectivity": "The ERP answers from the platform's egress IP.",
            "credentials": "Re-entered the API key; still 401.",
        },
        "pasted_log": LOG,
        "customer": "w1-customer@example.test",
    }


class Counter:
    """Statements (transaction control aside) and the transactions that wrote."""

    def __init__(self, connection):
        self.connection = connection
        self.statements = 0
        self.commits = 0
        self._wrote = False

    def __call__(self, execute, sql, params, many, context):
        words = sql.lstrip().split(None, 1)
        verb = words[0].upper() if words else ""
        if verb not in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
            self.statements += 1
        if verb in ("INSERT", "UPDATE", "DELETE"):
            if self.connection.get_autocommit():
                self.commits += 1  # its own transaction
            else:
                self._wrote = True
        return execute(sql, params, many, context)

    def committed(self) -> None:
        if self._wrote:
            self.commits += 1
        self._wrote = False


def run(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(Path(args.code).resolve()))
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client

    import tierdesk

    token, partner = world()
    if args.existing:
        insert_existing(args.existing, partner)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    payload = json.dumps(body())

    def create() -> None:
        response = client.post("/api/v1/tickets", payload, content_type="application/json")
        assert response.status_code == 201, response.content[:500]

    for _ in range(args.warm_up):
        create()
    counter = Counter(connection)
    commit = connection.commit

    def counting_commit():
        counter.committed()
        return commit()

    connection.commit = counting_commit
    load = os.getloadavg()
    with connection.execute_wrapper(counter):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.tickets):
            create()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    del connection.commit
    n = args.tickets
    figures = {
        "code": str(Path(tierdesk.__file__).resolve().parent.parent),
        "tickets": n,
        "existing_tickets": args.existing,
        "cpu_ms_per_ticket": round(cpu * 1000 / n, 2),
        "wall_ms_per_ticket": round(wall * 1000 / n, 2),
        "sql_per_ticket": round(counter.statements / n, 2),
        "commits_per_ticket": round(counter.commits / n, 2),
        "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"{n} tickets created through POST /api/v1/tickets ({figures['code']}):\n"
        f"  CPU {figures['cpu_ms_per_ticket']} ms/ticket "
        f"(wall {figures['wall_ms_per_ticket']} ms), "
        f"{figures['sql_per_ticket']} SQL statements/ticket, "
        f"{figures['commits_per_ticket']} commits/ticket\n"
        f"  load average before {figures['load_average_before']}, "
        f"after {figures['load_average_after']}"
    )
    if args.json:
        print(json.dumps(figures))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.profile):
            create()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.only, 45)
    return figures


if __name__ == "__main__":
    run(parse_args())
