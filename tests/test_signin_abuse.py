"""Password guessing, reset flooding and token guessing are throttled; sessions rotate on
sign-in and end on password change and sign-out (accounts/throttle.py, docs/security.md).

The brute-force test is real: 50 wrong passwords sent at once from 50 threads to a
gunicorn server with three worker processes (gthread), on the test's own database —
PostgreSQL, or a copy of the in-memory SQLite test database in a WAL file — so the
lockout must hold across processes that share nothing but the database.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from tierdesk.accounts.models import ThrottleHit, ThrottleScope, User
from tierdesk.accounts.services import token_create
from tierdesk.core import clock

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # tests.factories.build_world
EMAIL = "acme_l1@example.test"
WRONG_ANSWER = "Please enter a correct"  # Django's invalid_login message, shown for all


def _sign_in(client: Client, email: str, password: str, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


# --- 50 parallel wrong passwords against several server processes --------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(tmp_path: Path) -> tuple[str, Path | None]:
    """A URL other processes can open on this test's data: the PostgreSQL test database
    itself, or a WAL file copied from SQLite's in-memory test database."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(s["USER"] or "", safe="")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"], safe="")
        port = f":{s['PORT']}" if s["PORT"] else ""
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}{port}/{s['NAME']}", None
    db_file = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(db_file) as target:
        connection.connection.backup(target)
    return f"sqlite:///{db_file}", db_file


