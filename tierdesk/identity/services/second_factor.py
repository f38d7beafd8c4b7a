"""Enrolling, passing and resetting the second factor. Every enrolment, reset, renewal
and use of a recovery code is an audit entry; wrong codes are counted per person
(accounts/throttle.otp_user_check) on top of django-otp's per-device back-off.

The person is told by mail of every enrolment, removal, reset and renewal, and of a code
entered a second time, which is also audited as a reuse (`identity/notices.py`). `address`
is the client address the request came from, when there is one."""

from __future__ import annotations

import base64
import logging
import secrets
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django_otp.models import Device

from tierdesk.accounts import throttle
from tierdesk.accounts.models import User
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, InvalidInput
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import (
    AuditKind,
    RecoveryCode,
    RecoveryDevice,
    TotpDevice,
    recovery_digest,
)
from tierdesk.identity.notices import Change, tell_factor_change

logger = logging.getLogger(__name__)
RECOVERY_CODES = 10


def totp_secret_text(device: TotpDevice) -> str:
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_uri(device: TotpDevice) -> str:
    issuer = settings.TIERDESK_OTP_ISSUER
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    params = urlencode({"secret": secret, "issuer": issuer, "digits": 6, "period": 30})
    return f"otpauth://totp/{quote(issuer)}:{quote(device.user.email)}?{params}"


@transaction.atomic
def second_factor_begin(*, actor: Actor) -> TotpDevice:
    """The actor's unconfirmed TOTP device (a fresh key the first time). Conflict when a
    confirmed one exists: reset it first."""
    user = actor.user
    if TotpDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict("A second factor is set up already.", code="exists")
    device = TotpDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TotpDevice.objects.create(
            user=user, name="authenticator", confirmed=False, key=secrets.token_hex(20)
        )
    return device


def _recovery_code() -> str:
    """120 random bits in base32, in four groups of six (ASVS 2.6.2 asks for 112 bits when
    the stored digest is unsalted): guessing one from its digest is out of reach."""
    text = base64.b32encode(secrets.token_bytes(15)).decode()
    return "-".join(text[i : i + 6] for i in range(0, 24, 6))


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryDevice.objects.filter(user=user).delete()
    device = RecoveryDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, digest=recovery_digest(c)) for c in codes]
    )
    return codes


def second_factor_confirm(
    *, actor: Actor, code: str, address: str = ""
) -> tuple[TotpDevice, list[str]]:
    """Confirm the actor's new device with its first code; returns it and new recovery
    codes (shown once). A wrong code counts toward the person's limit: InvalidInput
    naming `code`; over the limit Throttled."""
    user = actor.user
    throttle.otp_user_check(user.pk)
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise Conflict("Start the set-up first.", code="wrong_state")
        if not device.verify_token(code):
            ok = False
        else:
            ok = True
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            audit(AuditKind.OTP_ENROLLED, actor=actor, subject=user, device=device.pk)
            tell_factor_change(user, Change.TOTP_ENROLLED, address=address)
    if not ok:
        throttle.otp_failure_record(user_id=user.pk)
        raise InvalidInput({"code": "is not the current code of your authenticator"})
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, actor: Actor, address: str = "") -> list[str]:
    """New recovery codes for the actor; the old ones stop working."""
    if not TotpDevice.objects.filter(user=actor.user, confirmed=True).exists():
        raise Conflict("Set up a second factor first.", code="wrong_state")
    codes = _new_recovery_codes(actor.user)
    audit(AuditKind.OTP_RECOVERY_RENEWED, actor=actor, subject=actor.user)
    tell_factor_change(actor.user, Change.RECOVERY_RENEWED, address=address)
    return codes


@transaction.atomic
def second_factor_reset(*, actor: Actor, user_id: int, address: str = "") -> User:
    """Remove a person's second factor (their own, or one they administer: 404 for
    anyone else). If they need one, they enrol again at their next sign-in. They are
    told by mail, when they had one."""
    person = access.get_person(actor, user_id)
    had = TotpDevice.objects.filter(user=person, confirmed=True).exists()
    TotpDevice.objects.filter(user=person).delete()
    RecoveryDevice.objects.filter(user=person).delete()
    if person.pk != actor.user_id:
        # A session that passed the old factor ends with it: they sign in again (ASVS 2.8.6).
        from tierdesk.identity.services.people import _end_sessions

        _end_sessions(person.pk)
    audit(AuditKind.OTP_RESET, actor=actor, subject=person)
    if had:
        tell_factor_change(person, Change.TOTP_REMOVED, address=address, by=actor.user)
    return person


def second_factor_check(*, user: User, code: str, address: str = "") -> Device | None:
    """The device a code from the sign-in belongs to (the authenticator, or a recovery
    code, which is used up), or None. Raises Throttled past the person's limit, before
    looking at the code. A code the authenticator had accepted already is refused like a
    wrong one, audited as a reuse and told to the person (one mail per code)."""
    throttle.otp_user_check(user.pk)
    code = (code or "").strip()
    with transaction.atomic():
        for device in TotpDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
            if device.reused(code):
                _reuse_record(user, device, address)
        for recovery in RecoveryDevice.objects.select_for_update().filter(user=user):
            if recovery.verify_token(code):
                left = recovery.codes.count()
                audit(AuditKind.OTP_RECOVERY_USED, actor=user, subject=user, left=left)
                return recovery
    throttle.otp_failure_record(user_id=user.pk)
    return None


def _reuse_record(user: User, device: TotpDevice, address: str) -> None:
    """A used code entered again (ASVS 2.8.5): whoever did has the password and saw the
    code. Audited each time; one mail per code (the key names the device's step)."""
    logger.warning("second-factor code entered again (person %s, device %s)", user.pk, device.pk)
    audit(AuditKind.OTP_REUSED, actor=user, subject=user, device=device.pk, address=address)
    key = f"security:{user.pk}:totp_reused:{device.pk}:{device.last_t}"
    tell_factor_change(user, Change.TOTP_REUSED, address=address, key=key)
