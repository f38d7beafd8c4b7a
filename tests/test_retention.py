"""Finished outbox, delivery, mail and task rows past their retention are deleted in
batches by the worker's hourly jobs; recent rows, pending and retrying ones stay."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from tierdesk.core import periodic
from tierdesk.core.clock import travel_to
from tierdesk.core.retention import prune_task_results, prune_task_results_task
from tierdesk.mail.models import OutboundMail
from tierdesk.mail.retention import prune_mail
from tierdesk.notify import services
from tierdesk.notify.models import Delivery, OutboxEvent
from tierdesk.notify.retention import prune_webhooks

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 7, 12, tzinfo=BERLIN)
DAY = timedelta(days=1)
PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def retention(settings):
    settings.TIERDESK_RETENTION_WEBHOOK_DAYS = 30
    settings.TIERDESK_RETENTION_MAIL_DAYS = 90
    settings.TIERDESK_RETENTION_TASK_DAYS = 14
    settings.TIERDESK_RETENTION_BATCH = 1000


# -- webhooks ---------------------------------------------------------------------------
@pytest.fixture
def hook(world, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    return services.webhook_create(
        actor=world.actor("acme_admin"), url=f"https://{PUBLIC_IP}/hook"
    )[0]


def event(world, hook, *, at: datetime, status: str | None, fanned_out: bool = True):
    """An outbox event made at `at` with one delivery in `status` (None: no delivery)."""
    with travel_to(at):
        row = OutboxEvent.objects.create(
            event="ticket.created",
            occurred_at=at,
            payload={},
            partner=world.acme,
            fanned_out_at=at if fanned_out else None,
        )
        if status is not None:
            Delivery.objects.create(
                webhook=hook,
                outbox=row,
                status=status,
                last_attempt_at=at if status != "pending" else None,
                next_attempt_at=at + DAY if status == "pending" else None,
            )
    return row


def test_old_finished_webhook_rows_go_recent_and_pending_stay(world, hook, retention):
    old = NOW - 31 * DAY
    delivered = event(world, hook, at=old, status="succeeded")
    dead = event(world, hook, at=old, status="failed")
    nobody = event(world, hook, at=old, status=None)  # no hook heard it
    retrying = event(world, hook, at=old, status="pending")
    unfanned = event(world, hook, at=old, status=None, fanned_out=False)
    recent = event(world, hook, at=NOW - 29 * DAY, status="succeeded")
    # a delivery finished long ago but redelivered yesterday
    redelivered = event(world, hook, at=old, status="succeeded")
    Delivery.objects.filter(outbox=redelivered).update(last_attempt_at=NOW - DAY)
    # when the job runs
    result = prune_webhooks(now=NOW)
    # then only the old finished deliveries and the events left without one are gone
    assert result == {"deliveries": 2, "outbox": 3}
    kept = set(OutboxEvent.objects.values_list("pk", flat=True))
    assert kept == {retrying.pk, unfanned.pk, recent.pk, redelivered.pk}
    assert not {delivered.pk, dead.pk, nobody.pk} & kept
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending", "succeeded"}
    assert Delivery.objects.count() == 3


# -- mail -------------------------------------------------------------------------------
def mail(n: int, *, at: datetime, status: str, sent: bool = False) -> list[OutboundMail]:
    rows = []
    with travel_to(at):
        for i in range(n):
            key = f"{status}-{at.timestamp()}-{i}"
            rows.append(
                OutboundMail.objects.create(
                    dedup_key=key,
                    kind="ticket_created",
                    to_email="someone@example.com",
                    from_email="support@example.com",
                    subject="s",
                    text_body="t",
                    html_body="h",
                    message_id=f"<{key}@example.com>",
                    status=status,
                    sent_at=at if sent else None,
                    created_at=at,
                )
            )
    return rows


def test_old_sent_and_failed_mail_goes_pending_and_recent_stay(db, retention):
    old = NOW - 91 * DAY
    gone = mail(2, at=old, status="sent", sent=True) + mail(1, at=old, status="failed")
    gone += mail(1, at=old, status="suppressed")
    kept = mail(1, at=old, status="pending") + mail(1, at=NOW - 89 * DAY, status="sent")
    # when the job runs
    assert prune_mail(now=NOW) == 4
    # then
    assert set(OutboundMail.objects.values_list("pk", flat=True)) == {m.pk for m in kept}
    assert not OutboundMail.objects.filter(pk__in=[m.pk for m in gone]).exists()


def test_the_batch_size_is_honoured_with_two_statements_per_batch(db, retention, settings):
    mail(5, at=NOW - 100 * DAY, status="sent", sent=True)
    # when one batch of two runs
    with CaptureQueriesContext(connection) as one:
        assert prune_mail(now=NOW, batch=2, rounds=1) == 2
    assert OutboundMail.objects.count() == 3
    statements = [
        q
        for q in one.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]
    assert len(statements) == 2  # the ids, one DELETE
    # when the whole job runs with the configured batch, it works through all of them
    settings.TIERDESK_RETENTION_BATCH = 2
    assert prune_mail(now=NOW) == 3
    assert OutboundMail.objects.count() == 0


def test_zero_days_keeps_everything(db, retention, settings):
    mail(2, at=NOW - 1000 * DAY, status="sent", sent=True)
    settings.TIERDESK_RETENTION_MAIL_DAYS = 0
    assert prune_mail(now=NOW) == 0
    assert OutboundMail.objects.count() == 2


# -- task results -----------------------------------------------------------------------
def task_row(status: str, finished: datetime | None) -> DBTaskResult:
    result = prune_task_results_task.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=finished)
    return DBTaskResult.objects.get(pk=result.id)


def test_finished_task_results_go_ready_and_running_stay(db, retention):
    old = NOW - 15 * DAY
    gone = [task_row("SUCCESSFUL", old), task_row("FAILED", old)]
    kept = [
        task_row("READY", None),
        task_row("RUNNING", None),
        task_row("SUCCESSFUL", NOW - 13 * DAY),
    ]
    assert prune_task_results(now=NOW) == 2
    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {r.pk for r in kept}
    assert not remaining & {r.pk for r in gone}


def test_the_worker_beat_runs_the_pruning_hourly():
    jobs = {job.name: job for job in periodic.jobs()}
    for name in ("webhooks.prune", "mail.prune", "tasks.prune"):
        assert jobs[name].every_seconds == 3600
        assert jobs[name].task() is not None