class Server:
    """gunicorn serving Tierdesk with three worker processes on the given database."""

    def __init__(self, tmp_path: Path, database_url: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "brute-force-test-key-" + "x" * 40,
            "TIERDESK_VAR_DIR": str(tmp_path / "var"),
            "TIERDESK_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "TIERDESK_CONN_MAX_AGE": "0",
            "PYTHONPATH": str(ROOT),
        }
        self.log = (tmp_path / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "tierdesk.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", "3",
                "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/login/", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _csrf(server: Server) -> tuple[str, str]:
    """A CSRF cookie and the matching form token (not tied to a session: reusable)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.url + "/login/", timeout=30) as page:
        html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    return cookie, token


def _post_sign_in(server: Server, csrf: tuple[str, str], password: str) -> tuple[int, str]:
    """One sign-in from a fresh browser: (status, Location or page text)."""
    cookie, token = csrf
    body = urllib.parse.urlencode(
        {"username": EMAIL, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        server.url + "/login/", data=body, headers={"Cookie": f"csrftoken={cookie}"}
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=120) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:  # a 302 surfaces here without a redirect handler
        return exc.code, exc.headers.get("Location", "")


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wrong_passwords_lock_the_account_across_processes(
    world, tmp_path, settings
):
    # given an account whose password the server processes can check (Argon2, as in
    # production; the tests' fast MD5 hasher is not configured there)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    User.objects.filter(email=EMAIL).update(password=make_password(PASSWORD))
    url, db_file = _database_url(tmp_path)
    server = Server(tmp_path, url)
    try:
        csrf = _csrf(server)
        # when 50 wrong passwords arrive at once from 50 threads
        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(lambda n: _post_sign_in(server, csrf, f"guess-{n}"), range(50)))
        # then none signed in, and each got the wrong-password page
        assert all(status == 200 and WRONG_ANSWER in text for status, text in answers)
        # when the right password comes next
        status, text = _post_sign_in(server, csrf, PASSWORD)
        # then it does not sign in either, and looks exactly like a wrong one
        assert status == 200 and WRONG_ANSWER in text
        # and the lockout is on record, once per locked-out attempt
        locked = _query(db_file, "SELECT COUNT(*) FROM axes_accessfailurelog WHERE locked_out")
        assert locked >= 1
        # when the cool-off has passed (the recorded failures moved back past it, as the
        # clock moving on would leave them)
        _query(
            db_file,
            "UPDATE axes_accessattempt SET attempt_time = %s",
            [timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)],
        )
        status, location = _post_sign_in(server, csrf, PASSWORD)
        # then the right password signs in
        assert status == 302 and location == "/"
    finally:
        server.stop()


def _query(db_file: Path | None, sql: str, params: list | None = None):
    """Run SQL on the database the server uses; returns the first column of a SELECT."""
    if db_file is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.fetchone()[0] if sql.startswith("SELECT") else None
    with sqlite3.connect(db_file) as db:
        values = [v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in params or []]
        cursor = db.execute(sql.replace("%s", "?"), values)
        return cursor.fetchone()[0] if sql.startswith("SELECT") else None


# --- the lockout, one request at a time -----------------------------------------------


def test_an_account_is_locked_after_the_limit_and_the_right_password_does_not_help(
    world, client, settings
):
    # given the limit of wrong passwords for one account
    for _ in range(settings.TIERDESK_SIGNIN_ACCOUNT_LIMIT):
        response = _sign_in(client, EMAIL, "wrong")
        assert response.status_code == 200
    # when the right password follows
    response = _sign_in(client, EMAIL, PASSWORD)
    # then the answer is the wrong-password page and nobody is signed in
    assert response.status_code == 200 and WRONG_ANSWER in response.content.decode()
    assert client.get("/").status_code == 302
    # and the lockout is audited
    assert AccessFailureLog.objects.filter(username=EMAIL, locked_out=True).exists()


def test_a_locked_account_answers_like_an_unknown_one(world, settings):
    # given one existing and one unknown account, both past the limit
    answers = {}
    for email in (EMAIL, "nobody@example.test"):
        client = Client()
        for _ in range(settings.TIERDESK_SIGNIN_ACCOUNT_LIMIT + 2):
            response = _sign_in(client, email, "wrong")
        answers[email] = response
    # then both answers are alike: status, and the page apart from the echoed address
    existing, unknown = answers.values()
    assert existing.status_code == unknown.status_code == 200

    def page(response, email):
        html = response.content.decode().replace(email, "EMAIL")
        html = re.sub(r'nonce="[^"]+"', 'nonce="N"', html)
        return re.sub(r'value="[^"]{32,}"', 'value="TOKEN"', html)

    assert page(existing, EMAIL) == page(unknown, "nobody@example.test")
    # and both are the very page a first wrong password gets
    other = world.user("l2").email
    first_try = _sign_in(Client(), other, "wrong")
    assert first_try.status_code == 200
    assert page(first_try, other) == page(existing, EMAIL)


def test_letter_case_does_not_dodge_the_account_lockout(world, client, settings):
    # given wrong passwords under the address in different letter cases
    for n in range(settings.TIERDESK_SIGNIN_ACCOUNT_LIMIT):
        _sign_in(client, EMAIL.upper() if n % 2 else EMAIL, "wrong")
    # then the account is locked for its stored spelling
    assert not _signed_in(_sign_in(client, EMAIL, PASSWORD))


def test_the_lockout_ends_by_itself(world, client, settings, monkeypatch):
    # given a locked account
    for _ in range(settings.TIERDESK_SIGNIN_ACCOUNT_LIMIT):
        _sign_in(client, EMAIL, "wrong")
    assert not _signed_in(_sign_in(client, EMAIL, PASSWORD))
    # when the cool-off period has passed (axes reads the time through this name)
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
    # then the right password signs in
    assert _signed_in(_sign_in(client, EMAIL, PASSWORD))


def test_many_failures_from_one_address_lock_that_address(world, client, settings):
    # given a low address limit and wrong passwords for many accounts from one address
    settings.TIERDESK_SIGNIN_ADDRESS_LIMIT = 4
    for n in range(4):
        _sign_in(client, f"someone{n}@example.test", "wrong", REMOTE_ADDR="203.0.113.7")
    # when an account never tried before signs in correctly from there
    response = _sign_in(client, EMAIL, PASSWORD, REMOTE_ADDR="203.0.113.7")
    # then it is refused like a wrong password
    assert response.status_code == 200 and WRONG_ANSWER in response.content.decode()
    # while the same account signs in from another address
    assert _signed_in(_sign_in(Client(), EMAIL, PASSWORD, REMOTE_ADDR="198.51.100.2"))


def test_behind_a_trusted_proxy_the_forwarded_address_counts(world, settings):
    # given one trusted proxy in front, and failures forwarded for one client
    settings.TIERDESK_TRUSTED_PROXIES = 1
    settings.TIERDESK_SIGNIN_ADDRESS_LIMIT = 3
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(3):
        _sign_in(
            Client(), f"x{n}@example.test", "wrong",
            HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7", **proxy,
        )  # fmt: skip
    # then that client is locked, whatever it claims to be further left in the header
    response = _sign_in(
        Client(), EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy
    )
    assert not _signed_in(response)
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()
    # and another client behind the same proxy is not
    response = _sign_in(Client(), EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert _signed_in(response)


def test_the_admin_sign_in_is_locked_too(world, settings):
    client = Client()
    admin_email = world.user("admin").email
    for _ in range(settings.TIERDESK_SIGNIN_ACCOUNT_LIMIT):
        client.post("/admin/login/", {"username": admin_email, "password": "wrong"})
    response = client.post("/admin/login/", {"username": admin_email, "password": PASSWORD})
    assert response.status_code == 200  # the admin's own wrong-password page
    assert client.get("/admin/").status_code == 302


# --- password reset requests ----------------------------------------------------------


def test_reset_mails_to_one_address_are_limited_with_the_same_answer(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    limit = settings.TIERDESK_RESET_EMAIL_LIMIT
    # when more resets are asked for one address than the limit allows
    answers = [
        client.post("/password-reset/", {"email": EMAIL}, REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(limit + 3)
    ]
    # then only the limit's worth of mails went out, and every answer was the same
    assert len(mail.outbox) == limit
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/password-reset/sent/")}
    refused = ThrottleHit.objects.filter(scope=ThrottleScope.RESET_EMAIL, refused=True)
    assert refused.count() == 3


def test_reset_requests_from_one_address_are_limited(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIERDESK_RESET_ADDRESS_LIMIT = 2
    emails = [EMAIL, world.user("l2").email, world.user("globex_l1").email]
    answers = [client.post("/password-reset/", {"email": e}) for e in emails]
    assert len(mail.outbox) == 2
    assert {a["Location"] for a in answers} == {"/password-reset/sent/"}


def test_reset_for_an_unknown_address_answers_the_same_and_counts_the_same(world, client):
    known = client.post("/password-reset/", {"email": EMAIL})
    unknown = client.post("/password-reset/", {"email": "nobody@example.test"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert ThrottleHit.objects.filter(key="nobody@example.test").count() == 1


def test_the_reset_limit_ends_with_its_window(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for _ in range(settings.TIERDESK_RESET_EMAIL_LIMIT + 1):
        client.post("/password-reset/", {"email": EMAIL})
    sent = len(mail.outbox)
    with clock.travel_to(timezone.now() + settings.TIERDESK_RESET_WINDOW + timedelta(seconds=1)):
        client.post("/password-reset/", {"email": EMAIL})
    assert len(mail.outbox) == sent + 1


# --- API bearer tokens ----------------------------------------------------------------


def test_failed_bearer_tokens_are_rate_limited_per_address(world, client, settings):
    settings.TIERDESK_TOKEN_FAILURE_LIMIT = 3
    _record, good = token_create(email=EMAIL)
    wrong = {"HTTP_AUTHORIZATION": "Bearer td_0000_guess", "REMOTE_ADDR": "203.0.113.5"}
    # given the limit of wrong tokens from one address
    for _ in range(3):
        assert client.get("/api/v1/tickets", **wrong).status_code == 401
    # then the next request from there is refused with 429 and when to come back
    response = client.get("/api/v1/tickets", **wrong)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    retry = int(response["Retry-After"])
    assert 0 < retry <= settings.TIERDESK_TOKEN_WINDOW.total_seconds()
    # even with a valid token: the address is refused until the window passes
    good_there = {"HTTP_AUTHORIZATION": f"Bearer {good}", "REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/api/v1/tickets", **good_there).status_code == 429
    # while another address is served
    elsewhere = {"HTTP_AUTHORIZATION": f"Bearer {good}", "REMOTE_ADDR": "198.51.100.1"}
    assert client.get("/api/v1/tickets", **elsewhere).status_code == 200
    # and once the window has passed, the address is served again
    with clock.travel_to(timezone.now() + settings.TIERDESK_TOKEN_WINDOW + timedelta(seconds=1)):
        assert client.get("/api/v1/tickets", **good_there).status_code == 200


def test_good_tokens_never_count_against_the_address(world, client, settings):
    settings.TIERDESK_TOKEN_FAILURE_LIMIT = 2
    _record, good = token_create(email=EMAIL)
    for _ in range(5):
        assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    assert not ThrottleHit.objects.exists()


# --- sessions ---------------------------------------------------------------------------


def test_signing_in_rotates_the_session_key(world, client):
    # given a visitor with a session before signing in
    client.get("/login/")
    session = client.session
    session["before"] = "x"
    session.save()
    before = session.session_key
    # when they sign in
    assert _signed_in(_sign_in(client, EMAIL, PASSWORD))
    # then the session has a new key and the old one is gone (no session fixation)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_a_password_change_ends_every_session_of_that_person(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # given the person signed in on two devices
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert _signed_in(_sign_in(device, EMAIL, PASSWORD))
        assert device.get("/").status_code == 200
    # when the password is changed through the reset link
    anonymous = Client()
    anonymous.post("/password-reset/", {"email": EMAIL})
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form = anonymous.get(link, follow=True)
    new = "a much better passphrase"
    anonymous.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    # then both sessions are over
    for device in (laptop, phone):
        response = device.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_changing_the_password_keeps_this_session_with_a_new_key_and_ends_the_others(world):
    # given the person signed in on two devices
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert _signed_in(_sign_in(device, EMAIL, PASSWORD))
    before = laptop.session.session_key
    # when they change their password on the laptop
    new = "a much better passphrase"
    response = laptop.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == "/settings/"
    # then the laptop stays signed in, under a new session key
    assert laptop.get("/").status_code == 200
    assert laptop.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()
    # and the phone is signed out
    response = phone.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_wrong_current_password_changes_nothing(world, client):
    assert _signed_in(_sign_in(client, EMAIL, PASSWORD))
    new = "a much better passphrase"
    response = client.post(
        "/settings/password/",
        {"old_password": "not it", "new_password1": new, "new_password2": new},
    )
    # then the form comes back with the error beside the field, and the password is as it was
    assert response.status_code == 422 and 'id="id_old_password_error"' in response.content.decode()
    assert User.objects.get(email=EMAIL).check_password(PASSWORD)


def test_guessing_the_current_password_on_the_change_form_locks_the_account(
    world, client, settings
):
    # given a session someone else got hold of
    assert _signed_in(_sign_in(client, EMAIL, PASSWORD))
    new = "a much better passphrase"
    # when they guess the current password up to the limit
    for n in range(settings.TIERDESK_SIGNIN_ACCOUNT_LIMIT):
        client.post(
            "/settings/password/",
            {"old_password": f"guess-{n}", "new_password1": new, "new_password2": new},
        )
    # then even the right one no longer changes the password, nor signs in
    response = client.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 422
    assert User.objects.get(email=EMAIL).check_password(PASSWORD)
    assert not _signed_in(_sign_in(Client(), EMAIL, PASSWORD))


def test_signing_out_ends_the_session_on_the_server(world, client):
    assert _signed_in(_sign_in(client, EMAIL, PASSWORD))
    key = client.session.session_key
    client.post("/logout/")
    # then the old session key is gone: a stolen cookie signs nobody in
    assert not Session.objects.filter(session_key=key).exists()
    thief = Client()
    thief.cookies["sessionid"] = key
    assert thief.get("/").status_code == 302
