"""The redaction backfill: secrets out of rows stored before redaction at the door existed
(`tierdesk redact-backfill`, docs/operations.md).

1. Every ticket, in order of its ID, a batch at a time: `tickets.services.
   ticket_mask_secrets` masks its fields, messages, handover snapshots, reproductions,
   fixes, event reasons and text attachments (each ticket in its own transaction, its
   `SECRETS_MASKED` event saying what was masked); then what is derived from them is
   made again here — the lines of every log whose file was rewritten (`log_parse`) and
   the ticket's search document and error signatures (`document_refresh`).
2. The records kept beside the tickets, a batch of rows at a time: mail sent (subject and
   bodies), mail received (subject, detail), held mail (the raw mail, scrubbed as intake
   does — encoded parts too), webhook payloads, in-app notifications, chat messages.

Memory stays bounded: IDs are read a batch at a time, files are streamed through the
redactor. Idempotent: a masked value is not masked again, so a second run (or a run
after an interruption) finds nothing new; `after` starts the ticket walk past a ticket
already done. What is reported and logged is counts and IDs — never a value."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction

from tierdesk.core.actor import SYSTEM
from tierdesk.core.redaction import redact_value
from tierdesk.logs.models import LogFile
from tierdesk.logs.services import log_parse
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.services.masking import ticket_mask_secrets

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200
# The records beside the tickets: (app label, model, text fields). Apps not installed
# are skipped.
RECORDS = (
    ("mail", "OutboundMail", ("subject", "text_body", "html_body")),
    ("mail", "InboundMessage", ("subject", "detail")),
    ("mail", "HeldMail", ("subject", "detail")),
    ("notify", "OutboxEvent", ("payload",)),
    ("notifications", "Notification", ("text",)),
    ("chat", "ChatMessage", ("body",)),
    ("chat", "Chat", ("topic", "draft")),
)


@dataclass
class Report:
    dry_run: bool
    tickets: int = 0  # tickets looked at
    tickets_masked: int = 0
    rows_masked: int = 0  # records beside the tickets
    counts: Counter[str] = field(default_factory=Counter)  # per kind of secret
    places: Counter[str] = field(default_factory=Counter)  # per kind of row
    last_ticket_id: int = 0

    def lines(self) -> list[str]:
        verb = "would mask" if self.dry_run else "masked"
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items())) or "nothing"
        places = ", ".join(f"{place} {n}" for place, n in sorted(self.places.items()))
        return [
            f"{self.tickets} tickets looked at (through ID {self.last_ticket_id}), "
            f"{self.tickets_masked} with secrets; {self.rows_masked} other records with secrets",
            f"{verb}: {kinds}" + (f" (in {places})" if places else ""),
        ]


def _cut(model: type[models.Model], name: str, value):
    """A masked value can be longer than what it replaced: keep it within the column."""
    limit = getattr(model._meta.get_field(name), "max_length", None)
    return value[:limit] if limit and isinstance(value, str) else value


def _records(report: Report, model, names, *, apply: bool, batch: int) -> None:
    label = model._meta.model_name
    last = 0
    while True:
        rows = list(model._default_manager.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        for row in rows:
            counts: Counter[str] = Counter()
            changed = {}
            for name in names:
                value = getattr(row, name)
                masked = redact_value(value, counts) if value else value
                if masked != value:
                    changed[name] = _cut(model, name, masked)
            if label == "heldmail" and row.raw:
                from tierdesk.mail.scrub import scrub_mail_counted

                raw, found = scrub_mail_counted(bytes(row.raw))
                if found:
                    counts.update(found)
                    changed.update(raw=raw, size=len(raw))
            if not changed:
                continue
            report.rows_masked += 1
            report.counts.update(counts)
            report.places[label] += sum(counts.values())
            if apply:
                model._default_manager.filter(pk=row.pk).update(**changed)
        last = rows[-1].pk


def _refresh(ticket_id: int, attachment_ids: list[int]) -> None:
    """What is derived from the rows just masked: log lines, then the search document."""
    read = LogFile.objects.filter(attachment_id__in=attachment_ids)
    for attachment_id in read.values_list("attachment_id", flat=True):
        log_parse(attachment_id=attachment_id)
    if apps.is_installed("tierdesk.search"):
        from tierdesk.search.services import document_refresh

        document_refresh(ticket_id=ticket_id)


def backfill(
    *,
    apply: bool = True,
    batch: int = DEFAULT_BATCH,
    after: int = 0,
    progress: Callable[[Report], None] | None = None,
) -> Report:
    """Mask the secrets stored rows still hold (see the module); with `apply=False`, only
    count them. `progress` is called after every batch of tickets."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    report = Report(dry_run=not apply, last_ticket_id=after)
    tickets = visible_tickets(SYSTEM).order_by("pk")
    while True:
        ids = list(
            tickets.filter(pk__gt=report.last_ticket_id).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        for ticket_id in ids:
            with transaction.atomic():
                masked = ticket_mask_secrets(actor=SYSTEM, ticket_id=ticket_id, apply=apply)
                if masked and apply:
                    _refresh(ticket_id, masked.attachments)
            report.tickets += 1
            report.last_ticket_id = ticket_id
            if masked:
                report.tickets_masked += 1
                report.counts.update(masked.counts)
                report.places.update(masked.places)
                log.info(
                    "redact-backfill ticket %s: %s",
                    ticket_id,
                    dict(masked.counts),  # kinds and numbers only, never a value
                )
        if progress is not None:
            progress(report)
    for app_label, name, names in RECORDS:
        if not apps.is_installed(f"tierdesk.{app_label}"):
            continue
        model = apps.get_model(app_label, name)
        _records(report, model, names, apply=apply, batch=batch)
    return report
