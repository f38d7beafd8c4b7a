"""Outbound mail: a branded, threaded mail row written in the caller's transaction, and
its sending by the worker with retries.

Brand: a partner's people (its customers and its L1 agents) get the partner's From name
and address, tag, colours, signature and templates; everyone else the vendor's. A partner
without a sender address still signs with its own name (over `DEFAULT_FROM_EMAIL`'s
address), never the vendor's.

Threading: every mail about a ticket to one address answers the previous one to that
address (`In-Reply-To`, `References`); the first answers the mail that opened the ticket,
if one did. Subjects carry `[<tag>#<number>]`.

Loops: every mail carries `Auto-Submitted`, `X-Auto-Response-Suppress` and our loop
header. An automatic reply (`auto_reply`: sent because a mail came in) is suppressed for a
mail that must not be answered and past `TIERDESK_MAIL_AUTOREPLY_PER_HOUR` per address;
suppressed and opted-out mails are kept as `suppressed` rows, so the admin shows why. A
security notice (`Draft.security`) is never opted out of.

Sending is `sending.deliver()`, on the worker.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import select_template

from tierdesk.accounts.models import Membership, Organisation, OrgKind, Role, User
from tierdesk.core import clock
from tierdesk.mail.authentication import signed_address
from tierdesk.mail.models import MailOptOut, MailProfile, OutboundMail, OutboundStatus
from tierdesk.mail.parsing import REPLY_MARKER
from tierdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)

MAX_REFERENCES = 10
HEX = re.compile(r"#[0-9a-fA-F]{6}")
# Control characters (CR and LF among them) and Unicode line and paragraph separators:
# never part of a mail header.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str) -> str:
    """Text safe in a mail header: control characters become one space."""
    return re.sub(r" {2,}", " ", CONTROL.sub(" ", value or "")).strip()


# Brand --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colours:
    """A brand's colours as mail uses them (inline styles; no images, no remote CSS)."""

    name: str
    primary: str
    accent: str
    on_primary: str  # white or dark text, whichever reads on the primary colour
    link: str


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colours_of(name: str, primary: str, accent: str) -> Colours:
    primary = primary if HEX.fullmatch(primary or "") else "#1f4e79"
    accent = accent if HEX.fullmatch(accent or "") else "#f2a900"
    light = _contrast(primary, "#ffffff") >= _contrast(primary, "#1b1f24")
    link = primary if _contrast(primary, "#ffffff") >= 4.5 else "#1b1f24"
    return Colours(name, primary, accent, "#ffffff" if light else "#1b1f24", link)


@dataclass(frozen=True)
class Sender:
    organisation_id: int | None
    name: str
    address: str
    reply_to: str
    tag: str
    signature: str
    brand: Colours

    @property
    def from_header(self) -> str:
        return formataddr((header_text(self.name), header_text(self.address)))

    @property
    def domain(self) -> str:
        return settings.TIERDESK_MAIL_DOMAIN or self.address.rpartition("@")[2] or "localhost"


def vendor() -> Organisation | None:
    return Organisation.objects.filter(kind=OrgKind.VENDOR).first()


def sender_for(org: Organisation | None) -> Sender:
    """The From, Reply-To, tag, signature and colours of an organisation's mail."""
    org = org or vendor()
    fallback = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "support@localhost"
    if org is None:
        tag = settings.TIERDESK_TICKET_TAG
        return Sender(None, "Support", fallback, "", tag, "Support", colours_of("Support", "", ""))
    name = org.sender_name or org.brand_name
    address = org.sender_email or fallback
    profile = MailProfile.objects.filter(organisation=org).first()
    inbox = org.mailboxes.filter(active=True).exclude(address="").values_list("address", flat=True)
    reply_to = (profile.reply_to if profile else "") or inbox.first() or ""
    return Sender(
        organisation_id=org.pk,
        name=name,
        address=address,
        reply_to=reply_to,
        tag=org.ticket_tag or settings.TIERDESK_TICKET_TAG,
        signature=(profile.signature if profile else "").strip() or name,
        brand=colours_of(org.brand_name, org.primary_colour, org.accent_colour),
    )


