"""Sending outbound mail on the worker, with retries.

`deliver()`: a worker claims the row (SELECT … FOR UPDATE SKIP LOCKED, a lease committed
before the SMTP conversation, so no other worker sends the same attempt), sends it
through Django's mail backend (SMTP configured with `EMAIL_*`), and records the outcome.
A failure is retried after `RETRY_DELAYS` (±10 % jitter): 1 min, 5 min, 15 min, 1 h, 4 h,
12 h — seven attempts over about 18 hours; then the row is `failed` (visible in the
admin). A mail that cannot even be built (a header Django refuses, an address that is no
address) fails at once, permanently, with the reason: trying again cannot help.
Header values are cleaned of control characters before they are built.
`sweep()` queues due sends whose task went missing.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q

from tierdesk.core import clock
from tierdesk.mail.models import OutboundMail, OutboundStatus
from tierdesk.mail.outbound import enqueue, header_text, schedule_send
from tierdesk.mail.parsing import LOOP_HEADER

logger = logging.getLogger(__name__)

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=2)
REQUEUE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500


def _due(now: datetime):
    return OutboundMail.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now),
        status=OutboundStatus.PENDING,
        next_attempt_at__lte=now,
    )


def _claim(mail_id: int, now: datetime) -> tuple[OutboundMail, int] | None:
    with transaction.atomic():
        mail = _due(now).select_for_update(skip_locked=True).filter(pk=mail_id).first()
        if mail is None:
            return None
        mail.attempts += 1
        mail.locked_until = now + LEASE
        mail.save(update_fields=["attempts", "locked_until"])
        return mail, mail.attempts


class PermanentFailure(Exception):
    """The mail cannot be built; sending it again would fail the same way."""


def message_of(mail: OutboundMail) -> EmailMultiAlternatives:
    """The mail as Django sends it: text and HTML, threading and loop headers, every
    header value cleaned of control characters."""
    domain = mail.message_id.rpartition("@")[2]
    headers = {
        "Message-ID": f"<{mail.message_id}>",
        "Auto-Submitted": "auto-replied" if mail.auto_reply else "auto-generated",
        "X-Auto-Response-Suppress": "All",
        LOOP_HEADER: domain,
    }
    if mail.in_reply_to:
        headers["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in mail.references.split())
    headers = {name: header_text(value) for name, value in headers.items()}
    message = EmailMultiAlternatives(
        subject=header_text(mail.subject),
        body=mail.text_body,
        from_email=header_text(mail.from_email),
        to=[header_text(mail.to_email)],
        reply_to=[header_text(mail.reply_to)] if mail.reply_to else None,
        headers=headers,
    )
    message.attach_alternative(mail.html_body, "text/html")
    return message


def _built(mail: OutboundMail) -> EmailMultiAlternatives:
    """The message, its headers and addresses checked; PermanentFailure when they fail."""
    try:
        message = message_of(mail)
        message.message()  # builds every header: Django refuses a bad one here
        for address in message.recipients():
            if "@" not in address or any(ch.isspace() for ch in address.strip()):
                raise ValueError(f"{address!r} is not a mail address")
    except Exception as exc:  # BadHeaderError, ValueError…: the same row fails the same way
        raise PermanentFailure(f"cannot build the mail: {type(exc).__name__}: {exc}") from None
    return message


def _send(mail: OutboundMail) -> tuple[str, bool]:
    """Send once: (the error text, "" on success, never carrying credentials; whether
    the failure is permanent)."""
    try:
        message = _built(mail)
    except PermanentFailure as exc:
        return str(exc)[:300], True
    try:
        connection = get_connection(fail_silently=False)
        sent = connection.send_messages([message])
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300], False
    return ("", False) if sent else ("the mail backend sent nothing", False)


def retry_delay(attempt: int) -> timedelta:
    base = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    return base * random.uniform(0.9, 1.1)


def _finish(
    mail_id: int, attempt: int, error: str, now: datetime, *, permanent: bool = False
) -> str | None:
    with transaction.atomic():
        mail = (
            OutboundMail.objects.select_for_update()
            .filter(pk=mail_id, attempts=attempt, status=OutboundStatus.PENDING)
            .first()
        )
        if mail is None:  # another worker took over after our lease ran out
            return None
        mail.locked_until = None
        mail.last_error = error
        if not error:
            mail.status, mail.sent_at, mail.next_attempt_at = OutboundStatus.SENT, now, None
            mail.enqueued_at = None
        elif permanent or mail.attempts >= MAX_ATTEMPTS:
            mail.status, mail.next_attempt_at, mail.enqueued_at = OutboundStatus.FAILED, None, None
        else:
            mail.next_attempt_at = now + retry_delay(mail.attempts)
            mail.enqueued_at = schedule_send(mail.pk, now=now, at=mail.next_attempt_at)
        mail.save()
        return mail.status


def deliver(mail_id: int) -> str | None:
    """Make the due send of one mail if this worker gets it; the status after it, or
    None when there was nothing to do."""
    claimed = _claim(mail_id, clock.now())
    if claimed is None:
        return None
    mail, attempt = claimed
    error, permanent = _send(mail)
    status = _finish(mail_id, attempt, error, clock.now(), permanent=permanent)
    logger.info(
        "mail %s (%s to %s) attempt %s: %s",
        mail.pk,
        mail.kind,
        mail.to_email,
        attempt,
        error or "sent",
    )
    return status


def _unqueued(now: datetime):
    return _due(now).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - REQUEUE_AFTER))


def sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Queue due sends whose task went missing (a process died between commit and
    enqueue, a queue lost it, a worker died mid-send). Idempotent; safe on many hosts."""
    now = clock.now()
    queued = 0
    for pk in list(
        _unqueued(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    ):
        if _unqueued(now).filter(pk=pk).update(enqueued_at=now):
            enqueue(pk)
            queued += 1
    return queued
