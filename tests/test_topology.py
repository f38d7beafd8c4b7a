"""The multi-machine topology on one host: three web processes (gunicorn, each its own
port, as three hosts behind a load balancer would be) and two `tierdesk worker`s on one
PostgreSQL database, under a bounded mixed load driven from this process.

The load, round-robin over the web processes: tickets created, replied to, taken and
handed over through the API; mail taken in through `tierdesk mail-in` (the MTA pipe),
each mail delivered twice at once as an MTA retrying would; webhooks announced to a
receiver on 127.0.0.1; mail sent to an SMTP server on 127.0.0.1; SLA sweeps run by both
workers' beat and, with a clock 60 days ahead so every clock turns, by this process.

Then: no answer was a 5xx (nor anything but what each call should answer); every mail
taken in made exactly one ticket, and every mail and webhook went out exactly once; no
task ran twice; no clock was marked twice. The figures are printed (`-s` shows them).

`make test` runs the short version on PostgreSQL (a 12-second load); the long version is
the same test with `TIERDESK_TOPOLOGY_SECONDS=300` (docs/operations.md has its figures).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from email.utils import make_msgid
from itertools import count

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import complete_fields
from tests.test_mail_support import MTA, mail
from tests.test_webhooks_support import running_receiver
from tests.topology_support import (
    BIN,
    ROOT,
    Web,
    Worker,
    database_url,
    process_env,
    sla_defaults,
)
from tierdesk.accounts.services import token_create
from tierdesk.mail.models import InboundMessage, InboundOutcome, OutboundMail, OutboundStatus
from tierdesk.notify.models import Delivery, DeliveryStatus
from tierdesk.notify.services import webhook_create
from tierdesk.sla.models import SlaEvent, SlaEventKind
from tierdesk.sla.services import sweep_and_notify

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several processes on one database server: PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
]

LOAD_SECONDS = float(os.environ.get("TIERDESK_TOPOLOGY_SECONDS") or 12)
CLIENTS = int(os.environ.get("TIERDESK_TOPOLOGY_CLIENTS") or 6)
EXPECTED = {"create": 201, "reply": 201, "take": 200, "hand_over": 200}


def api_body() -> dict:
    fields = complete_fields()
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    body["customer"] = "acme_customer@example.test"
    return body


class Load:
    """The clients: each loops create → reply → take → hand over on its own ticket,
    against the next web process each call, until the time is up."""

    def __init__(self, webs: list[Web], token: str):
        self.webs, self.token = webs, token
        self.calls: list[tuple[str, int, float]] = []  # (operation, status, seconds)
        self.lock = threading.Lock()
        self.turn = count()
        self.tickets: list[int] = []

    def call(self, op: str, path: str, body: dict) -> dict | None:
        web = self.webs[next(self.turn) % len(self.webs)]
        request = urllib.request.Request(
            web.url + "/api/v1" + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, payload = answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            status, payload = error.code, None
        with self.lock:
            self.calls.append((op, status, time.perf_counter() - started))
        return payload if status == EXPECTED[op] else None

    def client(self, until: float) -> None:
        while time.monotonic() < until:
            created = self.call("create", "/tickets", api_body())
            if created is None:
                continue
            tid = created["id"]
            with self.lock:
                self.tickets.append(tid)
            self.call("reply", f"/tickets/{tid}/messages", {"body": "We are on it."})
            self.call("take", f"/tickets/{tid}/actions/take", {})
            self.call("hand_over", f"/tickets/{tid}/actions/hand_over", {})


def mail_in(env: dict[str, str], raw: bytes) -> int:
    """`tierdesk mail-in` as an MTA runs it; its exit code."""
    process = subprocess.run(
        [str(BIN / "tierdesk"), "mail-in", "--partner", "Acme"],
        input=raw, cwd=ROOT, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    return process.returncode


def mailer(env: dict[str, str], until: float, sent: list[str], codes: list[int]) -> None:
    """New mail from the customer, each handed to two `mail-in`s at once."""
    while time.monotonic() < until:
        message_id = make_msgid(domain="client.example")
        raw = mail("acme_customer@example.test", "Orders flow stopped", message_id=message_id)
        twice = [
            threading.Thread(target=lambda raw=raw: codes.append(mail_in(env, raw))) for _ in "ab"
        ]
        for thread in twice:
            thread.start()
        for thread in twice:
            thread.join()
        sent.append(message_id)


def sweeper(until: float, runs: list[dict]) -> None:
    """SLA sweeps from this process with a clock 60 days ahead: every running clock turns."""
    try:
        while time.monotonic() < until:
            runs.append(sweep_and_notify(now=timezone.now() + timedelta(days=60)))
            time.sleep(1)
    finally:
        connections.close_all()


def settle(seconds: float) -> None:
    """Wait until every webhook delivery and every mail is done (or the time is up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pending_mail = OutboundMail.objects.filter(status=OutboundStatus.PENDING).exists()
        pending_hooks = Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
        if not pending_mail and not pending_hooks:
            return
        time.sleep(1)


def test_three_web_processes_and_two_workers_under_a_mixed_load(world, settings, tmp_path):
    from tests.test_mail_support import running_smtp

    sla_defaults()
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True
    _, token = token_create(email=world.user("acme_l1").email)
    with running_receiver() as receiver, running_smtp() as smtp:
        webhook_create(actor=world.actor("acme_admin"), url=receiver.url)
        env = process_env(
            tmp_path / "var",
            database_url(),
            TIERDESK_WEBHOOK_ALLOW_PRIVATE="true",
            TIERDESK_SLA_SWEEP_SECONDS="2",
            TIERDESK_MAIL_AUTHSERV_IDS=MTA,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
            WEB_CONCURRENCY="1",
        )
        started = time.monotonic()
        webs = [Web(env, tmp_path / f"web{n}.log") for n in range(3)]
        workers = [Worker(env, tmp_path / f"worker{n}.log") for n in range(2)]
        try:
            for web in webs:
                web.wait_ready()
            ready = time.monotonic() - started
            # when the load runs
            load, sent, codes, sweeps = Load(webs, token), [], [], []
            until = time.monotonic() + LOAD_SECONDS
            threads = [threading.Thread(target=load.client, args=(until,)) for _ in range(CLIENTS)]
            threads.append(threading.Thread(target=mailer, args=(env, until, sent, codes)))
            threads.append(threading.Thread(target=sweeper, args=(until, sweeps)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            settle(60 + LOAD_SECONDS)  # the queue the load left behind drains
        finally:
            for process in [*workers, *webs]:
                process.stop()
        received = Counter(r.headers["x-tierdesk-delivery"] for r in receiver.requests)
        smtp_ids = Counter(m["Message-ID"].strip("<>") for m in smtp.received)
    logs = {p.log_path.name: p.log_path.read_text() for p in [*webs, *workers]}

    # then no call answered a 5xx, and each answered what it should
    statuses = Counter((op, status) for op, status, _ in load.calls)
    assert not [key for key in statuses if key[1] >= 500], statuses
    assert {key for key in statuses if EXPECTED[key[0]] != key[1]} == set(), statuses
    assert all(" 500 " not in text and "Traceback" not in text for text in logs.values())
    # and every mail taken in made exactly one ticket, though each came twice
    assert sent and set(codes) == {0}
    made = Counter(
        InboundMessage.objects.filter(outcome=InboundOutcome.TICKET_CREATED).values_list(
            "message_id", flat=True
        )
    )
    assert made == Counter({message_id.strip("<>"): 1 for message_id in sent})
    # and every mail out was sent, and received once
    outbound = OutboundMail.objects.exclude(status=OutboundStatus.SUPPRESSED)
    unsent = list(
        outbound.exclude(status=OutboundStatus.SENT).values_list(
            "status", "attempts", "last_error", "next_attempt_at"
        )
    )
    assert outbound.exists() and unsent == [], unsent
    sent_ids = outbound.values_list("message_id", flat=True)
    assert smtp_ids == Counter({m.strip("<>"): 1 for m in sent_ids})
    # and every webhook delivery succeeded, and reached the receiver once
    deliveries = Delivery.objects.all()
    undelivered = list(
        deliveries.exclude(status=DeliveryStatus.SUCCEEDED).values_list("status", "attempts")
    )
    assert deliveries.exists() and undelivered == [], undelivered
    assert received == Counter(
        {str(d): 1 for d in deliveries.values_list("delivery_id", flat=True)}
    )
    # and no task ran twice, none failed, and both workers ran some
    tasks = list(DBTaskResult.objects.values_list("status", "worker_ids", "task_path"))
    assert {len(ids) for _, ids, _ in tasks} <= {0, 1}
    assert not [t for t in tasks if t[0] == "FAILED"], [t for t in tasks if t[0] == "FAILED"]
    assert len({ids[0] for _, ids, _ in tasks if ids}) == 2
    # and no clock was marked twice, and each mark was announced once
    marks = Counter(SlaEvent.objects.values_list("clock_id", "cycle", "kind"))
    assert marks and set(marks.values()) == {1}
    assert not SlaEvent.objects.filter(notified_at__isnull=True).exists()
    announced = Counter(
        (r.json["data"]["ticket"]["id"], r.json["data"]["sla"]["event"])
        for r in receiver.requests
        if r.json["event"].startswith("sla.")
    )
    breaches = Counter(
        SlaEvent.objects.filter(kind=SlaEventKind.BREACHED).values_list("ticket_id", "kind")
    )
    assert {k: v for k, v in announced.items() if k[1] == SlaEventKind.BREACHED} == breaches

    latencies = sorted(seconds for _, _, seconds in load.calls)
    figures = {
        "load_seconds": LOAD_SECONDS,
        "clients": CLIENTS,
        "start_seconds": round(ready, 1),
        "api_calls": len(load.calls),
        "api_calls_per_s": round(len(load.calls) / LOAD_SECONDS, 1),
        "p50_ms": round(statistics.median(latencies) * 1000),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000),
        "tickets_via_api": len(load.tickets),
        "mails_in": len(sent),
        "mails_out": len(smtp_ids),
        "webhooks": len(received),
        "tasks": len(tasks),
        "sweeps_here": len(sweeps),
        "sweeps_by_workers": sum(1 for t in tasks if t[2].endswith("sla_sweep_task")),
        "clock_marks": sum(marks.values()),
    }
    print("topology figures", json.dumps(figures))
