"""The SLA fields the queues read (kept by `sla.services`), and room for their updates.

On PostgreSQL the ticket table keeps 10 % of each page free: the SLA sweep flips
`sla_at_risk` / `sla_breached`, which are in no index, so with room on the page those
updates are HOT (no index entries written) — in the benchmark a backlog of 7,600 flags
took 0.3 s instead of 1.1 s (docs/performance.md).
"""

from django.db import migrations, models


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE tickets_ticket SET (fillfactor = 90)")


def back_to_full(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE tickets_ticket RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="next_deadline",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_at_risk",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_breached",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(leave_room, back_to_full, elidable=True),
    ]
