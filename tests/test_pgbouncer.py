"""PostgreSQL behind PgBouncer in transaction mode (docs/operations.md): the core flows
hold no state on a server connection beyond one transaction.

PgBouncer gives each transaction whichever server connection is free, so a session
setting, a prepared statement, a held cursor or a session advisory lock of one
transaction is gone — or someone else's — in the next. The test starts PgBouncer on a
free port with a pool of two server connections in front of this test's database, and
drives two client processes at once through it (`TIERDESK_DB_POOLER=pgbouncer`): each
creates, replies, hands over and takes tickets, refuses bad bearer tokens (an advisory
lock), walks sessions with `.iterator()`, sweeps the SLA clocks; then two `tierdesk
worker --batch` claim and run the queued tasks (webhook fan-out and delivery to a local
receiver, mail) through it too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.test_webhooks_support import running_receiver
from tests.topology_support import (
    BIN,
    ROOT,
    PgBouncer,
    pgbouncer_binary,
    process_env,
    sla_defaults,
)
from tierdesk.notify.models import Delivery, DeliveryStatus
from tierdesk.notify.services import webhook_create
from tierdesk.sla.models import SlaEvent
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PgBouncer fronts PostgreSQL only"
    ),
    pytest.mark.skipif(pgbouncer_binary() is None, reason="pgbouncer is not installed"),
    pytest.mark.django_db(transaction=True),
]

# One client: the world is in the database already; it rebuilds its handles to it, then
# runs the flows `rounds` times and prints what it did.
CLIENT = r"""
import json, sys
from datetime import timedelta
import django
django.setup()
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone
from tests.factories import PEOPLE, World, ticket_at
from tierdesk.accounts.models import Organisation, User
from tierdesk.sla import services as sla
from tierdesk.tickets import services

rounds = int(sys.argv[1])
orgs = {o.name: o for o in Organisation.objects.all()}
world = World(vendor=orgs["Tierdesk Vendor"], acme=orgs["Acme"], globex=orgs["Globex"])
world.users = {k: User.objects.get(email=f"{k}@example.test") for k in PEOPLE}
done = {"tickets": [], "sessions": 0, "refused": 0}
for n in range(rounds):
    ticket = ticket_at(world, "in_progress@L2")  # create, take, hand over, take at L2
    services.message_add(actor=world.actor("l2"), ticket_id=ticket.pk, body=f"Reply {n}.")
    done["tickets"].append(ticket.pk)
    answer = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer td_0badc0de_nope")
    done["refused"] += answer.status_code == 401
    done["sessions"] += len(list(Session.objects.all().iterator(chunk_size=2)))
    sla.sweep_and_notify(now=timezone.now() + timedelta(days=60))
done["server_side_cursors"] = not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"]
done["prepare_threshold"] = connection.connection.prepare_threshold
print(json.dumps(done))
"""


def _clients(env: dict[str, str], count: int, rounds: int) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, str(rounds)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


@pytest.fixture
def pgbouncer():
    bouncer = PgBouncer(pgbouncer_binary(), pool_size=2)
    try:
        yield bouncer
    finally:
        bouncer.stop()


def test_the_core_flows_hold_no_session_state_behind_pgbouncer(
    world, pgbouncer, tmp_path, settings
):
    # given the SLA defaults, and a webhook of Acme's to a receiver on this machine
    sla_defaults()
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True
    with running_receiver() as receiver:
        webhook_create(actor=world.actor("acme_admin"), url=receiver.url)
        env = process_env(
            tmp_path / "var",
            pgbouncer.url,
            TIERDESK_DB_POOLER="pgbouncer",
            TIERDESK_WEBHOOK_ALLOW_PRIVATE="true",
            TIERDESK_CONN_MAX_AGE="60",  # one client connection, many server connections
        )
        # when two clients run the flows at once through PgBouncer's two server connections
        results = _clients(env, count=2, rounds=3)
        # then both finished, without server-side cursors or prepared statements
        for result in results:
            assert result.returncode == 0, result.stderr[-3000:]
        done = [json.loads(result.stdout.strip().splitlines()[-1]) for result in results]
        assert all(d["server_side_cursors"] is False for d in done)
        assert all(d["prepare_threshold"] is None for d in done)
        assert [d["refused"] for d in done] == [3, 3]
        tickets = [pk for d in done for pk in d["tickets"]]
        assert len(set(tickets)) == 6
        # and every ticket is where the flow put it, with one event per move
        assert set(Ticket.objects.filter(pk__in=tickets).values_list("status", "level")) == {
            ("in_progress", 2)
        }
        handed = Counter(
            TicketEvent.objects.filter(kind=EventKind.HANDED_OVER).values_list(
                "ticket_id", flat=True
            )
        )
        assert sorted(handed.values()) == [1] * 6
        # and the sweeps (six of them, two at a time) marked each clock once
        marks = Counter(SlaEvent.objects.values_list("clock_id", "cycle", "kind"))
        assert marks and set(marks.values()) == {1}
        # when two workers claim and run the queued tasks through PgBouncer
        workers = [
            subprocess.Popen(
                [str(BIN / "tierdesk"), "worker", "--batch"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        logs = [worker.communicate(timeout=300)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], logs
    # then every task ran once, by one worker, successfully
    tasks = list(DBTaskResult.objects.values_list("status", "worker_ids"))
    failed = list(
        DBTaskResult.objects.exclude(status="SUCCESSFUL").values_list("task_path", "traceback")
    )
    assert tasks and failed == []
    assert {len(ids) for _, ids in tasks} == {1}
    # and both workers did some of the work
    assert len({ids[0] for _, ids in tasks}) == 2
    # and each webhook delivery reached the receiver exactly once
    delivered = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED)
    assert delivered.count() == Delivery.objects.count() > 0
    seen = Counter(r.headers["x-tierdesk-delivery"] for r in receiver.requests)
    assert set(seen.values()) == {1}
    assert set(seen) == {str(d) for d in delivered.values_list("delivery_id", flat=True)}
