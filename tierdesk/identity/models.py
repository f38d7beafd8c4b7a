"""Identity's records: the audit trail (who created or revoked a token, enrolled or
reset a second factor…), the per-organisation policy, and the second-factor devices
(django-otp `Device`s: a TOTP generator and recovery codes)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from tierdesk.core import clock
from tierdesk.core.crypto import EncryptedTextField


class AuditKind(models.TextChoices):
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    OTP_ENROLLED = "otp_enrolled", "Second factor enrolled"
    OTP_RESET = "otp_reset", "Second factor reset"
    OTP_RECOVERY_USED = "otp_recovery_used", "Recovery code used"
    OTP_RECOVERY_RENEWED = "otp_recovery_renewed", "Recovery codes renewed"
    OTP_REUSED = "otp_reused", "Used second-factor code entered again"
    PERSON_INVITED = "person_invited", "Person invited"
    PERSON_JOINED = "person_joined", "Invitation accepted"
    PERSON_UPDATED = "person_updated", "Person changed"
    PERSON_DEACTIVATED = "person_deactivated", "Person deactivated"
    BRAND_UPDATED = "brand_updated", "Brand changed"
    SENDER_REQUESTED = "sender_requested", "Sender address verification sent"
    SENDER_VERIFIED = "sender_verified", "Sender address verified"
    PERSON_EXPORTED = "person_exported", "Personal data exported"
    PERSON_ERASURE_REQUESTED = "person_erasure_requested", "Erasure requested"
    PERSON_ERASED = "person_erased", "Person erased"
    SSO_CONFIGURED = "sso_configured", "Single sign-on configured"
    SSO_SIGNED_IN = "sso_signed_in", "Signed in through single sign-on"
    SSO_PROVISIONED = "sso_provisioned", "Person created by single sign-on"
    SSO_REFUSED = "sso_refused", "Single sign-on refused"


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


class IdentityPolicy(models.Model):
    """An organisation's identity settings, edited by admins (Django admin; the console
    later). Without a row the defaults apply."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="identity_policy"
    )
    require_second_factor = models.BooleanField(
        default=False,
        help_text="Everyone of this organisation needs a second factor (admins, support "
        "leads and partner admins always do).",
    )

    class Meta:
        verbose_name_plural = "identity policies"

    def __str__(self) -> str:
        return f"Identity policy of {self.organisation}"


class TotpDevice(ThrottlingMixin, Device):
    """A time-based one-time password generator (RFC 6238: SHA-1, 6 digits, 30 s) of one
    person. The shared key is encrypted at rest. Unconfirmed until the first right code;
    a code is accepted once (`last_t`), with one step of tolerance either side; one
    entered again is told apart (`reused`). django-otp's throttling doubles the wait after
    each wrong code. The time is `core.clock`'s."""

    key = EncryptedTextField(help_text="The shared secret, hex (encrypted at rest).")
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def get_throttle_factor(self) -> int:
        return 1

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, step=30, t0=0, digits=6, drift=0)
        totp.time = clock.now().timestamp()
        return totp

    def reused(self, token) -> bool:
        """Whether `token` is a code this device accepted already: right for a step within
        the tolerance, but not after the last accepted one (a replay). Changes nothing."""
        token = str(token or "").strip().replace(" ", "")
        if self.last_t < 0 or not (token.isdigit() and len(token) == 6):
            return False
        totp = self._totp()
        return totp.verify(int(token), tolerance=1) and totp.t() <= self.last_t

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token or "").strip().replace(" ", "")
        verified = False
        if token.isdigit() and len(token) == 6:
            totp = self._totp()
            verified = totp.verify(int(token), tolerance=1, min_t=self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.throttle_reset(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified


class RecoveryDevice(ThrottlingMixin, Device):
    """A person's recovery codes: each works once, stored as SHA-256 digests."""

    class Meta(Device.Meta):
        verbose_name = "recovery codes"

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        digest = recovery_digest(str(token or ""))
        used = self.codes.filter(digest=digest).delete()[0]
        if used:
            self.throttle_reset(commit=True)
            return True
        self.throttle_increment(commit=True)
        return False


def recovery_digest(code: str) -> str:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"recovery code of {self.device.user}"


class Invitation(models.Model):
    """An invitation to join an organisation with a role, sent as a signed link that
    expires (`identity/services/people.py`). Used once."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20)
    contract_ids = models.JSONField(default=list, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"


class SenderVerification(models.Model):
    """A new sender address an organisation asked for: it becomes the brand's sender only
    once the link mailed to it is followed."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} for {self.organisation}"


class RetentionRule(models.Model):
    """How long a partner's (or every partner's) tickets of a plan (or of every plan)
    keep their content after closing, and their mail after sending (`identity/
    retention.py`). 0 days: never."""

    partner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: every partner (and the vendor's direct customers).",
    )
    plan = models.CharField(
        max_length=20, blank=True, help_text="A support plan; empty: every plan."
    )
    anonymise_closed_after_days = models.PositiveIntegerField(
        default=0, help_text="Closed tickets lose their texts and files after this many days."
    )
    delete_mail_after_days = models.PositiveIntegerField(
        default=0, help_text="Mail about these tickets is deleted after this many days."
    )
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "plan"], name="identity_retention_partner_plan"
            )
        ]

    def __str__(self) -> str:
        partner = self.partner.name if self.partner_id else "every partner"
        return f"Retention for {partner}, {self.plan or 'every plan'}"


class SsoConfig(models.Model):
    """An organisation's OpenID Connect identity provider (`identity/sso/`): where it is
    (the issuer; discovery at `<issuer>/.well-known/openid-configuration`), who we are to
    it (client id and secret, the secret encrypted at rest like webhook secrets), whose
    addresses it vouches for (`SsoDomain`), and how its role claim maps onto the roles
    this organisation may grant. Written only by `identity/services/sso.py`."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="sso"
    )
    enabled = models.BooleanField(default=False)
    slug = models.SlugField(
        max_length=50, unique=True, help_text="The sign-in address /login/<slug>/."
    )
    issuer = models.URLField(max_length=300, help_text="The identity provider's issuer URL.")
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField(blank=True, help_text="Encrypted at rest; never shown.")
    allowed_roles = models.JSONField(
        default=list, blank=True, help_text="Roles single sign-on may give (a list)."
    )
    role_claim = models.CharField(max_length=100, default="roles")
    role_map = models.JSONField(
        default=dict, blank=True, help_text="Claim value → role, e.g. {\"support\": \"l1_agent\"}."
    )
    default_role = models.CharField(
        max_length=20, blank=True, help_text="Role when no claim value maps; empty: refuse."
    )
    passwords_enabled = models.BooleanField(
        default=True, help_text="Whether this organisation's people may sign in with a password."
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "single sign-on configuration"

    def __str__(self) -> str:
        return f"Single sign-on of {self.organisation}"

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class SsoDomain(models.Model):
    """An email domain whose addresses sign in through one organisation's provider: the
    sign-in page routes by it, and the provider may only vouch for addresses in it."""

    config = models.ForeignKey(SsoConfig, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
