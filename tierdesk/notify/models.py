"""Webhooks, the outbox and deliveries.

An `OutboxEvent` is written in the same transaction as the ticket change it reports, so
an event exists exactly when the change committed. Fan-out turns it into one `Delivery`
per matching active webhook; a delivery's `delivery_id` is the receiver's idempotency key
and stays the same on every attempt and on a redelivery.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from tierdesk.core import clock
from tierdesk.core.crypto import EncryptedTextField
from tierdesk.core.models import TimeStamped


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_HANDED_OVER = "ticket.handed_over", "Ticket handed over to L2"
    TICKET_BOUNCED = "ticket.bounced", "Handover bounced back to L1"
    TICKET_ESCALATED = "ticket.escalated", "Ticket escalated to L3"
    TICKET_FIX_DELIVERED = "ticket.fix_delivered", "Fix delivered"
    TICKET_RESOLVED = "ticket.resolved", "Ticket resolved"
    TICKET_REOPENED = "ticket.reopened", "Ticket reopened"
    TICKET_ASSIGNED = "ticket.assigned", "Ticket assigned, reassigned or unassigned"
    MESSAGE_CREATED = "message.created", "Public message added"
    SLA_AT_RISK = "sla.at_risk", "SLA at risk"
    SLA_BREACHED = "sla.breached", "SLA breached"
    PROBLEM_TICKET_LINKED = "problem.ticket_linked", "Ticket linked to a problem"
    PROBLEM_UPDATED = "problem.updated", "Problem changed"
    PROBLEM_FIX_DELIVERED = "problem.fix_delivered", "Problem fix delivered"
    PROBLEM_RELEASED = "problem.released", "Problem fix released"
    PROBLEM_CLOSED = "problem.closed", "Problem closed"


def all_events() -> list[str]:
    return list(WebhookEvent.values)


class Webhook(TimeStamped):
    """A receiver URL of one organisation. A partner's hook hears only that partner's
    tickets; the vendor's hooks hear every ticket.

    `secret` signs every delivery, so it must be read back: it is stored encrypted
    (`core.crypto`: the column holds a Fernet token, the instance the plaintext); it is
    shown once on creation and never again (`secret_prefix` identifies it). Never log it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="webhooks"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    secret = EncryptedTextField(editable=False)
    secret_prefix = models.CharField(max_length=16, editable=False)
    events = models.JSONField(default=all_events, help_text="Event names this hook receives.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["organisation", "active"])]

    def __str__(self) -> str:
        return f"webhook {self.pk} of organisation {self.organisation_id}"

    def __repr__(self) -> str:
        return f"<Webhook {self.pk} org={self.organisation_id} secret={self.secret_prefix}…>"

    def listens_to(self, event: str) -> bool:
        return event in (self.events or [])


class OutboxEvent(models.Model):
    """One event to announce, written in the transaction of the change. `fanned_out_at`
    stays empty until its deliveries exist; the sweep finds rows left empty by a process
    that died between commit and enqueue."""

    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(help_text="The `data` of every delivery of this event.")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    ticket_event_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The audit row this event reports, if any."
    )
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(fanned_out_at__isnull=True),
                name="notify_outbox_unfanned",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} of ticket {self.ticket_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Delivery(TimeStamped):
    """One event for one webhook, through every attempt until it succeeds or the retry
    schedule runs out (then `failed`, visible, redeliverable).

    `locked_until` is the lease of an attempt in flight: a worker claims the row under
    `SELECT … FOR UPDATE SKIP LOCKED`, sets the lease and commits before it sends, so no
    other worker sends the same attempt. `enqueued_at` says when a task was last queued
    for the due attempt; the sweep re-queues only attempts whose task went missing."""

    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    outbox = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Every attempt ever made.")
    round_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Attempts since the delivery (or its redelivery) began."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notify_delivery_due",
            ),
            models.Index(fields=["webhook", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "outbox"], name="notify_delivery_once"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DeliveryStatus]),
                name="notify_delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.delivery_id} ({self.status})"
