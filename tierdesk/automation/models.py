"""Automations kept as data: rules (conditions on a ticket's fields, an optional event
that triggers them, actions) and the record of every run on a ticket.

Rules are written by `automation.services` only; runs are append-only, written by the
engine (`automation.engine`) in the transaction of the change the run made.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tierdesk.core.models import TimeStamped


class Builtin(models.TextChoices):
    """The rules the product ships with (on by default; admins tune or turn them off)."""

    REMIND_WAITING = "remind_waiting", "Remind a customer who has not answered"
    RESOLVE_NO_REPLY = "resolve_no_reply", "Resolve as “no reply” after the reminders"
    CLOSE_RESOLVED = "close_resolved", "Close resolved tickets when the reopen period ends"
    AT_RISK_UNASSIGNED = "at_risk_unassigned", "Tell the leads of an at-risk ticket nobody has"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "On the worker's schedule"
    EVENT = "event", "When a ticket event happens"


class Rule(TimeStamped):
    """One automation. `partner` empty: the vendor's rule, for every partner's tickets;
    set: only that partner's tickets (its admins edit it). `plans` empty: every support
    plan. A built-in rule's conditions and actions are the product's (`builtin`); its
    `params` tune it (business days, number of reminders)."""

    name = models.CharField(max_length=120)
    builtin = models.CharField(max_length=30, choices=Builtin.choices, blank=True)
    partner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="automation_rules",
    )
    enabled = models.BooleanField(default=True)
    plans = models.JSONField(default=list, blank=True, help_text="Support plans; empty: all.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    event = models.CharField(max_length=30, blank=True, help_text="The ticket event kind.")
    conditions = models.JSONField(default=list, blank=True)
    steps = models.JSONField(default=list, blank=True, help_text="The actions, in order.")
    params = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["builtin"],
                condition=~Q(builtin="") & Q(partner__isnull=True),
                name="automation_builtin_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """Append-only: a rule acted on a ticket (or was refused by the ticket's gates).
    `key` makes a run happen once: one reminder per round, one close, one alert per
    at-risk episode, one run per triggering event."""

    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, related_name="runs")
    rule_name = models.CharField(max_length=120)
    builtin = models.CharField(max_length=30, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="automation_runs"
    )
    key = models.CharField(max_length=80)
    actions = models.JSONField(default=list)
    outcome = models.CharField(max_length=10, default="done")  # done | refused
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "key"], name="automation_run_once"),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="automation_run_ticket")]

    def __str__(self) -> str:
        return f"{self.rule_name} on {self.ticket_id}: {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Automation runs are immutable.")
        super().save(*args, **kwargs)


class TicketTag(models.Model):
    """A tag an automation (or, later, a person) put on a ticket."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="tags")
    name = models.SlugField(max_length=40)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "name"], name="automation_tag_once"),
        ]

    def __str__(self) -> str:
        return self.name