def brand_org_for(user: User | None, ticket: Ticket | None) -> Organisation | None:
    """Whose brand a person's mail wears: their own partner's, else the vendor's. Read
    from the database (a brand changed a moment ago is the brand)."""
    if user is not None:
        org_id = (
            Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True)
        ).first()
    else:
        org_id = ticket.partner_id if ticket is not None else None
    org = Organisation.objects.filter(pk=org_id, kind=OrgKind.PARTNER).first() if org_id else None
    return org  # None: the vendor


def subject_for(sender: Sender, ticket: Ticket | None, title: str) -> str:
    if ticket is None:
        return header_text(title)[:300]
    return header_text(f"[{sender.tag}#{ticket.number}] {title}")[:300]


def reply_to_for(draft: Draft) -> str:
    """Where a reply goes: the brand's Reply-To; for staff mail about a ticket the
    address signed for that person and ticket (`authentication`), the only way a mail
    from staff becomes a note."""
    plain = draft.sender.reply_to
    if draft.ticket is None or draft.recipient is None:
        return plain
    staff = (
        Membership.objects.filter(user_id=draft.recipient.pk).exclude(role=Role.CUSTOMER).exists()
    )
    if not staff:
        return plain
    return signed_address(
        plain or draft.sender.address, ticket_id=draft.ticket.pk, user_id=draft.recipient.pk
    )


# Writing ------------------------------------------------------------------------------


@dataclass
class Draft:
    """What one mail says; `write()` brands, threads, renders and stores it."""

    kind: str
    to_email: str
    sender: Sender
    title: str  # the subject after the ticket tag
    greeting: str
    lines: Sequence[str] = ()
    ticket: Ticket | None = None
    recipient: User | None = None
    quote: str = ""
    quote_label: str = ""
    facts: Sequence[tuple[str, str]] = ()
    link: str = ""
    link_label: str = ""
    footer: str = ""
    reply_hint: bool = True
    auto_reply: bool = False
    no_reply: str = ""  # why an automatic reply must not go out
    in_reply_to: str = ""  # the mail this one answers, when it answers one
    references: list[str] = field(default_factory=list)
    # A security notice about the person's own sign-in (`identity/notices.py`): sent even
    # to an address that opted out of notifications, like the password reset mail.
    security: bool = False


def dedup_key(*parts: object) -> str:
    key = ":".join(str(p) for p in parts)
    return key if len(key) <= 200 else "h:" + hashlib.sha256(key.encode()).hexdigest()


def opted_out(email: str, kind: str) -> bool:
    return MailOptOut.objects.filter(email__iexact=email, kind__in=["", kind]).exists()


def _recent_auto_replies(email: str, now: datetime) -> int:
    return (
        OutboundMail.objects.filter(
            to_email__iexact=email, auto_reply=True, created_at__gte=now - timedelta(hours=1)
        )
        .exclude(status=OutboundStatus.SUPPRESSED)
        .count()
    )


def _thread(draft: Draft) -> tuple[str, list[str]]:
    previous = None
    if draft.ticket is not None:
        previous = (
            OutboundMail.objects.filter(ticket=draft.ticket, to_email__iexact=draft.to_email)
            .order_by("-pk")
            .values("message_id", "references")
            .first()
        )
    if draft.in_reply_to:
        parent, chain = draft.in_reply_to, [*draft.references, draft.in_reply_to]
    elif previous is not None:
        parent = previous["message_id"]
        chain = [*previous["references"].split(), parent]
    else:
        return "", []
    return parent, list(dict.fromkeys(chain))[-MAX_REFERENCES:]


