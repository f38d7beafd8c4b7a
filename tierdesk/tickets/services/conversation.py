"""Messages, attachments and reproduction records."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum

from tierdesk.accounts.models import Role
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden, InvalidInput, PayloadTooLarge, WrongState
from tierdesk.core.redaction import redact_text
from tierdesk.tickets import bus, events
from tierdesk.tickets.access import get_ticket, own_uploads
from tierdesk.tickets.models import (
    NOTED_EVENTS,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    Message,
    Reproduction,
    Status,
    Ticket,
    TicketEvent,
)
from tierdesk.tickets.services import _upload
from tierdesk.tickets.services._moves import worked
from tierdesk.tickets.services.transitions import customer_reply_in_tx
from tierdesk.tickets.sniff import is_image_type, is_text_type

CUSTOMER_INTERNAL = "is set by support: what a customer writes is public to them"
# Path separators and control characters (NUL, CR/LF…) never reach a stored label.
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def _safe_filename(filename: str) -> str:
    """The client's name as a label only: no path, no control characters, and no lone
    surrogate (which a mail decoder may leave and PostgreSQL cannot store)."""
    name = (filename or "upload").encode("utf-8", "replace").decode("utf-8")
    return _UNSAFE_IN_NAME.sub("_", name)[-200:]


def _writable(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise WrongState("The ticket is closed; open a new one.")


@transaction.atomic
def message_add(
    *,
    actor: Actor,
    ticket_id: int,
    body: str,
    internal: bool = False,
    channel: str = Channel.WEB,
) -> Message:
    """A public reply or an internal note. Customers write only public replies (an
    internal flag from a customer is refused, 422 naming `internal`); a customer's reply
    to a ticket waiting on them moves it back to in progress."""
    now = clock.now()
    ticket = get_ticket(actor, ticket_id, for_update=True)
    _writable(ticket)
    if not isinstance(body, str) or not body.strip():
        raise InvalidInput({"body": "must not be empty"})
    body = redact_text(body)
    if "\x00" in body:
        # Mail intake and direct callers too: PostgreSQL cannot store a NUL character.
        raise InvalidInput({"body": "contains a NUL character"})
    if internal and actor.is_customer:
        raise InvalidInput({"internal": CUSTOMER_INTERNAL})
    if actor.is_customer and ticket.status == Status.WAITING_ON_CUSTOMER:
        return customer_reply_in_tx(ticket, actor=actor, message=body, now=now, channel=channel)
    message = Message.objects.create(
        ticket=ticket, author=actor.user, body=body, internal=internal, channel=channel
    )
    # Staff answering stops the next-response wait; a customer writing starts one.
    bus.publish(bus.MessageWritten(ticket=ticket, message=message, now=now))
    worked(ticket, actor, kind="note" if internal else "reply", now=now)
    events.record(
        ticket=ticket,
        actor=actor,
        now=now,
        kind=EventKind.NOTE_ADDED if internal else EventKind.MESSAGE_ADDED,
        from_state=(ticket.level, ticket.status),
        data={"message_id": message.pk},
    )
    return message


@transaction.atomic
def system_message_add(*, ticket_id: int, body: str) -> Message:
    """A public message by the system telling the customer where their ticket stands (an
    outer app's update on a step). It belongs to the event that caused it: no event of
    its own, nothing published, and it answers no one's wait."""
    ticket = get_ticket(SYSTEM, ticket_id, for_update=True)
    _writable(ticket)
    if not isinstance(body, str) or not body.strip() or "\x00" in body:
        raise InvalidInput({"body": "must be text, not empty"})
    return Message.objects.create(ticket=ticket, author=None, body=body, internal=False)


def _check_quota(actor: Actor, size: int, now) -> None:
    """A person uploads at most TIERDESK_UPLOAD_DAY_FILES files and
    TIERDESK_UPLOAD_DAY_BYTES bytes in 24 hours, on all tickets together (ASVS 12.1.3), so
    no one account can fill the storage. Mail intake's own copies (the system) do not count."""
    if actor.user is None:
        return
    used = own_uploads(actor, since=now - timedelta(days=1)).aggregate(
        files=Count("pk"), size=Sum("size")
    )
    files_limit, bytes_limit = (
        settings.TIERDESK_UPLOAD_DAY_FILES,
        settings.TIERDESK_UPLOAD_DAY_BYTES,
    )
    if used["files"] + 1 > files_limit or (used["size"] or 0) + size > bytes_limit:
        raise PayloadTooLarge(
            f"You have uploaded {used['files']} files "
            f"({_upload.size_text(used['size'] or 0)}) in the last 24 hours; at most "
            f"{files_limit} files and {_upload.size_text(bytes_limit)} are allowed. "
            "Try again later."
        )


def _check_kind(kind: str, content_type: str) -> None:
    if kind not in AttachmentKind.values:
        raise InvalidInput({"kind": "must be one of " + ", ".join(AttachmentKind.values)})
    if kind == AttachmentKind.LOG and not is_text_type(content_type):
        what = "an image" if content_type.startswith("image/") else f"{content_type} content"
        raise InvalidInput(
            {
                "file": f"is {what}, not a text log: a screenshot of a log is not a log. "
                "Download the log from the platform (.log) and attach that."
            }
        )
    if kind == AttachmentKind.SCREENSHOT and not is_image_type(content_type):
        raise InvalidInput({"file": f"is {content_type}, not an image (PNG, JPEG, GIF, WebP)"})


@transaction.atomic
def attachment_add(
    *,
    actor: Actor,
    ticket_id: int,
    file: IO[bytes] | bytes,
    filename: str,
    kind: str,
    internal: bool | None = None,
    message_id: int | None = None,
) -> Attachment:
    """Store a file privately. Its type is sniffed from the bytes; a log must be text, a
    screenshot an image. Customers' attachments are public to them (an internal flag
    from a customer is refused, 422 naming `internal`); staff attachments are internal
    unless said otherwise."""
    now = clock.now()
    # Streamed in chunks: text is redacted on its way in, so size and SHA-256 are the
    # stored (masked) bytes'.
    upload = _upload.prepare(file, limit=settings.TIERDESK_MAX_UPLOAD_BYTES)
    content_type = upload.content_type
    _check_kind(kind, content_type)
    ticket = get_ticket(actor, ticket_id, for_update=True)
    _check_quota(actor, upload.size, now)
    _writable(ticket)
    if actor.is_customer:
        if internal:
            raise InvalidInput({"internal": CUSTOMER_INTERNAL})
        internal = False
    elif internal is None:
        internal = True
    message = None
    if message_id is not None:
        message = ticket.messages.filter(pk=message_id).first()
        if message is None or (actor.is_customer and message.internal):
            raise InvalidInput({"message_id": "is not a message of this ticket"})
    digest = upload.sha256
    safe_name = _safe_filename(filename)
    attachment = Attachment(
        ticket=ticket,
        message=message,
        uploaded_by=actor.user,
        kind=kind,
        filename=safe_name,
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        internal=internal,
        redactions=upload.redactions,
    )
    attachment.file.save(safe_name, upload.file, save=False)
    attachment.save()
    events.record(
        ticket=ticket,
        actor=actor,
        now=now,
        kind=EventKind.ATTACHMENT_ADDED,
        from_state=(ticket.level, ticket.status),
        data={"attachment_id": attachment.pk, "kind": kind, "content_type": content_type},
    )
    return attachment


@transaction.atomic
def reproduction_record(
    *,
    actor: Actor,
    ticket_id: int,
    reproduced: bool,
    steps: str = "",
    environment: str = "",
    observed: str = "",
    analysis: str = "",
    evidence_attachment_ids: list[int] | None = None,
    evidence_log_lines: str = "",
) -> Reproduction:
    """L2's reproduction record on a ticket it works. Evidence must be the ticket's own
    attachments. Completeness is judged by the escalation gate, not here."""
    now = clock.now()
    ticket = get_ticket(actor, ticket_id, for_update=True)
    if actor.role not in (Role.L2_AGENT, Role.SUPPORT_LEAD):
        raise Forbidden("Only L2 records reproductions.")
    if (ticket.level, ticket.status) != (2, Status.IN_PROGRESS):
        raise WrongState("Record a reproduction while the ticket is in progress at L2.")
    if not isinstance(reproduced, bool):
        raise InvalidInput({"reproduced": "must be true or false"})
    ids = list(evidence_attachment_ids or [])
    evidence = list(ticket.attachments.filter(pk__in=ids))
    if len(evidence) != len(set(ids)):
        raise InvalidInput({"evidence_attachment_ids": "must name attachments of this ticket"})
    record = Reproduction.objects.create(
        ticket=ticket,
        recorded_by=actor.user,
        reproduced=reproduced,
        steps=steps,
        environment=environment,
        observed=redact_text(observed),
        analysis=redact_text(analysis),
        evidence_log_lines=redact_text(evidence_log_lines),
    )
    record.evidence.set(evidence)
    events.record(
        ticket=ticket,
        actor=actor,
        now=now,
        kind=EventKind.REPRODUCTION_RECORDED,
        from_state=(ticket.level, ticket.status),
        data={"reproduction_id": record.pk, "reproduced": reproduced},
    )
    return record


@transaction.atomic
def ticket_event_add(
    *, actor: Actor, ticket_id: int, kind: str, data: dict[str, Any] | None = None
) -> TicketEvent:
    """An outer app's record of something that happened around a ticket without changing
    it (support access granted, revoked, about to end; the customer asked to revoke): one
    event of a `NOTED_EVENTS` kind, published like every other. The ticket must be the
    actor's to see; it is neither moved nor versioned."""
    if kind not in NOTED_EVENTS:
        raise InvalidInput({"kind": "is not an event an app may note"})
    ticket = get_ticket(actor, ticket_id, for_update=True)
    state = (ticket.level, ticket.status)
    return events.record(
        ticket=ticket, actor=actor, kind=kind, now=clock.now(), from_state=state, data=data
    )
