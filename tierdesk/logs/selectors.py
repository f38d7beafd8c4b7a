"""Reads of log lines, always through the ticket's visible attachments
(`tickets.access`): a customer sees the lines of public attachments only.

The ticket's zone — the zone a log time without an offset is read in — is the time zone
of the ticket's customer (the person whose systems wrote the log), else of the person
who opened the ticket, else `TIME_ZONE`. It is fixed on the log when the log is read
(`LogFile.zone`), so a later change of preference does not move its lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.logs.models import LogFile, LogLevel, LogLine
from tierdesk.tickets.access import get_attachment, visible_attachments
from tierdesk.tickets.models import Attachment, Ticket

DEFAULT_MINUTES = 15
MAX_MINUTES = 7 * 24 * 60
WINDOW_LIMIT = 500
PAGE_LINES = 200
LEVELS = {label: value for value, label in LogLevel.choices if value}


def ticket_zone(ticket: Ticket) -> str:
    for person in (ticket.customer, ticket.created_by):
        if person is not None and getattr(person, "time_zone", ""):
            return person.time_zone
    return settings.TIME_ZONE


def level_value(level: str | None) -> int:
    if level in (None, ""):
        return 0
    if level not in LEVELS:
        raise InvalidInput({"level": "must be one of " + ", ".join(LEVELS)})
    return LEVELS[level]


def visible_lines(actor: Actor, ticket: Ticket) -> QuerySet[LogLine]:
    """Lines of the ticket's attachments this actor may see (ticket from `get_ticket`)."""
    return LogLine.objects.filter(
        ticket=ticket, attachment__in=visible_attachments(actor, ticket).values("pk")
    )


@dataclass
class Window:
    start: datetime | None
    end: datetime | None
    minutes: int
    level: str
    flow_id: str  # the flow the lines were narrowed to, or ""
    lines: list[LogLine] = field(default_factory=list)
    truncated: bool = False
    has_logs: bool = False


def log_window(
    actor: Actor,
    ticket: Ticket,
    *,
    around: datetime | None = None,
    minutes: int | None = None,
    level: str | None = None,
) -> Window:
    """The lines around when it happened: `around` ± `minutes` (default: `occurred_at` ±
    15 minutes; when the ticket gives `occurred_until`, that window, widened by `minutes`
    only if asked). Narrowed to the ticket's flow when lines carry flow IDs (lines
    without one stay), at or above `level`. Without any time, the error lines."""
    floor = level_value(level)
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        raise InvalidInput({"minutes": f"must be between 0 and {MAX_MINUTES}"})
    if around is not None and around.tzinfo is None:
        raise InvalidInput({"around": "needs a time zone offset"})
    lines = visible_lines(actor, ticket)
    window = Window(None, None, DEFAULT_MINUTES if minutes is None else minutes, level or "", "")
    window.has_logs = lines.exists()
    if not window.has_logs:
        return window
    if around is not None:
        margin = timedelta(minutes=window.minutes)
        window.start, window.end = around - margin, around + margin
    elif ticket.occurred_at is not None:
        if ticket.occurred_until is not None:
            margin = timedelta(minutes=minutes or 0)
            window.start = ticket.occurred_at - margin
            window.end = ticket.occurred_until + margin
            window.minutes = minutes or 0
        else:
            margin = timedelta(minutes=window.minutes)
            window.start, window.end = ticket.occurred_at - margin, ticket.occurred_at + margin
    if window.start is not None:
        lines = lines.filter(time__gte=window.start, time__lte=window.end)
    else:
        lines = lines.filter(is_error=True)
    if floor:
        lines = lines.filter(level__gte=floor)
    if ticket.flow_id and lines.filter(flow_id=ticket.flow_id).exists():
        window.flow_id = ticket.flow_id
        lines = lines.filter(Q(flow_id=ticket.flow_id) | Q(flow_id=""))
    found = list(lines.order_by("time", "attachment_id", "number")[: WINDOW_LIMIT + 1])
    window.truncated = len(found) > WINDOW_LIMIT
    window.lines = found[:WINDOW_LIMIT]
    return window


@dataclass
class Page:
    attachment: Attachment
    log_file: LogFile | None
    number: int
    pages: int
    query: str
    lines: list[LogLine]
    matches: int | None = None


def log_page(
    actor: Actor, attachment_id: int, *, page: int = 1, line: int | None = None, query: str = ""
) -> Page:
    """One page of a whole log (PAGE_LINES lines), or — with `query` — of the lines whose
    message holds it. `line` picks the page that holds that line."""
    attachment = get_attachment(actor, attachment_id)
    log_file = LogFile.objects.filter(attachment=attachment).first()
    lines = LogLine.objects.filter(attachment=attachment)
    query = (query or "").strip()[:200]
    if query:
        lines = lines.filter(message__icontains=query)
    total = lines.count()
    pages = max(1, -(-total // PAGE_LINES))
    if line is not None and not query:
        page = (max(line, 1) - 1) // PAGE_LINES + 1
    page = min(max(page, 1), pages)
    chosen = lines.order_by("number")[(page - 1) * PAGE_LINES : page * PAGE_LINES]
    return Page(
        attachment=attachment,
        log_file=log_file,
        number=page,
        pages=pages,
        query=query,
        lines=list(chosen),
        matches=total if query else None,
    )


def log_files(actor: Actor, ticket: Ticket) -> list[LogFile]:
    return list(
        LogFile.objects.filter(
            attachment__in=visible_attachments(actor, ticket).values("pk")
        ).select_related("attachment")
    )