def _render(draft: Draft, subject: str) -> tuple[str, str]:
    sender = draft.sender
    tag = sender.tag.lower()
    context = {
        "subject": subject,
        "brand": sender.brand,
        "greeting": draft.greeting,
        "lines": list(draft.lines),
        "quote": draft.quote,
        "quote_label": draft.quote_label,
        "facts": list(draft.facts),
        "link": draft.link,
        "link_label": draft.link_label or draft.link,
        "signature": sender.signature,
        "reference": f"{sender.tag}#{draft.ticket.number}" if draft.ticket else sender.name,
        "footer": draft.footer,
        "reply_hint": draft.reply_hint and draft.ticket is not None,
        "reply_marker": REPLY_MARKER,
    }
    text = select_template([f"mail/{tag}/notification.txt", "mail/notification.txt"])
    html = select_template([f"mail/{tag}/notification.html", "mail/notification.html"])
    return text.render(context).strip() + "\n", html.render(context)


def write(draft: Draft, *, key: str, now: datetime | None = None) -> OutboundMail | None:
    """Store the mail in the caller's transaction and queue its sending on commit.
    Returns None when a mail with this key exists already (a replayed trigger)."""
    now = now or clock.now()
    if OutboundMail.objects.filter(dedup_key=key).exists():
        return None
    status, reason = OutboundStatus.PENDING, ""
    if not draft.security and opted_out(draft.to_email, draft.kind):
        status, reason = OutboundStatus.SUPPRESSED, "opted out"
    elif draft.auto_reply and draft.no_reply:
        status, reason = OutboundStatus.SUPPRESSED, f"not answered: {draft.no_reply}"
    elif draft.auto_reply:
        limit = settings.TIERDESK_MAIL_AUTOREPLY_PER_HOUR
        if _recent_auto_replies(draft.to_email, now) >= limit:
            status, reason = OutboundStatus.SUPPRESSED, f"rate limit: {limit} per hour"
    subject = subject_for(draft.sender, draft.ticket, draft.title)
    parent, chain = _thread(draft)
    text, html = _render(draft, subject)
    message_id = f"td.{draft.ticket.number if draft.ticket else 0}.{secrets.token_hex(10)}"
    try:
        with transaction.atomic():
            mail = OutboundMail.objects.create(
                dedup_key=key,
                kind=draft.kind,
                ticket=draft.ticket,
                recipient=draft.recipient,
                to_email=draft.to_email,
                from_email=draft.sender.from_header,
                reply_to=reply_to_for(draft),
                subject=subject,
                text_body=text,
                html_body=html,
                message_id=f"{message_id}@{draft.sender.domain}",
                in_reply_to=parent,
                references=" ".join(chain),
                auto_reply=draft.auto_reply,
                status=status,
                suppressed_reason=reason,
                next_attempt_at=now if status == OutboundStatus.PENDING else None,
                created_at=now,
            )
    except IntegrityError:  # the same trigger, written by a concurrent transaction
        return None
    if status == OutboundStatus.PENDING:
        mail.enqueued_at = schedule_send(mail.pk, now=now)
        OutboundMail.objects.filter(pk=mail.pk).update(enqueued_at=mail.enqueued_at)
    return mail


# Sending ------------------------------------------------------------------------------


def enqueue(mail_id: int, run_after: datetime | None = None) -> None:
    from tierdesk.mail.tasks import send_mail_task

    job = send_mail_task if run_after is None else send_mail_task.using(run_after=run_after)
    job.enqueue(mail_id)


def schedule_send(mail_id: int, *, now: datetime, at: datetime | None = None) -> datetime | None:
    """Queue a send of a row written in the current transaction; returns the
    `enqueued_at` to record. With the database task backend the task row is written in
    this same transaction (it exists exactly when the mail does); with other backends it
    is queued on commit, or — a deferred retry on a backend that cannot defer — left to
    the sweep (None)."""
    from tierdesk.mail.tasks import send_mail_task

    backend = send_mail_task.get_backend()
    if at is not None and not backend.supports_defer:
        return None
    if type(backend).__module__.startswith("django_tasks_db"):
        enqueue(mail_id, at)
    else:
        transaction.on_commit(partial(enqueue, mail_id, at), robust=True)
    return at or now
