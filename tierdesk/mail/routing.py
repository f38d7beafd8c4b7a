"""Routing one parsed mail inside intake's transaction (see `inbound` for the rules):
an automatic mail, a reply to a ticket the sender takes part in, a new ticket of a known
customer, or an unknown sender. Everything here writes through the ticket services as
the sender, so the checks are those of the web; a `Hold` leaves the mail held.

Trust, case by case (the `authentication` verdict):
* a registered address (customer or staff) whose mail is not verified: held for review
  (*unverified*); nothing is written as that person;
* staff: an internal note only through a signed reply address issued to that person for
  that ticket, while they take part in it; staff mail naming a ticket otherwise is held
  (*unsigned*); a new mail is treated as from an unknown sender;
* an automatic mail (bounce, out-of-office) is written by the system, never as a
  person: as an internal note, marked "sender not authenticated" when it is not;
* an unknown sender cannot be impersonated: refused or triaged as before.
A forged In-Reply-To alone threads nothing: a reference threads only when the product
issued it (or it is the sender's own earlier mail) and the verified sender takes part."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.conf import settings

from tierdesk.accounts.models import Organisation, OrgKind, User
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor, actor_for
from tierdesk.core.errors import DomainError, InvalidInput, ScanUnavailable
from tierdesk.directory.platform import PlatformUrlError, parse_platform_url
from tierdesk.mail import authentication, notifications, parsing
from tierdesk.mail.authentication import Verdict
from tierdesk.mail.models import HeldReason, InboundMessage, InboundOutcome, MailKind, OutboundMail
from tierdesk.mail.outbound import Draft, dedup_key, header_text, sender_for, write
from tierdesk.mail.scrub import scrub_mail
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket, get_ticket_by_number, visible_messages
from tierdesk.tickets.models import AttachmentKind, Channel, Status, Ticket
from tierdesk.tickets.sniff import is_image_type, is_text_type, sniff_content_type

URL = re.compile(r"https?://\S+/c/[0-9a-fA-F]{24}/w/\S+")
LOG_NAMES = (".log", ".txt", ".jsonl", ".json", ".csv")
MAX_BODY = 150_000


class TemporaryFailure(Exception):
    """The mail could not even be stored: try again later (the database is away)."""


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # an InboundOutcome, "duplicate" or "held"
    ticket_number: int | None = None
    detail: str = ""
    held_id: int | None = None


class Hold(Exception):
    """Keep the mail held with this reason instead of processing it."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def clean(text: str) -> str:
    """Text the database stores: no NUL, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _sender(parsed: parsing.ParsedMail) -> tuple[User | None, Actor | None]:
    user = (
        User.objects.filter(email__iexact=parsed.from_email, is_active=True)
        .select_related("membership__organisation")
        .first()
    )
    if user is None or getattr(user, "membership", None) is None:
        return user, None
    return user, actor_for(user)


def _threaded(parsed: parsing.ParsedMail) -> list[Ticket]:
    """Tickets the mail answers: by referenced Message-IDs (most specific first), then
    by the subject's number."""
    found: list[Ticket] = []
    ids = parsed.thread_ids
    if ids:
        by_id = dict(
            OutboundMail.objects.filter(message_id__in=ids, ticket__isnull=False).values_list(
                "message_id", "ticket_id"
            )
        )
        by_id.update(  # the sender's own earlier mail; never someone else's
            InboundMessage.objects.filter(
                message_id__in=ids, ticket__isnull=False, from_email=parsed.from_email
            ).values_list("message_id", "ticket_id")
        )
        for mid in ids:
            if mid in by_id:
                try:
                    found.append(get_ticket(SYSTEM, by_id[mid]))
                except DomainError:
                    continue
                break
    number = parsed.subject_number()
    if number is not None and not parsed.automatic:
        with contextlib.suppress(DomainError):
            found.append(get_ticket_by_number(SYSTEM, number))
    return found


def takes_part(user: User, actor: Actor, ticket: Ticket) -> bool:
    """The ticket's customer, or staff who may see it and work or worked on it."""
    if actor.is_customer:
        return ticket.customer_id == user.pk and ticket.partner_id == actor.org_id
    try:
        get_ticket(actor, ticket.pk)
    except DomainError:
        return False
    people = {
        ticket.assignee_id,
        ticket.created_by_id,
        ticket.handed_over_by_id,
        ticket.escalated_by_id,
        ticket.resolved_by_id,
    }
    return (
        user.pk in people
        or visible_messages(actor, ticket).filter(author=user).exists()
        or OutboundMail.objects.filter(ticket=ticket, recipient=user).exists()
    )


