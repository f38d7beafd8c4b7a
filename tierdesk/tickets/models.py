"""Tickets and what hangs off them: messages, attachments, handover attempts,
reproduction records, fix records and the immutable event log.

Status and level are written by exactly one function (`services.transitions._move`),
always after `workflow.require()`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

from tierdesk.core.models import TimeStamped
from tierdesk.tickets.sniff import is_image_type, is_text_type


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    VERIFYING = "verifying", "Verifying fix"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.VERIFYING)


class Level(models.IntegerChoices):
    L1 = 1, "Level 1"
    L2 = 2, "Level 2"
    L3 = 3, "Level 3"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Reproducibility(models.TextChoices):
    ALWAYS = "always", "Always"
    SOMETIMES = "sometimes", "Sometimes"
    ONCE = "once", "Happened once"


class ResolutionCause(models.TextChoices):
    CONNECTIVITY = "connectivity", "Connectivity"
    CREDENTIALS = "credentials", "Credentials / login"
    CONFIGURATION = "configuration", "Flow configuration"
    USAGE = "usage", "Usage question"
    THIRD_PARTY = "third_party", "Third-party system"
    PLATFORM_DEFECT = "platform_defect", "Platform defect"
    DUPLICATE = "duplicate", "Duplicate"
    NO_REPLY = "no_reply", "No reply from the customer"
    OTHER = "other", "Other"


class Ticket(TimeStamped):
    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    partner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="tickets"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    # Platform IDs as given: the directory may not know them (yet).
    contract_id = models.CharField(max_length=24, blank=True, db_index=True)
    workspace_id = models.CharField(max_length=24, blank=True)
    flow_id = models.CharField(max_length=24, blank=True, db_index=True)
    flow_version = models.CharField(max_length=40, blank=True)
    no_flow_reason = models.TextField(blank=True)

    occurred_at = models.DateTimeField(null=True, blank=True)
    occurred_until = models.DateTimeField(null=True, blank=True)
    description = models.TextField()
    expected_behaviour = models.TextField(blank=True)
    actual_behaviour = models.TextField(blank=True)
    steps_to_reproduce = models.TextField(blank=True)
    reproducibility = models.CharField(max_length=10, choices=Reproducibility.choices, blank=True)
    context = models.TextField(blank=True, help_text="What the user was doing when it happened.")
    is_blocker = models.BooleanField(null=True, blank=True)
    blocker_impact = models.TextField(blank=True)
    needed_by = models.DateTimeField(null=True, blank=True)
    check_connectivity = models.TextField(blank=True, help_text="How connectivity was ruled out.")
    check_credentials = models.TextField(blank=True, help_text="How credentials were ruled out.")
    # Who noted the L1 checks: only an L1 agent's notes satisfy the handover's l1_checks
    # item. The services set it; it is empty when anyone else last changed the checks.
    l1_checks_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pasted_log = models.TextField(blank=True)
    no_logs_reason = models.TextField(blank=True)

    incident = models.BooleanField(default=False)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.L1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    # Who handed it over (a bounce goes back to them) and who escalated it (a fix or a
    # return comes back to them).
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    resolution_cause = models.CharField(max_length=20, choices=ResolutionCause.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_level = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Denormalised from the ticket's SLA clocks for the queues: `sla.services` keeps them
    # on every move and edit, the SLA sweep sets the flags as deadlines come near or pass.
    # The flags are in no index on purpose: the sweep's updates of them stay HOT.
    next_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_at_risk = models.BooleanField(default=False)
    sla_breached = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["level", "status"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["assignee", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=[1, 2, 3]), name="ticket_level_valid"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(occurred_until__isnull=True)
                | Q(occurred_at__isnull=False, occurred_until__gte=models.F("occurred_at")),
                name="ticket_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"{settings.TIERDESK_TICKET_TAG}-{self.number}"


class Channel(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    SYSTEM = "system", "System"


class Message(TimeStamped):
    """A public reply (the customer sees it) or an internal note (never shown to customers)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    body = models.TextField()
    internal = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{'note' if self.internal else 'reply'} on {self.ticket_id}"


class AttachmentKind(models.TextChoices):
    LOG = "log", "Log"
    SCREENSHOT = "screenshot", "Screenshot"
    OTHER = "other", "Other"


class _AttachmentStorage(LazyObject):
    """The "attachments" storage, looked up when first used and again after STORAGES
    changes (Django evaluates a field's storage callable only once, at model load)."""

    def _setup(self):
        self._wrapped = storages["attachments"]


attachment_storage = _AttachmentStorage()


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        attachment_storage._wrapped = empty


