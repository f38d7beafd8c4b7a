"""Who noted a ticket's L1 checks: only an L1 agent's notes satisfy the handover's
`l1_checks` item. Existing tickets whose checks are filled count them as noted by the
L1 agent (or partner admin) who created or handed over the ticket, when there is one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

L1_ROLES = ("l1_agent", "partner_admin")


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Membership = apps.get_model("accounts", "Membership")
    l1_staff = set(Membership.objects.filter(role__in=L1_ROLES).values_list("user_id", flat=True))
    filled = (
        Ticket.objects.exclude(check_connectivity="")
        .exclude(check_credentials="")
        .values_list("pk", "created_by_id", "handed_over_by_id")
    )
    for pk, created_by, handed_over_by in filled.iterator():
        by = created_by if created_by in l1_staff else None
        by = by or (handed_over_by if handed_over_by in l1_staff else None)
        if by is not None:
            Ticket.objects.filter(pk=pk).update(l1_checks_by_id=by)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("tickets", "0002_sla_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="l1_checks_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
