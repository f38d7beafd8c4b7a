from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Scope(models.TextChoices):
    ORGANISATION = "organisation", "My organisation"
    PERSONAL = "personal", "Only me"


class MacroAction(models.TextChoices):
    """The actions a macro may run after its reply (each through its ticket service)."""

    NONE = "", "None (a reply)"
    ASK_CUSTOMER = "ask_customer", "Ask the customer (wait on their answer)"
    RESOLVE = "resolve", "Resolve"


class Macro(models.Model):
    """A reply template of an organisation (`owner` empty) or of one person (`owner`
    set; `organisation` is theirs). Only services write it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    set_priority = models.CharField(max_length=10, blank=True)
    action = models.CharField(max_length=20, choices=MacroAction.choices, blank=True)
    resolution = models.TextField(blank=True)
    cause = models.CharField(max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["organisation", "owner"], name="macro_org_owner")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=("", "ask_customer", "resolve")), name="macro_action_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        return Scope.PERSONAL if self.owner_id else Scope.ORGANISATION


class Signature(models.Model):
    """One person's signature, appended to the public replies they send from the console
    and with macros (Markdown, sanitised like every message)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user}"
