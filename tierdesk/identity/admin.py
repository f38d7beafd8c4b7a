"""Identity in the admin: the per-organisation policy (editable), the audit trail and the
second-factor devices (read only; a reset goes through the service)."""

from __future__ import annotations

from django.contrib import admin, messages

from tierdesk.core import clock
from tierdesk.identity.models import (
    AuditEntry,
    IdentityPolicy,
    RecoveryDevice,
    RetentionRule,
    TotpDevice,
)
from tierdesk.identity.sso import admin as sso_admin  # noqa: F401  (registers SsoConfig)


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "anonymise_closed_after_days",
        "delete_mail_after_days",
        "active",
    ]
    list_filter = ["active", "plan"]
    search_fields = ["partner__name", "plan"]
    actions = ["preview"]

    @admin.action(description="Preview (dry run): what every active rule would do now")
    def preview(self, request, queryset):
        from tierdesk.identity.retention import retention_preview

        for effect in retention_preview(now=clock.now()):
            self.message_user(
                request,
                f"{effect.rule}: {effect.tickets} tickets to anonymise, "
                f"{effect.mails} mails to delete.",
                messages.INFO,
            )


@admin.register(IdentityPolicy)
class IdentityPolicyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "require_second_factor"]
    search_fields = ["organisation__name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "actor", "subject"]
    list_filter = ["kind"]
    search_fields = ["actor__email", "subject__email"]
    readonly_fields = ["at", "kind", "actor", "subject", "detail"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail is append-only (ASVS 7.3.3)


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "throttling_failure_count"]
    search_fields = ["user__email"]
    fields = ["user", "name", "confirmed", "throttling_failure_count"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RecoveryDevice)
class RecoveryDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "name", "confirmed"]

    def has_add_permission(self, request) -> bool:
        return False
