"""`GET /api/v1/tickets/{id}/log-lines`: the lines of a ticket's logs around when it
happened (`selectors.log_window`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from tierdesk.core.api_support import READ_ERRORS, Instant, request_actor
from tierdesk.logs import selectors
from tierdesk.logs.models import LogLine
from tierdesk.tickets.access import get_ticket

router = Router(tags=["logs"])

LevelName = Literal["trace", "debug", "info", "warn", "error", "fatal"]
LineLevel = Literal["unknown", "trace", "debug", "info", "warn", "error", "fatal"]


class LogLineFilters(Schema):
    around: Instant | None = Field(
        None, description="The centre of the window (RFC 3339); default the ticket's occurred_at."
    )
    minutes: int | None = Field(
        None,
        ge=0,
        le=selectors.MAX_MINUTES,
        description="Minutes either side; default 15 (0 around an occurred_at–occurred_until "
        "window).",
    )
    level: LevelName | None = Field(None, description="Only lines at or above this level.")


class LogLineOut(Schema):
    attachment_id: int
    line: int
    time: datetime | None
    level: LineLevel
    message: str
    flow_id: str
    step: str
    error: bool
    url: str = Field(description="The line in the whole log's page (HTML).")


class LogWindowOut(Schema):
    start: datetime | None
    end: datetime | None
    flow_id: str = Field(description="The flow the lines were narrowed to, or empty.")
    truncated: bool
    lines: list[LogLineOut]


def line_out(line: LogLine) -> dict:
    url = reverse("log-view", kwargs={"attachment_id": line.attachment_id})
    return {
        "attachment_id": line.attachment_id,
        "line": line.number,
        "time": line.time,
        "level": line.get_level_display() if line.level else "unknown",
        "message": line.message,
        "flow_id": line.flow_id,
        "step": line.step,
        "error": line.is_error,
        "url": f"{url}?line={line.number}#L{line.number}",
    }


@router.get(
    "/tickets/{ticket_id}/log-lines",
    response={200: LogWindowOut, **READ_ERRORS},
    operation_id="ticket_log_lines",
    summary="Log lines around when it happened",
)
def ticket_log_lines(request: HttpRequest, ticket_id: int, filters: Query[LogLineFilters]):
    actor = request_actor(request)
    ticket = get_ticket(actor, ticket_id)
    window = selectors.log_window(
        actor, ticket, around=filters.around, minutes=filters.minutes, level=filters.level
    )
    return {
        "start": window.start,
        "end": window.end,
        "flow_id": window.flow_id,
        "truncated": window.truncated,
        "lines": [line_out(line) for line in window.lines],
    }
