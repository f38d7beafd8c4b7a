"""Admin for problems: trackers (the credentials are written, never shown back) and, read
only, the problems, their tickets, links and trail — those change through the services
(the console and the API)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from tierdesk.core.admin import ReadOnlyAdmin
from tierdesk.problems.models import Problem, ProblemEvent, ProblemTicket, TicketLink, Tracker

SECRET_FIELDS = ("token", "webhook_secret")


class TrackerForm(forms.ModelForm):
    """`token` and `webhook_secret` are write-only: left empty, the stored value stays."""

    base_url = forms.URLField(
        assume_scheme="https", help_text=Tracker._meta.get_field("base_url").help_text
    )

    class Meta:
        model = Tracker
        fields = (
            "name",
            "kind",
            "base_url",
            "project",
            "username",
            "token",
            "webhook_secret",
            "status_map",
            "active",
        )
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}
        help_texts = {
            "token": "Jira: an API token; GitHub: a token with issues read/write. Leave empty "
            "to keep the stored one.",
            "webhook_secret": "The secret the tracker signs its webhooks with. Leave empty to "
            "keep the stored one.",
            "status_map": 'Tracker status → problem status, e.g. {"Done": "fix_delivered", '
            '"label:released": "released"}. Added to the defaults (docs/problems.md).',
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(Tracker)
class TrackerAdmin(admin.ModelAdmin):
    form = TrackerForm
    list_display = ("name", "kind", "project", "base_url", "active")
    list_filter = ("kind", "active")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "tracker", "tracker_key", "tracker_status", "created_at")
    list_filter = ("status", "tracker")
    search_fields = ("title", "public_summary", "tracker_key")


@admin.register(ProblemTicket)
class ProblemTicketAdmin(ReadOnlyAdmin):
    list_display = ("problem", "ticket", "linked_by", "workaround_at", "fix_told_at")


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "target", "created_by", "created_at")


@admin.register(ProblemEvent)
class ProblemEventAdmin(ReadOnlyAdmin):
    list_display = ("problem", "kind", "from_status", "to_status", "actor", "created_at")
    list_filter = ("kind",)
