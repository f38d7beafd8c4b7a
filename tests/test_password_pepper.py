"""Password hashes with a pepper kept apart from the database (accounts/hashers.py, ASVS
2.4.5): a copy of the database alone cannot check a guess, the hash names its pepper by
id only, peppers rotate, and old hashes move to the newest pepper at the next sign-in.

The suite hashes with MD5 for speed (tests/conftest.py); these tests put the production
hashers back through the `settings` fixture."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.views.debug import SafeExceptionReporterFilter

from tierdesk import cli
from tierdesk.accounts.hashers import (
    ARGON2,
    PBKDF2,
    PEPPERED,
    PepperedArgon2PasswordHasher,
    _peppered,
    password_hashers,
    pepper_id,
)
from tierdesk.accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # tests.factories.build_world
OLD = "old-pepper-0123456789abcdefghijklmnopqrstuvwxyz"
NEW = "new-pepper-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"
EMAIL = "acme_l1@example.test"


def _use_peppers(settings, *peppers: str) -> None:
    """What settings.py makes of TIERDESK_PASSWORD_PEPPER=<peppers, newest first>."""
    settings.TIERDESK_PASSWORD_PEPPER = list(peppers)
    settings.PASSWORD_HASHERS = password_hashers(list(peppers))


def _stored_hash(email: str = EMAIL) -> str:
    return User.objects.values_list("password", flat=True).get(email=email)


def _set_password(email: str = EMAIL) -> str:
    user = User.objects.get(email=email)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return _stored_hash(email)


def _as_plain_argon2(encoded: str) -> str:
    """The Argon2 part of a peppered hash, as Django's plain Argon2 hasher stores one."""
    return "argon2$" + encoded.split("$", 2)[2]


def _sign_in(client, password: str = PASSWORD):
    return client.post("/login/", {"username": EMAIL, "password": password})


def test_a_peppered_hash_is_useless_without_its_pepper(settings):
    # given a password hashed with the pepper
    _use_peppers(settings, NEW)
    encoded = make_password(PASSWORD)
    assert encoded.startswith(f"argon2_pepper${pepper_id(NEW)}$argon2id$")
    assert check_password(PASSWORD, encoded) and not check_password(PASSWORD + "!", encoded)
    # when someone with the database but not the pepper checks the password against it
    # with plain Argon2 (the stolen-database case), then it does not match
    argon2_part = _as_plain_argon2(encoded)
    assert not Argon2PasswordHasher().verify(PASSWORD, argon2_part)
    # (what Argon2 hashed is the HMAC of the password keyed with the pepper)
    assert Argon2PasswordHasher().verify(_peppered(PASSWORD, NEW), argon2_part)
    # and with another pepper configured in its place it does not verify either
    _use_peppers(settings, OLD)
    assert not check_password(PASSWORD, encoded)


def test_the_hash_names_its_pepper_by_a_short_id_and_holds_no_pepper(world, settings):
    # given a person's password hashed with the pepper
    _use_peppers(settings, NEW, OLD)
    stored = _set_password()
    # then the stored row carries the newest pepper's 8-character id, never a pepper
    algorithm, pid, _rest = stored.split("$", 2)
    assert (algorithm, pid) == ("argon2_pepper", pepper_id(NEW)) and len(pid) == 8
    row = User.objects.filter(email=EMAIL).values().get()
    assert not any(p in str(value) for value in row.values() for p in (NEW, OLD))
    # and the admin's summary of the hash shows the id, masked salt and hash
    summary = identify_hasher(stored).safe_summary(stored)
    assert summary["pepper"] == pid and NEW not in str(summary)
    # and the id is not a piece of the pepper: another pepper has another id
    assert pid not in NEW and pepper_id(OLD) != pid


def test_rotation_an_older_pepper_still_signs_in_and_is_upgraded_then(world, client, settings):
    # given a person whose password was hashed with the old pepper
    _use_peppers(settings, OLD)
    before = _set_password()
    # when a new pepper is put first and the old one kept after it
    _use_peppers(settings, NEW, OLD)
    # then a wrong password signs nobody in and changes nothing
    assert _sign_in(client, "wrong password here").status_code == 200
    assert _stored_hash() == before
    # and the right one signs in through the sign-in page, and the hash moves to the new pepper
    response = _sign_in(client)
    assert response.status_code == 302 and client.get("/").status_code == 200
    after = _stored_hash()
    assert after.startswith(f"argon2_pepper${pepper_id(NEW)}$") and after != before
    # and once the old pepper is dropped the person still signs in
    _use_peppers(settings, NEW)
    client.logout()
    assert _sign_in(client).status_code == 302
    assert _stored_hash() == after


