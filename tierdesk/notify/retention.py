"""Webhook rows past their retention (`TIERDESK_RETENTION_WEBHOOK_DAYS`): deliveries that
succeeded or failed for good, and outbox events fanned out with no delivery left. A
pending delivery — due, in flight or waiting for its next retry — and its event are
never deleted. See `core.retention`."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from tierdesk.core.retention import ROUNDS, cutoff, delete_in_batches
from tierdesk.notify.models import Delivery, DeliveryStatus, OutboxEvent

DONE = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


def prune_webhooks(
    *, now: datetime, batch: int | None = None, rounds: int = ROUNDS
) -> dict[str, int]:
    before = cutoff(settings.TIERDESK_RETENTION_WEBHOOK_DAYS, now)
    if before is None:
        return {"deliveries": 0, "outbox": 0}
    deliveries = Delivery.objects.filter(status__in=DONE, updated_at__lt=before).filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=before)
    )
    gone = delete_in_batches(deliveries, batch=batch, rounds=rounds)
    events = OutboxEvent.objects.filter(fanned_out_at__lt=before, created_at__lt=before).exclude(
        Exists(Delivery.objects.filter(outbox=OuterRef("pk")))
    )
    return {"deliveries": gone, "outbox": delete_in_batches(events, batch=batch, rounds=rounds)}
