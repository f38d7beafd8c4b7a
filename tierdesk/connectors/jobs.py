"""The connector's outbox: every exchange with a partner's tool is a `ConnectorJob`,
written in the transaction that calls for it and delivered by the worker with the same
guarantees as a webhook delivery (`notify/webhooks.py`): claimed under `SELECT … FOR
UPDATE SKIP LOCKED` with a lease committed before the call, retried on the webhooks'
schedule (11 attempts over about 57 hours), `failed` afterwards, and found again by the
sweep if a process died between a commit and its enqueue."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q

from tierdesk.connectors.clients import ToolError
from tierdesk.connectors.models import Connector, ConnectorJob, ConnectorLink, JobKind, JobStatus
from tierdesk.connectors.tasks import run_job_task
from tierdesk.core import clock
from tierdesk.core.errors import DomainError, ScanUnavailable
from tierdesk.notify.webhooks import LEASE, MAX_ATTEMPTS, retry_delay

logger = logging.getLogger(__name__)
REQUEUE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500


def _enqueue(job_id: int, at: datetime | None = None) -> None:
    job = run_job_task.using(run_after=at) if at is not None else run_job_task
    job.enqueue(job_id)


def _schedule(job_id: int, *, now: datetime, at: datetime | None = None) -> datetime | None:
    if at is not None and not run_job_task.get_backend().supports_defer:
        return None  # the immediate backend cannot wait: the sweep queues it when due
    transaction.on_commit(partial(_enqueue, job_id, at), robust=True)
    return at or now


def job_add(
    *,
    connector: Connector,
    kind: str,
    external_id: str,
    link: ConnectorLink | None = None,
    payload: dict[str, Any] | None = None,
) -> ConnectorJob:
    """A job in the caller's transaction; its first attempt is queued on commit."""
    now = clock.now()
    job = ConnectorJob.objects.create(
        connector=connector,
        link=link,
        kind=kind,
        external_id=external_id,
        payload=payload or {},
        next_attempt_at=now,
        created_at=now,
    )
    job.enqueued_at = _schedule(job.pk, now=now)
    job.save(update_fields=["enqueued_at"])
    return job


def _due(now: datetime):
    return ConnectorJob.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now),
        status=JobStatus.PENDING,
        next_attempt_at__lte=now,
    )


def claim(job_id: int, now: datetime) -> ConnectorJob | None:
    with transaction.atomic():
        job = _due(now).select_for_update(skip_locked=True, of=("self",)).filter(pk=job_id).first()
        if job is None:
            return None
        job.attempts += 1
        job.locked_until = now + LEASE
        job.save(update_fields=["attempts", "locked_until"])
    return ConnectorJob.objects.select_related("connector", "link").get(pk=job.pk)


def finish(job: ConnectorJob, error: str, now: datetime, *, final: bool = False) -> str | None:
    with transaction.atomic():
        row = (
            ConnectorJob.objects.select_for_update()
            .filter(pk=job.pk, attempts=job.attempts, status=JobStatus.PENDING)
            .first()
        )
        if row is None:
            return None
        row.locked_until = None
        row.last_error = error[:300]
        if not error:
            row.status = JobStatus.SUCCEEDED
            row.done_at = now
            row.next_attempt_at = None
            row.enqueued_at = None
        elif final or row.attempts >= MAX_ATTEMPTS:
            row.status = JobStatus.FAILED
            row.next_attempt_at = None
            row.enqueued_at = None
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
            row.enqueued_at = _schedule(row.pk, now=now, at=row.next_attempt_at)
        row.save()
        return row.status


def perform(job: ConnectorJob) -> None:
    """The exchange itself (raises ToolError to retry, DomainError to give up)."""
    from tierdesk.connectors import handover, sync

    if not job.connector.active:
        raise DomainError("the connector is inactive")
    if job.kind == JobKind.HANDOVER:
        handover.handover_run(job)
    elif job.kind == JobKind.PULL:
        sync.pull_comments(job)
    else:
        sync.push(job)


def run(job_id: int) -> str | None:
    """Make the due attempt of one job, if this worker gets it."""
    job = claim(job_id, clock.now())
    if job is None:
        return None
    error, final = "", False
    try:
        perform(job)
    except ToolError as exc:
        error = str(exc) or "the tool refused"
        # A 4xx other than 408/429 will not heal by waiting: give up at once.
        final = exc.status is not None and 400 <= exc.status < 500 and exc.status not in (408, 429)
    except ScanUnavailable as exc:  # the virus scanner is down: wait for it
        error = exc.message
    except DomainError as exc:
        error, final = str(exc.message if hasattr(exc, "message") else exc), True
    outcome = finish(job, error, clock.now(), final=final)
    logger.info(
        "connector %s job %s (%s) attempt %s: %s",
        job.connector_id,
        job.pk,
        job.kind,
        job.attempts,
        error or "ok",
    )
    return outcome


def _without_task(now: datetime):
    return _due(now).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - REQUEUE_AFTER))


def sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Queue due attempts that have no task (never queued, lost, or held by a worker that
    died once its lease ran out). Idempotent; safe on several hosts at once."""
    now = clock.now()
    queued = 0
    for pk in list(
        _without_task(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    ):
        if _without_task(now).filter(pk=pk).update(enqueued_at=now):
            _enqueue(pk)
            queued += 1
    return queued
