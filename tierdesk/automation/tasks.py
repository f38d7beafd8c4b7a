from __future__ import annotations

from django_tasks import task


@task()
def close_after_reopen_period_task() -> int:
    from tierdesk.automation import services

    return len(services.close_after_reopen_period())
