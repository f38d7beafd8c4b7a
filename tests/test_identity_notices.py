"""Security mail to a person about their own sign-in (identity/notices.py): a changed
factor (ASVS 2.5.5), a one-time code entered a second time (2.8.5), an API token that
expires soon (2.3.3). Each goes through the outbound mail queue in the person's brand
and language, says what happened, when and from where, and never carries a secret.

Codes are computed for a moment the clock is set to (`clock.travel_to`), in the middle
of a 30-second step, so no test depends on when it runs."""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP

from tierdesk import settings as configured
from tierdesk.accounts.models import ApiToken, ThrottleHit
from tierdesk.accounts.services import token_create, token_revoke
from tierdesk.core import clock, periodic
from tierdesk.identity.models import AuditEntry, AuditKind, TotpDevice
from tierdesk.identity.services import api_token_create, second_factor_reset
from tierdesk.identity.services import tokens as token_services
from tierdesk.identity.services.second_factor import totp_secret_text
from tierdesk.identity.services.tokens import tokens_expiry_remind
from tierdesk.identity.tasks import tokens_expiry_remind_task
from tierdesk.mail.models import MailOptOut, OutboundMail

PASSWORD = "correct horse battery staple"  # tests.factories.build_world
HOME = "203.0.113.7"
THIEF = "198.51.100.66"


def mid_step():
    """Now, moved to the middle of its 30-second TOTP step."""
    now = clock.now().replace(microsecond=0)
    return now - timedelta(seconds=now.timestamp() % 30) + timedelta(seconds=15)


def code_at(device: TotpDevice, moment, steps: int = 0) -> str:
    """What the authenticator app shows at `moment` (plus `steps` steps), RFC 6238."""
    totp = TOTP(device.bin_key, step=30, t0=0, digits=6, drift=steps)
    totp.time = moment.timestamp()
    return f"{totp.token():06d}"


