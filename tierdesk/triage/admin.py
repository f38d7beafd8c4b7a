"""Rules are data: vendor admins edit them here. Every save keeps the rule as it was (a
RuleVersion) and raises its version; `Rule.clean()` refuses a pattern that is no regular
expression and an example the patterns no longer recognise."""

from django.contrib import admin

from tierdesk.core.actor import actor_for
from tierdesk.core.admin import ReadOnlyAdmin, ReadOnlyInline
from tierdesk.triage.models import Deflection, Probe, Resolution, Rule, RuleVersion
from tierdesk.triage.services import rule_save


class RuleVersionInline(ReadOnlyInline):
    model = RuleVersion
    fields = ("version", "cause", "confidence", "enabled", "patterns", "replaced_by", "replaced_at")
    readonly_fields = fields


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("code", "cause", "confidence", "article", "version", "enabled", "updated_at")
    list_filter = ("cause", "enabled")
    search_fields = ("code", "name", "patterns", "examples")
    readonly_fields = ("version", "updated_at")
    inlines = [RuleVersionInline]

    def save_model(self, request, obj, form, change):
        rule_save(actor=actor_for(request.user), rule=obj)


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
