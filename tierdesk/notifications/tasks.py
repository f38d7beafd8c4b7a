"""`sla_notifications_task()`: tell assignees in the app of SLA events (the sweep writes
them in bulk SQL, so no ticket event carries them); the beat runs it every minute
(`notifications.sla`)."""

from __future__ import annotations

from django_tasks import task


@task()
def sla_notifications_task() -> int:
    from tierdesk.notifications import services

    return services.sla_notifications()
