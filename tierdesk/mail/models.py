"""Mail rows: the outbound queue, the inbound log that makes intake idempotent, held mail
(quarantine and triage), per-person opt-outs, and each organisation's mailboxes.

Uniqueness is the database's job here, not a check before a write: `OutboundMail.dedup_key`
makes a notification exist once however often its trigger is replayed, and
`InboundMessage.dedup_key` / `HeldMail.dedup_key` make the same mail delivered twice (by
the MTA pipe, by IMAP, or both) one ticket or one message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tierdesk.core import clock
from tierdesk.core.crypto import EncryptedTextField
from tierdesk.core.models import TimeStamped


class Mailbox(TimeStamped):
    """An IMAP mailbox Tierdesk polls for an organisation (a partner, or the vendor for
    its direct customers). Mail found there opens tickets of that organisation's customers
    and is answered in its brand.

    The password is stored encrypted (IMAP needs it back; `core.crypto`); never log it.
    Messages are found by UID above `last_uid` (reset when the server's UIDVALIDITY
    changes) and, once their ticket transaction committed, flagged
    `\\Seen $TierdeskImported` or moved to `processed_folder`."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="mailboxes"
    )
    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(blank=True, help_text="The address customers write to.")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True, help_text="IMAPS (TLS from the start).")
    starttls = models.BooleanField(default=False, help_text="STARTTLS on a plain connection.")
    username = models.CharField(max_length=255)
    password = EncryptedTextField()
    folder = models.CharField(max_length=255, default="INBOX")
    processed_folder = models.CharField(
        max_length=255, blank=True, help_text="Move imported mail here; empty: flag it only."
    )
    active = models.BooleanField(default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_fetch_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Mailbox {self.name} {self.username}@{self.host}:{self.port}>"


class MailProfile(TimeStamped):
    """What an organisation's mail adds to its brand (name, sender, colours and tag live
    on the organisation): the signature and a Reply-To address."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="mail_profile"
    )
    signature = models.TextField(blank=True, help_text="Plain text under every mail.")
    reply_to = models.EmailField(blank=True, help_text="Where replies go; default: the sender.")

    def __str__(self) -> str:
        return f"mail profile of {self.organisation_id}"


class MailKind(models.TextChoices):
    # To customers
    RECEIVED = "received", "Ticket received"
    REPLY = "reply", "Reply from support"
    QUESTION = "question", "Question from support"
    RESOLVED = "resolved", "Ticket resolved"
    REOPENED = "reopened", "Ticket reopened"
    CLOSED = "closed", "Ticket closed"
    REFUSED = "refused", "Mail not accepted (unknown sender)"
    ATTACHMENT_REFUSED = "attachment_refused", "Attachment not accepted"
    # To agents
    NEW_IN_QUEUE = "new_in_queue", "New ticket in your queue"
    ASSIGNED = "assigned", "Assigned to you"
    BOUNCED = "bounced", "Handover bounced back to you"
    CUSTOMER_REPLIED = "customer_replied", "The customer replied"
    AT_RISK = "at_risk", "SLA at risk"
    BREACHED = "breached", "SLA breached"
    MENTIONED = "mentioned", "You were mentioned"
    NOTICE = "notice", "News on your ticket"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Not sent (suppressed)"


class OutboundMail(models.Model):
    """One mail to one person, rendered when its trigger happened and written in the
    trigger's transaction; the worker sends it (`outbound.deliver`) with retries.

    `locked_until` is the lease of a send in flight (claimed under SKIP LOCKED and
    committed before the SMTP conversation); `enqueued_at` says when a task was last
    queued, so the sweep re-queues only sends whose task went missing."""

    dedup_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=24, choices=MailKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_email = models.EmailField(max_length=320, db_index=True)
    from_email = models.CharField(max_length=400)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField()
    message_id = models.CharField(max_length=250, unique=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    auto_reply = models.BooleanField(
        default=False, help_text="Sent because a mail came in (counted by the hourly limit)."
    )
    status = models.CharField(
        max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    suppressed_reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "outbound mail"
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="mail_out_due"
            ),
            models.Index(fields=["to_email", "created_at"], name="mail_out_to_recent"),
            models.Index(fields=["ticket", "to_email"], name="mail_out_thread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in OutboundStatus]),
                name="mail_out_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"


class InboundOutcome(models.TextChoices):
    TICKET_CREATED = "ticket_created", "Opened a ticket"
    MESSAGE_ADDED = "message_added", "Added to a ticket"
    NOTE_ADDED = "note_added", "Added as an internal note"
    REOPENED = "reopened", "Reopened a ticket"
    REFUSED = "refused", "Refused (unknown sender)"
    IGNORED = "ignored", "Ignored (automatic mail)"


class InboundMessage(models.Model):
    """Every inbound mail that was processed, once: written in the same transaction as
    the ticket or message it made, so a mail is processed exactly when this row exists.
    The key is the organisation whose mailbox received it, the Message-ID and the hash of
    its content (`parsing.content_digest`): the same mail again is a duplicate, another
    mail under a Message-ID seen before is not. `verified` says whether its sender was
    authenticated (`authentication`), `authentication` how or why not."""

    dedup_key = models.CharField(max_length=200, unique=True)
    message_id = models.CharField(max_length=998, blank=True)
    sha256 = models.CharField(max_length=64)
    content_sha256 = models.CharField(max_length=64, blank=True)
    verified = models.BooleanField(default=False)
    authentication = models.CharField(max_length=300, blank=True)
    from_email = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=100, help_text="stdin, or imap:<mailbox>")
    outcome = models.CharField(max_length=20, choices=InboundOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["message_id"], name="mail_in_message_id")]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.subject[:40]}"


class HeldReason(models.TextChoices):
    UNKNOWN_SENDER = "unknown_sender", "Triage: unknown sender"
    UNPARSEABLE = "unparseable", "Quarantine: cannot be read"
    FAILED = "failed", "Quarantine: processing failed"
    TOO_LARGE = "too_large", "Quarantine: too large"
    UNVERIFIED = "unverified", "Review: sender not authenticated"
    UNSIGNED = "unsigned_staff", "Review: staff mail without a signed reply address"


class HeldMail(TimeStamped):
    """A mail kept as it came because it could not (yet) become a ticket: quarantined
    (unreadable, or processing failed — with the reason) or waiting in triage (an unknown
    sender, with `TIERDESK_MAIL_UNKNOWN_SENDERS=triage`). Admins see it in the Django
    admin and process it again (after a fix, or after registering the sender)."""

    dedup_key = models.CharField(max_length=200, unique=True)
    reason = models.CharField(max_length=20, choices=HeldReason.choices)
    detail = models.TextField(blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    from_email = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose mailbox it came through.",
    )
    attempts = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "held mail"
        verbose_name_plural = "held mail (quarantine and triage)"
        indexes = [models.Index(fields=["reason", "resolved_at"], name="mail_held_open")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.subject[:40]}"


class MailOptOut(TimeStamped):
    """A person does not want a kind of mail (empty kind: no notifications at all).
    Keyed by address, so it also holds for people without an account."""

    email = models.EmailField(max_length=320)
    kind = models.CharField(max_length=24, choices=MailKind.choices, blank=True)

    class Meta:
        ordering = ["email", "kind"]
        verbose_name = "mail opt-out"
        constraints = [models.UniqueConstraint(fields=["email", "kind"], name="mail_optout_once")]

    def __str__(self) -> str:
        return f"{self.email}: {self.kind or 'all'}"


class MailCursor(models.Model):
    """How far a reader of another app's rows got (the SLA events it mails about)."""

    name = models.CharField(max_length=50, primary_key=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.position}"
