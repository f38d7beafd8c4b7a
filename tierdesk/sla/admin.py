"""Admin for SLAs: calendars (with their weekly hours, manual days and the public holidays
they close on), policies and team calendars are data an admin edits; clocks and SLA
events are written by the services and the sweep, and are read-only here.

Saving a calendar (with its hours and days) records the change in the same transaction
(`services.calendar_changed`): every process's cached calendar value is rebuilt, the
sweep leaves the calendar's clocks alone until they are re-planned, and the worker
re-plans every running clock on it within a minute (stored deadlines and ticket flags).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join

from tierdesk.core import clock
from tierdesk.core.admin import ReadOnlyAdmin
from tierdesk.sla import calendars, services
from tierdesk.sla.models import (
    Calendar,
    Clock,
    ManualDay,
    Policy,
    SlaEvent,
    TeamCalendar,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class ManualDayInline(admin.TabularInline):
    model = ManualDay
    fields = ("year", "month", "day", "kind", "start", "end", "name")
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "time_zone", "always_open", "holiday_regions", "updated_at")
    search_fields = ("name", "code")
    fields = ("code", "name", "time_zone", "always_open", "holiday_regions", "public_holidays")
    readonly_fields = ("public_holidays",)
    inlines = (WorkingHoursInline, ManualDayInline)

    def save_related(self, request, form, formsets, change) -> None:
        # After the inlines: the hours and days are saved when the re-plan is queued.
        super().save_related(request, form, formsets, change)
        services.calendar_changed(calendar_id=form.instance.pk, now=clock.now())

    @admin.display(description="public holidays this year and next (closed)")
    def public_holidays(self, obj: Calendar):
        if obj.pk is None or obj.always_open or not obj.regions:
            return "—"
        year = clock.now().year
        names = {**calendars.holiday_names(obj.regions, year)}
        names.update(calendars.holiday_names(obj.regions, year + 1))
        return format_html_join(
            "\n", "<div>{}: {}</div>", ((day.isoformat(), "; ".join(n)) for day, n in names.items())
        )


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = (
        "plan",
        "priority",
        "incident",
        "calendar",
        "first_response",
        "next_response",
        "resolution",
    )
    list_filter = ("incident", "plan", "priority", "calendar")
    list_select_related = ("calendar",)


@admin.register(TeamCalendar)
class TeamCalendarAdmin(admin.ModelAdmin):
    list_display = ("level", "partner", "calendar")
    list_select_related = ("partner", "calendar")


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "level", "state", "due_at", "at_risk", "breached", "met")
    list_filter = ("kind", "state", "at_risk", "breached")
    list_select_related = ("ticket",)
    search_fields = ("ticket__number",)
    date_hierarchy = "due_at"


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "clock_kind", "level", "kind", "due_at", "notified_at")
    list_filter = ("kind", "clock_kind")
    list_select_related = ("ticket",)
    search_fields = ("ticket__number",)
