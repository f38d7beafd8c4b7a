"""Problem records: the engineering issue behind one or more tickets of any partners, the
tickets' links to it and to each other, and the problem's own audit trail.

A ticket belongs to at most one problem (`ProblemTicket.ticket` is unique). What partners
and customers may read of a problem is its `public_summary` and, when `workaround_public`,
its `workaround`; everything else is internal (`problems/access.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.core.crypto import EncryptedTextField
from tierdesk.core.models import TimeStamped


class ProblemStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    FIX_IN_PROGRESS = "fix_in_progress", _("Fix in progress")
    FIX_DELIVERED = "fix_delivered", _("Fix delivered")
    RELEASED = "released", _("Released")
    CLOSED = "closed", _("Closed")


OPEN_PROBLEM_STATUSES = (
    ProblemStatus.INVESTIGATING,
    ProblemStatus.FIX_IN_PROGRESS,
    ProblemStatus.FIX_DELIVERED,
)


class TrackerKind(models.TextChoices):
    JIRA = "jira", "Jira"
    GITHUB = "github", "GitHub"


class Tracker(TimeStamped):
    """An engineering tracker problems are linked to: a Jira project or a GitHub
    repository. `token` (the API credential) and `webhook_secret` (what signs its
    webhooks) are stored encrypted (`core.crypto`) and never logged or shown again.
    `status_map` maps the tracker's status names (Jira status name, GitHub issue state or
    label) to a problem status; names not in it change nothing but the shown status."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=TrackerKind.choices)
    base_url = models.URLField(
        help_text="Jira: https://your-site.atlassian.net · GitHub: https://api.github.com"
    )
    project = models.CharField(
        max_length=200, help_text="Jira project key (ABC) or GitHub repository (owner/name)."
    )
    username = models.CharField(
        max_length=200, blank=True, help_text="Jira: the account's e-mail (basic auth)."
    )
    token = EncryptedTextField(blank=True)
    webhook_secret = EncryptedTextField(blank=True)
    status_map = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in TrackerKind]), name="tracker_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind} {self.project})"

    def __repr__(self) -> str:
        return f"<Tracker {self.pk} {self.kind} {self.project}>"


class Problem(TimeStamped):
    title = models.CharField(max_length=200)
    public_summary = models.TextField(
        help_text="What partners and customers may read about the problem."
    )
    internal_analysis = models.TextField(blank=True)
    reproduction = models.ForeignKey(
        "tickets.Reproduction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    components = models.JSONField(default=list, blank=True, help_text="Affected components.")
    flow_ids = models.JSONField(
        default=list, blank=True, help_text="Affected flows (platform IDs)."
    )
    status = models.CharField(
        max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.INVESTIGATING
    )
    workaround = models.TextField(blank=True)
    workaround_public = models.BooleanField(
        default=False, help_text="Partners and customers may read the workaround."
    )
    fix_reference = models.CharField(max_length=200, blank=True)
    fix_release = models.CharField(max_length=100, blank=True)
    tracker = models.ForeignKey(
        Tracker, on_delete=models.PROTECT, null=True, blank=True, related_name="problems"
    )
    tracker_key = models.CharField(
        max_length=100, blank=True, help_text="Jira issue key (ABC-123) or GitHub issue number."
    )
    tracker_url = models.URLField(blank=True)
    tracker_status = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The L3 engineer working on it.",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ProblemStatus]),
                name="problem_status_valid",
            ),
            models.UniqueConstraint(
                fields=["tracker", "tracker_key"],
                condition=~Q(tracker_key=""),
                name="problem_tracker_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"PRB-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM_STATUSES


class ProblemTicket(TimeStamped):
    """A ticket caused by the problem. `workaround_at` is set when the ticket was resolved
    with the problem's workaround while the problem stayed open; `fix_told_at` when its
    customer was told that the fix shipped."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="problem_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    workaround_at = models.DateTimeField(null=True, blank=True)
    fix_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} ← ticket {self.ticket_id}"


class LinkKind(models.TextChoices):
    RELATES = "relates", "Relates to"
    DUPLICATES = "duplicates", "Duplicates"
    MERGED_INTO = "merged_into", "Merged into"


class TicketLink(TimeStamped):
    """`source` relates to / duplicates / was merged into `target`. Read in both
    directions; links between tickets of different partners are for vendor staff only."""

    source = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="ticket_link_once"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="ticket_link_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in LinkKind]), name="ticket_link_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class ProblemEventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    TICKET_LINKED = "ticket_linked", "Ticket linked"
    WORKAROUND_SET = "workaround_set", "Workaround set"
    WORKAROUND_APPLIED = "workaround_applied", "Ticket resolved with the workaround"
    FIX_DELIVERED = "fix_delivered", "Fix delivered"
    RELEASED = "released", "Released"
    CLOSED = "closed", "Closed"
    TRACKER_LINKED = "tracker_linked", "Tracker issue linked"
    TRACKER_UPDATED = "tracker_updated", "Tracker status changed"
    TRACKER_RETRIED = "tracker_retried", "Tracker call retried"


class ProblemEvent(models.Model):
    """The problem's audit trail (append-only by convention: only services write it)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20)
    kind = models.CharField(max_length=24, choices=ProblemEventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"


class TrackerDelivery(models.Model):
    """One inbound webhook delivery a tracker signed, recorded once: its id is GitHub's
    `X-GitHub-Delivery`, Jira's `X-Atlassian-Webhook-Identifier` (both unchanged when
    the tracker retries), or a hash of the body where the tracker sends none. A second
    delivery with the same id is a replay and changes nothing (`services.tracker`)."""

    tracker = models.ForeignKey(Tracker, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(db_index=True)
    problem = models.ForeignKey(
        Problem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tracker", "delivery_id"], name="tracker_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.tracker_id} delivery {self.delivery_id}"


class TrackerCallAction(models.TextChoices):
    CREATE_ISSUE = "create_issue", "Create the issue"
    COMMENT = "comment", "Post a comment"


class TrackerCallState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class TrackerCall(TimeStamped):
    """One outbound call to the problem's tracker (create its issue, post a comment),
    written in the transaction that asks for it and made by a task after commit. A call
    that failed keeps what went wrong — the tracker's HTTP status (None when it could
    not be reached), a short error that names no URL or credential, when, how often —
    until staff retry it (`services.tracker_calls`)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="tracker_calls")
    action = models.CharField(max_length=20, choices=TrackerCallAction.choices)
    text = models.TextField(blank=True, help_text="The comment to post.")
    state = models.CharField(
        max_length=10, choices=TrackerCallState.choices, default=TrackerCallState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["problem", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in TrackerCallState]),
                name="tracker_call_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=[a.value for a in TrackerCallAction]),
                name="tracker_call_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action} {self.state}"
