"""The chat's periodic job: waiting chats nobody accepted in time become tickets
(`services.chats_time_out`), enqueued every minute by the beat (`core.periodic`)."""

from __future__ import annotations

from django_tasks import task


@task()
def chats_time_out_task() -> int:
    from tierdesk.chat import services

    return len(services.chats_time_out())
