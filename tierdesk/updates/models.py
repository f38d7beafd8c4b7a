"""Customer updates: the editable texts of each step, and who wants the optional ones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tierdesk.core.models import TimeStamped


class Step(models.TextChoices):
    HANDED_OVER = "handed_over", "Handed over to the product specialists"
    ESCALATED = "escalated", "Escalated to engineering"
    FIX_DELIVERED = "fix_delivered", "Fix delivered"
    RESOLVED = "resolved", "Resolved"
    # Sent by the automations (`tierdesk/automation`), not by a move of the table.
    REMINDER = "reminder", "Reminder: support waits for the customer's answer"
    NO_REPLY = "no_reply", "Resolved because the customer did not answer"


class Language(models.TextChoices):
    EN = "en", "English"
    DE = "de", "Deutsch"


class UpdateTemplate(TimeStamped):
    """The text a customer reads at one step, in one language. No partner: the vendor's
    text, used where a partner has none of its own. Placeholders: `{ticket}`, `{who}`,
    `{next_answer}`, `{brand}`."""

    partner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="update_templates",
    )
    step = models.CharField(max_length=20, choices=Step.choices)
    language = models.CharField(max_length=8, choices=Language.choices)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "step", "language"], name="updates_template_unique"
            ),
            models.UniqueConstraint(
                fields=["step", "language"],
                condition=Q(partner__isnull=True),
                name="updates_vendor_template_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step}/{self.language} ({self.partner_id or 'vendor'})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from tierdesk.updates.texts import PLACEHOLDERS

        try:
            self.text.format_map({name: "" for name in PLACEHOLDERS})
        except (KeyError, ValueError, IndexError) as exc:
            names = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise ValidationError({"text": f"Unknown placeholder ({exc}); use {names}."}) from None


class UpdatePreference(models.Model):
    """A customer's choice about optional updates (the essential ones always go)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="update_preference"
    )
    optional_updates = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {'all' if self.optional_updates else 'essential only'}"
