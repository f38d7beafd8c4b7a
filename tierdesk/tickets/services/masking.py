"""Secrets out of what a ticket already holds: for rows stored before redaction at the
door existed (or before a kind of secret was recognised).

`ticket_mask_secrets` passes every stored text of one ticket through the same redactor
the doors use (`core.redaction`): its fields and resolution, messages and notes, handover
snapshots and bounce notes, reproduction records, fixes, the reasons and data of its
events, and its text attachments (streamed, re-stored under the digest of the masked
bytes, `Attachment.redactions` adding what was masked). A value already masked is left
as it is, so a second pass changes nothing.

What was masked is recorded as one `SECRETS_MASKED` event (counts per kind, the
attachments rewritten) — written, not published on `tickets.bus`: a backfill is
housekeeping that nobody is notified of and no webhook announces. The caller refreshes
what is derived from the rows (log lines, the search document): see
`tierdesk.logs.backfill`."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden
from tierdesk.core.redaction import redact_file, redact_value
from tierdesk.tickets import access
from tierdesk.tickets.fields import TEXT_FIELDS
from tierdesk.tickets.models import Attachment, EventKind, Ticket, TicketEvent
from tierdesk.tickets.services._upload import SPOOL_BYTES, _Hashing

TICKET_TEXT = (*TEXT_FIELDS, "resolution")
REPRODUCTION_TEXT = ("steps", "environment", "observed", "analysis", "evidence_log_lines")
FIX_TEXT = ("reference", "release", "notes", "verification_notes")


@dataclass
class Masked:
    """What one pass found (and, unless it was a dry run, masked) in one ticket."""

    ticket_id: int
    counts: Counter[str] = field(default_factory=Counter)  # per kind of secret
    places: Counter[str] = field(default_factory=Counter)  # per kind of row: ticket, message…
    attachments: list[int] = field(default_factory=list)  # rewritten text attachments

    def __bool__(self) -> bool:
        return bool(self.counts)


def _mask_fields(obj, names, counts: Counter[str]) -> dict[str, object]:
    """The fields of `obj` whose masked value differs, with that value."""
    changed = {}
    for name in names:
        value = getattr(obj, name)
        if not value:
            continue
        masked = redact_value(value, counts)
        if masked != value:
            # A mask can be longer than what it replaced: keep it within the column.
            limit = getattr(type(obj)._meta.get_field(name), "max_length", None)
            changed[name] = masked[:limit] if limit and isinstance(masked, str) else masked
    return changed


def _rows(masked: Masked, place: str, queryset, names, *, apply: bool) -> None:
    for row in queryset.order_by("pk").iterator(chunk_size=200):
        counts: Counter[str] = Counter()
        changed = _mask_fields(row, names, counts)
        if not changed:
            continue
        masked.counts.update(counts)
        masked.places[place] += sum(counts.values())
        if apply:
            # An update of the row's masked columns only (events are otherwise immutable:
            # a secret is the one thing taken out of the audit trail).
            queryset.filter(pk=row.pk).update(**changed)


class _Sink:
    def write(self, data) -> int:
        return len(data)


def _attachment(masked: Masked, ticket: Ticket, attachment: Attachment, *, apply: bool) -> None:
    if not (attachment.is_text or attachment.content_type == "image/svg+xml"):
        return  # images and other binaries are stored as they came, at the door too
    try:
        source = attachment.file.open("rb")
    except OSError:
        return  # a file missing from storage holds nothing to mask
    with source, tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        target = _Hashing(spool) if apply else _Sink()
        counts = redact_file(source, target)
        if not counts:
            return
        masked.counts.update(counts)
        masked.places["attachment"] += sum(counts.values())
        masked.attachments.append(attachment.pk)
        if not apply:
            return
        old_name = attachment.file.name
        spool.seek(0)
        attachment.sha256 = target.digest.hexdigest()
        attachment.size = target.size
        attachment.redactions = dict(Counter(attachment.redactions or {}) + Counter(counts))
        attachment.file.save(attachment.filename, File(spool, name="masked"), save=False)
        attachment.save(update_fields=["file", "sha256", "size", "redactions"])
    shared = access.visible_attachments(SYSTEM, ticket).filter(file=old_name)
    if old_name and old_name != attachment.file.name and not shared.exists():
        attachment.file.storage.delete(old_name)


@transaction.atomic
def ticket_mask_secrets(*, actor: Actor, ticket_id: int, apply: bool = True) -> Masked:
    """Mask the secrets one ticket's stored rows still hold (see the module). Locks the
    ticket. With `apply=False`, only counts: nothing is written. Forbidden for anyone but
    the system (the `redact-backfill` command)."""
    if not actor.is_system:
        raise Forbidden("Stored text is masked by the system.")
    ticket = access.get_ticket(actor, ticket_id, for_update=True)
    masked = Masked(ticket_id=ticket.pk)
    counts: Counter[str] = Counter()
    changed = _mask_fields(ticket, TICKET_TEXT, counts)
    if changed:
        masked.counts.update(counts)
        masked.places["ticket"] += sum(counts.values())
        if apply:
            for name, value in changed.items():
                setattr(ticket, name, value)
            ticket.save(update_fields=list(changed))
    _rows(masked, "message", access.visible_messages(actor, ticket), ["body"], apply=apply)
    handovers = access.visible_handovers(actor, ticket)
    _rows(masked, "handover", handovers, ["checklist", "bounce_note"], apply=apply)
    reproductions = access.visible_reproductions(actor, ticket)
    _rows(masked, "reproduction", reproductions, REPRODUCTION_TEXT, apply=apply)
    _rows(masked, "fix", access.visible_fixes(actor, ticket), FIX_TEXT, apply=apply)
    _rows(masked, "event", access.visible_events(actor, ticket), ["reason", "data"], apply=apply)
    for attachment in access.visible_attachments(actor, ticket).order_by("pk"):
        _attachment(masked, ticket, attachment, apply=apply)
    if masked and apply:
        # Recorded, not published (see the module): nobody is notified of a backfill.
        TicketEvent.objects.create(
            ticket=ticket,
            actor=None,
            actor_role=actor.role,
            kind=EventKind.SECRETS_MASKED,
            to_level=ticket.level,
            to_status=ticket.status,
            data={
                "counts": dict(sorted(masked.counts.items())),
                "places": dict(sorted(masked.places.items())),
                "attachments": masked.attachments,
            },
            created_at=clock.now(),
        )
    return masked
