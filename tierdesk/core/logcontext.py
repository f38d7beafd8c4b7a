"""Which request or task a log line belongs to.

Every HTTP request gets an id: the caller's `X-Request-ID` when it is a sane one (8 to 128
letters, digits and `._:-`, as a proxy or load balancer generates them), a new random one
otherwise. It is sent back in the response's `X-Request-ID` and written into every log
line of that request (`request_id`). A background task's lines carry its task id
(`task_id`): the worker sets it when the task starts and clears it when it ends.

Both live in context variables, so they follow a request through its thread (sync
workers, gthread) or its task (ASGI) and never leak into the next request.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tierdesk_request_id", default=None
)
task_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tierdesk_task_id", default=None
)


def accept_request_id(incoming: str | None) -> str:
    """The caller's id when it is sane; a new one (32 hex digits) otherwise."""
    if incoming and _SANE.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain: every later middleware's and view's log lines carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = rid
        return response


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` (None outside a request or a task) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a 4xx/5xx answer after the middleware has returned; that record
            # carries the request itself.
            rid = request_id.get() or getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = rid if isinstance(rid, str) else None
        if not hasattr(record, "task_id"):
            record.task_id = task_id.get()
        return True


def task_started(sender, task_result, **kwargs) -> None:
    task_id.set(str(task_result.id))


def task_finished(sender, task_result, **kwargs) -> None:
    task_id.set(None)


def connect_task_signals() -> None:
    from django_tasks.signals import task_finished as finished
    from django_tasks.signals import task_started as started

    started.connect(task_started, dispatch_uid="tierdesk.logcontext.task_started")
    finished.connect(task_finished, dispatch_uid="tierdesk.logcontext.task_finished")
