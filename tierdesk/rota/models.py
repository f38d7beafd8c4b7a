"""Availability per person and one rule per level queue (data, not settings)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tierdesk.core.models import TimeStamped


class Availability(TimeStamped):
    """A person's place in the rota. Without a row a person is not available: round robin
    assigns only to people who marked themselves (or were marked) available."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    available = models.BooleanField(default=False)
    out_of_office = models.BooleanField(default=False)
    # Round robin gives the next ticket to whoever waited longest for one.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {'available' if self.on_duty else 'away'}"

    @property
    def on_duty(self) -> bool:
        return self.available and not self.out_of_office


class QueueRule(TimeStamped):
    """Auto-assignment of one level's intake: L1 per partner (`organisation`), L2 and L3
    for the vendor as a whole (`organisation` empty). `cap` bounds the open tickets an
    agent holds before round robin passes them by."""

    level = models.PositiveSmallIntegerField(choices=[(1, "L1"), (2, "L2"), (3, "L3")])
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    auto_assign = models.BooleanField(default=False)
    cap = models.PositiveSmallIntegerField(default=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "organisation"], name="rota_rule_per_partner_level"
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(organisation__isnull=True),
                name="rota_rule_per_level",
            ),
            models.CheckConstraint(
                condition=Q(level=1, organisation__isnull=False)
                | Q(level__in=(2, 3), organisation__isnull=True),
                name="rota_rule_l1_per_partner",
            ),
            models.CheckConstraint(condition=Q(cap__gte=1), name="rota_cap_at_least_one"),
        ]

    def __str__(self) -> str:
        where = f" at {self.organisation}" if self.organisation_id else ""
        return f"L{self.level}{where}: {'auto' if self.auto_assign else 'manual'}, cap {self.cap}"
