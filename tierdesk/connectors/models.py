"""Partner connectors: a partner's own helpdesk (Zendesk, Freshdesk, Jira Service
Management) linked to Tierdesk.

A `Connector` holds where the tool lives, how to sign in to its REST API (the token stored
encrypted, never shown again), the secret the tool's trigger sends to Tierdesk, the field
and status mappings as data, and the L1 person of the partner the connector acts as.
A `ConnectorLink` ties an L2 ticket to the external ticket it came from. Every exchange
with the tool is a `ConnectorJob` (the connector's outbox, retried like a webhook) and is
logged as an `Exchange` (method, path, status, duration — never a body or a header).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tierdesk.core import clock
from tierdesk.core.crypto import EncryptedTextField
from tierdesk.core.models import TimeStamped


class Tool(models.TextChoices):
    ZENDESK = "zendesk", "Zendesk"
    FRESHDESK = "freshdesk", "Freshdesk"
    JSM = "jsm", "Jira Service Management"


class Mirrored(models.TextChoices):
    """The moves of a Tierdesk ticket a connector mirrors on the external ticket."""

    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    ESCALATED = "escalated", "Escalated to engineering"
    FIX_DELIVERED = "fix_delivered", "Fix delivered"
    RESOLVED = "resolved", "Resolved"


# What each tool calls these states unless the partner maps them otherwise. Zendesk and
# Freshdesk take a status (Freshdesk's are numbers: 2 open, 3 pending, 4 resolved);
# Jira takes the id of a workflow transition, which differs per project: map them.
DEFAULT_STATUS_MAP: dict[str, dict[str, str]] = {
    Tool.ZENDESK: {
        "waiting_on_customer": "pending",
        "escalated": "open",
        "fix_delivered": "open",
        "resolved": "solved",
    },
    Tool.FRESHDESK: {
        "waiting_on_customer": "3",
        "escalated": "2",
        "fix_delivered": "2",
        "resolved": "4",
    },
    Tool.JSM: {},
}


class Connector(TimeStamped):
    partner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="connectors"
    )
    tool = models.CharField(max_length=12, choices=Tool.choices)
    name = models.CharField(max_length=100)
    base_url = models.CharField(max_length=500, help_text="https://acme.zendesk.com")
    username = models.CharField(
        max_length=254, blank=True, help_text="The API user's e-mail (Zendesk, Jira)."
    )
    api_token = EncryptedTextField(editable=False, help_text="Never shown again after saving.")
    api_token_prefix = models.CharField(max_length=8, editable=False, blank=True)
    inbound_secret = EncryptedTextField(editable=False)
    inbound_secret_prefix = models.CharField(max_length=16, editable=False)
    signing_secret = EncryptedTextField(
        editable=False,
        blank=True,
        help_text="Zendesk only: the webhook's signing secret, to accept its signature.",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The partner's L1 person the connector acts as.",
    )
    field_map = models.JSONField(
        default=dict, blank=True, help_text="External field key → Tierdesk ticket field."
    )
    status_map = models.JSONField(
        default=dict, blank=True, help_text="Mirrored move → the tool's status or transition."
    )
    public_comments = models.BooleanField(
        default=False, help_text="Post L2's replies as public comments (else private notes)."
    )
    active = models.BooleanField(default=True)
    last_health_at = models.DateTimeField(null=True, blank=True)
    last_health_ok = models.BooleanField(null=True)
    last_health_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["partner_id", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.get_tool_display()} connector {self.pk} of organisation {self.partner_id}"

    def __repr__(self) -> str:
        return f"<Connector {self.pk} {self.tool} partner={self.partner_id}>"

    def status_for(self, move: str) -> str:
        mapped = (self.status_map or {}).get(move)
        return str(mapped) if mapped else DEFAULT_STATUS_MAP.get(self.tool, {}).get(move, "")


class ConnectorLink(TimeStamped):
    """An L2 ticket and the external ticket it was handed over from."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="connector_link"
    )
    external_id = models.CharField(max_length=64)
    comments_position = models.CharField(
        max_length=500,
        blank=True,
        help_text="Where the next read of the external comments resumes (the tool's page "
        "or cursor).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "external_id"], name="connector_link_once")
        ]

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} ↔ {self.external_id}"


class SeenItem(models.Model):
    """An external comment or attachment that is already on both sides: one Tierdesk
    wrote there (never imported back), or one it imported (never imported twice). The
    Tierdesk side is a message or attachment id (never sent back out)."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        ATTACHMENT = "attachment", "Attachment"

    link = models.ForeignKey(ConnectorLink, on_delete=models.CASCADE, related_name="seen")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    external_id = models.CharField(max_length=64, blank=True)
    local_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["link", "kind", "external_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id or '-'} / {self.local_id or '-'}"


class JobKind(models.TextChoices):
    HANDOVER = "handover", "Read the external ticket and hand it over"
    PULL = "pull", "Read new comments of the external ticket"
    COMMENT = "comment", "Write a comment on the external ticket"
    STATUS = "status", "Set the external ticket's status"
    ATTACHMENT = "attachment", "Upload a file to the external ticket"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ConnectorJob(models.Model):
    """One exchange to make with the tool, written in the transaction that calls for it
    and retried like a webhook delivery (same schedule, lease and sweep)."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="jobs")
    link = models.ForeignKey(
        ConnectorLink, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    kind = models.CharField(max_length=12, choices=JobKind.choices)
    external_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="connector_job_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"


class Direction(models.TextChoices):
    IN = "in", "Tool → Tierdesk"
    OUT = "out", "Tierdesk → tool"


class Exchange(models.Model):
    """One HTTP exchange with the tool, either way. Never a body, a header or a query."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="exchanges")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["connector", "created_at"])]

    def __str__(self) -> str:
        return f"{self.direction} {self.method} {self.path} {self.status_code or '-'}"
