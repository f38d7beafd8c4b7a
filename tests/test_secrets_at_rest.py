"""Webhook signing secrets are stored encrypted (Fernet keys from the environment, the
first encrypts, all decrypt), re-encrypted by `tierdesk secrets rotate`, migrated from
plaintext, and `tierdesk check --deploy` warns while the key is only derived."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core import checks
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tierdesk import cli
from tierdesk.core import crypto
from tierdesk.notify import services
from tierdesk.notify.models import Webhook
from tierdesk.notify.webhooks import signature, verify_signature

PUBLIC_IP = "93.184.215.14"  # an IP literal: resolving it needs no network
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw_secret(hook: Webhook) -> str:
    """The column as stored, past the model field."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Webhook._meta.db_table)
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [hook.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def hook(world, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    settings.TIERDESK_SECRET_KEYS = [OLD]
    webhook, secret = services.webhook_create(
        actor=world.actor("acme_admin"), url=f"https://{PUBLIC_IP}/hook"
    )
    return webhook, secret


def test_no_plaintext_secret_in_the_database(hook):
    webhook, secret = hook
    # when the column is read raw
    stored = raw_secret(webhook)
    # then it is a token of the first key, not the secret nor any part past its prefix
    assert secret not in stored and secret[len(webhook.secret_prefix) :] not in stored
    assert Fernet(OLD).decrypt(stored.encode()).decode() == secret
    # and the hook read through the model signs with the real secret
    loaded = Webhook.objects.get(pk=webhook.pk)
    assert loaded.secret == secret
    header = signature(loaded.secret, 1_764_763_200, b"{}")
    assert verify_signature(secret, header, b"{}", now=datetime.fromtimestamp(1_764_763_200, UTC))


def test_rotation_re_encrypts_with_the_first_key(hook, settings, capsys):
    webhook, secret = hook
    # given a new key put first, the old one kept after it
    settings.TIERDESK_SECRET_KEYS = [NEW, OLD]
    assert Webhook.objects.get(pk=webhook.pk).secret == secret  # old rows still read
    # when `tierdesk secrets rotate` runs
    assert cli.main(["secrets", "rotate"]) == 0
    assert "notify.Webhook.secret: 1 re-encrypted" in capsys.readouterr().out
    # then the row is encrypted with the new key only
    stored = raw_secret(webhook)
    assert Fernet(NEW).decrypt(stored.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        Fernet(OLD).decrypt(stored.encode())
    # and the old key can go
    settings.TIERDESK_SECRET_KEYS = [NEW]
    assert Webhook.objects.get(pk=webhook.pk).secret == secret


def test_a_dropped_key_is_a_clear_error_not_a_wrong_secret(hook, settings):
    webhook, _secret = hook
    # given the key it was encrypted with removed before rotating
    settings.TIERDESK_SECRET_KEYS = [NEW]
    with pytest.raises(crypto.SecretUnreadable):
        Webhook.objects.get(pk=webhook.pk)
    # and rotate refuses with that reason, exit 2, changing nothing
    assert cli.main(["secrets", "rotate"]) == 2
    assert Fernet(OLD).decrypt(raw_secret(webhook).encode())


def test_without_a_key_one_is_derived_from_secret_key(world, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    settings.TIERDESK_SECRET_KEYS = []
    webhook, secret = services.webhook_create(
        actor=world.actor("acme_admin"), url=f"https://{PUBLIC_IP}/hook"
    )
    stored = raw_secret(webhook)
    assert secret not in stored
    derived = Fernet(crypto.derived_key(settings.SECRET_KEY))
    assert derived.decrypt(stored.encode()).decode() == secret
    # moving to a key of one's own: set it, rotate; the derived key still reads the old rows
    settings.TIERDESK_SECRET_KEYS = [NEW]
    assert cli.main(["secrets", "rotate"]) == 0
    assert Fernet(NEW).decrypt(raw_secret(webhook).encode()).decode() == secret


def test_check_deploy_warns_while_the_key_is_derived(settings, capsys, db):
    settings.TIERDESK_SECRET_KEYS = []
    found = checks.run_checks(include_deployment_checks=True)
    assert "tierdesk.W010" in {c.id for c in found}
    cli.main(["check", "--deploy"])
    assert "tierdesk.W010" in capsys.readouterr().err
    # without --deploy it says nothing; with a key of its own nothing either
    assert "tierdesk.W010" not in {c.id for c in checks.run_checks()}
    settings.TIERDESK_SECRET_KEYS = [NEW]
    assert "tierdesk.W010" not in {c.id for c in checks.run_checks(include_deployment_checks=True)}
    # a value that is no Fernet key is an error naming the variable
    settings.TIERDESK_SECRET_KEYS = ["not-a-key"]
    errors = [
        c for c in checks.run_checks(include_deployment_checks=True) if c.id == "tierdesk.E010"
    ]
    assert errors and "TIERDESK_SECRET_KEYS" in errors[0].msg


def test_generate_key_prints_a_usable_key(capsys):
    assert cli.main(["secrets", "generate-key"]) == 0
    Fernet(capsys.readouterr().out.strip())


def test_the_migration_encrypts_existing_plaintext_secrets(hook, settings):
    webhook, secret = hook
    # given a row as it stood before secrets were encrypted
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Webhook._meta.db_table)
        cursor.execute(f"UPDATE {table} SET secret = %s WHERE id = %s", [secret, webhook.pk])
    assert raw_secret(webhook) == secret
    # when the data migration runs (on the models as they stood before it)
    migration = MigrationLoader(connection).get_migration("notify", "0002_encrypt_webhook_secrets")
    before = MigrationLoader(connection).project_state(("notify", "0001_initial")).apps
    module = __import__(migration.__module__, fromlist=["encrypt_existing"])
    module.encrypt_existing(before, None)
    # then the column holds a token and the model reads the secret
    stored = raw_secret(webhook)
    assert stored != secret and stored.startswith(crypto.TOKEN_PREFIX)
    assert Webhook.objects.get(pk=webhook.pk).secret == secret
    # and running it again changes nothing
    module.encrypt_existing(before, None)
    assert raw_secret(webhook) == stored


def test_imap_mailbox_passwords_are_stored_encrypted(world, settings):
    from tierdesk.mail.models import Mailbox

    settings.TIERDESK_SECRET_KEYS = [OLD]
    # given a mailbox saved with its IMAP password
    mailbox = Mailbox.objects.create(
        organisation=world.acme,
        name="acme-inbox",
        host="imap.acme.example",
        username="support@acme.example",
        password="imap-pass-4711",
    )
    # when the column is read raw
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Mailbox._meta.db_table)
        cursor.execute(f"SELECT password FROM {table} WHERE id = %s", [mailbox.pk])
        stored = cursor.fetchone()[0]
    # then it holds a token of the first key, and the model reads the password back
    assert "imap-pass-4711" not in stored
    assert Fernet(OLD).decrypt(stored.encode()).decode() == "imap-pass-4711"
    assert Mailbox.objects.get(pk=mailbox.pk).password == "imap-pass-4711"
