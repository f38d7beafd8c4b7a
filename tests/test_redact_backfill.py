"""The redaction backfill (`tierdesk redact-backfill`): rows stored before redaction at the
door existed still hold raw secrets — in a ticket's fields, a message, an event's reason,
a handover snapshot, a stored log file and the lines read from it, the search document,
mail sent and received, held mail, a webhook payload. After one run none of them holds
any, anywhere; a dry run changes nothing; a second run changes nothing; the output and
the logs name kinds and counts, never a value."""

from __future__ import annotations

import base64
import logging
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.factories import complete_fields, ticket_at
from tests.test_redaction import (
    BEARER,
    DB_PASSWORD,
    PASSWORD,
    PLATFORM_KEY,
    SECRETS,
    every_stored_value,
    leaks,
    leaky_log,
)
from tierdesk.cli import main
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden
from tierdesk.logs import services as logs
from tierdesk.logs.backfill import backfill
from tierdesk.logs.models import LogLine
from tierdesk.mail.models import HeldMail, InboundMessage, OutboundMail
from tierdesk.notify.models import OutboxEvent
from tierdesk.search.selectors import search
from tierdesk.search.services import document_refresh
from tierdesk.tickets import services
from tierdesk.tickets.access import (
    get_ticket,
    visible_attachments,
    visible_events,
    visible_handovers,
    visible_messages,
    visible_tickets,
)
from tierdesk.tickets.models import AttachmentKind, EventKind
from tierdesk.tickets.services.masking import ticket_mask_secrets

pytestmark = pytest.mark.django_db


