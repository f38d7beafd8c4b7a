from django.contrib import admin

from tierdesk.chat.models import WidgetSettings


@admin.register(WidgetSettings)
class WidgetSettingsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "origins")
