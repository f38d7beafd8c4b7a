from django.contrib import admin

from tierdesk.updates.models import UpdatePreference, UpdateTemplate


@admin.register(UpdateTemplate)
class UpdateTemplateAdmin(admin.ModelAdmin):
    list_display = ("step", "language", "partner", "updated_at")
    list_filter = ("step", "language", "partner")


@admin.register(UpdatePreference)
class UpdatePreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "optional_updates")
