"""No staff page answers a customer: every URL of the product outside the customer's own
surfaces (the portal, sign-in and their settings, the API with its own rules, links sent
by mail) either sends a signed-in customer away or refuses them — never a 200 with staff
content. The test walks the whole URL configuration, so a page added by a new app without
its door fails here."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ticket_at

# The customer's own surfaces, and URLs with their own authentication.
CUSTOMER_OR_OWN_AUTH = re.compile(
    r"^/(portal/|api/|admin/|static/|login/|logout/|password-reset/|settings/|rate/"
    r"|invitation/|sender/|healthz|readyz|metrics|chat/widget/|favicon)"
)
ALLOWED = {301, 302, 303, 403, 404, 405}


def all_routes() -> list[str]:
    """Every URL pattern as a path with sample values for its parameters."""
    routes: list[str] = []

    def walk(patterns, prefix: str = "") -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                routes.append(route)

    walk(get_resolver().url_patterns)
    paths = []
    for route in routes:
        if route.startswith("^"):  # a regex route (the admin's, static): not a page of ours
            continue
        path = re.sub(r"<int:\w+>", "1", route)
        path = re.sub(r"<(?:slug|str|path):\w+>|<\w+>", "x", path)
        paths.append("/" + path)
    return sorted(set(paths))


@pytest.mark.django_db
def test_a_customer_gets_no_staff_page_anywhere(world):
    # given a signed-in customer with a ticket of their own
    ticket_at(world, "in_progress@L1")
    client = Client()
    client.force_login(world.user("acme_customer"))
    staff_pages = [p for p in all_routes() if not CUSTOMER_OR_OWN_AUTH.match(p)]
    assert "/tickets/1/" in staff_pages and "/problems/" in staff_pages  # the walk works
    # when they open every other page of the product
    answers = {path: client.get(path) for path in staff_pages}
    # then none answers with a page: each sends them away or refuses
    shown = {path: r.status_code for path, r in answers.items() if r.status_code not in ALLOWED}
    assert shown == {}
    # and where they are sent, it is their portal or the sign-in
    away = {
        path: r["Location"]
        for path, r in answers.items()
        if r.status_code in (301, 302, 303)
        and not r["Location"].startswith(("/portal", "/login", "/settings/second-factor"))
    }
    assert away == {}
