"""Secrets at rest: values the product must read back (webhook signing secrets) are
stored encrypted, never as plaintext.

Encryption is Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) through a
MultiFernet: the keys come from `TIERDESK_SECRET_KEYS` (comma-separated Fernet keys,
`tierdesk secrets generate-key` makes one); the **first** encrypts, **every** one
decrypts, so a key is rotated by putting a new one first, running `tierdesk secrets
rotate` (re-encrypts every stored secret with it) and then dropping the old one.

Without `TIERDESK_SECRET_KEYS` a key is derived from `SECRET_KEY` (HKDF-SHA256) — fine for
the embedded default and the demo, but then whoever reads `SECRET_KEY` reads the secrets
too; `tierdesk check --deploy` warns (`tierdesk.W010`). The derived key is always accepted
for decryption (last), so moving from it to keys of your own is "set the variable, run
rotate". Values are never logged.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in URL-safe base64.
TOKEN_PREFIX = "gAAAAA"


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret that none of the configured keys decrypts (a key was dropped too
    early, or the row was never encrypted)."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key the installation uses when no key of its own is configured."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tierdesk secrets at rest")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def configured_keys() -> list[str]:
    return [k for k in (getattr(settings, "TIERDESK_SECRET_KEYS", None) or []) if k]


@functools.lru_cache(maxsize=8)
def _box(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    try:
        fernets = [Fernet(key) for key in keys]
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "TIERDESK_SECRET_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes; `tierdesk secrets generate-key`)"
        ) from None
    return MultiFernet([*fernets, Fernet(derived_key(secret_key))])


def box() -> MultiFernet:
    return _box(tuple(configured_keys()), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return box().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with any configured key "
            "(TIERDESK_SECRET_KEYS lost the key it was encrypted with?)"
        ) from None


def generate_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token. The model instance holds the plaintext;
    the column never does. Not for lookups (every encryption differs)."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_all() -> dict[str, int]:
    """Re-encrypt every stored secret with the first key (`tierdesk secrets rotate`):
    each value is read with whichever key decrypts it and written back with the first.
    One transaction per table; safe to run again (and while the product runs)."""
    from django.db import transaction

    counts: dict[str, int] = {}
    for model, field in encrypted_fields():
        label = f"{model._meta.label}.{field.name}"
        with transaction.atomic():
            rows = model._base_manager.select_for_update().exclude(**{field.name: ""})
            values = list(rows.values_list("pk", field.name))
            for pk, value in values:
                if value is not None:
                    model._base_manager.filter(pk=pk).update(**{field.name: value})
        counts[label] = len(values)
    return counts


@checks.register(checks.Tags.security, deploy=True)
def check_secret_keys(app_configs=None, **kwargs):
    if configured_keys():
        try:
            box()
        except ImproperlyConfigured as exc:
            return [checks.Error(str(exc), id="tierdesk.E010")]
        return []
    return [
        checks.Warning(
            "TIERDESK_SECRET_KEYS is not set: stored secrets (webhook signing secrets) are "
            "encrypted with a key derived from SECRET_KEY.",
            hint="Set TIERDESK_SECRET_KEYS to a key of its own (`tierdesk secrets "
            "generate-key`), kept apart from SECRET_KEY, then run `tierdesk secrets rotate`.",
            id="tierdesk.W010",
        )
    ]
