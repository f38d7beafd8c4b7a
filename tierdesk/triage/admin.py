"""Rules are data: vendor admins edit them here. Every save raises the rule's version;
`Rule.clean()` refuses a pattern that is no regular expression and an example the
patterns no longer recognise."""

from django.contrib import admin

from tierdesk.core.admin import ReadOnlyAdmin
from tierdesk.triage.models import Deflection, Probe, Resolution, Rule


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("code", "cause", "confidence", "article", "version", "enabled", "updated_at")
    list_filter = ("cause", "enabled")
    search_fields = ("code", "name", "patterns", "examples")
    readonly_fields = ("version", "updated_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "partner", "customer", "article", "cause")
    list_filter = ("cause",)


@admin.register(Probe)
class ProbeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "url", "ok", "created_by")


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "cause", "article", "created_by")
