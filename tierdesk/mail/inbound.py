"""The one intake function: every inbound mail — `tierdesk mail-in` (an MTA pipe),
`tierdesk mail-fetch` (IMAP), a reprocessed held mail — goes through `intake()`.

1. Parse (`parsing`). An unreadable mail is held (quarantine) as it came, with the reason.
2. Dedup: the organisation whose mailbox received it, the Message-ID and the hash of the
   content (`content_digest`) are the `InboundMessage` key, inserted in the same
   transaction as the ticket or message the mail makes. The same mail again (by the
   pipe, by IMAP, or both) is a duplicate; two deliveries racing are one insert and one
   IntegrityError. Another mail under a Message-ID seen before is processed as a mail
   of its own (threaded, or held), never dropped.
3. Authenticate (`authentication`): the trusted MTA's `Authentication-Results`, or a
   DKIM signature checked here. Mail from a registered address that is not verified is
   held for review (*unverified*); see `routing` for what it may do when it is.
4. Route, as the sender through the ticket services (the same checks as the web):
   * an automatic mail (bounce, auto-reply) never opens a ticket nor counts as a reply:
     it becomes an internal note on the ticket whose mail it answers, or is ignored;
   * a customer's reply threads by In-Reply-To/References (our Message-IDs, or their
     own earlier mail), then by `[TAG#number]` in the subject — only to a ticket they
     are the customer of: a public message (a waiting ticket goes back to in progress; a
     resolved one is reopened; a closed one gets a follow-up ticket). A forged or foreign
     number or reference opens a new ticket;
   * staff add an internal note only by answering the signed reply address of a mail
     the ticket sent them (and only while they take part in it); other staff mail that
     names a ticket is held for review;
   * a known customer's new mail opens a ticket at L1 of their partner, answered with
     the ticket number (the confirmation threads to the mail; loop rules apply);
   * an unknown sender: `TIERDESK_MAIL_UNKNOWN_SENDERS=refuse` answers politely that the
     address is not registered; `triage` holds the mail for an admin, who registers the
     sender as a customer and processes it again (it then opens the ticket as above).
5. Attachments go through `attachment_add` one by one; one refused (too large, wrong
   type) is left out and the sender is told why. The quoted history is trimmed from the
   text; the original mail is attached as an internal `.eml`.

Secrets never reach storage: the body, subject and attachments go through the ticket
services, which redact them (and count what they masked on each attachment); the raw
copies kept — the held mail, the `.eml` — are scrubbed first (`scrub.scrub_mail`), and the
subject recorded for dedup is redacted.

Anything that fails while routing rolls the whole mail back and holds it with the
reason; only a database or a virus scanner that cannot be reached raises
`TemporaryFailure` (exit 75 for the MTA; the IMAP fetch leaves the mail for next time).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q

from tierdesk.accounts.models import Organisation, OrgKind
from tierdesk.core import clock
from tierdesk.core.errors import ScanUnavailable
from tierdesk.core.redaction import redact_text
from tierdesk.mail import authentication, parsing
from tierdesk.mail.models import HeldMail, HeldReason, InboundMessage, InboundOutcome, Mailbox
from tierdesk.mail.outbound import dedup_key
from tierdesk.mail.routing import Hold, IntakeResult, TemporaryFailure, clean, route
from tierdesk.mail.scrub import scrub_mail

logger = logging.getLogger(__name__)

# The DNS TXT lookup of direct DKIM checks (None: dkimpy's own, through dnspython).
DNS_TXT = None
DUPLICATE = "duplicate"
HELD = "held"
# An unreachable database, or virus scanner (core/antivirus.py): the mail waits.
TEMPORARY = (OperationalError, InterfaceError, ScanUnavailable)


# What the writer wrote; trace headers (Received, Delivered-To, Return-Path,
# Authentication-Results…) differ between the pipe and IMAP and are left out.
CONTENT_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "content-type",
)


def content_digest(raw: bytes) -> str:
    """SHA-256 of a mail's content as its writer sent it: the headers the writer set and
    the body, line endings and trailing blanks normalised. The same mail delivered by
    the pipe and by IMAP has one digest; a different mail under a reused Message-ID has
    another."""
    data = raw.replace(b"\r\n", b"\n")
    head, _, body = data.partition(b"\n\n")
    headers: dict[str, list[bytes]] = {}
    name = b""
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and name:
            headers[name.decode("ascii", "replace")][-1] += b" " + line.strip()
            continue
        name, colon, value = line.partition(b":")
        name = name.strip().lower() if colon else b""
        if name:
            headers.setdefault(name.decode("ascii", "replace"), []).append(value.strip())
    digest = hashlib.sha256()
    for key in CONTENT_HEADERS:
        for value in headers.get(key, []):
            digest.update(key.encode() + b":" + b" ".join(value.split()) + b"\n")
    digest.update(b"\n")
    lines = [line.rstrip() for line in body.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    digest.update(b"\n".join(lines))
    return digest.hexdigest()


def key_of(parsed: parsing.ParsedMail | None, digest: str, org: Organisation | None) -> str:
    """The dedup key: the receiving organisation, the Message-ID and the content digest
    (`sha256:` of the raw bytes for a mail that cannot be parsed)."""
    if parsed is None:
        return f"sha256:{digest}"
    return dedup_key("in", org.pk if org else 0, parsed.message_id, digest)


def _seen(key: str, parsed: parsing.ParsedMail, sha: str) -> bool:
    """Processed before: the same key, or (a row from before the content was part of the
    key) the same Message-ID with the very same bytes."""
    legacy = Q(dedup_key=f"sha256:{sha}")
    if parsed.message_id:
        legacy |= Q(dedup_key=dedup_key("mid", parsed.message_id), sha256=sha)
    return InboundMessage.objects.filter(Q(dedup_key=key) | legacy).exists()


def _verdict(raw: bytes, parsed: parsing.ParsedMail, trusted: bool) -> authentication.Verdict:
    if trusted:
        return authentication.ACCEPTED
    return authentication.verify(
        raw,
        parsed.from_email,
        trusted=settings.TIERDESK_MAIL_AUTHSERV_IDS,
        check_dkim=settings.TIERDESK_MAIL_DKIM_VERIFY,
        dnsfunc=DNS_TXT,
    )


# The door ------------------------------------------------------------------------------


def intake(
    raw: bytes,
    *,
    source: str,
    organisation: Organisation | None = None,
    held: HeldMail | None = None,
    trusted: bool = False,
) -> IntakeResult:
    """Take in one raw RFC 822 mail (see the module). `organisation` is whose mailbox it
    came through (None: guessed from the recipients, else the vendor); `held` is the held
    row being processed again; `trusted` that a person reviewed it and vouches for its
    sender. Returns what became of it once committed; raises TemporaryFailure only when
    nothing could be stored."""
    sha = hashlib.sha256(raw).hexdigest()
    parsed: parsing.ParsedMail | None = None
    key = f"sha256:{sha}"
    try:
        if len(raw) > settings.TIERDESK_MAIL_MAX_BYTES:
            limit = settings.TIERDESK_MAIL_MAX_BYTES
            raise Hold(HeldReason.TOO_LARGE, f"{len(raw)} bytes, over the limit of {limit}")
        try:
            parsed = parsing.parse(raw)
        except parsing.Unparseable as exc:
            raise Hold(HeldReason.UNPARSEABLE, str(exc)) from None
        organisation = organisation or _organisation_for(parsed.recipients)
        digest = content_digest(raw)
        key = key_of(parsed, digest, organisation)
        if _seen(key, parsed, sha):
            return _done(held, IntakeResult(DUPLICATE, detail="processed before"))
        if held is None:
            earlier = HeldMail.objects.filter(dedup_key=key).first()
            if earlier is not None and earlier.resolved_at is None:
                return IntakeResult(HELD, detail="held already", held_id=earlier.pk)
        verdict = _verdict(raw, parsed, trusted)
        reused = bool(parsed.message_id) and (
            InboundMessage.objects.filter(message_id=parsed.message_id[:998]).exists()
        )
        try:
            with transaction.atomic():
                log = InboundMessage.objects.create(
                    dedup_key=key,
                    message_id=parsed.message_id[:998],
                    sha256=sha,
                    content_sha256=digest,
                    verified=verdict.verified,
                    authentication=clean(verdict.how)[:300],
                    from_email=parsed.from_email[:320],
                    subject=redact_text(clean(parsed.subject))[:300],
                    source=source[:100],
                    outcome=InboundOutcome.IGNORED,
                )
                result = route(parsed, raw, log, organisation, verdict)
                if reused:
                    result = _note_reuse(log, result)
        except IntegrityError:
            if InboundMessage.objects.filter(dedup_key=key).exists():
                return _done(held, IntakeResult(DUPLICATE, detail="processed concurrently"))
            raise
    except TEMPORARY as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    except Hold as hold:
        return _hold(raw, key, parsed, hold.reason, hold.detail, source, organisation, held)
    except Exception as exc:
        logger.exception("mail from %s could not be processed; held", source)
        detail = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
        return _hold(raw, key, parsed, HeldReason.FAILED, detail, source, organisation, held)
    return _done(held, result)


def _note_reuse(log: InboundMessage, result: IntakeResult) -> IntakeResult:
    """Say on the log that another mail came under this Message-ID before."""
    detail = "; ".join(d for d in (result.detail, "Message-ID seen before, other content") if d)
    InboundMessage.objects.filter(pk=log.pk).update(detail=detail[:300])
    return IntakeResult(result.outcome, result.ticket_number, detail, result.held_id)


def _done(held: HeldMail | None, result: IntakeResult) -> IntakeResult:
    if held is not None:
        number = f" (ticket {result.ticket_number})" if result.ticket_number else ""
        held.resolved_at = clock.now()
        held.resolution = f"{result.outcome}{number}: {result.detail}"[:300]
        held.save(update_fields=["resolved_at", "resolution", "updated_at"])
    return result


def _hold(raw, key, parsed, reason, detail, source, organisation, held) -> IntakeResult:
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
                    dedup_key=key,
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
    address among the recipients (a signed reply address counts as its plain one); else
    the vendor."""
    recipients = list(dict.fromkeys([*recipients, *map(authentication.without_token, recipients)]))
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
