"""The grants' periodic job (`core.periodic`, job `grants.remind`)."""

from __future__ import annotations

from django_tasks import task


@task()
def grants_remind_task() -> int:
    from tierdesk.grants import services

    return len(services.grants_remind())
