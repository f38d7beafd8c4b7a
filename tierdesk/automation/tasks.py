from __future__ import annotations

from django_tasks import task


@task()
def run_rules_task() -> int:
    """The worker's automation job: every enabled scheduled rule (`services.rules_run`)."""
    from tierdesk.automation import services

    return len(services.rules_run())


@task()
def close_after_reopen_period_task() -> int:
    """Kept for jobs enqueued before the rules: the built-in close rule alone."""
    from tierdesk.automation import services

    return len(services.close_after_reopen_period())
