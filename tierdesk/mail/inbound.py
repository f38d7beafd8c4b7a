"""The one intake function: every inbound mail — `tierdesk mail-in` (an MTA pipe),
`tierdesk mail-fetch` (IMAP), a reprocessed held mail — goes through `intake()`.

1. Parse (`parsing`). An unreadable mail is held (quarantine) as it came, with the reason.
2. Dedup: the Message-ID (else the SHA-256 of the raw bytes) is the `InboundMessage` key,
   inserted in the same transaction as the ticket or message the mail makes. A mail seen
   before is a duplicate; two deliveries racing are one insert and one IntegrityError.
3. Route, as the sender through the ticket services (the same checks as the web):
   * an automatic mail (bounce, auto-reply) never opens a ticket nor counts as a reply:
     it becomes an internal note on the ticket whose mail it answers, or is ignored;
   * a reply threads by In-Reply-To/References, then by `[TAG#number]` in the subject —
     only to a ticket the sender takes part in (its customer; staff who work it, wrote
     on it or were mailed about it). Customers add a public message (a waiting ticket
     goes back to in progress; a resolved one is reopened; a closed one gets a follow-up
     ticket); staff add an internal note. A forged or foreign number opens a new ticket;
   * a known customer's new mail opens a ticket at L1 of their partner, answered with
     the ticket number (the confirmation threads to the mail; loop rules apply);
   * an unknown sender: `TIERDESK_MAIL_UNKNOWN_SENDERS=refuse` answers politely that the
     address is not registered; `triage` holds the mail for an admin, who registers the
     sender as a customer and processes it again (it then opens the ticket as above).
4. Attachments go through `attachment_add` one by one; one refused (too large, wrong
   type) is left out and the sender is told why. The quoted history is trimmed from the
   text; the original mail is attached as an internal `.eml`.

Secrets never reach storage: the body, subject and attachments go through the ticket
services, which redact them (and count what they masked on each attachment); the raw
copies kept — the held mail, the `.eml` — are scrubbed first (`scrub.scrub_mail`), and the
subject recorded for dedup is redacted.

Anything that fails while routing rolls the whole mail back and holds it with the
reason; only a database that cannot be reached raises `TemporaryFailure` (exit 75 for
the MTA; the IMAP fetch leaves the mail for next time).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from tierdesk.accounts.models import Organisation, OrgKind
from tierdesk.core import clock
from tierdesk.core.redaction import redact_text
from tierdesk.mail import parsing
from tierdesk.mail.models import HeldMail, HeldReason, InboundMessage, InboundOutcome, Mailbox
from tierdesk.mail.outbound import dedup_key
from tierdesk.mail.routing import Hold, IntakeResult, TemporaryFailure, clean, route
from tierdesk.mail.scrub import scrub_mail

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"
HELD = "held"
TEMPORARY = (OperationalError, InterfaceError)


def key_of(parsed: parsing.ParsedMail | None, sha: str) -> str:
    if parsed is not None and parsed.message_id:
        return dedup_key("mid", parsed.message_id)
    return f"sha256:{sha}"


# The door ------------------------------------------------------------------------------


def intake(
    raw: bytes,
    *,
    source: str,
    organisation: Organisation | None = None,
    held: HeldMail | None = None,
) -> IntakeResult:
    """Take in one raw RFC 822 mail (see the module). `organisation` is whose mailbox it
    came through (None: guessed from the recipients, else the vendor); `held` is the held
    row being processed again. Returns what became of it once committed; raises
    TemporaryFailure only when nothing could be stored."""
    sha = hashlib.sha256(raw).hexdigest()
    parsed: parsing.ParsedMail | None = None
    try:
        if len(raw) > settings.TIERDESK_MAIL_MAX_BYTES:
            limit = settings.TIERDESK_MAIL_MAX_BYTES
            raise Hold(HeldReason.TOO_LARGE, f"{len(raw)} bytes, over the limit of {limit}")
        try:
            parsed = parsing.parse(raw)
        except parsing.Unparseable as exc:
            raise Hold(HeldReason.UNPARSEABLE, str(exc)) from None
        organisation = organisation or _organisation_for(parsed.recipients)
        key = key_of(parsed, sha)
        if InboundMessage.objects.filter(dedup_key=key).exists():
            return _done(held, IntakeResult(DUPLICATE, detail="processed before"))
        if held is None:
            earlier = HeldMail.objects.filter(dedup_key=key).first()
            if earlier is not None and earlier.resolved_at is None:
                return IntakeResult(HELD, detail="held already", held_id=earlier.pk)
        try:
            with transaction.atomic():
                log = InboundMessage.objects.create(
                    dedup_key=key,
                    message_id=parsed.message_id[:998],
                    sha256=sha,
                    from_email=parsed.from_email[:320],
                    subject=redact_text(clean(parsed.subject))[:300],
                    source=source[:100],
                    outcome=InboundOutcome.IGNORED,
                )
                result = route(parsed, raw, log, organisation)
        except IntegrityError:
            if InboundMessage.objects.filter(dedup_key=key).exists():
                return _done(held, IntakeResult(DUPLICATE, detail="processed concurrently"))
            raise
    except TEMPORARY as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    except Hold as hold:
        return _hold(raw, sha, parsed, hold.reason, hold.detail, source, organisation, held)
    except Exception as exc:
        logger.exception("mail from %s could not be processed; held", source)
        detail = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
        return _hold(raw, sha, parsed, HeldReason.FAILED, detail, source, organisation, held)
    return _done(held, result)


def _done(held: HeldMail | None, result: IntakeResult) -> IntakeResult:
    if held is not None:
        number = f" (ticket {result.ticket_number})" if result.ticket_number else ""
        held.resolved_at = clock.now()
        held.resolution = f"{result.outcome}{number}: {result.detail}"[:300]
        held.save(update_fields=["resolved_at", "resolution", "updated_at"])
    return result


def _hold(raw, sha, parsed, reason, detail, source, organisation, held) -> IntakeResult:
    """Keep the mail as it came, with the reason (a held mail held again: its reason)."""
    if organisation is None:
        try:
            organisation = _organisation_for(parsed.recipients if parsed else [])
        except TEMPORARY as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    try:
        with transaction.atomic():
            if held is None:
                held, created = HeldMail.objects.get_or_create(
                    dedup_key=key_of(parsed, sha),
                    defaults={
                        "reason": reason,
                        "detail": redact_text(clean(detail)),
                        "raw": (scrubbed := scrub_mail(raw)),
                        "size": len(scrubbed),
                        "from_email": parsed.from_email[:320] if parsed else "",
                        "subject": redact_text(clean(parsed.subject))[:300] if parsed else "",
                        "source": source[:100],
                        "organisation": organisation,
                    },
                )
                if created:
                    return IntakeResult(HELD, detail=detail, held_id=held.pk)
            held.reason, held.attempts = reason, held.attempts + 1
            held.detail = redact_text(clean(detail))
            held.resolved_at, held.resolution = None, ""
            held.save(
                update_fields=[
                    "reason",
                    "detail",
                    "attempts",
                    "resolved_at",
                    "resolution",
                    "updated_at",
                ]
            )
    except TEMPORARY as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    return IntakeResult(HELD, detail=detail, held_id=held.pk)


def _organisation_for(recipients: list[str]) -> Organisation | None:
    """Whose address the mail was sent to: a mailbox's or an organisation's sender
    address among the recipients; else the vendor."""
    if recipients:
        box = Mailbox.objects.filter(address__in=recipients).select_related("organisation")
        found = box.first()
        if found is not None:
            return found.organisation
        org = Organisation.objects.filter(sender_email__in=recipients).first()
        if org:
            return org
    return Organisation.objects.filter(kind=OrgKind.VENDOR).first()


__all__ = ["DUPLICATE", "HELD", "IntakeResult", "TemporaryFailure", "intake"]
