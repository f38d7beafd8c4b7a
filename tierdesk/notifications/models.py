"""Notifications in the app, followers and preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned to me"
    CUSTOMER_REPLIED = "customer_replied", "The customer replied on my ticket"
    BOUNCED = "bounced", "A handover bounced back to me"
    AT_RISK = "at_risk", "My ticket is at risk"
    MENTIONED = "mentioned", "I was mentioned"
    FIX_DELIVERED = "fix_delivered", "A fix was delivered"
    FIX_FAILED = "fix_failed", "A fix failed verification"
    REOPENED = "reopened", "My ticket came back"
    RESOLVED = "resolved", "My ticket was resolved"
    FOLLOWED = "followed", "News on a ticket I follow"
    LOW_RATING = "low_rating", "A customer rated the help low (support leads)"


# What each kind does until a person says otherwise: everything shows in the app; what
# the mail app already mailed before preferences existed, and mentions, go by mail too.
MAIL_BY_DEFAULT = frozenset(
    {
        NotificationKind.ASSIGNED,
        NotificationKind.CUSTOMER_REPLIED,
        NotificationKind.BOUNCED,
        NotificationKind.AT_RISK,
        NotificationKind.MENTIONED,
        NotificationKind.FIX_DELIVERED,
        NotificationKind.FIX_FAILED,
        NotificationKind.REOPENED,
        NotificationKind.LOW_RATING,
    }
)


class Notification(models.Model):
    """One thing one person should know about one ticket. Written in the transaction of
    the change it tells of; read (`read_at`) by its recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["recipient", "-id"],
                condition=Q(read_at__isnull=True),
                name="notif_unread",
            ),
            models.Index(fields=["recipient", "-id"], name="notif_recipient"),
        ]
        constraints = [
            # One notification per person per event (the most specific kind wins).
            models.UniqueConstraint(fields=["recipient", "event"], name="notif_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kind} · {self.ticket_id}"


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.ticket_id}"


class Preference(models.Model):
    """A person's choice for one kind; without a row the defaults above hold."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    in_app = models.BooleanField(default=True)
    by_mail = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="pref_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: app {self.in_app}, mail {self.by_mail}"


class Cursor(models.Model):
    """How far the reader of the SLA's at-risk events got."""

    name = models.CharField(max_length=50, primary_key=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.position}"
