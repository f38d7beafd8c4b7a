"""Seed the vendor's calendars and a policy for every support plan × priority.

Support hours: Monday–Friday 09:00–18:00 Europe/Berlin, closed on the public holidays of
Germany/NRW, Ukraine and England, 24 and 31 December 09:00–13:00. Incidents count on the
24/7 calendar with their own (shorter) targets. Admins change all of it afterwards; this
migration only adds rows that are missing, so it never overwrites their edits.
"""

from datetime import time, timedelta

from django.db import migrations

PLANS = ("enterprise", "premium", "standard", "basic")
PRIORITIES = ("urgent", "high", "normal", "low")

# Working hours on the support-hours calendar (a working day is 9 hours).
FIRST_RESPONSE = {
    "enterprise": (1, 2, 4, 8),
    "premium": (2, 4, 8, 16),
    "standard": (4, 9, 18, 27),
    "basic": (9, 18, 27, 45),
}
RESOLUTION = {
    "enterprise": (9, 18, 45, 90),
    "premium": (18, 36, 72, 135),
    "standard": (27, 45, 90, 180),
    "basic": (45, 90, 135, 270),
}
# Incidents, around the clock, whatever the priority: (first/next response, resolution).
INCIDENT = {
    "enterprise": (0.5, 4),
    "premium": (1, 8),
    "standard": (2, 24),
    "basic": (4, 48),
}


def seed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    WorkingHours = apps.get_model("sla", "WorkingHours")
    ManualDay = apps.get_model("sla", "ManualDay")
    Policy = apps.get_model("sla", "Policy")

    office, created = Calendar.objects.get_or_create(
        code="support-hours",
        defaults={
            "name": "Support hours (Berlin; DE-NW, UA, GB-ENG holidays)",
            "time_zone": "Europe/Berlin",
            "holiday_regions": "DE-NW, UA, GB-ENG",
        },
    )
    if created:
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=office, weekday=day, start=time(9), end=time(18))
            for day in range(5)
        )
        ManualDay.objects.bulk_create(
            ManualDay(
                calendar=office,
                month=12,
                day=day,
                kind="short",
                start=time(9),
                end=time(13),
                name=name,
            )
            for day, name in ((24, "Christmas Eve (half day)"), (31, "New Year's Eve (half day)"))
        )
    always, _ = Calendar.objects.get_or_create(
        code="24x7",
        defaults={"name": "24/7 (incidents)", "time_zone": "UTC", "always_open": True},
    )

    hours = timedelta(hours=1)
    for plan in PLANS:
        for i, priority in enumerate(PRIORITIES):
            Policy.objects.get_or_create(
                plan=plan,
                priority=priority,
                incident=False,
                defaults={
                    "calendar": office,
                    "first_response": FIRST_RESPONSE[plan][i] * hours,
                    "next_response": FIRST_RESPONSE[plan][i] * hours,
                    "resolution": RESOLUTION[plan][i] * hours,
                },
            )
            response, resolution = INCIDENT[plan]
            Policy.objects.get_or_create(
                plan=plan,
                priority=priority,
                incident=True,
                defaults={
                    "calendar": always,
                    "first_response": response * hours,
                    "next_response": response * hours,
                    "resolution": resolution * hours,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
