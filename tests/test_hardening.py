"""What the ASVS audit found short and fixed (docs/security.md): password length rules,
session lifetime, no caching of pages and API answers, `__Host-` cookies, secrets kept out
of the logs and one log line per event."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client

from tierdesk import settings as configured
from tierdesk.accounts.services import token_create, user_create
from tierdesk.core.logformat import OneLineFormatter
from tierdesk.core.middleware import SEEN_AT, SIGNED_IN_AT

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # tests.factories.build_world


@contextmanager
def django_capture_on_commit():
    """Run the on-commit callbacks of the test's transaction (mails go after the commit)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def _refusal(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as exc:
        return [error.code for error in exc.error_list]
    return []


# --- passwords (V2.1) ------------------------------------------------------------------


def test_passwords_need_twelve_characters():
    # given/when/then: eleven characters are refused, twelve are enough
    assert _refusal("x7Gq-pL2vR9") == ["password_too_short"]
    assert _refusal("x7Gq-pL2vR9z") == []


def test_passwords_of_64_to_128_characters_pass_and_longer_ones_are_refused():
    # given/when/then: 64 and 128 characters pass, 129 are refused with a reason
    assert _refusal("long passphrase " * 4) == []
    assert _refusal("z" * 4 + "long passphrase " * 7 + "abcd") == []
    assert len("z" * 4 + "long passphrase " * 7 + "abcd") == 120
    longest = "z" * 4 + "long passphrase " * 7 + "abcd" + "Kq7 mild"
    assert len(longest) == 128 and _refusal(longest) == []
    assert _refusal("q" * 129) == ["password_too_long"]


def test_a_too_long_password_is_refused_on_the_settings_page(world, client):
    # given a signed-in person
    client.force_login(world.user("acme_l1"))
    # when they choose a password of 129 characters
    new = "w" * 129
    response = client.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    # then the form says why and the old password still works
    assert response.status_code == 422 and b"too long" in response.content
    world.user("acme_l1").refresh_from_db()
    assert world.user("acme_l1").check_password(PASSWORD)


def test_common_passwords_are_refused_and_no_composition_rule_applies():
    # given/when/then: a password from the common list is refused, whatever its length
    # (and zxcvbn finds it easy to guess too)…
    both = ["password_too_common", "password_too_guessable"]
    assert _refusal("password1234") == both
    assert _refusal("1q2w3e4r5t6y") == both
    # …while lower-case words, spaces, any script and emoji are all fine
    assert _refusal("just some lower case words") == []
    assert _refusal("пароль очень длинный 🙂") == []


def test_a_long_password_is_never_truncated(world):
    # given a person with a password of 100 characters (the production hasher: Argon2)
    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    long = "ab" * 50
    user = world.user("acme_l1")
    user.set_password(long)
    user.save()
    # when/then: the whole password signs in; without its last character it does not
    client = Client()
    assert not client.login(username=user.email, password=long[:-1])
    assert not client.login(username=user.email, password=long[:72])
    assert client.login(username=user.email, password=long)


def test_the_cli_refuses_a_short_password(world):
    # given/when: a person added with an eleven-character password
    from tierdesk.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        user_create(
            email="new@example.test",
            organisation=world.acme,
            role="l1_agent",
            password="short pass1",
        )
    # then the password field is named
    assert "password" in refused.value.fields


# --- session lifetime (V3.3) -----------------------------------------------------------


def _age(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_ends_after_an_idle_hour(world):
    # given a signed-in person whose last request was more than an hour ago
    client = Client()
    assert client.login(username=world.user("acme_l1").email, password=PASSWORD)
    key = client.session.session_key
    _age(client, **{SEEN_AT: 3601, SIGNED_IN_AT: 3700})
    # when they come back
    response = client.get("/")
    # then they are sent to the sign-in and the session is gone on the server
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=key).exists()


