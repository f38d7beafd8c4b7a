"""Reading log attachments into lines. Every write of `LogFile` and `LogLine` is here."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden
from tierdesk.logs import parsing, reading
from tierdesk.logs.models import LogFile, LogLine, ParseStatus
from tierdesk.logs.selectors import ticket_zone
from tierdesk.tickets.access import get_attachment
from tierdesk.tickets.models import AttachmentKind, EventKind, TicketEvent
from tierdesk.tickets.sniff import is_text_type

BATCH = 1000

# Sent with `log_file=` once a log has been read (inside the reading's transaction), for
# the apps above to refresh what they derive from its lines (search, signatures).
parsed = Signal()


def on_ticket_event(event: TicketEvent) -> None:
    """A text log was attached: note it as waiting and parse it once the upload commits."""
    if event.kind != EventKind.ATTACHMENT_ADDED:
        return
    data = event.data or {}
    if data.get("kind") != AttachmentKind.LOG or not is_text_type(data.get("content_type", "")):
        return
    attachment_id = data["attachment_id"]
    LogFile.objects.create(
        attachment_id=attachment_id, ticket_id=event.ticket_id, zone=ticket_zone(event.ticket)
    )
    transaction.on_commit(partial(_enqueue, attachment_id), robust=True)


def _enqueue(attachment_id: int) -> None:
    from tierdesk.logs.tasks import parse_log_task

    parse_log_task.enqueue(attachment_id)


def log_parse(*, actor: Actor = SYSTEM, attachment_id: int) -> LogFile:
    """Read one log attachment into lines, replacing what an earlier reading wrote.
    Streams the stored file line by line and inserts in batches of BATCH: memory stays
    bounded by a batch, whatever the file's size. A file that cannot be read is marked
    failed with the reason (its lines so far are dropped)."""
    if actor is not SYSTEM and not actor.sees_all_partners:
        raise Forbidden("Logs are read by the system.")
    attachment = get_attachment(actor, attachment_id)
    ticket = attachment.ticket
    with transaction.atomic():
        log_file, _ = LogFile.objects.select_for_update().get_or_create(
            attachment=attachment, defaults={"ticket": ticket, "zone": ticket_zone(ticket)}
        )
        LogLine.objects.filter(attachment=attachment).delete()
        log_file.parsed_at = clock.now()
        try:
            lines, errors, first, last = _store_lines(attachment, ticket.pk, log_file.zone)
        except (OSError, ValueError) as exc:
            LogLine.objects.filter(attachment=attachment).delete()
            log_file.status = ParseStatus.FAILED
            log_file.detail = f"{type(exc).__name__}: {exc}"[:300]
            log_file.lines = log_file.errors = 0
        else:
            log_file.status, log_file.detail = ParseStatus.PARSED, ""
            log_file.lines, log_file.errors = lines, errors
            log_file.first_time, log_file.last_time = first, last
        log_file.save()
        parsed.send(sender=LogFile, log_file=log_file)
    return log_file


def _store_lines(attachment, ticket_id: int, zone: str):
    lines = errors = 0
    first = last = None
    batch: list[LogLine] = []
    with reading.open_log(attachment) as handle:
        for line in parsing.parse(handle, default_zone=zone):
            lines += 1
            errors += line.is_error and not line.continuation
            if line.time is not None:
                first = line.time if first is None else min(first, line.time)
                last = line.time if last is None else max(last, line.time)
            batch.append(
                LogLine(
                    attachment_id=attachment.pk,
                    ticket_id=ticket_id,
                    number=line.number,
                    offset=line.offset,
                    time=line.time,
                    level=line.level,
                    message=line.message,
                    flow_id=line.flow_id,
                    step=line.step,
                    is_error=line.is_error,
                    error_text=line.error_text,
                )
            )
            if len(batch) >= BATCH:
                LogLine.objects.bulk_create(batch)
                batch = []
    if batch:
        LogLine.objects.bulk_create(batch)
    return lines, errors, first, last
