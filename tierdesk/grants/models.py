"""Support access a customer granted on their platform workspace for a ticket: the
platform asks customers to grant the vendor's support access to a workspace; the customer
records the grant (which workspace, until when) on the ticket, so L2 knows it may look,
is reminded before it ends, and the customer is asked to revoke it when the ticket closes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SupportAccessGrant(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="access_grants"
    )
    workspace_id = models.CharField(max_length=24)
    until = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Each reminder once: L2 before the end, the customer when the ticket closes.
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    revoke_asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [
            models.Index(
                fields=["until"],
                name="grant_open_until",
                condition=models.Q(revoked_at__isnull=True, expiry_reminded_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"access to {self.workspace_id} until {self.until:%Y-%m-%d %H:%M}"

    def active(self, now) -> bool:
        return self.revoked_at is None and self.until > now