def test_activity_keeps_a_session_alive(world):
    # given a signed-in person whose last request was 59 minutes ago
    client = Client()
    assert client.login(username=world.user("acme_l1").email, password=PASSWORD)
    _age(client, **{SEEN_AT: 59 * 60, SIGNED_IN_AT: 2 * 3600})
    # when they come back, and again 59 minutes later
    assert client.get("/").status_code == 200
    assert time.time() - client.session[SEEN_AT] < 60
    _age(client, **{SEEN_AT: 59 * 60})
    # then the session is still theirs
    assert client.get("/").status_code == 200


def test_a_busy_session_ends_twelve_hours_after_sign_in(world):
    # given a person signed in 12 hours ago who was active a minute ago
    client = Client()
    assert client.login(username=world.user("acme_l1").email, password=PASSWORD)
    _age(client, **{SEEN_AT: 60, SIGNED_IN_AT: 12 * 3600 + 1})
    # when they make a request (the API with the session)
    response = client.get("/api/v1/me")
    # then it is not signed in any more
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_a_new_sign_in_starts_the_clocks_afresh(world):
    # given a session whose clocks ran out
    client = Client()
    assert client.login(username=world.user("acme_l1").email, password=PASSWORD)
    _age(client, **{SEEN_AT: 60, SIGNED_IN_AT: 13 * 3600})
    # when the person signs in again through the form
    response = client.post(
        "/login/", {"username": world.user("acme_l1").email, "password": PASSWORD}
    )
    # then the new session runs
    assert response.status_code == 302
    assert time.time() - client.session[SIGNED_IN_AT] < 60
    assert client.get("/").status_code == 200


# --- caching (V8.2.1) ------------------------------------------------------------------


def test_pages_and_api_answers_are_never_stored(world):
    # given a signed-in agent, a customer and an API token
    agent, customer, api = Client(), Client(), Client()
    agent.force_login(world.user("acme_l1"))
    customer.force_login(world.user("acme_customer"))
    _, token = token_create(email=world.user("l2").email)
    # when they read pages and API answers (the sign-in page too)
    responses = [
        agent.get("/"),
        agent.get("/settings/"),
        customer.get("/portal/"),
        api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}"),
        api.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {token}"),
        Client().get("/login/"),
    ]
    # then no browser or proxy may keep them
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]
        assert "private" in response["Cache-Control"]


# --- cookies (V3.4) --------------------------------------------------------------------


def test_secure_cookies_take_the_host_prefix():
    # given the production switch for HTTPS-only cookies
    env = {**os.environ, "TIERDESK_SECURE_COOKIES": "true", "TIERDESK_VAR_DIR": "var/test"}
    code = (
        "from tierdesk import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE)"
    )
    # when the settings are read
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # then both cookies are __Host- cookies, Secure; the session cookie HttpOnly, SameSite
    assert out == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "True", "Lax"]


def test_the_session_cookie_is_host_only_secure_httponly_and_samesite(world, settings):
    # given HTTPS-only cookies
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    # when a person signs in over HTTPS
    client = Client()
    response = client.post(
        "/login/",
        {"username": world.user("acme_l1").email, "password": PASSWORD},
        secure=True,
    )
    # then the cookie is one a browser accepts under the prefix, and scripts cannot read it
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"]


# --- logs (V7.1, V7.3) -----------------------------------------------------------------


def test_a_log_line_cannot_be_forged_by_control_characters():
    # given a message carrying CR/LF and an escape sequence from outside
    record = logging.LogRecord(
        "tierdesk",
        logging.WARNING,
        __file__,
        1,
        "refused %s",
        ("x\r\nERROR forged\x1b[31m",),
        None,
    )
    # when it is formatted the configured way
    line = OneLineFormatter("%(levelname)s %(message)s").format(record)
    # then it stays one line with the characters visible
    assert line == "WARNING refused x\\r\\nERROR forged\\x1b[31m"
    # and its time is UTC, to the millisecond
    record.created, record.msecs = 0.25, 250
    assert OneLineFormatter("%(asctime)s").format(record) == "1970-01-01T00:00:00.250Z"
    assert configured.LOGGING["formatters"]["plain"]["()"].endswith("OneLineFormatter")