def _attachment_storage():
    return attachment_storage


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed under the ticket: no client-chosen name reaches the file system.
    return f"tickets/{instance.ticket_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(TimeStamped):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=AttachmentKind.choices)
    file = models.FileField(storage=_attachment_storage, upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="Sniffed from the bytes.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    internal = models.BooleanField(
        default=True, help_text="Internal attachments are never shown to customers."
    )
    redactions = models.JSONField(
        default=dict, blank=True, help_text="How many secrets of each kind were masked on upload."
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_text(self) -> bool:
        return is_text_type(self.content_type)

    @property
    def is_image(self) -> bool:
        return is_image_type(self.content_type)


class HandoverOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting L2"
    ACCEPTED = "accepted", "Accepted"
    BOUNCED = "bounced", "Bounced"


class Handover(TimeStamped):
    """One L1 → L2 attempt with the checklist as it stood, and what L2 made of it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="handovers")
    attempt = models.PositiveSmallIntegerField()
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    checklist = models.JSONField(help_text="The gate items and the ticket's fields at handover.")
    outcome = models.CharField(
        max_length=10, choices=HandoverOutcome.choices, default=HandoverOutcome.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    bounced_items = models.JSONField(default=list, blank=True)
    bounce_note = models.TextField(blank=True)

    class Meta:
        ordering = ["ticket", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "attempt"], name="handover_attempt_unique")
        ]

    def __str__(self) -> str:
        return f"handover {self.attempt} of {self.ticket_id}: {self.outcome}"


class Reproduction(TimeStamped):
    """L2's reproduction record: what L3 needs before it starts."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reproductions")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reproduced = models.BooleanField()
    steps = models.TextField(blank=True)
    environment = models.TextField(
        blank=True, help_text="Contract, workspace, flow and flow version it was reproduced on."
    )
    observed = models.TextField(blank=True)
    analysis = models.TextField(blank=True)
    evidence_log_lines = models.TextField(blank=True)
    evidence = models.ManyToManyField(Attachment, blank=True, related_name="+")

    class Meta:
        ordering = ["ticket", "created_at", "pk"]

    def __str__(self) -> str:
        return f"reproduction of {self.ticket_id}"


class Verification(models.TextChoices):
    PENDING = "pending", "Awaiting verification"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class Fix(TimeStamped):
    """A fix L3 delivered, and L2's verification of it against the reproduction."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="fixes")
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reference = models.CharField(max_length=200)
    release = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["ticket", "created_at", "pk"]
        verbose_name_plural = "fixes"

    def __str__(self) -> str:
        return f"fix {self.reference} for {self.ticket_id}"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    TAKEN = "taken", "Taken"
    ASKED_CUSTOMER = "asked_customer", "Asked the customer"
    CUSTOMER_REPLIED = "customer_replied", "Customer replied"
    HANDED_OVER = "handed_over", "Handed over to L2"
    BOUNCED = "bounced", "Bounced back to L1"
    ESCALATED = "escalated", "Escalated to L3"
    ESCALATION_OVERRIDDEN = "escalation_overridden", "Escalated by lead override"
    RETURNED_TO_L2 = "returned_to_l2", "Returned to L2"
    FIX_DELIVERED = "fix_delivered", "Fix delivered"
    FIX_VERIFIED = "fix_verified", "Fix verified"
    FIX_FAILED = "fix_failed", "Fix failed verification"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CLOSED = "closed", "Closed"
    MESSAGE_ADDED = "message_added", "Message added"
    NOTE_ADDED = "note_added", "Internal note added"
    ATTACHMENT_ADDED = "attachment_added", "Attachment added"
    REPRODUCTION_RECORDED = "reproduction_recorded", "Reproduction recorded"
    ASSIGNED = "assigned", "Assigned"
    UNASSIGNED = "unassigned", "Unassigned"
    ACCESS_GRANTED = "access_granted", "Support access granted"
    ACCESS_REVOKED = "access_revoked", "Support access revoked"
    ACCESS_EXPIRING = "access_expiring", "Support access about to end"
    ACCESS_REVOKE_ASKED = "access_revoke_asked", "Customer asked to revoke support access"
    SECRETS_MASKED = "secrets_masked", "Secrets masked in stored text"


# Events an outer app records about a ticket without changing it (`ticket_event_add`).
NOTED_EVENTS = frozenset(
    {
        EventKind.ACCESS_GRANTED,
        EventKind.ACCESS_REVOKED,
        EventKind.ACCESS_EXPIRING,
        EventKind.ACCESS_REVOKE_ASKED,
    }
)


class ImmutableError(RuntimeError):
    pass


class TicketEvent(models.Model):
    """Append-only: who did what, when, from which (level, status) to which, and why."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    from_level = models.PositiveSmallIntegerField(null=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("Ticket events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Ticket events are immutable.")
