from django.db import migrations


def seed(apps, schema_editor):
    from tierdesk.triage.seed import load

    load(apps)


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial"), ("kb", "0002_seed_articles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
