"""Background work of the core: forgetting expired idempotency keys (hourly, on the beat)."""

from __future__ import annotations

from django_tasks import task

from tierdesk.core import clock, idempotency


@task()
def prune_idempotency_keys_task() -> int:
    return idempotency.prune(now=clock.now())
