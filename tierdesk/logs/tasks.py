"""The worker's side of logs: `parse_log_task(attachment_id)` reads one log attachment
into lines (`services.log_parse`); queued by the commit that stored the attachment."""

from __future__ import annotations

from django_tasks import task


@task()
def parse_log_task(attachment_id: int) -> str:
    from tierdesk.logs import services

    log_file = services.log_parse(attachment_id=attachment_id)
    return f"{log_file.status}: {log_file.lines} lines, {log_file.errors} errors"
