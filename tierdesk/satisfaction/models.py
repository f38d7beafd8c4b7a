"""How the customer rated the help they got: one rating per resolution of a ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tierdesk.core import clock


class Rating(models.Model):
    """1 (bad) to 5 (very good), with an optional comment; kept with who resolved it, at
    which level and for which partner, so reports group by them."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    resolved_at = models.DateTimeField()  # which resolution this rates
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    level = models.PositiveSmallIntegerField(null=True)
    partner = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"], name="satisfaction_one_rating_per_resolution"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="satisfaction_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 on {self.ticket_id}"


class UsedRatingLink(models.Model):
    """A rating link that was used: a link works once."""

    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.digest[:12]
