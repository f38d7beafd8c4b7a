"""Organisations (the vendor and its OEM partners), people, memberships and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from tierdesk.core.models import TimeStamped


class OrgKind(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    PARTNER = "partner", "Partner"


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    L1_AGENT = "l1_agent", "L1 agent"
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    L2_AGENT = "l2_agent", "L2 agent"
    SUPPORT_LEAD = "support_lead", "Support lead"
    L3_ENGINEER = "l3_engineer", "L3 engineer"
    ADMIN = "admin", "Admin"


# The level each working role works at; customers and admins work at none.
LEVEL_OF_ROLE: dict[str, int] = {
    Role.L1_AGENT: 1,
    Role.PARTNER_ADMIN: 1,
    Role.L2_AGENT: 2,
    Role.SUPPORT_LEAD: 2,
    Role.L3_ENGINEER: 3,
}
# Roles a partner organisation may hold; the vendor may hold every role (it runs L1 for
# its direct customers too).
PARTNER_ROLES = frozenset({Role.CUSTOMER, Role.L1_AGENT, Role.PARTNER_ADMIN})
VENDOR_ONLY_ROLES = frozenset({Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER, Role.ADMIN})

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1a2b3c.")


class Organisation(TimeStamped):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=OrgKind.choices)
    display_name = models.CharField(max_length=120, blank=True)
    sender_name = models.CharField(max_length=120, blank=True)
    sender_email = models.EmailField(blank=True)
    primary_colour = models.CharField(max_length=7, default="#1f4e79", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#f2a900", validators=[hex_colour])
    logo = models.TextField(
        blank=True, help_text="Logo as an inline SVG document or a data: URL (never fetched)."
    )
    ticket_tag = models.CharField(
        max_length=12, blank=True, help_text="Prefix of ticket numbers in this brand's mail."
    )
    customers_share_contract_tickets = models.BooleanField(
        default=False,
        help_text=(
            "Customers also see (and answer) the tickets of colleagues tied to one of their "
            "contracts, in the portal and the API. Ratings stay with each ticket's customer."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="vendor"), name="one_vendor_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def brand_name(self) -> str:
        return self.display_name or self.name

    @property
    def is_vendor(self) -> bool:
        return self.kind == OrgKind.VENDOR


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with the email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")
    language = models.CharField(max_length=8, default="en")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email


class Membership(TimeStamped):
    """A person's place: one organisation, one role. Customers may be tied to contracts."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    contracts = models.ManyToManyField(
        "directory.Contract", blank=True, related_name="customer_memberships"
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class TokenScope(models.TextChoices):
    """What an API token may do: `read` (GET), `write` (every other method), `admin`
    (tokens, webhooks and people: identity/access.required_scope decides)."""

    READ = "read", "Read"
    WRITE = "write", "Write"
    ADMIN = "admin", "Administer"


def all_token_scopes() -> list[str]:
    # Tokens made before scopes existed could do everything their person could.
    return list(TokenScope.values)


class ApiToken(TimeStamped):
    """A person's API token. Only its SHA-256 is stored; the token is shown once. It acts
    as its person, but only within its `scopes`, before `expires_at` and, when
    `allowed_networks` is set, from those networks."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(
        default=all_token_scopes, help_text="A list of read, write and admin."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    allowed_networks = models.JSONField(
        default=list, blank=True, help_text="CIDR networks it may be used from; empty: any."
    )
    last_used_address = models.CharField(max_length=64, blank=True)
    expiry_notice_at = models.DateTimeField(
        null=True, blank=True, help_text="When its person was told it ends soon (once)."
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class ThrottleScope(models.TextChoices):
    RESET_EMAIL = "reset_email", "password reset for an email address"
    RESET_ADDRESS = "reset_address", "password reset from a client address"
    TOKEN_ADDRESS = "token_address", "failed API token from a client address"
    OTP_USER = "otp_user", "wrong second-factor code for a person"


class ThrottleHit(models.Model):
    """One counted request of a throttled kind (a password reset asked for, a bearer token
    that matched nothing), kept in the database so every web process counts the same
    hits. Rows older than the scope's window are pruned as new ones arrive. Sign-in
    failures are counted by django-axes (its AccessAttempt and AccessFailureLog)."""

    scope = models.CharField(max_length=20, choices=ThrottleScope.choices)
    key = models.CharField(max_length=254, help_text="The client address or email address.")
    at = models.DateTimeField()
    refused = models.BooleanField(
        default=False, help_text="Whether this request was over the limit and refused."
    )

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="throttle_scope_key_at"),
            models.Index(fields=["at"], name="throttle_at"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} at {self.at:%Y-%m-%d %H:%M:%S}"


class SignedInSession(models.Model):
    """What a person's list of their sessions shows beyond the session store (ASVS 3.3.4):
    the browser and address a sign-in came from. Written at sign-in; it lives exactly as
    long as its session row (deleted with it: sign-out, expiry, `clearsessions`, a session
    ended from the list). The session store stays the truth on whether it is signed in."""

    session = models.OneToOneField("sessions.Session", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    user_agent = models.CharField(max_length=300, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "started_at"], name="signed_in_user_started")]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.started_at:%Y-%m-%d %H:%M}"
