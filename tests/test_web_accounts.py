"""Signing in and out, password reset by mail, the person's time zone and language, and
the error pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.template.loader import render_to_string

from tests.factories import new_ticket

PASSWORD = "correct horse battery staple"


def test_sign_in_and_out(world, client):
    # when the agent signs in with email and password
    page = client.get("/login/?next=/queues/l1_new/")
    assert page.status_code == 200 and b'type="email"' in page.content
    response = client.post(
        "/login/",
        {"username": "acme_l1@example.test", "password": PASSWORD, "next": "/queues/l1_new/"},
    )
    # then they land where they were going
    assert response.status_code == 302 and response["Location"] == "/queues/l1_new/"
    assert client.get("/").status_code == 200
    # and signing out (a POST) ends the session
    assert client.get("/logout/").status_code == 200  # asks first, signs nobody out
    assert client.get("/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_on_the_form(world, client):
    response = client.post("/login/", {"username": "acme_l1@example.test", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert client.get("/").status_code == 302


def test_password_reset_by_mail(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # when a person asks for a reset
    response = client.post("/password-reset/", {"email": "acme_l1@example.test"})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    # then one mail with a one-time link is sent
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["acme_l1@example.test"]
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", message.body).group(1)
    # when they follow it and choose a new password
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a much better passphrase", "new_password2": "a much better passphrase"},
    )
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    # then the new password signs them in
    assert client.login(username="acme_l1@example.test", password="a much better passphrase")
    # and an unknown address gets the same answer and no mail
    mail.outbox.clear()
    client.logout()
    response = client.post("/password-reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302 and mail.outbox == []


def test_time_zone_and_language_are_the_persons_own(world, client):
    user = world.user("acme_l1")
    client.force_login(user)
    page = client.get("/settings/")
    assert page.status_code == 200
    response = client.post("/settings/", {"time_zone": "Europe/Kyiv", "language": "de"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.time_zone, user.language) == ("Europe/Kyiv", "de")
    # a time zone that does not exist is refused beside the field
    response = client.post("/settings/", {"time_zone": "Mars/Olympus", "language": "de"})
    assert response.status_code == 422
    assert b'id="id_time_zone_error"' in response.content


def test_a_page_in_german(world, client):
    ticket = new_ticket(world)
    user = world.user("acme_l1")
    user.language = "de"
    user.save()
    client.force_login(user)
    queue = client.get("/queues/l1_new/")
    assert queue["Content-Language"] == "de"
    assert b'<html lang="de"' in queue.content
    assert b"Alles, was ich sehen kann" in queue.content
    assert b"Neues Ticket" in queue.content
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Was Sie jetzt tun können" in page
    assert "Übernehmen" in page
    assert "Gespräch" in page
    form = client.get("/tickets/new/").content.decode()
    assert "Übergabe-Checkliste" in form
    assert "Wann es passiert ist" in form


def test_error_pages_wear_the_product_style(world, client, settings):
    settings.DEBUG = False
    client.force_login(world.user("acme_l1"))
    missing = client.get("/tickets/999999/")
    assert missing.status_code == 404
    assert b"tierdesk.css" in missing.content and b"Not found" in missing.content
    assert b"csrfmiddlewaretoken" not in missing.content  # the same bytes for every 404
    client.force_login(world.user("l2"))
    denied = client.get("/tickets/new/")
    assert denied.status_code == 403
    assert b"tierdesk.css" in denied.content and b"Not allowed" in denied.content
    html = render_to_string("500.html")
    assert "tierdesk.css" in html and "Something went wrong" in html


@pytest.mark.parametrize("url", ["/", "/queues/all/", "/tickets/new/", "/settings/"])
def test_signed_out_visitors_are_sent_to_sign_in(db, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_without_a_page_to_return_to_customers_land_in_their_portal_and_staff_in_the_console(
    world, client
):
    response = client.post("/login/", {"username": "acme_l1@example.test", "password": PASSWORD})
    assert response["Location"] == "/"
    client.logout()
    response = client.post(
        "/login/", {"username": "acme_customer@example.test", "password": PASSWORD}
    )
    assert response["Location"] == "/portal/"
