"""Password hashes with a pepper: a secret kept apart from the database (ASVS 2.4.5).

`TIERDESK_PASSWORD_PEPPER` holds one pepper or several, comma-separated, newest first.
With one, `PepperedArgon2PasswordHasher` comes first in `PASSWORD_HASHERS`: a password is
first run through HMAC-SHA256 keyed with the newest pepper, then through Argon2id with its
own salt, as before. A stolen database alone is then useless for guessing passwords
offline: every guess also needs the pepper, which lives only in the environment (the
secret store), never in a table, a dump or a log.

The stored hash says which pepper made it by a short id — the first 8 hex characters of
an HMAC keyed with the pepper, never the pepper:

    argon2_pepper$<pepper id>$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>

Rotation: put a new pepper first and keep the old ones after it. A hash made with an
older pepper, with plain Argon2 or with PBKDF2 still verifies, and Django re-hashes the
password with the newest pepper at that person's next successful sign-in
(`check_password` calls the setter when the preferred hasher's `must_update` says so).
Without a pepper nothing changes: Argon2 is preferred as before (this hasher stays last,
so a pepper hash left behind fails with a logged reason instead of silently), and
`tierdesk check --deploy` warns (`tierdesk.W011`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
PEPPERED = "tierdesk.accounts.hashers.PepperedArgon2PasswordHasher"
# A pepper shorter than this is an error of `tierdesk check --deploy`: 32 characters of
# `secrets.token_urlsafe(32)` (43) carry well over 128 bits.
MIN_PEPPER_LENGTH = 32
_ID_MESSAGE = b"tierdesk password pepper id"


def password_hashers(peppers: list[str]) -> list[str]:
    """`PASSWORD_HASHERS` for the configured peppers: the peppered hasher first when there
    is one; otherwise Argon2 first and the peppered hasher last (it then only explains
    why a hash it made cannot be checked)."""
    if peppers:
        return [PEPPERED, ARGON2, PBKDF2]
    return [ARGON2, PBKDF2, PEPPERED]


def pepper_id(pepper: str) -> str:
    """The short id a hash records of its pepper: an HMAC keyed with the pepper, so it
    tells which pepper without telling anything of it."""
    return hmac.new(pepper.encode(), _ID_MESSAGE, hashlib.sha256).hexdigest()[:8]


def configured_peppers() -> list[str]:
    """The peppers, newest first (`TIERDESK_PASSWORD_PEPPER`, read by settings)."""
    return list(getattr(settings, "TIERDESK_PASSWORD_PEPPER", None) or [])


def _peppered(password: str | bytes, pepper: str) -> str:
    """What Argon2 hashes: HMAC-SHA256 of the password keyed with the pepper (base64)."""
    raw = password.encode() if isinstance(password, str) else password
    return base64.b64encode(hmac.new(pepper.encode(), raw, hashlib.sha256).digest()).decode()


class PepperedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id over HMAC-SHA256(pepper, password); the hash names its pepper by id."""

    algorithm = "argon2_pepper"

    def _split(self, encoded: str) -> tuple[str, str]:
        """(pepper id, the Argon2 hash under this algorithm's name)."""
        algorithm, pid, rest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return pid, f"{algorithm}${rest}"

    def encode(self, password, salt):
        peppers = configured_peppers()
        if not peppers:
            raise ImproperlyConfigured(
                "TIERDESK_PASSWORD_PEPPER is not set: no password can be hashed with a pepper."
            )
        inner = super().encode(_peppered(password, peppers[0]), salt)
        return f"{self.algorithm}${pepper_id(peppers[0])}{inner[len(self.algorithm) :]}"

    def decode(self, encoded):
        pid, inner = self._split(encoded)
        return {**super().decode(inner), "pepper": pid}

    def verify(self, password, encoded):
        pid, inner = self._split(encoded)
        pepper = next((p for p in configured_peppers() if pepper_id(p) == pid), None)
        if pepper is None:
            # Only the id: the pepper itself is never logged.
            logger.error(
                "A password hash needs pepper %s, which TIERDESK_PASSWORD_PEPPER does not "
                "hold: that person cannot sign in until it is put back (or the password "
                "is reset).",
                pid,
            )
            return False
        return super().verify(_peppered(password, pepper), inner)

    def must_update(self, encoded):
        peppers = configured_peppers()
        stale_pepper = bool(peppers) and self.decode(encoded)["pepper"] != pepper_id(peppers[0])
        return stale_pepper or super().must_update(encoded)

    def safe_summary(self, encoded):
        return {
            **super().safe_summary(encoded),
            gettext_noop("pepper"): self.decode(encoded)["pepper"],
        }


@checks.register(checks.Tags.security, deploy=True)
def check_password_pepper(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`tierdesk check --deploy`: a warning without a pepper, an error for a short one."""
    peppers = configured_peppers()
    if not peppers:
        return [
            checks.Warning(
                "TIERDESK_PASSWORD_PEPPER is not set: password hashes are Argon2 with a salt "
                "only, so a copy of the database is enough to guess passwords offline.",
                hint="Generate a pepper (python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'), keep it in the secret store, apart from "
                "the database, and set TIERDESK_PASSWORD_PEPPER on every web and worker host "
                "(docs/operations.md, Password pepper).",
                id="tierdesk.W011",
            )
        ]
    if any(len(p) < MIN_PEPPER_LENGTH for p in peppers):
        return [
            checks.Error(
                f"A pepper in TIERDESK_PASSWORD_PEPPER is shorter than {MIN_PEPPER_LENGTH} "
                "characters.",
                hint="Generate one with python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'.",
                id="tierdesk.E011",
            )
        ]
    return []
