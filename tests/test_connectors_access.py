"""Partner connectors: credentials never logged nor shown again, a connector never
reaches another partner's tickets, the console only for the partner's admins and the
vendor's admin, bad settings named."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from tests.connector_fakes import serving, trigger
from tests.connector_world import (
    FIELDS,
    TOKEN,
    allow_loopback,
    drain,
    fake_for,
    field_key,
    make_connector,
    seed,
)
from tierdesk.connectors import services
from tierdesk.connectors.models import (
    ConnectorLink,
)

__all__ = ["allow_loopback"]  # a fixture


def test_credentials_are_never_logged_nor_shown_again(world, client, allow_loopback, caplog):
    caplog.set_level(logging.DEBUG)
    with serving(fake_for("zendesk")) as fake:
        # Given a connector saved through the console
        client.force_login(world.user("acme_admin"))
        answer = client.post(
            "/connectors/",
            {
                "tool": "zendesk",
                "name": "Acme Zendesk",
                "base_url": fake.base_url,
                "username": "agent@acme.example",
                "api_token": TOKEN,
                "agent": world.user("acme_l1").email,
                "field_map": "\n".join(
                    f"{field_key('zendesk', i)} = {n}" for i, n in enumerate(FIELDS)
                ),
                "status_map": "waiting_on_customer = pending\nresolved = solved",
            },
        )
        assert answer.status_code == 201
        connector = world.acme.connectors.get()
        secret = connector.inbound_secret
        # The secret is shown once, in the answer to the save
        assert secret in answer.content.decode()
        assert TOKEN not in answer.content.decode()
        # When the health check runs and a handover goes through
        client.post(f"/connectors/{connector.pk}/health/")
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        page = client.get(f"/connectors/{connector.pk}/").content.decode()
    # Then neither the token nor the secret is on the page, in the log or in the column
    assert ConnectorLink.objects.exists()
    assert TOKEN not in page and secret not in page
    assert "Working" in page and "/api/v2/tickets/4711.json" in page
    assert TOKEN not in caplog.text and secret not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_token, inbound_secret FROM connectors_connector")
        stored = cursor.fetchone()
    assert TOKEN not in stored[0] and secret not in stored[1]
    # and the tool received the credentials only as Basic auth
    assert all("Authorization" in headers for _, _, headers in fake.requests)


def test_a_connector_never_reaches_another_partners_tickets(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        # Given Globex's connector (acting as Globex's L1 agent), and a tool ticket that
        # names Acme's contract
        globex, secret = services.connector_create(
            actor=world.actor("globex_admin"),
            data={
                "tool": "zendesk",
                "name": "Globex",
                "base_url": fake.base_url,
                "username": "agent@acme.example",
                "api_token": TOKEN,
                "agent": world.user("globex_l1").email,
                "field_map": {field_key("zendesk", i): n for i, n in enumerate(FIELDS)},
            },
        )
        external = seed(fake, complete=True)
        trigger(client, globex, secret, external.id)
        drain()
        # Then no ticket is opened: the contract is not Globex's, and the tool is told so
        assert not ConnectorLink.objects.exists()
        assert "The contract belongs to another partner." in external.comments[-1].body
        # And an Acme ticket linked elsewhere cannot be pulled through Globex's connector
        acme, acme_secret = make_connector(world, fake)
        trigger(client, acme, acme_secret, external.id)
        drain()
        assert ConnectorLink.objects.get().connector == acme
        answer = trigger(client, globex, secret, external.id, what="comment")
        assert answer.status_code == 422
        # A wrong secret is a 404, like a missing connector
        assert trigger(client, acme, secret, external.id).status_code == 404
        assert trigger(client, acme, "", external.id).status_code == 404
    # The connector's agent must be the partner's own L1 person
    with pytest.raises(Exception) as refused:
        services.connector_create(
            actor=world.actor("globex_admin"),
            data={
                "tool": "zendesk",
                "name": "x",
                "base_url": "http://127.0.0.1:9",
                "api_token": "t",
                "agent": world.user("acme_l1").email,
            },
        )
    assert refused.value.fields == {"agent": "is not an L1 agent of this partner"}


def test_console_is_for_partner_admins_of_the_partner_and_the_vendor_admin(
    world, client, allow_loopback
):
    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake)
    for key, status in (
        ("acme_admin", 200),
        ("admin", 200),
        ("globex_admin", 404),
        ("acme_l1", 403),
        ("l2", 403),
    ):
        client.force_login(world.user(key))
        assert client.get(f"/connectors/{connector.pk}/").status_code == status, key


def test_bad_settings_are_named_and_nothing_is_saved(world, client):
    client.force_login(world.user("acme_admin"))
    answer = client.post(
        "/connectors/",
        {
            "tool": "zendesk",
            "name": "",
            "base_url": "http://127.0.0.1:9/",
            "api_token": "",
            "agent": world.user("acme_l1").email,
            "field_map": "360001 = not_a_field",
        },
    )
    assert answer.status_code == 422
    body = answer.content.decode()
    for name in ("name", "base_url", "api_token", "field_map"):
        assert f"<li>{name}:" in body
    assert "loopback" in body  # SSRF: the target check refuses 127.0.0.1 by default
    assert not world.acme.connectors.exists()
