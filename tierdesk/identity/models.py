"""The audit trail of identity: who created or revoked a token, enrolled or reset a
second factor, invited, changed or deactivated whom."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditKind(models.TextChoices):
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    OTP_ENROLLED = "otp_enrolled", "Second factor enrolled"
    OTP_RESET = "otp_reset", "Second factor reset"
    OTP_RECOVERY_USED = "otp_recovery_used", "Recovery code used"
    OTP_RECOVERY_RENEWED = "otp_recovery_renewed", "Recovery codes renewed"


class AuditEntry(models.Model):
    """One immutable record. `subject` is the person it is about; `detail` never holds a
    secret (token prefixes, not tokens)."""

    at = models.DateTimeField()
    kind = models.CharField(max_length=32, choices=AuditKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["subject", "at"], name="identity_audit_subject_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