def route(
    parsed, raw: bytes, log: InboundMessage, org: Organisation | None, verdict: Verdict
) -> IntakeResult:
    user, actor = _sender(parsed)
    if parsed.automatic:
        return _automatic(parsed, log, _threaded(parsed)[:1] if parsed.thread_ids else [], verdict)
    if user is not None and not verdict.verified:
        raise Hold(HeldReason.UNVERIFIED, f"{parsed.from_email} is a registered address; {verdict}")
    if user is not None and actor is not None and not actor.is_customer:
        return _staff(parsed, raw, log, org, user, actor)
    for ticket in _threaded(parsed):
        if user is not None and actor is not None and takes_part(user, actor, ticket):
            return _reply(parsed, raw, log, actor, ticket)
    if actor is None:
        return _unknown(parsed, log, org, user)
    return _open(parsed, raw, log, actor)


def _staff(parsed, raw, log, org, user: User, actor: Actor) -> IntakeResult:
    """Staff write on a ticket by mail only through the reply address signed for them
    and that ticket; a verified mail from them naming a ticket otherwise is held."""
    ticket_id = authentication.signed_ticket(parsed.recipients, user_id=user.pk)
    if ticket_id is not None:
        ticket: Ticket | None = None
        with contextlib.suppress(DomainError):  # gone, or no longer theirs to see
            ticket = get_ticket(actor, ticket_id)
        if ticket is not None and takes_part(user, actor, ticket):
            return _reply(parsed, raw, log, actor, ticket)
        raise Hold(HeldReason.UNSIGNED, f"{parsed.from_email} no longer takes part in the ticket")
    if parsed.thread_ids or parsed.subject_number() is not None:
        raise Hold(
            HeldReason.UNSIGNED,
            f"{parsed.from_email} is staff: a mail becomes a note only as an answer to the "
            "signed reply address of the ticket's mail to them",
        )
    return _unknown(parsed, log, org, user)


def _finish(log: InboundMessage, outcome: str, ticket: Ticket | None, detail: str = ""):
    log.outcome, log.ticket, log.detail = outcome, ticket, detail[:300]
    log.save(update_fields=["outcome", "ticket", "detail"])
    return IntakeResult(outcome, ticket.number if ticket else None, detail)


def _automatic(parsed, log, tickets_: list[Ticket], verdict: Verdict) -> IntakeResult:
    if not tickets_ or parsed.automatic == parsing.OWN_MAIL:
        return _finish(log, InboundOutcome.IGNORED, None, parsed.automatic)
    ticket = tickets_[0]
    unverified = "" if verdict.verified else "; sender not authenticated"
    body = (
        f"Automatic mail from {parsed.from_email} ({parsed.automatic}{unverified}):"
        f"\n\n{parsed.body}"
    )
    try:
        tickets.message_add(
            actor=SYSTEM,
            ticket_id=ticket.pk,
            body=clean(body),
            internal=True,
            channel=Channel.EMAIL,
        )
    except DomainError as exc:  # a closed ticket takes no notes
        return _finish(log, InboundOutcome.IGNORED, ticket, f"{parsed.automatic}; {exc.message}")
    return _finish(log, InboundOutcome.NOTE_ADDED, ticket, parsed.automatic + unverified)


def _text(parsed) -> str:
    body = clean(parsed.body).strip()
    if len(body) > MAX_BODY:  # a ticket's text has a limit; the whole mail is in the .eml
        body = body[:MAX_BODY] + "\n\n[… shortened; the whole mail is attached as .eml]"
    return body or "(no text; see the attached files)"


def _reply(parsed, raw, log, actor: Actor, ticket: Ticket) -> IntakeResult:
    if actor.is_customer and ticket.status == Status.CLOSED:
        return _open(parsed, raw, log, actor, follow_up=ticket)
    outcome = InboundOutcome.MESSAGE_ADDED
    if actor.is_customer and ticket.status == Status.RESOLVED:
        try:
            tickets.ticket_reopen(actor=actor, ticket_id=ticket.pk, reason="Replied by mail.")
            outcome = InboundOutcome.REOPENED
        except DomainError:  # past the reopen period
            return _open(parsed, raw, log, actor, follow_up=ticket)
    internal = not actor.is_customer  # staff replies by mail are notes, never public
    message = tickets.message_add(
        actor=actor,
        ticket_id=ticket.pk,
        body=_text(parsed),
        internal=internal,
        channel=Channel.EMAIL,
    )
    if internal:
        outcome = InboundOutcome.NOTE_ADDED
    _attach(parsed, raw, log, actor, ticket, message_id=message.pk)
    return _finish(log, outcome, ticket)


def _title(parsed) -> str:
    title = parsing.SUBJECT_NUMBER.sub("", header_text(clean(parsed.subject)))
    title = re.sub(r"^\s*((re|aw|fwd?|wg|sv)\s*:\s*)+", "", title, flags=re.I).strip()
    return (title or "(no subject)")[:200]


