"""Erasing what people wrote on a ticket, for the privacy rules (`identity.erasure`,
`identity.retention`): the texts are replaced by `[erased]` and the files deleted, while
the ticket, its states and its events stay, so counts and reports do not change.

These are writes to tickets and belong here, with every other write; the caller decides
whom and what to erase, and erases the rest (mail, webhook payloads, search documents)
in its own apps."""

from __future__ import annotations

from django.db import models, transaction

from tierdesk.core.actor import SYSTEM
from tierdesk.tickets import access
from tierdesk.tickets.fields import TEXT_FIELDS
from tierdesk.tickets.models import Ticket

ERASED = "[erased]"
# Every free text of a ticket (the fields people type, and the resolution notes).
TICKET_TEXT = [*(f for f in TEXT_FIELDS if f != "flow_version"), "resolution"]
REPRODUCTION_TEXT = ["steps", "environment", "observed", "analysis", "evidence_log_lines"]


def _blank(obj: models.Model, names: list[str]) -> list[str]:
    changed = []
    for name in names:
        if getattr(obj, name, ""):
            setattr(obj, name, ERASED)
            changed.append(name)
    return changed


def _delete_files(attachments) -> None:
    """Delete attachment rows and their files (a file shared by content with an
    attachment that stays is kept)."""
    rows = list(attachments)
    doomed = {a.pk for a in rows}
    for attachment in rows:
        name = attachment.file.name
        shared = type(attachment).objects.filter(file=name).exclude(pk__in=doomed).exists()
        if not shared and name:
            attachment.file.storage.delete(name)
        attachment.delete()


@transaction.atomic
def ticket_erase(*, ticket_id: int) -> Ticket:
    """Replace the ticket's texts, handover snapshots, reproductions and messages by
    `[erased]` and delete its attachments (rows and files), under the ticket's lock."""
    ticket = access.get_ticket(SYSTEM, ticket_id, for_update=True)
    changed = _blank(ticket, TICKET_TEXT)
    if "pasted_log" in changed:
        ticket.pasted_log = ""
    if changed:
        ticket.save(update_fields=changed)
    access.visible_handovers(SYSTEM, ticket).update(checklist={"erased": True}, bounce_note="")
    for reproduction in access.visible_reproductions(SYSTEM, ticket):
        fields = _blank(reproduction, REPRODUCTION_TEXT)
        if fields:
            reproduction.save(update_fields=fields)
    access.visible_messages(SYSTEM, ticket).update(body=ERASED)
    _delete_files(access.visible_attachments(SYSTEM, ticket))
    return ticket


@transaction.atomic
def ticket_erase_by(*, ticket_id: int, person_id: int) -> Ticket:
    """Replace the messages one person wrote on the ticket by `[erased]` and delete the
    files they uploaded to it; the rest of the ticket stays."""
    ticket = access.get_ticket(SYSTEM, ticket_id, for_update=True)
    access.visible_messages(SYSTEM, ticket).filter(author_id=person_id).update(body=ERASED)
    _delete_files(access.visible_attachments(SYSTEM, ticket).filter(uploaded_by_id=person_id))
    return ticket