def signed_in(user, address: str = HOME) -> Client:
    client = Client(REMOTE_ADDR=address)
    answer = client.post("/login/", {"username": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def enrol(client: Client, moment) -> tuple[TotpDevice, str, list[str]]:
    """Set up the authenticator on the settings page: the device, the code that confirmed
    it and the recovery codes shown once."""
    assert client.get("/settings/second-factor/").status_code == 200
    device = TotpDevice.objects.get(confirmed=False)
    code = code_at(device, moment)
    answer = client.post("/settings/second-factor/", {"code": code})
    assert answer.status_code == 200, answer.content
    html = answer.content.decode()
    codes = [
        c.split("</code>")[0] for c in html.split('id="recovery-codes">')[1].split("<code>")[1:]
    ]
    return device, code, codes


def notices(person, kind: str = "security_notice") -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(to_email=person.email, kind=kind).order_by("pk"))


def body(mail: OutboundMail) -> str:
    return mail.text_body + mail.html_body


def local(moment, zone: str = "Europe/Berlin") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


# --- V2.5.5: a changed factor is told -----------------------------------------------------


@pytest.mark.second_factor
def test_setting_up_renewing_and_removing_the_second_factor_tell_the_person(world):
    person = world.user("acme_l1")
    moment = mid_step()
    with clock.travel_to(moment):
        client = signed_in(person)
        # when they set up an authenticator
        device, used, codes = enrol(client, moment)
        # then one mail in their partner's brand says what, when and from where
        (enrolled,) = notices(person)
        assert "Acme Integrations" in enrolled.from_email
        assert enrolled.subject == "A second factor was set up for your Acme Integrations account"
        assert local(moment) in enrolled.text_body and HOME in enrolled.text_body
        assert "If this was not you" in enrolled.text_body
        assert "/password-reset/" in enrolled.text_body
        # and carries no secret: not the key, the code or a recovery code
        text = body(enrolled)
        secret = totp_secret_text(device)
        assert device.key not in text and secret not in text and secret.replace(" ", "") not in text
        assert used not in text and not any(code in text for code in codes)
        # when they renew their recovery codes, they are told, without the new ones
        page = client.post("/settings/second-factor/", {"action": "renew"})
        fresh = page.content.decode().split('id="recovery-codes">')[1]
        renewed = notices(person)[-1]
        assert renewed.subject == "New recovery codes for your Acme Integrations account"
        assert fresh.split("<code>")[1].split("</code>")[0] not in body(renewed)
        # when they remove the authenticator, they are told
        client.post("/settings/second-factor/", {"action": "remove"})
        removed = notices(person)[-1]
        assert removed.subject == "The second factor of your Acme Integrations account was removed"
        assert HOME in removed.text_body
    assert len(notices(person)) == 3
    assert {m.status for m in notices(person)} == {"pending"}  # queued for the worker


def test_an_administrators_reset_is_told_in_the_persons_language_naming_who(world):
    # given a German-speaking agent with an authenticator
    person = world.user("acme_l1")
    person.language = "de"
    person.save(update_fields=["language"])
    TotpDevice.objects.create(user=person, name="a", confirmed=True, key=secrets.token_hex(20))
    # when their partner admin resets it
    second_factor_reset(actor=world.actor("acme_admin"), user_id=person.pk, address=THIEF)
    # then they are told in German who did it, but not the administrator's address
    (mail,) = notices(person)
    assert (
        mail.subject == "Der zweite Faktor Ihres Kontos bei Acme Integrations wurde zurückgesetzt"
    )
    assert "Acme Admin hat als Administrator" in mail.text_body
    assert "Vorgenommen von: Acme Admin" in mail.text_body
    assert THIEF not in body(mail) and "Neues Passwort wählen" in mail.text_body
    # a reset of someone without a second factor changes nothing, and tells nothing
    customer = world.user("acme_customer")
    second_factor_reset(actor=world.actor("acme_admin"), user_id=customer.pk)
    assert notices(customer) == []


def test_a_password_change_is_told_in_german_with_the_address(world):
    person = world.user("globex_l1")
    person.language = "de"
    person.save(update_fields=["language"])
    client = Client(REMOTE_ADDR=HOME)
    client.force_login(person)
    new = "a much better passphrase"
    answer = client.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 302
    (mail,) = notices(person)
    assert mail.subject == "Ihr Passwort bei Globex Cloud wurde geändert"
    assert "Globex Cloud" in mail.from_email
    assert f"Zugriff von: {HOME}" in mail.text_body and new not in body(mail)
    # a refused change (wrong current password) changes nothing and tells nothing
    client.post(
        "/settings/password/",
        {"old_password": "wrong", "new_password1": new + "!", "new_password2": new + "!"},
    )
    assert len(notices(person)) == 1


def test_a_new_api_token_is_told_to_its_person_without_the_secret(world):
    admin = world.user("admin")
    _, admin_token = token_create(email=admin.email, name="bootstrap")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {admin_token}", REMOTE_ADDR=HOME)
    expires = clock.now() + timedelta(days=30)
    # when the vendor's admin makes a token through the API
    answer = api.post(
        "/api/v1/tokens",
        {"name": "reporting", "scopes": ["read"], "expires_at": expires.isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    made = answer.json()
    # then they are told, in the vendor's brand, which token, from where, until when
    (mail,) = notices(admin)
    assert mail.subject == "A new API token for your Vendor account"
    assert f"reporting ({made['prefix']}…)" in mail.text_body and "Scopes: read" in mail.text_body
    assert HOME in mail.text_body and local(expires) in mail.text_body
    assert "/settings/tokens/" in mail.text_body
    # and never the token itself
    assert made["token"] not in body(mail) and made["token"].split("_")[-1] not in body(mail)
    # bad input makes no token and no mail
    bad = api.post(
        "/api/v1/tokens", {"name": "", "scopes": ["read"]}, content_type="application/json"
    )
    assert bad.status_code == 422 and len(notices(admin)) == 1
    # a token an administrator makes for someone else names them, not their address
    person = world.user("acme_l1")
    api_token_create(
        actor=world.actor("acme_admin"),
        name="sync",
        scopes=["read"],
        user_id=person.pk,
        address=THIEF,
    )
    (theirs,) = notices(person)
    assert "Made by: Acme Admin" in theirs.text_body and THIEF not in body(theirs)


def test_an_address_that_opted_out_of_notifications_still_gets_security_notices(world):
    # given a person whose address wants no notifications at all
    person = world.user("acme_l1")
    MailOptOut.objects.create(email=person.email, kind="")
    # when a token is made for them, and later comes close to its end
    api_token_create(
        actor=world.actor("acme_l1"),
        name="x",
        scopes=["read"],
        expires_at=clock.now() + timedelta(days=1),
    )
    tokens_expiry_remind()
    # then both notices go out all the same
    mails = notices(person) + notices(person, "token_expiring")
    assert [m.status for m in mails] == ["pending", "pending"]


# --- V2.8.5: a code entered a second time ---------------------------------------------------


def test_the_device_tells_a_used_code_from_a_new_or_wrong_one(world):
    device = TotpDevice.objects.create(
        user=world.user("acme_l1"), name="a", confirmed=True, key=secrets.token_hex(20)
    )
    moment = mid_step()
    with clock.travel_to(moment):
        code, following = code_at(device, moment), code_at(device, moment, 1)
        assert not device.reused(code)  # never accepted yet
        assert device.verify_token(code)
        # the accepted code is a reuse; the next step's code is not, and is accepted
        assert device.reused(code) and not device.reused(following)
        assert not device.reused("12345") and not device.reused("abcdef")
    # once the code has expired (two steps and more), it is merely wrong
    with clock.travel_to(moment + timedelta(seconds=90)):
        assert not device.reused(code)


@pytest.mark.second_factor
def test_a_code_entered_again_is_refused_audited_as_a_reuse_and_told_once(world):
    person = world.user("acme_l1")
    moment = mid_step()
    with clock.travel_to(moment):
        client = signed_in(person)
        device, used, _codes = enrol(client, moment)
        client.post("/logout/")
        # when someone with the password enters the code that was used already
        thief = signed_in(person, THIEF)
        answer = thief.post("/login/verify/", {"code": used})
        # then it is refused and they are not through
        assert answer.status_code == 422
        assert thief.get("/settings/").status_code == 302
        # and it is audited as a reuse, with where it came from
        entry = AuditEntry.objects.get(kind=AuditKind.OTP_REUSED)
        assert entry.subject == person and entry.detail == {"device": device.pk, "address": THIEF}
        # and the person is told, without the code
        (mail,) = [m for m in notices(person) if "entered twice" in m.subject]
        assert mail.subject == "A sign-in code of your Acme Integrations account was entered twice"
        assert THIEF in mail.text_body and used not in body(mail)
        assert "someone knows your password" in mail.text_body
        # entered once more: audited again, but told once per code
        assert thief.post("/login/verify/", {"code": used}).status_code == 422
        assert AuditEntry.objects.filter(kind=AuditKind.OTP_REUSED).count() == 2
        assert len([m for m in notices(person) if "entered twice" in m.subject]) == 1
        # a code that was never right is wrong, not a reuse
        window = {code_at(device, moment, s) for s in (-1, 0, 1)}
        wrong = next(c for c in ("000000", "111111", "222222") if c not in window)
        assert thief.post("/login/verify/", {"code": wrong}).status_code == 422
        assert AuditEntry.objects.filter(kind=AuditKind.OTP_REUSED).count() == 2
        # every refused code counts toward the person's limit alike
        assert ThrottleHit.objects.filter(scope="otp_user").count() == 3
        # the person's own next code still works
        TotpDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        own = signed_in(person)
        assert own.post("/login/verify/", {"code": code_at(device, moment, 1)}).status_code == 302


# --- V2.3.3: an expiring token is told ahead --------------------------------------------------


def test_the_person_of_an_expiring_token_is_told_once_how_to_renew_it(world):
    owner = world.user("acme_l1")
    now = clock.now()
    soon, secret = token_create(
        email=owner.email, name="nightly export", expires_at=now + timedelta(days=3)
    )
    later, _ = token_create(email=owner.email, name="later", expires_at=now + timedelta(days=10))
    token_create(email=owner.email, name="forever")
    gone, _ = token_create(email=owner.email, name="revoked", expires_at=now + timedelta(days=2))
    token_revoke(token_id=gone.pk)
    token_create(email=owner.email, name="ending", expires_at=now + timedelta(hours=1))
    run = now + timedelta(hours=2)  # "ending" has expired by then
    # when the job runs: only the live token within seven days is told
    assert tokens_expiry_remind(now=run) == [soon.pk]
    (mail,) = notices(owner, "token_expiring")
    assert "Acme Integrations" in mail.from_email
    assert mail.subject == (
        f"Your Acme Integrations API token “nightly export” expires on {local(soon.expires_at)}"
    )
    assert f"(beginning {soon.prefix})" in mail.text_body
    assert "POST /api/v1/tokens" in mail.text_body and "/settings/tokens/" in mail.text_body
    assert "revoke the old one" in mail.text_body and secret not in body(mail)
    # and the next runs do not tell it again
    assert tokens_expiry_remind(now=run + timedelta(hours=1)) == []
    assert ApiToken.objects.get(pk=soon.pk).expiry_notice_at == run
    # the later token is told once it is within the days, once
    assert tokens_expiry_remind(now=now + timedelta(days=4)) == [later.pk]
    assert tokens_expiry_remind(now=now + timedelta(days=5)) == []
    assert len(notices(owner, "token_expiring")) == 2


def test_the_expiry_notice_speaks_the_persons_language_and_wears_their_brand(world):
    owner = world.user("globex_l1")
    owner.language = "de"
    owner.save(update_fields=["language"])
    token_create(email=owner.email, name="Export", expires_at=clock.now() + timedelta(days=1))
    tokens_expiry_remind()
    (mail,) = notices(owner, "token_expiring")
    assert mail.subject.startswith("Ihr API-Token „Export“ bei Globex Cloud läuft am ")
    assert "Ein Token lässt sich nicht verlängern." in mail.text_body
    assert "Globex Cloud" in mail.from_email


def test_how_many_days_ahead_comes_from_the_setting(world, settings):
    assert configured.TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS == 7  # the default
    owner = world.user("acme_l1")
    now = clock.now()
    token, _ = token_create(email=owner.email, name="t", expires_at=now + timedelta(days=3))
    # with two days, a token three days off is not told yet; a day later it is
    settings.TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS = 2
    assert tokens_expiry_remind(now=now) == []
    assert tokens_expiry_remind(now=now + timedelta(days=1, minutes=1)) == [token.pk]
    # with 0, nobody is ever told
    settings.TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS = 0
    other, _ = token_create(email=owner.email, name="u", expires_at=now + timedelta(hours=5))
    assert tokens_expiry_remind(now=now) == []
    assert ApiToken.objects.get(pk=other.pk).expiry_notice_at is None


def test_a_notice_that_fails_is_tried_again_and_does_not_stop_the_others(world, monkeypatch):
    owner = world.user("acme_l1")
    now = clock.now()
    first, _ = token_create(email=owner.email, name="a", expires_at=now + timedelta(days=1))
    second, _ = token_create(email=owner.email, name="b", expires_at=now + timedelta(days=2))
    real = token_services.tell_token_expiring

    def failing_for_the_first(token, *, now):
        if token.pk == first.pk:
            raise RuntimeError("mail store down")
        return real(token, now=now)

    monkeypatch.setattr(token_services, "tell_token_expiring", failing_for_the_first)
    # the failed one is rolled back, claim and all; the other is told
    assert tokens_expiry_remind(now=now) == [second.pk]
    assert ApiToken.objects.get(pk=first.pk).expiry_notice_at is None
    monkeypatch.setattr(token_services, "tell_token_expiring", real)
    # the next run tells it
    assert tokens_expiry_remind(now=now + timedelta(hours=1)) == [first.pk]
    assert len(notices(owner, "token_expiring")) == 2


def test_the_beat_runs_the_expiry_notices_hourly(world):
    job = {j.name: j for j in periodic.jobs()}["identity.token_expiry"]
    assert job.every_seconds == 3600 and job.task() is tokens_expiry_remind_task
    owner = world.user("acme_l1")
    token_create(email=owner.email, name="t", expires_at=clock.now() + timedelta(days=1))
    assert tokens_expiry_remind_task.call() == 1
    assert tokens_expiry_remind_task.call() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_write_one_notice(world):
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections race for real on PostgreSQL")
    owner = world.user("acme_l1")
    now = clock.now()
    token_create(email=owner.email, name="t", expires_at=now + timedelta(days=1))
    told: list[list[int]] = []
    barrier = threading.Barrier(3)

    def worker():
        try:
            barrier.wait()
            told.append(tokens_expiry_remind(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(t) for t in told) == [0, 0, 1]
    assert len(notices(owner, "token_expiring")) == 1