def test_sign_ins_and_tokens_are_logged_without_their_secrets(world, caplog):
    # given every logger at DEBUG
    caplog.set_level(logging.DEBUG)
    email = world.user("acme_l1").email
    _, token = token_create(email=world.user("l2").email)
    # when someone fails to sign in, signs in, and uses a good and a bad token
    Client().post("/login/", {"username": email, "password": "a wrong guess 4711"})
    Client().post("/login/", {"username": email, "password": PASSWORD})
    Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer tdk_not_a_token_0815")
    # then the failure and the sign-in are logged (who, not with what)
    assert "AXES: New login failure" in caplog.text
    assert "AXES: Successful login" in caplog.text
    assert "Unauthorized: /api/v1/me" in caplog.text
    # and no password and no token appears in any log record
    for secret in ("a wrong guess 4711", PASSWORD, token, "tdk_not_a_token_0815"):
        assert secret not in caplog.text


# --- password reset and change (V2.5, V2.2.3) ------------------------------------------


def _reset_link(client: Client, email: str) -> str:
    from django.core import mail

    mail.outbox.clear()
    client.post("/password-reset/", {"email": email})
    (message,) = mail.outbox
    return re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", message.body).group(1)


def test_a_reset_link_works_once_and_the_person_is_told(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = world.user("acme_l1").email
    client = Client()
    link = _reset_link(client, email)
    # when the link is used to set a new password
    form = client.get(link, follow=True)
    new = "a much better passphrase"
    with django_capture_on_commit():
        done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    # then the person is told by a mail in their brand (it names no password)
    from tierdesk.mail.models import OutboundMail

    (notice,) = OutboundMail.objects.filter(kind="security_notice")
    assert notice.to_email == email and "password was changed" in notice.subject
    assert "Acme Integrations" in notice.from_email and "reset link" in notice.text_body
    assert new not in notice.text_body + notice.html_body
    # and the same link does not work a second time
    again = Client().get(link, follow=True)
    assert b"new_password1" not in again.content


def test_a_reset_link_expires_after_an_hour(world, settings, monkeypatch):
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert configured.PASSWORD_RESET_TIMEOUT == 3600
    link = _reset_link(Client(), world.user("acme_l1").email)
    # when the link is followed an hour and a minute later
    later = datetime.now() + timedelta(minutes=61)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    response = Client().get(link, follow=True)
    # then it no longer offers a new password
    assert b"new_password1" not in response.content


def test_a_password_change_is_told_by_mail(world, settings, client):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(world.user("acme_l1"))
    new = "a much better passphrase"
    # when the password is changed on the settings page
    with django_capture_on_commit():
        client.post(
            "/settings/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
    # then one mail tells the person, in their brand, and names no password
    from tierdesk.mail.models import OutboundMail

    assert mail.outbox == []  # it goes through the outbound queue, not straight out
    (notice,) = OutboundMail.objects.all()
    assert notice.to_email == world.user("acme_l1").email
    assert notice.subject == "Your Acme Integrations password was changed"
    assert new not in notice.text_body + notice.html_body


def test_signing_out_tells_the_browser_to_drop_what_it_kept(world):
    # given a signed-in person
    client = Client()
    client.force_login(world.user("acme_l1"))
    # when they sign out
    response = client.post("/logout/")
    # then the browser is told to clear its cache and storage for the site
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/").status_code == 302


def test_refusals_are_logged_with_what_was_asked(world, caplog):
    # given a signed-in customer and an L2 agent
    customer, agent = Client(), Client()
    customer.force_login(world.user("globex_customer"))
    agent.force_login(world.user("l2"))
    caplog.set_level(logging.WARNING)
    # when they ask for what is not theirs or not allowed, or send bad input
    agent.get("/tickets/new/")
    customer.get("/portal/tickets/999999/")
    agent.post("/settings/", {"time_zone": "Mars/Olympus", "language": "en"})
    # then each refusal is a log record naming the status and the path
    logged = [(r.status_code, r.request.path) for r in caplog.records if hasattr(r, "status_code")]
    assert (403, "/tickets/new/") in logged
    assert (404, "/portal/tickets/999999/") in logged
    assert (422, "/settings/") in logged
    assert "%(asctime)s" in configured.LOGGING["formatters"]["plain"]["format"]


# --- upload quota (V12.1.3) ------------------------------------------------------------


def test_one_person_cannot_fill_the_storage(world, settings, tmp_path):
    from tests.factories import new_ticket
    from tierdesk.core import clock
    from tierdesk.core.errors import PayloadTooLarge
    from tierdesk.tickets import services
    from tierdesk.tickets.models import Attachment

    # given a quota of three files or 1 KiB a day, and two tickets
    settings.TIERDESK_UPLOAD_DAY_FILES = 3
    settings.TIERDESK_UPLOAD_DAY_BYTES = 1024
    first, second = new_ticket(world), new_ticket(world)

    def upload(ticket, content, who="acme_l1"):
        return services.attachment_add(
            actor=world.actor(who),
            ticket_id=ticket.pk,
            file=content,
            filename="a.log",
            kind="log",
        )

    # when an agent uploads three files across the tickets
    upload(first, b"a" * 100)
    upload(second, b"b" * 100)
    upload(first, b"c" * 100)
    # then a fourth is refused (413, saying why) and not stored
    with pytest.raises(PayloadTooLarge) as refused:
        upload(second, b"d" * 10)
    assert "24 hours" in refused.value.message and refused.value.status == 413
    assert Attachment.objects.count() == 3
    # and so is a file that would pass the day's bytes, for someone else at their first
    with pytest.raises(PayloadTooLarge):
        upload(first, b"e" * 1025, who="l2")
    # while a colleague's own quota is untouched, and the next day the agent may go on
    upload(first, b"f" * 100, who="l2")
    with clock.travel_to(clock.now() + timedelta(days=1, minutes=1)):
        upload(first, b"g" * 100)
    assert Attachment.objects.count() == 5


# --- access records (V8.3.5) -----------------------------------------------------------


def test_every_ticket_and_file_handed_out_or_refused_is_recorded(world, caplog):
    from tests.factories import new_ticket
    from tierdesk.tickets import services

    # given a ticket with a file, its agent and another partner's customer
    ticket = new_ticket(world)
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=b"secret log line\n",
        filename="run.log",
        kind="log",
    )
    agent, stranger = Client(), Client()
    agent.force_login(world.user("acme_l1"))
    stranger.force_login(world.user("globex_customer"))
    _, token = token_create(email=world.user("l2").email)
    caplog.set_level(logging.INFO, logger="tierdesk.access")
    # when the agent opens the ticket page, L2 reads it by API, and both fetch the file
    assert agent.get(f"/tickets/{ticket.number}/").status_code == 200
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert Client().get(f"/api/v1/tickets/{ticket.pk}", **bearer).status_code == 200
    assert Client().get(f"/api/v1/attachments/{attachment.pk}", **bearer).status_code == 200
    # and the stranger tries the same ticket
    assert stranger.get(f"/portal/tickets/{ticket.number}/").status_code == 404
    # then each access and the refusal is a record naming who and what, never the content
    records = [r.getMessage() for r in caplog.records if r.name == "tierdesk.access"]
    agent_id, l2_id = world.user("acme_l1").pk, world.user("l2").pk
    stranger_id = world.user("globex_customer").pk
    assert f"ticket {ticket.pk} read by person {agent_id}" in records
    assert f"ticket {ticket.pk} read by person {l2_id}" in records
    assert f"attachment {attachment.pk} of ticket {ticket.pk} read by person {l2_id}" in records
    assert f"ticket number {ticket.number} refused to person {stranger_id}" in records
    assert not any("secret log line" in r or ticket.title in r for r in records)
