"""A person sees their own signed-in sessions and ends any of them, or all others
(ASVS 3.3.4; accounts/sessions.py). Every device is its own test client, signed in through
the sign-in page with its own browser and address; "ended" means the device's next request
is anonymous."""

from __future__ import annotations

import importlib
import re
import time

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client

from tierdesk.accounts.models import Organisation, SignedInSession
from tierdesk.accounts.sessions import browser_label, own_sessions
from tierdesk.core.middleware import SEEN_AT, SIGNED_IN_AT

PASSWORD = "correct horse battery staple"  # tests.factories.build_world
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)


def device(world, key: str, user_agent: str, address: str) -> Client:
    """A browser signed in as `key` through the sign-in page."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post(
        "/login/", {"username": world.user(key).email, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302 and "/login/" not in response["Location"]
    return client


def signed_in(client: Client, path: str = "/") -> bool:
    response = client.get(path)
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return False
    assert response.status_code == 200, response.status_code
    return True


def record_of(client: Client) -> SignedInSession:
    return SignedInSession.objects.get(session_id=client.session.session_key)


def rows(html: str) -> dict[str, str]:
    """The listed sessions by id, each its table row."""
    return dict(re.findall(r'<tr data-session="(\d+)"(.*?)</tr>', html, re.S))


def test_each_sign_in_is_listed_with_browser_address_and_times_and_this_one_marked(world):
    # given the person signed in on a laptop and a phone, the phone last seen 20 minutes ago
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    phone = device(world, "acme_l1", SAFARI_IPHONE, "2001:db8::42")
    session = phone.session
    session[SEEN_AT] = time.time() - 20 * 60
    session.save()
    # and someone else signed in elsewhere
    device(world, "acme_admin", EDGE_WINDOWS, "198.51.100.9")
    # when the person opens their sessions on the laptop
    response = laptop.get("/settings/sessions/")
    # then both of theirs are listed, and only theirs
    assert response.status_code == 200
    listed = rows(response.content.decode())
    mine, theirs = str(record_of(laptop).pk), str(record_of(phone).pk)
    assert set(listed) == {mine, theirs}
    # with the browser and address of each sign-in, and the laptop marked as this one
    assert "Firefox · Linux" in listed[mine] and "203.0.113.7" in listed[mine]
    assert "Safari · iOS" in listed[theirs] and "2001:db8::42" in listed[theirs]
    assert "data-current" in listed[mine] and "data-current" not in listed[theirs]
    assert "This session" in listed[mine] and "This session" not in listed[theirs]
    # and the phone's last-seen time is its session's stamp, the laptop's a fresh one
    user = world.user("acme_l1")
    seen = {s.id: s for s in own_sessions(user, current_key=laptop.session.session_key)}
    assert abs(seen[int(theirs)].seen_at.timestamp() - session[SEEN_AT]) < 1
    assert time.time() - seen[int(mine)].seen_at.timestamp() < 120
    assert seen[int(mine)].current and not seen[int(theirs)].current
    # and the page's forms carry the CSRF token
    assert response.content.decode().count('name="csrfmiddlewaretoken"') >= 3


def test_ending_another_session_signs_it_out_and_keeps_this_one(world):
    # given the person on a laptop and a phone
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    phone = device(world, "acme_l1", SAFARI_IPHONE, "203.0.113.8")
    phone_key = phone.session.session_key
    assert signed_in(phone)
    # when they end the phone's session from the laptop
    response = laptop.post(f"/settings/sessions/{record_of(phone).pk}/end/")
    # then the session is gone from the store and the phone's next request is anonymous
    assert response.status_code == 302 and response["Location"] == "/settings/sessions/"
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert not signed_in(phone)
    # while the laptop works on, and lists itself alone
    assert signed_in(laptop)
    listed = rows(laptop.get("/settings/sessions/").content.decode())
    assert list(listed) == [str(record_of(laptop).pk)]


def test_ending_all_other_sessions_keeps_only_this_one(world):
    # given the person on three devices, and a colleague signed in too
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    others = [
        device(world, "acme_l1", SAFARI_IPHONE, "203.0.113.8"),
        device(world, "acme_l1", EDGE_WINDOWS, "203.0.113.9"),
    ]
    colleague = device(world, "acme_admin", EDGE_WINDOWS, "198.51.100.9")
    # when they end all others from the laptop
    response = laptop.post("/settings/sessions/end-others/", follow=True)
    # then both other devices are signed out, the laptop and the colleague are not
    assert "2 other sessions are ended." in response.content.decode()
    assert [signed_in(other) for other in others] == [False, False]
    assert signed_in(laptop) and signed_in(colleague)


def test_ending_this_session_signs_out(world):
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    key = laptop.session.session_key
    response = laptop.post(f"/settings/sessions/{record_of(laptop).pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not Session.objects.filter(session_key=key).exists()
    assert not signed_in(laptop)


def test_another_persons_session_is_one_404_and_stays_signed_in(world):
    # given a colleague's session, and an id no session has
    mine = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    colleague = device(world, "acme_admin", EDGE_WINDOWS, "198.51.100.9")
    theirs = record_of(colleague).pk
    unknown = SignedInSession.objects.order_by("-pk").first().pk + 1000
    # when the person tries to end either
    foreign = mine.post(f"/settings/sessions/{theirs}/end/")
    missing = mine.post(f"/settings/sessions/{unknown}/end/")
    # then both answer the same 404, and the colleague stays signed in
    assert foreign.status_code == missing.status_code == 404
    nonce = re.compile(rb'nonce="[^"]*"')
    assert nonce.sub(b"", foreign.content) == nonce.sub(b"", missing.content)
    assert signed_in(colleague) and signed_in(mine)


def test_ending_a_session_needs_the_csrf_token_and_a_post(world):
    # given the person on two devices, the laptop's client checking CSRF like a browser
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    laptop.handler.enforce_csrf_checks = True
    phone = device(world, "acme_l1", SAFARI_IPHONE, "203.0.113.8")
    phone_id = record_of(phone).pk
    # when a form without the token, or a GET, tries to end the phone's session
    assert laptop.post(f"/settings/sessions/{phone_id}/end/").status_code == 403
    assert laptop.post("/settings/sessions/end-others/").status_code == 403
    assert laptop.get(f"/settings/sessions/{phone_id}/end/").status_code == 405
    # then the phone is still signed in
    assert signed_in(phone)
    # and the page's own form, token and all, does end it
    page = laptop.get("/settings/sessions/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = laptop.post(f"/settings/sessions/{phone_id}/end/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and not signed_in(phone)


def test_the_list_needs_a_signed_in_person(world, client):
    response = client.get("/settings/sessions/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_sessions_over_their_limits_or_signed_out_are_not_listed(world):
    # given the person on three devices: one idle for over an hour, one signed out
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    idle = device(world, "acme_l1", SAFARI_IPHONE, "203.0.113.8")
    session = idle.session
    session[SEEN_AT] = session[SIGNED_IN_AT] = time.time() - 3601
    session.save()
    gone = device(world, "acme_l1", EDGE_WINDOWS, "203.0.113.9")
    gone_key = gone.session.session_key
    gone.post("/logout/")
    # when they look at their sessions
    listed = rows(laptop.get("/settings/sessions/").content.decode())
    # then only the laptop is listed; the signed-out one left no record behind
    assert list(listed) == [str(record_of(laptop).pk)]
    assert not SignedInSession.objects.filter(session_id=gone_key).exists()


def test_a_password_change_keeps_this_sessions_record_and_ends_the_others_at_once(world):
    # given the person on a laptop and a phone
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    phone = device(world, "acme_l1", SAFARI_IPHONE, "203.0.113.8")
    phone_key = phone.session.session_key
    # when they change their password on the laptop
    new = "a much better passphrase"
    response = laptop.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    # then the phone's session is gone from the store at once, not at its next request
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert not signed_in(phone)
    # and the laptop, under its new key, is still listed with its browser and address
    listed = rows(laptop.get("/settings/sessions/").content.decode())
    assert list(listed) == [str(record_of(laptop).pk)]
    only = next(iter(listed.values()))
    assert "Firefox · Linux" in only and "203.0.113.7" in only and "data-current" in only


def test_the_portal_lists_and_ends_a_customers_sessions_in_their_brand(world):
    # given a customer of Acme on a laptop and a phone
    Organisation.objects.filter(pk=world.acme.pk).update(primary_colour="#7a1f5c")
    laptop = device(world, "acme_customer", FIREFOX_LINUX, "203.0.113.7")
    phone = device(world, "acme_customer", SAFARI_IPHONE, "203.0.113.8")
    # when they open their sessions (the console's address leads to the portal's)
    assert laptop.get("/settings/sessions/")["Location"] == "/portal/sessions/"
    response = laptop.get("/portal/sessions/")
    # then the page wears Acme's brand and lists both devices
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Integrations" in html and "--brand: #7a1f5c" in html
    assert "Tierdesk" not in html
    assert set(rows(html)) == {str(record_of(laptop).pk), str(record_of(phone).pk)}
    # and ending the phone's session signs the phone out
    response = laptop.post(f"/portal/sessions/{record_of(phone).pk}/end/")
    assert response.status_code == 302 and response["Location"] == "/portal/sessions/"
    assert not signed_in(phone, "/portal/")
    assert signed_in(laptop, "/portal/")


def test_the_portal_answers_another_persons_session_with_its_branded_404(world):
    customer = device(world, "acme_customer", FIREFOX_LINUX, "203.0.113.7")
    colleague = device(world, "acme_l1", EDGE_WINDOWS, "198.51.100.9")
    response = customer.post(f"/portal/sessions/{record_of(colleague).pk}/end/")
    assert response.status_code == 404 and "Acme Integrations" in response.content.decode()
    assert signed_in(colleague)


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_LINUX, "Firefox · Linux"),
        (SAFARI_IPHONE, "Safari · iOS"),
        (EDGE_WINDOWS, "Edge · Windows"),
        ("curl/8.5.0", ""),
    ],
)
def test_the_browser_is_named_from_its_user_agent(user_agent, label):
    assert browser_label(user_agent) == label


def test_sessions_signed_in_before_the_records_are_listed_after_the_migration(world):
    # given a session from before sign-ins were recorded (its record missing)
    laptop = device(world, "acme_l1", FIREFOX_LINUX, "203.0.113.7")
    old = device(world, "acme_l1", SAFARI_IPHONE, "203.0.113.8")
    signed_in_at = old.session[SIGNED_IN_AT]
    SignedInSession.objects.filter(session_id=old.session.session_key).delete()
    # when the migration fills the records in
    module = importlib.import_module("tierdesk.accounts.migrations.0007_signed_in_session_backfill")
    module.backfill(apps, None)
    # then it is listed, without browser and address, since its sign-in — and can be ended
    record = record_of(old)
    assert record.user_agent == "" and record.address is None
    assert abs(record.started_at.timestamp() - signed_in_at) < 1
    assert (
        "Unknown browser"
        in rows(laptop.get("/settings/sessions/").content.decode())[str(record.pk)]
    )
    laptop.post(f"/settings/sessions/{record.pk}/end/")
    assert not signed_in(old)
