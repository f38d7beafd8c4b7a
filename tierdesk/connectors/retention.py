"""Connector rows past their retention (`TIERDESK_RETENTION_WEBHOOK_DAYS`, the same as
webhook deliveries): the exchange log, and jobs that succeeded or failed for good. A
pending job — due, in flight or waiting for its next retry — is never deleted."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q

from tierdesk.connectors.models import ConnectorJob, Exchange, JobStatus
from tierdesk.core.retention import ROUNDS, cutoff, delete_in_batches


def prune_connectors(
    *, now: datetime, batch: int | None = None, rounds: int = ROUNDS
) -> dict[str, int]:
    before = cutoff(settings.TIERDESK_RETENTION_WEBHOOK_DAYS, now)
    if before is None:
        return {"exchanges": 0, "jobs": 0}
    done = ConnectorJob.objects.filter(
        status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED), created_at__lt=before
    ).filter(Q(done_at__isnull=True) | Q(done_at__lt=before))
    exchanges = Exchange.objects.filter(created_at__lt=before)
    return {
        "exchanges": delete_in_batches(exchanges, batch=batch, rounds=rounds),
        "jobs": delete_in_batches(done, batch=batch, rounds=rounds),
    }
