from __future__ import annotations

from django.conf import settings
from django.db import models


class Presence(models.Model):
    """One person on one ticket page: when their page last beat, and whether its reply
    box held a draft then."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    writing = models.BooleanField(default=False)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="presence_once")]

    def __str__(self) -> str:
        return f"{self.user} on {self.ticket_id} ({'writing' if self.writing else 'viewing'})"
