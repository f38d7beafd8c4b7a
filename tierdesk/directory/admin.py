"""Admin for the platform directory: contracts, workspaces, flows.

Bulk changes come through `tierdesk directory import` (idempotent, all or nothing); the
admin is for looking things up and correcting a name or a plan. A platform ID is the
record's identity on the platform, so it is fixed once created.
"""

from __future__ import annotations

from django.contrib import admin

from tierdesk.directory.models import Contract, Flow, Workspace


class WorkspaceInline(admin.TabularInline):
    model = Workspace
    fields = ("platform_id", "name")
    extra = 0
    show_change_link = True


class FlowInline(admin.TabularInline):
    model = Flow
    fields = ("platform_id", "name")
    extra = 0
    show_change_link = True


class PlatformIdAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return ("platform_id",) if obj is not None else ()


@admin.register(Contract)
class ContractAdmin(PlatformIdAdmin):
    list_display = ("name", "platform_id", "partner", "plan", "created_at")
    list_filter = ("plan", "partner")
    list_select_related = ("partner",)
    search_fields = ("name", "platform_id")
    fields = ("platform_id", "name", "partner", "plan")
    inlines = (WorkspaceInline,)


@admin.register(Workspace)
class WorkspaceAdmin(PlatformIdAdmin):
    list_display = ("name", "platform_id", "contract", "partner")
    list_filter = ("contract__partner",)
    list_select_related = ("contract__partner",)
    search_fields = ("name", "platform_id", "contract__platform_id")
    fields = ("platform_id", "name", "contract")
    autocomplete_fields = ("contract",)
    inlines = (FlowInline,)

    @admin.display(description="partner", ordering="contract__partner__name")
    def partner(self, obj: Workspace) -> str:
        return obj.contract.partner.name


@admin.register(Flow)
class FlowAdmin(PlatformIdAdmin):
    list_display = ("name", "platform_id", "workspace", "contract")
    list_filter = ("workspace__contract__partner",)
    list_select_related = ("workspace__contract",)
    search_fields = ("name", "platform_id", "workspace__platform_id")
    fields = ("platform_id", "name", "workspace")
    autocomplete_fields = ("workspace",)

    @admin.display(description="contract", ordering="workspace__contract__name")
    def contract(self, obj: Flow) -> str:
        return str(obj.workspace.contract)
