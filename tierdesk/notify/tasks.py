"""Background work for webhooks: fan-out, delivery, and the sweep that recovers both.

| task | does |
|---|---|
| `fan_out_task(outbox_id)` | a `Delivery` per matching active hook (`services.outbox_fan_out`) |
| `deliver_task(delivery_pk)` | the due attempt, unless another worker has it (`webhooks.deliver`) |
| `sweep_outbox_task()` | `sweep_outbox()` as a task |

Fan-out is queued when the ticket's transaction commits; each delivery's first attempt is
queued when the fan-out commits; a failed attempt queues the next one with `run_after`.
A process can die between a commit and its enqueue, and a queue can lose a task, so
`sweep_outbox()` must run periodically (every minute: `manage.py webhooks_sweep`, or a
scheduler enqueueing `sweep_outbox_task`). It is idempotent and safe to run on several
machines at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django_tasks import task

from tierdesk.core import clock
from tierdesk.notify.models import Delivery, DeliveryStatus, OutboxEvent

logger = logging.getLogger(__name__)

# A due attempt whose task was queued this long ago and has not run is queued again.
REQUEUE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500


@task()
def fan_out_task(outbox_id: int) -> int:
    from tierdesk.notify import services

    return len(services.outbox_fan_out(outbox_id=outbox_id) or [])


@task()
def deliver_task(delivery_pk: int) -> str | None:
    from tierdesk.notify import webhooks

    return webhooks.deliver(delivery_pk)


@task()
def sweep_outbox_task() -> dict[str, int]:
    return sweep_outbox()


def _enqueue(job: Any, arg: int, run_after: datetime | None = None) -> None:
    if run_after is not None:
        job = job.using(run_after=run_after)
    job.enqueue(arg)


def schedule_fan_out(outbox_id: int) -> None:
    """Queue the fan-out of an outbox row once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, fan_out_task, outbox_id), robust=True)


def schedule_delivery(delivery_pk: int, *, now: datetime, at: datetime | None = None):
    """Queue an attempt once the current transaction commits: now, or `at`. Returns the
    value for `Delivery.enqueued_at`: None when the task backend cannot defer (the
    immediate backend of tests and development); the sweep queues the attempt when due."""
    if at is not None and not deliver_task.get_backend().supports_defer:
        return None
    transaction.on_commit(partial(_enqueue, deliver_task, delivery_pk, at), robust=True)
    return at or now


def _without_task(now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - REQUEUE_AFTER),
        Q(locked_until__isnull=True) | Q(locked_until__lte=now),
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
    )


def sweep_outbox(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Recover what a lost enqueue left behind: fan out outbox rows that are not fanned
    out yet, and queue due attempts that have no task (never queued, or queued more than
    `REQUEUE_AFTER` ago without running — also attempts whose worker died mid-flight,
    once their lease ran out). Returns how many of each it handled."""
    from tierdesk.notify import services

    now = clock.now()
    fanned = 0
    pending = OutboxEvent.objects.filter(fanned_out_at__isnull=True).order_by("pk")
    for outbox_id in list(pending.values_list("pk", flat=True)[:limit]):
        if services.outbox_fan_out(outbox_id=outbox_id) is not None:
            fanned += 1
    queued = 0
    due = _without_task(now).order_by("next_attempt_at", "pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        # Claim the enqueue: of two sweeps, only one queues the attempt.
        if _without_task(now).filter(pk=pk).update(enqueued_at=now):
            _enqueue(deliver_task, pk)
            queued += 1
    if fanned or queued:
        logger.info("webhook sweep: fanned out %d events, queued %d attempts", fanned, queued)
    return {"fanned_out": fanned, "queued": queued}


@task()
def prune_webhooks_task() -> dict[str, int]:
    """Delete finished deliveries and outbox events past their retention
    (`notify.retention`; the beat's `webhooks.prune`, hourly)."""
    from tierdesk.notify.retention import prune_webhooks

    return prune_webhooks(now=clock.now())
