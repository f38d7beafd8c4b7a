"""Background work of the tracker loop: `<verb>_task(id)` loads and calls a service.

| task | does |
|---|---|
| `tracker_call_task(call_id)` | one attempt of a tracker call (create the issue, comment) |

Queued when the change that asks for the call commits, and again when staff retry a
failed call; a call that fails keeps its HTTP status, error and attempts on its row
(`services.tracker_calls`) and is logged, never with the tracker's credentials.
"""

from __future__ import annotations

from django_tasks import task

from tierdesk.problems.services import tracker_calls


@task()
def tracker_call_task(call_id: int) -> str | None:
    return tracker_calls.tracker_call_run(call_id=call_id)