def held_raw() -> bytes:
    """A held mail whose body holds a password only once base64 is decoded."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "x@else.example", "support@acme.example", "Help"
    msg.set_content(f"our login: password={PASSWORD}\n", cte="base64")
    raw = msg.as_bytes()
    assert PASSWORD.encode() not in raw and base64.b64encode(b"password") not in raw
    return raw


@pytest.fixture
def old_rows(world, settings):
    """A ticket (and the records beside it) as a version without redaction stored them:
    made through the services, then given back the raw secrets the door now masks."""
    ticket = ticket_at(world, "in_progress@L2")
    l1 = world.actor("acme_l1")
    message = services.message_add(actor=l1, ticket_id=ticket.pk, body="Saw it")
    attachment = services.attachment_add(
        actor=l1,
        ticket_id=ticket.pk,
        file=b"2026-11-27T09:14:09Z ERROR nothing yet\n",
        filename="execution.log",
        kind=AttachmentKind.LOG,
        internal=False,
    )
    tickets = visible_tickets(SYSTEM).filter(pk=ticket.pk)
    tickets.update(
        description=f"Fails since the key rotation; password={PASSWORD}",
        pasted_log=leaky_log(),
    )
    ticket = get_ticket(SYSTEM, ticket.pk)
    visible_messages(SYSTEM, ticket).filter(pk=message.pk).update(body=f"Saw {PLATFORM_KEY} in it")
    visible_events(SYSTEM, ticket).filter(kind=EventKind.TAKEN).update(
        reason=f"Authorization: Bearer {BEARER}"
    )
    visible_handovers(SYSTEM, ticket).update(checklist={"description": f"pwd={PASSWORD}"})
    # the stored log file itself, as it was uploaded, and the lines read from it
    Path(attachment.file.path).write_bytes(leaky_log().encode())
    visible_attachments(SYSTEM, ticket).filter(pk=attachment.pk).update(redactions={})
    logs.log_parse(attachment_id=attachment.pk)
    document_refresh(ticket_id=ticket.pk)
    # mail and webhooks of that time
    OutboundMail.objects.filter(ticket=ticket).update(text_body=f"password: {PASSWORD}")
    OutboundMail.objects.create(
        dedup_key="old-1",
        kind="reply",
        ticket=ticket,
        to_email="ann@acme.example",
        from_email="support@acme.example",
        subject="Re: it",
        text_body=f"DATABASE_URL=postgres://orders:{DB_PASSWORD}@db/orders",
        html_body=f"<p>Bearer {BEARER}</p>",
        message_id="<old-1@tierdesk>",
    )
    InboundMessage.objects.create(
        dedup_key="in-1",
        sha256="0" * 64,
        subject=f"token={BEARER}",
        source="stdin",
        outcome="message_added",
        ticket=ticket,
    )
    HeldMail.objects.create(
        dedup_key="held-1",
        reason="unknown_sender",
        raw=held_raw(),
        size=1,
        subject="Help",
        source="stdin",
    )
    OutboxEvent.objects.filter(ticket=ticket).update(
        payload={"ticket": {"description": f"password={PASSWORD}"}}
    )
    # they are there, in the database and in storage
    assert any(leaks(s, v) for _t, v in every_stored_value() for s in SECRETS)
    assert LogLine.objects.filter(ticket=ticket, message__contains=BEARER).exists()
    return ticket, attachment


def snapshot(settings) -> tuple[list, dict]:
    root = Path(settings.STORAGES["attachments"]["OPTIONS"]["location"])
    files = {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    rows = sorted((t, repr(v)) for t, v in every_stored_value() if t != "django_session")
    return rows, files


def held_decoded() -> str:
    from email import message_from_bytes

    held = HeldMail.objects.get(dedup_key="held-1")
    return message_from_bytes(bytes(held.raw)).get_payload(decode=True).decode()


def test_a_dry_run_counts_and_changes_nothing(world, settings, old_rows):
    before = snapshot(settings)
    report = backfill(apply=False, batch=2)
    assert report.dry_run and report.tickets_masked == 1 and report.rows_masked >= 4
    assert report.counts["password"] >= 3 and report.counts["bearer"] >= 2
    assert {"ticket", "message", "event", "handover", "attachment"} <= set(report.places)
    assert snapshot(settings) == before


def test_after_a_run_the_raw_secrets_are_nowhere_and_a_second_run_changes_nothing(
    world, settings, old_rows, caplog
):
    caplog.set_level(logging.DEBUG)
    ticket, attachment = old_rows
    report = backfill(batch=1)
    assert report.tickets_masked == 1 and report.tickets == visible_tickets(SYSTEM).count()
    # no table holds a raw secret in any column
    found = [(t, s) for t, v in every_stored_value() for s in SECRETS if leaks(s, v)]
    assert found == []
    # nor any stored file (the old file of the log is gone)
    root = Path(settings.STORAGES["attachments"]["OPTIONS"]["location"])
    for path in (p for p in root.rglob("*") if p.is_file()):
        assert not any(s.encode() in path.read_bytes() for s in SECRETS), path
    assert "[redacted: password]" in held_decoded()
    # the log was stored again, masked, its counts kept, and read again into lines
    log = visible_attachments(SYSTEM, ticket).get(pk=attachment.pk)
    assert log.redactions["private_key"] == 1 and log.redactions["bearer"] == 2
    with log.file.open("rb") as handle:
        assert b"[redacted: bearer]" in handle.read()
    assert log.size == len(log.file.storage.open(log.file.name).read())
    assert LogLine.objects.filter(ticket=ticket, message__contains="[redacted: bearer]").exists()
    # the ticket says what was masked, and nobody was told
    masked = visible_events(SYSTEM, ticket).get(kind=EventKind.SECRETS_MASKED)
    assert masked.data["counts"]["password"] >= 2 and masked.data["attachments"] == [log.pk]
    assert not OutboxEvent.objects.filter(ticket_event_id=masked.pk).exists()
    # the search index no longer finds the secret, and finds the ticket by its words
    assert search(world.actor("l2"), PLATFORM_KEY).count == 0
    assert ticket.number in [h.ticket.number for h in search(world.actor("l2"), "rotation").hits]
    # the logs name kinds and counts only
    assert "redact-backfill ticket" in caplog.text
    assert not any(s in caplog.text for s in SECRETS)
    # a second run finds nothing and changes nothing
    before = snapshot(settings)
    again = backfill()
    assert (again.tickets_masked, again.rows_masked, dict(again.counts)) == (0, 0, {})
    assert snapshot(settings) == before


def test_the_command_resumes_and_prints_no_value(world, settings, old_rows, capsys):
    ticket, _ = old_rows
    # past the ticket: nothing of it is masked (the records beside it still are)
    assert main(["redact-backfill", "--dry-run", "--after", str(ticket.pk)]) == 0
    out = capsys.readouterr().out
    assert "0 with secrets" in out and "dry run: nothing was changed" in out
    assert main(["redact-backfill", "--batch", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 with secrets" in out and "masked:" in out and "password" in out
    assert not any(s in out for s in SECRETS)
    assert main(["redact-backfill", "--batch", "0"]) == 2
    # (the parser, built before Django is set up, keeps its own copy of the default)
    from tierdesk.cli import redact
    from tierdesk.logs import backfill as module

    assert redact.DEFAULT_BATCH == module.DEFAULT_BATCH


def test_only_the_system_masks_stored_text(world):
    ticket = ticket_at(world, "new@L1")
    with pytest.raises(Forbidden):
        ticket_mask_secrets(actor=world.actor("admin"), ticket_id=ticket.pk)
    # and a clean ticket gives nothing to mask and no event
    assert not ticket_mask_secrets(actor=SYSTEM, ticket_id=ticket.pk)
    assert not visible_events(SYSTEM, ticket).filter(kind=EventKind.SECRETS_MASKED).exists()


def test_the_fields_of_a_new_ticket_are_masked_at_the_door_still(world):
    # (the backfill is for old rows: today's door already masks, the backfill finds none)
    services.ticket_create(
        actor=world.actor("acme_l1"), data=complete_fields(description=f"pwd={PASSWORD}")
    )
    assert backfill().tickets_masked == 0