def _open(parsed, raw, log, actor: Actor, follow_up: Ticket | None = None) -> IntakeResult:
    body = _text(parsed)
    if follow_up is not None:
        body = f"Follow-up to ticket {follow_up.number}, which is closed.\n\n{body}"
    data = {"title": _title(parsed), "description": body}
    url = URL.search(body)
    if url:
        try:
            parse_platform_url(url[0].rstrip(").,>"))
            data["platform_url"] = url[0].rstrip(").,>")
        except PlatformUrlError:
            pass
    inbound = notifications.Inbound(parsed.message_id, tuple(parsed.references), parsed.no_reply)
    with notifications.answering(inbound):
        try:
            ticket = tickets.ticket_create(actor=actor, data=data, channel=Channel.EMAIL)
        except InvalidInput as exc:
            if "platform_url" not in exc.fields:
                raise
            data.pop("platform_url")
            ticket = tickets.ticket_create(actor=actor, data=data, channel=Channel.EMAIL)
    _attach(parsed, raw, log, actor, ticket, message_id=None)
    return _finish(log, InboundOutcome.TICKET_CREATED, ticket)


def _kind_for(filename: str, content: bytes) -> str:
    sniffed = sniff_content_type(content[:8192])
    if is_image_type(sniffed):
        return AttachmentKind.SCREENSHOT
    if is_text_type(sniffed) and filename.lower().endswith(LOG_NAMES):
        return AttachmentKind.LOG
    return AttachmentKind.OTHER


def _attach(parsed, raw: bytes, log, actor: Actor, ticket: Ticket, *, message_id: int | None):
    refused: list[tuple[str, str]] = []
    for part in parsed.attachments:
        try:
            tickets.attachment_add(
                actor=actor,
                ticket_id=ticket.pk,
                file=part.content,
                filename=part.filename,
                kind=_kind_for(part.filename, part.content),
                message_id=message_id,
            )
        except ScanUnavailable:
            raise  # the whole mail waits for the scanner (inbound.TEMPORARY)
        except DomainError as exc:
            reason = "; ".join(getattr(exc, "fields", {}).values()) or exc.message
            refused.append((part.filename, reason))
    limit = settings.TIERDESK_MAX_UPLOAD_BYTES
    original = raw if len(raw) <= limit else parsing.strip_large_parts(raw, limit // 4)
    original = scrub_mail(original)  # the kept original holds no secret either
    if len(original) <= limit:
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        # The virus scanner looks into the mail's parts too: an original carrying an
        # infected file is not kept (its parts were refused, and the sender is told).
        with contextlib.suppress(InvalidInput):
            tickets.attachment_add(
                actor=SYSTEM,
                ticket_id=ticket.pk,
                file=original,
                filename=f"mail-{stamp}.eml",
                kind=AttachmentKind.OTHER,
                internal=True,
                message_id=message_id,
            )
    if refused:
        _tell_refused(parsed, log, ticket, refused)


def _tell_refused(parsed, log, ticket: Ticket, refused: list[tuple[str, str]]) -> None:
    user = User.objects.filter(email__iexact=parsed.from_email).first()
    sender = sender_for(ticket.partner if ticket.partner.kind == OrgKind.PARTNER else None)
    lines = [f"we added your mail to ticket {sender.tag}#{ticket.number}, but not these files:"]
    lines += [f"{name}: {reason}" for name, reason in refused]
    lines.append("Please send them another way, e.g. smaller or split, or as a download link.")
    draft = Draft(
        kind=MailKind.ATTACHMENT_REFUSED,
        to_email=parsed.from_email,
        recipient=user,
        ticket=ticket,
        sender=sender,
        title="Attachment not accepted",
        greeting="Hello,",
        lines=lines,
        auto_reply=True,
        no_reply=parsed.no_reply,
        in_reply_to=parsed.message_id,
        references=parsed.references,
    )
    write(draft, key=dedup_key("attrefused", log.pk))


def _unknown(parsed, log, org: Organisation | None, user: User | None) -> IntakeResult:
    who = "a staff address" if user is not None else "an unknown sender"
    if settings.TIERDESK_MAIL_UNKNOWN_SENDERS == "triage":
        raise Hold(HeldReason.UNKNOWN_SENDER, f"{parsed.from_email} is {who}")
    sender = sender_for(org)
    brand = sender.name
    draft = Draft(
        kind=MailKind.REFUSED,
        to_email=parsed.from_email,
        sender=sender,
        title=f"Re: {clean(parsed.subject) or 'your mail'}",
        greeting="Hello,",
        lines=[
            f"thank you for your mail. We could not open a support request for it: "
            f"{parsed.from_email} is not registered as a customer address with {brand}.",
            "Please write from the address you use with us, or ask your company's "
            "administrator to register this address.",
        ],
        reply_hint=False,
        auto_reply=True,
        no_reply=parsed.no_reply,
        in_reply_to=parsed.message_id,
        references=parsed.references,
    )
    write(draft, key=dedup_key("refused", log.pk))
    return _finish(log, InboundOutcome.REFUSED, None, f"{parsed.from_email} is {who}")
