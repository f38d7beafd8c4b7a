"""On PostgreSQL the ticket numbers come from a real sequence (`core.models.PG_SEQUENCES`),
continuing from the counter row and the highest number given so far."""

from django.db import migrations

FIRST_TICKET_NUMBER = 10001


def create_sequence(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    Sequence = apps.get_model("core", "Sequence")
    row = Sequence.objects.using(connection.alias).filter(name="ticket").first()
    start = max(FIRST_TICKET_NUMBER, row.value + 1 if row else 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('tickets_ticket') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT coalesce(max(number), 0) + 1 FROM tickets_ticket")
            start = max(start, cursor.fetchone()[0])
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS core_sequence_ticket START {int(start)}")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS core_sequence_ticket", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_idempotency_key"),
    ]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