def test_a_plain_argon2_hash_moves_to_the_pepper_at_the_next_sign_in(world, client, settings):
    # given a person whose password was hashed before any pepper was configured
    _use_peppers(settings)
    before = _set_password()
    assert identify_hasher(before).algorithm == "argon2"
    # when a pepper is configured and the person signs in
    _use_peppers(settings, NEW)
    response = _sign_in(client)
    # then they are in, and their hash is now peppered (and no longer plain Argon2)
    assert response.status_code == 302 and client.get("/").status_code == 200
    after = _stored_hash()
    assert after.startswith(f"argon2_pepper${pepper_id(NEW)}$")
    assert not Argon2PasswordHasher().verify(PASSWORD, _as_plain_argon2(after))


def test_a_dropped_pepper_refuses_its_hashes_and_logs_only_the_id(world, client, settings, caplog):
    # given a hash made with a pepper that is no longer configured
    caplog.set_level(logging.DEBUG)
    _use_peppers(settings, OLD)
    before = _set_password()
    _use_peppers(settings, NEW)
    # when the person signs in with the right password
    response = _sign_in(client)
    # then they are refused, nothing is rewritten, and the log names the missing pepper's id
    assert response.status_code == 200 and client.get("/").status_code == 302
    assert _stored_hash() == before
    missing = [r for r in caplog.records if r.name == "tierdesk.accounts.hashers"]
    assert [r.levelno for r in missing] == [logging.ERROR]
    assert pepper_id(OLD) in missing[0].getMessage()
    assert OLD not in caplog.text and NEW not in caplog.text


def test_no_pepper_is_logged_or_shown_in_the_settings_of_an_error_report(
    world, client, settings, caplog
):
    # given everything logged while people sign in, fail, and have their hashes upgraded
    caplog.set_level(logging.DEBUG)
    _use_peppers(settings, OLD)
    _set_password()
    _use_peppers(settings, NEW, OLD)
    _sign_in(client, "not the password at all")
    _sign_in(client)
    client.logout()
    _sign_in(client)
    _use_peppers(settings, NEW)  # and a hash left with the dropped pepper is refused
    _set_password("acme_customer@example.test")
    _use_peppers(settings, OLD)
    client.post("/login/", {"username": "acme_customer@example.test", "password": PASSWORD})
    # then no pepper appears in any log line (nor in what the deployment checks say)
    assert caplog.records  # the sign-ins did log
    assert OLD not in caplog.text and NEW not in caplog.text
    said = str(checks.run_checks(include_deployment_checks=True))
    assert OLD not in said and NEW not in said
    # and an error report (DEBUG page, admin mail) masks the setting
    shown = SafeExceptionReporterFilter().get_safe_settings()["TIERDESK_PASSWORD_PEPPER"]
    assert OLD not in str(shown) and NEW not in str(shown)


def test_check_deploy_warns_without_a_pepper(db, settings, capsys):
    # given a host without TIERDESK_PASSWORD_PEPPER
    _use_peppers(settings)
    # when the deployment checks run, then they warn (and still pass: a warning)
    assert "tierdesk.W011" in {c.id for c in checks.run_checks(include_deployment_checks=True)}
    cli.main(["check", "--deploy"])
    assert "tierdesk.W011" in capsys.readouterr().err
    # and without --deploy nothing is said
    assert "tierdesk.W011" not in {c.id for c in checks.run_checks()}
    # given a pepper, then no warning
    _use_peppers(settings, NEW)
    found = {c.id for c in checks.run_checks(include_deployment_checks=True)}
    assert {"tierdesk.W011", "tierdesk.E011"}.isdisjoint(found)
    # and a short pepper is an error that does not repeat it
    _use_peppers(settings, "short-pepper", NEW)
    errors = [
        c for c in checks.run_checks(include_deployment_checks=True) if c.id == "tierdesk.E011"
    ]
    assert errors and "short-pepper" not in errors[0].msg + (errors[0].hint or "")


def test_without_a_pepper_the_hashers_are_as_before_and_nothing_is_peppered(settings):
    # given no pepper: Argon2 is preferred, PBKDF2 still checks old hashes
    assert password_hashers([]) == [ARGON2, PBKDF2, PEPPERED]
    _use_peppers(settings)
    assert make_password(PASSWORD).startswith("argon2$argon2id$")
    # and the peppered hasher refuses to hash without a pepper rather than hash without one
    hasher = PepperedArgon2PasswordHasher()
    with pytest.raises(ImproperlyConfigured, match="TIERDESK_PASSWORD_PEPPER"):
        hasher.encode(PASSWORD, hasher.salt())


def test_settings_read_the_peppers_from_the_environment_newest_first(tmp_path):
    # given TIERDESK_PASSWORD_PEPPER with two peppers, newest first
    env = {**os.environ, "TIERDESK_VAR_DIR": str(tmp_path), "SECRET_KEY": "x" * 50}
    env["TIERDESK_PASSWORD_PEPPER"] = f" {NEW} , {OLD} "
    code = (
        "import tierdesk.settings as s; "
        "print(s.PASSWORD_HASHERS[0]); print(s.TIERDESK_PASSWORD_PEPPER == "
        f"[{NEW!r}, {OLD!r}])"
    )
    # when the settings are read
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    # then the peppered hasher comes first and the peppers are kept in order
    assert out == [PEPPERED, "True"]
