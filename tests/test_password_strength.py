"""Passwords easy to guess are refused with a reason, and every page where a password is
chosen shows a strength meter fed by the server (ASVS 2.1.8; accounts/passwords.py,
accounts.views.password_strength). The meter in a browser: tests/browser/test_password_meter.py."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from tierdesk.accounts.models import User
from tierdesk.identity.services.people import invitation_link, person_invite

PASSWORD = "correct horse battery staple"  # tests.factories.build_world
STRONG = "a much better passphrase"
GUESSABLE = "asdfghjkl;12"  # twelve characters, not on Django's common list, a row of keys
SURNAME = "Oberhollenzer"
METER = 'data-strength-url="/password-strength/"'


def _refusal(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_a_guessable_password_of_twelve_characters_is_refused_with_the_reason():
    assert _refusal(GUESSABLE) == [
        "This password is too easy to guess. It is a straight row of keys. "
        "Add another word or two; uncommon words are better."
    ]
    assert _refusal("kittenkitten12") == [
        "This password is too easy to guess. It repeats a short part. "
        "Add another word or two; uncommon words are better."
    ]
    assert _refusal(STRONG) == []


def test_a_password_built_from_the_persons_own_name_is_refused_for_them(world):
    # given a person with an uncommon surname
    person = User(email="m.oberhollenzer@example.test", full_name=f"Margarethe {SURNAME}")
    password = f"{SURNAME.lower()}-1!"
    # when/then: their surname with a digit is fine for anyone else, refused for them
    assert _refusal(password) == []
    (reason,) = _refusal(password, person)
    assert "It contains your name or email address." in reason


def _change(client: Client, new: str):
    return client.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )


def test_the_change_form_refuses_a_guessable_password_and_keeps_the_old_one(world, client):
    client.force_login(world.user("acme_l1"))
    response = _change(client, GUESSABLE)
    assert response.status_code == 422
    assert "This password is too easy to guess." in response.content.decode()
    world.user("acme_l1").refresh_from_db()
    assert world.user("acme_l1").check_password(PASSWORD)


def test_the_reason_is_given_in_german(world, client):
    user = world.user("acme_l1")
    User.objects.filter(pk=user.pk).update(language="de")
    client.force_login(user)
    response = _change(client, GUESSABLE)
    assert response.status_code == 422
    assert "Dieses Passwort ist zu leicht zu erraten." in response.content.decode()


def test_an_invitation_refuses_a_guessable_password(world):
    invitation = person_invite(
        actor=world.actor("acme_admin"), email="kim@customer.example", role="l1_agent"
    )
    path = invitation_link(invitation).split("://", 1)[1].split("/", 1)[1]
    page = Client().get(f"/{path}")
    assert METER in page.content.decode()
    answer = Client().post(
        f"/{path}", {"full_name": "Kim Lee", "password": GUESSABLE, "password_again": GUESSABLE}
    )
    assert answer.status_code == 422
    assert "This password is too easy to guess." in answer.content.decode()
    assert not User.objects.filter(email="kim@customer.example").exists()


def test_every_page_where_a_password_is_chosen_has_the_meter(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # the reset link's page
    Client().post("/password-reset/", {"email": world.user("acme_l1").email})
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    reset = Client().get(link, follow=True).content.decode()
    assert METER in reset and 'data-strength-for="id_new_password1"' in reset
    # the change form
    client.force_login(world.user("acme_l1"))
    change = client.get("/settings/password/").content.decode()
    assert METER in change and 'data-strength-for="id_new_password1"' in change
    # (the invitation: test_an_invitation_refuses_a_guessable_password)


def _score(client: Client, password: str) -> dict:
    response = client.post("/password-strength/", {"password": password})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.json()


@pytest.mark.django_db
def test_the_meter_scores_what_is_typed_with_the_forms_rules(client):
    # a short start: weak, and the rule it breaks
    short = _score(client, "asdf")
    assert short["score"] == 0 and short["label"] == "Very weak" and not short["acceptable"]
    assert "too short" in short["message"]
    # twelve characters in a keyboard row: long enough, still refused, with the reason
    guessable = _score(client, GUESSABLE)
    assert guessable["score"] < 3 and not guessable["acceptable"]
    assert "This password is too easy to guess." in guessable["message"]
    # a passphrase: strong and acceptable, nothing to say
    strong = _score(client, STRONG)
    assert strong == {"score": 4, "label": "Strong", "acceptable": True, "message": ""}


def test_the_meter_knows_the_signed_in_persons_name(world, client):
    user = world.user("acme_l1")
    User.objects.filter(pk=user.pk).update(full_name=f"Margarethe {SURNAME}")
    password = f"{SURNAME.lower()}-1!"
    assert _score(client, password)["acceptable"]
    client.force_login(user)
    answer = _score(client, password)
    assert not answer["acceptable"] and "your name" in answer["message"]


@pytest.mark.django_db
def test_the_meter_takes_a_post_with_the_csrf_token_only():
    browser = Client(enforce_csrf_checks=True)
    # a password never travels in a URL
    assert browser.get("/password-strength/", {"password": STRONG}).status_code == 405
    # and a post without the form's token is refused
    assert browser.post("/password-strength/", {"password": STRONG}).status_code == 403
    # with the token of a page's form it is answered
    page = browser.get("/password-reset/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = browser.post(
        "/password-strength/", {"password": STRONG}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200 and answer.json()["acceptable"]


def test_the_meter_answers_one_address_sixty_times_a_minute():
    from datetime import UTC, datetime, timedelta

    from django.core.cache import cache

    from tierdesk.core.clock import travel_to

    cache.clear()
    browser = Client()
    moment = datetime(2026, 12, 7, 9, 30, 5, tzinfo=UTC)
    # given sixty checks from one address within a minute
    with travel_to(moment):
        answers = [browser.post("/password-strength/", {"password": "x"}) for _ in range(60)]
        assert {a.status_code for a in answers} == {200}
        # when a sixty-first comes in the same minute, it is refused, saying when to retry
        refused = browser.post("/password-strength/", {"password": "x"})
        assert refused.status_code == 429 and refused["Retry-After"] == "60"
        assert "the form still checks" in refused.json()["message"]
        # and another address is still answered
        other = browser.post("/password-strength/", {"password": "x"}, REMOTE_ADDR="192.0.2.7")
        assert other.status_code == 200
    # then the next minute it is answered again
    with travel_to(moment + timedelta(minutes=1)):
        assert browser.post("/password-strength/", {"password": "x"}).status_code == 200
