"""Retention: rows whose work is finished are deleted once they are older than their
retention, in bounded batches, by the worker's hourly jobs (`core.periodic`).

* `webhooks.prune` (`notify.retention`, `TIERDESK_RETENTION_WEBHOOK_DAYS`, 30): succeeded
  and failed deliveries, and outbox events fanned out with no delivery left; a pending
  delivery (due, or waiting for its next retry) and its event stay.
* `mail.prune` (`mail.retention`, `TIERDESK_RETENTION_MAIL_DAYS`, 90): sent, failed and
  suppressed outbound mail; pending mail (also between retries) stays.
* `tasks.prune` (here, `TIERDESK_RETENTION_TASK_DAYS`, 14): successful and failed task
  results (`django_tasks_db`); ready and running tasks stay.

`0` days keeps those rows for ever.

Each batch is its own transaction with a constant number of statements whatever its
size — the ids of at most `TIERDESK_RETENTION_BATCH` rows, then one DELETE of them (for
outbox events Django adds the look-up and the cascade to their deliveries: four) — so
pruning never holds long locks; a run stops after `ROUNDS` batches and the next hour
goes on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from tierdesk.core import clock

ROUNDS = 20


def cutoff(days: int, now: datetime) -> datetime | None:
    """The moment before which finished rows go; None when retention is off (0 days)."""
    return now - timedelta(days=days) if days > 0 else None


def delete_in_batches(rows: QuerySet, *, batch: int | None = None, rounds: int = ROUNDS) -> int:
    """Delete the rows of `rows` (a filtered queryset), at most `batch` per transaction,
    at most `rounds` transactions. Returns how many went."""
    batch = batch or settings.TIERDESK_RETENTION_BATCH
    model = rows.model
    deleted = 0
    for _ in range(rounds):
        with transaction.atomic():
            ids = list(rows.order_by().values_list("pk", flat=True)[:batch])
            if not ids:
                break
            deleted += model._base_manager.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
        if len(ids) < batch:
            break
    return deleted


FINISHED = ("SUCCESSFUL", "FAILED")


def prune_task_results(*, now: datetime, batch: int | None = None, rounds: int = ROUNDS) -> int:
    """Delete finished task results older than `TIERDESK_RETENTION_TASK_DAYS`."""
    before = cutoff(settings.TIERDESK_RETENTION_TASK_DAYS, now)
    if before is None:
        return 0
    rows = DBTaskResult.objects.filter(status__in=FINISHED, finished_at__lt=before)
    return delete_in_batches(rows, batch=batch, rounds=rounds)


@task()
def prune_task_results_task() -> int:
    return prune_task_results(now=clock.now())
