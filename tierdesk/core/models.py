from __future__ import annotations

from django.db import connection, models

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


# Counters that are a real sequence on PostgreSQL (migration core.0004): numbered without
# a row lock held until commit, so concurrent creates do not queue on the counter. A
# rolled-back transaction leaves a gap in the numbers there.
PG_SEQUENCES = frozenset({"ticket"})


_UPSERT = (
    "INSERT INTO core_sequence (name, value) VALUES (%s, %s) "
    "ON CONFLICT (name) DO UPDATE SET value = core_sequence.value + 1 RETURNING value"
)


def pg_sequence(name: str) -> str:
    return f"core_sequence_{name}"


def next_in_sequence(name: str, *, start: int = 1) -> int:
    """Increment and return the counter: one statement. On PostgreSQL `nextval` of its
    sequence (PG_SEQUENCES), elsewhere an upsert of its `Sequence` row that returns the
    value (the row stays locked until commit, so concurrent callers get distinct
    numbers: call it inside a transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and name in PG_SEQUENCES:
            cursor.execute("SELECT nextval(%s)", [pg_sequence(name)])
        else:
            cursor.execute(_UPSERT, [name, start])
        return int(cursor.fetchone()[0])


def restart_sequence(name: str, *, start: int = 1) -> None:
    """The next `next_in_sequence(name)` returns `start` again."""
    if connection.vendor == "postgresql" and name in PG_SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, false)", [pg_sequence(name), start])
    Sequence.objects.filter(name=name).delete()


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
