"""The platform directory: contracts (owned by a partner, on a support plan), their
workspaces and flows, each with its 24-hex platform ID."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from tierdesk.core.models import TimeStamped

platform_id_validator = RegexValidator(
    r"^[0-9a-f]{24}$", "A platform ID is 24 lower-case hexadecimal characters."
)


class SupportPlan(models.TextChoices):
    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    ENTERPRISE = "enterprise", "Enterprise"


class Contract(TimeStamped):
    platform_id = models.CharField(max_length=24, unique=True, validators=[platform_id_validator])
    partner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="contracts"
    )
    name = models.CharField(max_length=200)
    plan = models.CharField(
        max_length=20, choices=SupportPlan.choices, default=SupportPlan.STANDARD
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform_id})"


class Workspace(TimeStamped):
    platform_id = models.CharField(max_length=24, unique=True, validators=[platform_id_validator])
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform_id})"


class Flow(TimeStamped):
    platform_id = models.CharField(max_length=24, unique=True, validators=[platform_id_validator])
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="flows")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform_id})"
