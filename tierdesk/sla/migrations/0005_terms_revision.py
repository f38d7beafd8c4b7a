from django.db import migrations, models


def create_row_and_triggers(apps, schema_editor):
    from tierdesk.sla import terms_triggers

    apps.get_model("sla", "TermsRevision").objects.using(schema_editor.connection.alias).create(
        id=1, revision=0
    )
    terms_triggers.create(schema_editor)


def drop_triggers(apps, schema_editor):
    from tierdesk.sla import terms_triggers

    terms_triggers.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0004_customer_clocks"),
    ]

    operations = [
        migrations.CreateModel(
            name="TermsRevision",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("revision", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_row_and_triggers, drop_triggers),
    ]
