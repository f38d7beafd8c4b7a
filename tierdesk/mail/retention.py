"""Outbound mail past its retention (`TIERDESK_RETENTION_MAIL_DAYS`): sent, failed and
suppressed mail rows are deleted in batches by the worker (the beat's `mail.prune`,
hourly); pending mail — queued, in flight or waiting for its next retry — never is.
See `core.retention`."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django_tasks import task

from tierdesk.core import clock
from tierdesk.core.retention import ROUNDS, cutoff, delete_in_batches
from tierdesk.mail.models import OutboundMail, OutboundStatus

FINISHED = (OutboundStatus.SENT, OutboundStatus.FAILED, OutboundStatus.SUPPRESSED)


def prune_mail(*, now: datetime, batch: int | None = None, rounds: int = ROUNDS) -> int:
    before = cutoff(settings.TIERDESK_RETENTION_MAIL_DAYS, now)
    if before is None:
        return 0
    rows = OutboundMail.objects.filter(status__in=FINISHED, created_at__lt=before).filter(
        Q(sent_at__isnull=True) | Q(sent_at__lt=before)
    )
    return delete_in_batches(rows, batch=batch, rounds=rounds)


@task()
def prune_mail_task() -> int:
    return prune_mail(now=clock.now())
