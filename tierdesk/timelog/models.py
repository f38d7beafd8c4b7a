from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class WorkKind(models.TextChoices):
    REPLY = "reply", "Reply"
    NOTE = "note", "Internal note"
    ACTION = "action", "Action"
    OTHER = "other", "Other work"


class TimeEntry(models.Model):
    """Minutes one person spent on one ticket, at the level they work (append-only)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    minutes = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=WorkKind.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "level"], name="time_ticket_level")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=1440), name="time_minutes_in_a_day"
            ),
            models.CheckConstraint(condition=Q(level__in=(1, 2, 3)), name="time_level_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.ticket_id} · L{self.level} · {self.minutes} min"


class TimePolicy(models.Model):
    """An organisation's rule for time logging: with `minutes_required`, its staff give the
    minutes with every reply, internal note and action in the console and the API."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    minutes_required = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"time policy of organisation {self.organisation_id}"
