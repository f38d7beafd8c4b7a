"""IMAP mailbox passwords stored encrypted (`tierdesk.core.crypto`), as webhook secrets are:
the column widens to text, existing plaintext passwords are encrypted in place with the
first configured key. Backwards: decrypted again.
"""

from django.db import migrations, models

import tierdesk.core.crypto


def encrypt_existing(apps, schema_editor):
    from tierdesk.core import crypto

    Mailbox = apps.get_model("mail", "Mailbox")
    for pk, value in Mailbox.objects.values_list("pk", "password").iterator():
        if value and not value.startswith(crypto.TOKEN_PREFIX):
            Mailbox.objects.filter(pk=pk).update(password=crypto.encrypt(value))


def decrypt_existing(apps, schema_editor):
    from tierdesk.core import crypto

    Mailbox = apps.get_model("mail", "Mailbox")
    for pk, value in Mailbox.objects.values_list("pk", "password").iterator():
        if value and value.startswith(crypto.TOKEN_PREFIX):
            Mailbox.objects.filter(pk=pk).update(password=crypto.decrypt(value))


class Migration(migrations.Migration):
    dependencies = [("mail", "0002_sender_authentication_and_content_dedup")]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="password",
            field=models.TextField(),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="mailbox",
            name="password",
            field=tierdesk.core.crypto.EncryptedTextField(),
        ),
    ]
