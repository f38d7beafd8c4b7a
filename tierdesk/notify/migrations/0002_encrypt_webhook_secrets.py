"""Webhook signing secrets stored encrypted (`tierdesk.core.crypto`).

The column widens to text (a Fernet token is longer than the secret), every existing
plaintext secret is encrypted in place with the first configured key, and the field
becomes the encrypting one. Backwards: decrypted again (plaintext, as before).
"""

from django.db import migrations, models

import tierdesk.core.crypto


def encrypt_existing(apps, schema_editor):
    from tierdesk.core import crypto

    Webhook = apps.get_model("notify", "Webhook")
    for pk, value in Webhook.objects.values_list("pk", "secret").iterator():
        if value and not value.startswith(crypto.TOKEN_PREFIX):
            Webhook.objects.filter(pk=pk).update(secret=crypto.encrypt(value))


def decrypt_existing(apps, schema_editor):
    from tierdesk.core import crypto

    Webhook = apps.get_model("notify", "Webhook")
    for pk, value in Webhook.objects.values_list("pk", "secret").iterator():
        if value and value.startswith(crypto.TOKEN_PREFIX):
            Webhook.objects.filter(pk=pk).update(secret=crypto.decrypt(value))


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=models.TextField(editable=False),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=tierdesk.core.crypto.EncryptedTextField(editable=False),
        ),
    ]
