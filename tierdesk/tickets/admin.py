"""Admin for tickets and their records.

Status and level are never edited here: only the workflow moves a ticket. The few fields
an admin may correct (title, priority, incident flag) are saved through `ticket_update`
with the version the page was loaded at, so the change is checked, versioned and leaves an
`UPDATED` event like any other edit. Messages, attachments, handovers, reproductions,
fixes and events are written by services only and are read-only here; attachments are
downloaded through the access-checked view, never by a storage URL.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.defaultfilters import filesizeformat, truncatechars
from django.urls import reverse
from django.utils.html import format_html

from tierdesk.core.actor import actor_for
from tierdesk.core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, add_refusal, dry_run
from tierdesk.tickets.models import (
    Attachment,
    Fix,
    Handover,
    Message,
    Reproduction,
    Ticket,
    TicketEvent,
)
from tierdesk.tickets.services import ticket_update

EDITABLE = ("title", "priority", "incident")


class TicketForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)
    request = None  # set per request by TicketAdmin.get_form

    class Meta:
        model = Ticket
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def changes(self) -> dict:
        return {k: self.cleaned_data[k] for k in EDITABLE if k in self.changed_data}

    def update(self) -> Ticket | None:
        changes = self.changes()
        if not changes:
            return None
        return ticket_update(
            actor=actor_for(self.request.user),
            ticket_id=self.instance.pk,
            changes=changes,
            version=self.cleaned_data["loaded_version"],
        )

    def clean(self):
        data = super().clean()
        if not self.errors:
            refusal = dry_run(self.update)
            if refusal:
                add_refusal(self, refusal)
        return data


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "author", "internal", "channel", "excerpt")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="message")
    def excerpt(self, obj: Message) -> str:
        return truncatechars(obj.body, 300)


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("created_at", "download", "kind", "content_type", "size_text", "internal")
    readonly_fields = fields

    @admin.display(description="file")
    def download(self, obj: Attachment) -> str:
        url = reverse("attachment", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    @admin.display(description="size")
    def size_text(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "actor_role", "moved", "reason")
    readonly_fields = fields
    verbose_name_plural = "audit trail"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="move")
    def moved(self, obj: TicketEvent) -> str:
        before = f"{obj.from_status}@L{obj.from_level}" if obj.from_level else "—"
        return f"{before} → {obj.to_status}@L{obj.to_level}"


@admin.register(Ticket)
class TicketAdmin(ServiceAdmin):
    form = TicketForm
    inlines = (MessageInline, AttachmentInline, EventInline)
    list_display = ("reference", "title", "partner", "level", "status", "priority", "assignee")
    list_filter = ("level", "status", "priority", "incident", "partner")
    list_select_related = ("partner", "assignee")
    search_fields = ("number__exact", "title", "contract_id", "flow_id")
    date_hierarchy = "created_at"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("number", "version", "loaded_version"),
                    "title",
                    ("level", "status"),
                    ("priority", "incident"),
                    ("partner", "customer", "assignee"),
                    ("created_by", "created_at", "updated_at"),
                )
            },
        ),
        (
            "Platform",
            {"fields": (("contract_id", "workspace_id"), ("flow_id", "flow_version"))},
        ),
        (
            "Problem",
            {
                "fields": (
                    "no_flow_reason",
                    ("occurred_at", "occurred_until"),
                    "description",
                    "expected_behaviour",
                    "actual_behaviour",
                    ("reproducibility", "steps_to_reproduce"),
                    "context",
                    ("pasted_log", "no_logs_reason"),
                )
            },
        ),
        (
            "Impact and checks",
            {
                "fields": (
                    ("is_blocker", "blocker_impact"),
                    "needed_by",
                    ("check_connectivity", "check_credentials"),
                )
            },
        ),
        (
            "Handover, escalation, resolution",
            {
                "fields": (
                    ("handed_over_by", "escalated_by", "escalated_at"),
                    ("resolution_cause", "resolution"),
                    ("resolved_level", "resolved_by", "resolved_at", "closed_at"),
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in Ticket._meta.concrete_fields if f.name not in EDITABLE]
        return [*names, "created_at", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        form.update()
        obj.refresh_from_db()

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # tickets are opened through the workflow (web, API, mail)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail must outlive any admin mistake


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "actor", "actor_role", "to_level", "to_status")
    list_filter = ("kind", "actor_role", "to_level", "to_status")
    list_select_related = ("ticket", "actor")
    search_fields = ("ticket__number__exact", "reason")
    date_hierarchy = "created_at"


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "attempt", "outcome", "handed_over_by", "decided_by", "created_at")
    list_filter = ("outcome", "ticket__partner")
    list_select_related = ("ticket", "handed_over_by", "decided_by")
    search_fields = ("ticket__number__exact",)


@admin.register(Reproduction)
class ReproductionAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "reproduced", "recorded_by", "created_at")
    list_filter = ("reproduced",)
    list_select_related = ("ticket", "recorded_by")
    search_fields = ("ticket__number__exact", "analysis")


@admin.register(Fix)
class FixAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "reference", "release", "verification", "delivered_by", "created_at")
    list_filter = ("verification",)
    list_select_related = ("ticket", "delivered_by")
    search_fields = ("ticket__number__exact", "reference", "release")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "author", "internal", "channel", "created_at")
    list_filter = ("internal", "channel")
    list_select_related = ("ticket", "author")
    search_fields = ("ticket__number__exact",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("filename", "ticket", "kind", "content_type", "size", "internal", "created_at")
    list_filter = ("kind", "internal")
    list_select_related = ("ticket",)
    search_fields = ("ticket__number__exact", "filename", "sha256")
    exclude = ("file",)  # no storage URL: downloads go through the access-checked view
