"""The HTML pages: health, sign-in required, the home list scoped and with a flat query
budget."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import new_ticket, ticket_at
from tierdesk.accounts.models import User

HOME_QUERY_BUDGET = 10  # session, user, membership (+ contracts), the page; room to grow


def numbers_listed(body: bytes) -> set[int]:
    return {int(n) for n in re.findall(rb'href="/tickets/(\d+)/"', body)}


def test_healthz_answers_json_without_a_sign_in(client, db):
    # when a load balancer asks for the health
    response = client.get("/healthz")
    # then it gets 200 with a JSON body, without signing in
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("url", ["/", "/tickets/10001/", "/attachments/1/"])
def test_pages_require_a_sign_in(client, db, url):
    # when nobody is signed in
    response = client.get(url)
    # then the page sends them to sign in, and comes back afterwards
    assert response.status_code == 302
    assert response["Location"] == f"{settings.LOGIN_URL}?next={url}"


def test_home_lists_only_the_tickets_one_may_see(world, client):
    # given tickets of two partners, of two customers, and one escalated to L3
    acme = new_ticket(world, "acme")
    acme_l3 = ticket_at(world, "new@L3", partner="acme")
    globex = new_ticket(world, "globex")
    direct = new_ticket(world, "vendor")
    # (customers never see the console: test_console_door.py)
    expected = {
        "acme_l1": {acme, acme_l3},
        "globex_admin": {globex},
        "vendor_l1": {direct},
        "l3": {acme_l3},
        "l2": {acme, acme_l3, globex, direct},
    }
    for who, tickets in expected.items():
        client.force_login(world.user(who))
        # when each person opens the home page
        response = client.get("/")
        # then it lists exactly the tickets they may see
        assert response.status_code == 200
        assert numbers_listed(response.content) == {t.number for t in tickets}, who
        client.logout()


@pytest.mark.parametrize("who", ["acme_l1", "l2"])
def test_home_query_count_does_not_grow_with_the_tickets(world, client, who):
    # given three tickets
    for _ in range(3):
        new_ticket(world, "acme")
    client.force_login(world.user(who))
    client.get("/")  # warm up: session, content types
    with CaptureQueriesContext(connection) as few:
        response = client.get("/")
    assert len(numbers_listed(response.content)) == 3
    # when nine more arrive
    for _ in range(9):
        new_ticket(world, "acme")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert len(numbers_listed(response.content)) == 12
    # then the page costs the same number of queries, within a small budget
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= HOME_QUERY_BUDGET


def test_a_signed_in_person_without_a_role_is_refused_not_an_error(client, db):
    # given an account with no membership (e.g. made by createsuperuser)
    user = User.objects.create_user("nobody@example.test", "correct horse battery staple")
    client.force_login(user)
    # when they open the pages, then they are refused (403), not met with a server error
    for url in ("/", "/tickets/10001/", "/attachments/1/"):
        assert client.get(url).status_code == 403, url
