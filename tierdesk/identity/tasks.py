"""Identity's periodic job (`core.periodic`, job `identity.token_expiry`)."""

from __future__ import annotations

from django_tasks import task


@task()
def tokens_expiry_remind_task() -> int:
    from tierdesk.identity.services.tokens import tokens_expiry_remind

    return len(tokens_expiry_remind())
