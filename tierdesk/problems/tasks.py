"""Background work of the tracker loop: `<verb>_task(id)` loads and calls a service.

| task | does |
|---|---|
| `tracker_issue_create_task(problem_id)` | creates the issue in the tracker, stores its key |
| `tracker_comment_task(problem_id, text)` | posts a status change to the problem's issue |

Both are queued when the change commits; a tracker that fails is logged (never with
its credentials) and the task fails, visible in the task results.
"""

from __future__ import annotations

import logging

from django_tasks import task

from tierdesk.problems.services import tracker as tracker_services

logger = logging.getLogger(__name__)


@task()
def tracker_issue_create_task(problem_id: int) -> str:
    return tracker_services.tracker_issue_create(problem_id=problem_id)


@task()
def tracker_comment_task(problem_id: int, text: str) -> bool:
    return tracker_services.tracker_comment_post(problem_id=problem_id, text=text)
