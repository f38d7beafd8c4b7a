"""The second factor: TOTP enrolment with recovery codes, required by role and by the
organisation's policy, sign-in with a code, throttled guessing, audited reset."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp

from tierdesk.accounts.models import ThrottleHit
from tierdesk.identity.models import (
    AuditEntry,
    AuditKind,
    IdentityPolicy,
    RecoveryCode,
    TotpDevice,
)

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]
PASSWORD = "a long enough passphrase 42"


def now_code(device: TotpDevice) -> str:
    """What the authenticator app shows now (RFC 6238, computed by django-otp's oath)."""
    return f"{totp(device.bin_key):06d}"


def next_code(device: TotpDevice) -> str:
    """The code of the next 30-second step (accepted: one step of tolerance), so a test
    need not wait for the step after the one that confirmed the device."""
    return f"{totp(device.bin_key, t0=-30):06d}"


def sign_in(client: Client, user, next_url: str = "/") -> object:
    user.set_password(PASSWORD)
    user.save()
    return client.post("/login/", {"username": user.email, "password": PASSWORD, "next": next_url})


def enrol(client: Client) -> tuple[TotpDevice, list[str]]:
    page = client.get("/settings/second-factor/")
    assert page.status_code == 200
    device = TotpDevice.objects.get(confirmed=False)
    answer = client.post("/settings/second-factor/", {"code": now_code(device)})
    assert answer.status_code == 200, answer.content
    html = answer.content.decode()
    codes = [
        c.split("</code>")[0] for c in html.split('id="recovery-codes">')[1].split("<code>")[1:]
    ]
    return device, codes


def test_an_admin_without_a_second_factor_must_enrol_before_anything_else(world):
    # given a partner admin who signs in with the right password
    client = Client()
    answer = sign_in(client, world.user("acme_admin"), next_url="/settings/")
    assert answer.status_code == 302
    # when they open any page, they are sent to the enrolment
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/settings/second-factor/")
    assert client.get("/api/v1/me").status_code == 403
    # and the page's own polling (the bell) gets nothing to draw, not the code page
    poll = client.get("/notifications/bell/", headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll.content == b""
    # when they enrol with the QR code's key
    enrolment = client.get("/settings/second-factor/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in enrolment and 'id="totp-secret"' in enrolment
    device, codes = enrol(client)
    # then the device is confirmed, ten recovery codes are shown once, stored hashed
    device.refresh_from_db()
    assert device.confirmed and len(codes) == 10
    assert RecoveryCode.objects.count() == 10
    assert not RecoveryCode.objects.filter(digest__in=codes).exists()
    # and the session goes on; the enrolment is audited
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(kind=AuditKind.OTP_ENROLLED).count() == 1


def test_the_key_is_encrypted_at_rest(world):
    client = Client()
    sign_in(client, world.user("acme_admin"))
    client.get("/settings/second-factor/")
    device = TotpDevice.objects.get()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM identity_totpdevice")
        stored = cursor.fetchone()[0]
    assert device.key not in stored and len(device.key) == 40


def test_signing_in_with_a_second_factor_asks_for_the_code(world):
    # given an L1 agent (no requirement) who enrolled anyway
    client = Client()
    sign_in(client, world.user("acme_l1"))
    assert client.get("/").status_code == 200  # nothing required of them
    device, _codes = enrol(client)
    client.post("/logout/")
    # when they sign in again with the password
    client = Client()
    sign_in(client, world.user("acme_l1"), next_url="/settings/")
    # then every page asks for the code first
    page = client.get("/settings/")
    assert page.status_code == 302 and page["Location"].startswith("/login/verify/")
    # a wrong code is refused with 422
    wrong = client.post("/login/verify/", {"code": "000000", "next": "/settings/"})
    assert wrong.status_code == 422
    # the right code lets them through to where they were going (after django-otp's
    # back-off of one second per earlier wrong code)
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    right = client.post("/login/verify/", {"code": next_code(device), "next": "/settings/"})
    assert right.status_code == 302 and right["Location"] == "/settings/"
    assert client.get("/settings/").status_code == 200


def test_a_code_is_accepted_once(world):
    client = Client()
    sign_in(client, world.user("acme_l1"))
    device, _ = enrol(client)
    client.post("/logout/")
    client = Client()
    sign_in(client, world.user("acme_l1"))
    # the code that confirmed the device cannot be replayed within its step
    assert client.post("/login/verify/", {"code": now_code(device)}).status_code == 422


def test_a_recovery_code_works_once_and_is_audited(world):
    client = Client()
    sign_in(client, world.user("acme_l1"))
    _device, codes = enrol(client)
    client.post("/logout/")
    other = Client()
    sign_in(other, world.user("acme_l1"))
    assert other.post("/login/verify/", {"code": codes[3]}).status_code == 302
    assert RecoveryCode.objects.count() == 9
    assert AuditEntry.objects.filter(kind=AuditKind.OTP_RECOVERY_USED).exists()
    third = Client()
    sign_in(third, world.user("acme_l1"))
    assert third.post("/login/verify/", {"code": codes[3]}).status_code == 422


def test_guessing_codes_is_throttled_per_person_and_right_codes_are_refused_then(world, settings):
    # given an agent with an authenticator, and a limit of 5 wrong codes
    settings.TIERDESK_OTP_FAILURE_LIMIT = 5
    client = Client()
    sign_in(client, world.user("acme_l1"))
    device, _ = enrol(client)
    client.post("/logout/")
    # when a thief with the password tries codes from several sessions
    for attempt in range(5):
        thief = Client()
        sign_in(thief, world.user("acme_l1"))
        TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        assert thief.post("/login/verify/", {"code": f"{attempt:06d}"}).status_code == 422
    # then the next attempt is refused with 429, even with the right code
    thief = Client()
    sign_in(thief, world.user("acme_l1"))
    TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, last_t=-1)
    answer = thief.post("/login/verify/", {"code": now_code(device)})
    assert answer.status_code == 429
    assert "Too many wrong codes" in answer.content.decode()
    assert thief.get("/").status_code == 302
    assert ThrottleHit.objects.filter(scope="otp_user").count() == 5


def test_the_organisation_can_require_it_of_everyone(world):
    # given Acme requires a second factor of everyone
    IdentityPolicy.objects.create(organisation=world.acme, require_second_factor=True)
    # then an Acme agent must enrol, a Globex agent need not
    acme = Client()
    sign_in(acme, world.user("acme_l1"))
    assert acme.get("/")["Location"].startswith("/settings/second-factor/")
    globex = Client()
    sign_in(globex, world.user("globex_l1"))
    assert globex.get("/").status_code == 200


def test_an_admin_resets_a_persons_second_factor_and_it_is_audited(world):
    from tierdesk.core.errors import NotFound
    from tierdesk.identity.services import second_factor_reset

    client = Client()
    sign_in(client, world.user("acme_l1"))
    enrol(client)
    # a partner admin of another organisation cannot (404, nothing removed)
    with pytest.raises(NotFound):
        second_factor_reset(actor=world.actor("globex_admin"), user_id=world.user("acme_l1").pk)
    assert TotpDevice.objects.filter(confirmed=True).count() == 1
    # their own partner admin can
    second_factor_reset(actor=world.actor("acme_admin"), user_id=world.user("acme_l1").pk)
    assert TotpDevice.objects.count() == 0 and RecoveryCode.objects.count() == 0
    # and the session that passed the old factor has ended with it
    assert client.get("/settings/").status_code == 302
    entry = AuditEntry.objects.get(kind=AuditKind.OTP_RESET)
    assert entry.actor == world.user("acme_admin") and entry.subject == world.user("acme_l1")
