from __future__ import annotations

from django.db import models
from django.db.models import F

from tierdesk.core import clock


class TimeStamped(models.Model):
    """Creation and change times from `clock.now()` (so the demo can write history)."""

    created_at = models.DateTimeField(default=clock.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = clock.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)


class Sequence(models.Model):
    """Named counters for human numbers (ticket numbers), safe under concurrency."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_in_sequence(name: str, *, start: int = 1) -> int:
    """Increment and return the counter. Must run inside a transaction: the row stays
    locked until commit, so concurrent callers get distinct numbers."""
    Sequence.objects.get_or_create(name=name, defaults={"value": start - 1})
    Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.values_list("value", flat=True).get(name=name)


class PeriodicLease(models.Model):
    """When a periodic job is next due. Every worker's beat tries to claim a due job with
    one conditional UPDATE, so however many workers run, each job is enqueued once per
    interval."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} due {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """One API write remembered under its `Idempotency-Key` (see `core/idempotency.py`).

    Keyed by who sent it (the token, or the signed-in person) and the key. The row is
    created before the write runs, in the write's transaction: a second request with the
    same key waits on the unique index until the first commits, then replays its answer.
    """

    owner = models.CharField(max_length=64, help_text="token:<id> or user:<id>")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(default=b"", blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
