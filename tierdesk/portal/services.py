"""The portal's writes: a report or a reply together with its files, as one unit.

Each composes the ticket services (`tickets.services`) in one transaction, so a refused
file (a screenshot of a log sent as a log, a file too large) leaves no half-opened ticket
and no reply without the file it announced. A refusal is raised as InvalidInput naming the
form field (`logs` or `screenshots`) and the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput, PayloadTooLarge
from tierdesk.tickets import services
from tierdesk.tickets.models import AttachmentKind, Message, Ticket

FILE_FIELDS = (("logs", AttachmentKind.LOG), ("screenshots", AttachmentKind.SCREENSHOT))


def _attach(
    *,
    actor: Actor,
    ticket_id: int,
    files: Mapping[str, Iterable[UploadedFile]],
    message_id: int | None = None,
) -> None:
    for field, kind in FILE_FIELDS:
        for upload in files.get(field, ()):
            try:
                services.attachment_add(
                    actor=actor,
                    ticket_id=ticket_id,
                    file=upload,
                    filename=upload.name,
                    kind=kind,
                    message_id=message_id,
                )
            except InvalidInput as exc:
                reason = exc.fields.get("file") or exc.message
                raise InvalidInput({field: f"{upload.name} {reason}"}) from None
            except PayloadTooLarge as exc:
                raise InvalidInput({field: f"{upload.name}: {exc.message}"}) from None


@transaction.atomic
def report_open(
    *, actor: Actor, data: Mapping[str, Any], files: Mapping[str, Iterable[UploadedFile]]
) -> Ticket:
    """A customer's report: the ticket (new@L1, for their partner's L1) and its logs and
    screenshots. Raises what `ticket_create` and `attachment_add` raise; writes nothing
    unless everything passes."""
    ticket = services.ticket_create(actor=actor, data=data)
    _attach(actor=actor, ticket_id=ticket.pk, files=files)
    return ticket


@transaction.atomic
def reply_send(
    *,
    actor: Actor,
    ticket_id: int,
    body: str,
    files: Mapping[str, Iterable[UploadedFile]],
) -> Message:
    """A public reply with its files. A reply to a ticket waiting on the customer moves
    it back to in progress (`message_add`)."""
    message = services.message_add(actor=actor, ticket_id=ticket_id, body=body)
    _attach(actor=actor, ticket_id=ticket_id, files=files, message_id=message.pk)
    return message
