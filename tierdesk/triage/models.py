"""Triage rules (data, editable by vendor admins), what customers deflected in the portal,
what L1 probed, and the triage cause a ticket was resolved with."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Cause(models.TextChoices):
    CONNECTIVITY = "connectivity", _("Connectivity (refused, timed out, reset)")
    DNS = "dns", _("DNS (host name does not resolve)")
    TLS = "tls", _("TLS / certificate")
    CREDENTIALS = "credentials", _("Invalid credentials (401/403)")
    TOKEN_EXPIRED = "token_expired", _("Expired or revoked OAuth token")
    RATE_LIMIT = "rate_limit", _("Rate limit (429)")
    QUOTA = "quota", _("Quota exceeded")


# The ticket's resolution cause (tickets.ResolutionCause) each triage cause resolves as.
RESOLUTION_CAUSE = {
    Cause.CONNECTIVITY: "connectivity",
    Cause.DNS: "connectivity",
    Cause.TLS: "connectivity",
    Cause.CREDENTIALS: "credentials",
    Cause.TOKEN_EXPIRED: "credentials",
    Cause.RATE_LIMIT: "third_party",
    Cause.QUOTA: "third_party",
}
# Which handover L1 check a cause belongs to.
L1_CHECK = {
    Cause.CONNECTIVITY: "connectivity",
    Cause.DNS: "connectivity",
    Cause.TLS: "connectivity",
    Cause.CREDENTIALS: "credentials",
    Cause.TOKEN_EXPIRED: "credentials",
}


def _check_patterns(value: str) -> None:
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            re.compile(line.strip(), re.IGNORECASE)
        except re.error as exc:
            raise ValidationError(
                f"Line {number} is not a valid regular expression: {exc}"
            ) from None


class Rule(models.Model):
    """One obvious cause, recognised by regular expressions matched line by line."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    cause = models.CharField(max_length=20, choices=Cause.choices)
    patterns = models.TextField(
        validators=[_check_patterns],
        help_text="One regular expression per line (case-insensitive); any match is evidence.",
    )
    excludes = models.TextField(
        blank=True,
        validators=[_check_patterns],
        help_text="One regular expression per line; a line matching one is no evidence "
        "(negations, other causes' wording).",
    )
    confidence = models.FloatField(
        default=0.8, help_text="0–1: how surely a match means this cause."
    )
    article = models.ForeignKey(
        "kb.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    examples = models.TextField(
        blank=True, help_text="Texts this rule must recognise, one per line."
    )
    version = models.PositiveIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cause", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0) & models.Q(confidence__lte=1),
                name="triage_rule_confidence_0_1",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} (v{self.version})"

    def clean(self) -> None:
        from tierdesk.triage.engine import compile_rule

        try:
            spec = compile_rule(self)
        except re.error:
            return  # the field's own validator names the bad line
        missed = [e for e in self.examples.splitlines() if e.strip() and not spec.matches(e)]
        if missed:
            raise ValidationError({"examples": f"Not recognised by the patterns: {missed[0]}"})


DEFLECTED_NOTICE = _("Glad it is solved. No report was sent.")


class Deflection(models.Model):
    """A report the customer did not send because an article solved it."""

    partner = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(
        "kb.Article", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cause = models.CharField(max_length=20, choices=Cause.choices, blank=True)
    text = models.TextField(blank=True, help_text="What the customer had typed (shortened).")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"deflected by {self.customer} ({self.cause or 'no cause'})"


class Probe(models.Model):
    """One connectivity probe L1 ran from a ticket: each step with its outcome."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2000)
    ok = models.BooleanField()
    summary = models.TextField()
    steps = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"probe of {self.url}: {'ok' if self.ok else 'failed'}"


class Resolution(models.Model):
    """The triage cause a ticket was resolved with at L1 (the ticket keeps the broader
    resolution cause)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    cause = models.CharField(max_length=20, choices=Cause.choices)
    article = models.ForeignKey(
        "kb.Article", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"resolved at L1: {self.cause}"


class RuleVersion(models.Model):
    """A rule as it was before a change (the admin keeps one per save): what matched
    when, for reading old findings and undoing a change by hand."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    cause = models.CharField(max_length=20, choices=Cause.choices)
    patterns = models.TextField()
    excludes = models.TextField(blank=True)
    confidence = models.FloatField()
    article_id = models.IntegerField(null=True, blank=True)
    examples = models.TextField(blank=True)
    enabled = models.BooleanField()
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="triage_rule_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.version}"
