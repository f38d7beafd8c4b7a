"""Scoped API tokens: scopes enforced on every operation, expiry, allowed networks,
`/api/v1/tokens` (list, create with the secret once, get, revoke) and who sees whose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from tierdesk.accounts.models import ApiToken
from tierdesk.accounts.services import token_create
from tierdesk.core import clock
from tierdesk.identity.access import required_scope
from tierdesk.identity.models import AuditEntry, AuditKind

pytestmark = pytest.mark.django_db


def bearer(token: str, **extra) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def test_the_scope_of_a_request_follows_its_method_and_resource():
    assert required_scope("GET", "/api/v1/tickets") == "read"
    assert required_scope("HEAD", "/api/v1/tickets/3") == "read"
    assert required_scope("POST", "/api/v1/tickets") == "write"
    assert required_scope("PATCH", "/api/v1/tickets/3") == "write"
    assert required_scope("DELETE", "/api/v1/tickets/3/messages") == "write"
    # administration resources need admin, whatever the method
    assert required_scope("GET", "/api/v1/tokens") == "admin"
    assert required_scope("GET", "/api/v1/webhooks/4/deliveries") == "admin"
    assert required_scope("POST", "/api/v1/people") == "admin"


def test_a_read_token_reads_but_cannot_write(world):
    # given a read-only token of an L1 agent
    _, token = token_create(email=world.user("acme_l1").email, scopes=["read"])
    client = bearer(token)
    # when it reads, it may
    assert client.get("/api/v1/tickets").status_code == 200
    # when it writes, it is refused with 403 insufficient_scope, and nothing is written
    answer = client.post("/api/v1/tickets", {}, content_type="application/json")
    assert answer.status_code == 403
    assert answer.json()["code"] == "insufficient_scope"
    assert "write" in answer.json()["message"]


def test_a_write_token_cannot_read_and_cannot_administer(world):
    _, token = token_create(email=world.user("acme_admin").email, scopes=["write"])
    client = bearer(token)
    assert client.get("/api/v1/tickets").json()["code"] == "insufficient_scope"
    # webhooks are administration: admin scope, even for a partner admin's token
    assert client.get("/api/v1/webhooks").status_code == 403
    answer = client.post(
        "/api/v1/webhooks", {"url": "https://x.example/h"}, content_type="application/json"
    )
    assert answer.status_code == 403 and answer.json()["code"] == "insufficient_scope"
    assert client.get("/api/v1/tokens").status_code == 403


def test_an_admin_token_of_a_partner_admin_reaches_webhooks_and_tokens(world):
    _, token = token_create(email=world.user("acme_admin").email, scopes=["read", "admin"])
    client = bearer(token)
    assert client.get("/api/v1/webhooks").status_code == 200
    assert client.get("/api/v1/tokens").status_code == 200


def test_an_expired_token_is_refused_like_an_unknown_one(world, monkeypatch):
    # given a token that expires in an hour
    _, token = token_create(
        email=world.user("acme_l1").email, expires_at=clock.now() + timedelta(hours=1)
    )
    assert bearer(token).get("/api/v1/me").status_code == 200
    # when the hour has passed
    later = clock.now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr("tierdesk.core.clock.now", lambda: later)
    answer = bearer(token).get("/api/v1/me")
    # then it is refused with 401, like a token that never existed
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthenticated"


def test_an_expiry_in_the_past_is_refused_naming_the_field(world):
    with pytest.raises(Exception) as caught:
        token_create(
            email=world.user("acme_l1").email, expires_at=clock.now() - timedelta(seconds=1)
        )
    assert "expires_at" in caught.value.fields
    assert ApiToken.objects.count() == 0


def test_a_token_bound_to_networks_is_refused_elsewhere(world):
    # given a token usable only from 203.0.113.0/24
    _, token = token_create(email=world.user("acme_l1").email, allowed_networks=["203.0.113.0/24"])
    # when it is used from inside the network, it works and the address is recorded
    assert bearer(token, REMOTE_ADDR="203.0.113.9").get("/api/v1/me").status_code == 200
    assert ApiToken.objects.get().last_used_address == "203.0.113.9"
    # when it is used from elsewhere, it is refused as unauthenticated
    assert bearer(token, REMOTE_ADDR="198.51.100.7").get("/api/v1/me").status_code == 401


def test_creating_a_token_shows_the_secret_once_and_it_works_within_its_scopes(world):
    # given a partner admin's admin token
    _, admin_token = token_create(email=world.user("acme_admin").email)
    client = bearer(admin_token)
    # when they make a read token through the API
    answer = client.post(
        "/api/v1/tokens",
        {"name": "reporting", "scopes": ["read"], "allowed_networks": ["10.0.0.0/8"]},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    secret = body["token"]
    # then the secret is in that answer only, and never stored
    assert secret.startswith("td_") and body["scopes"] == ["read"] and body["active"]
    assert body["allowed_networks"] == ["10.0.0.0/8"]
    assert not ApiToken.objects.filter(digest__contains=secret[-10:]).exists()
    listed = client.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} >= {"reporting"}
    assert all("token" not in t for t in listed)
    assert "token" not in client.get(f"/api/v1/tokens/{body['id']}").json()
    # and the creation is audited without the secret
    entry = AuditEntry.objects.get(kind=AuditKind.TOKEN_CREATED)
    assert entry.subject == world.user("acme_admin") and secret not in str(entry.detail)


def test_revoking_a_token_through_the_api_ends_it(world):
    _, admin_token = token_create(email=world.user("acme_admin").email)
    record, victim = token_create(email=world.user("acme_l1").email)
    client = bearer(admin_token)
    # when the partner admin revokes their agent's token
    answer = client.delete(f"/api/v1/tokens/{record.pk}")
    # then it is revoked, audited, and refused from now on
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert bearer(victim).get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(kind=AuditKind.TOKEN_REVOKED, subject=record.user).exists()


def test_bad_token_input_is_422_naming_the_field_and_writes_nothing(world):
    _, admin_token = token_create(email=world.user("acme_admin").email)
    client = bearer(admin_token)
    before = ApiToken.objects.count()
    late = "2020-01-01T00:00:00+00:00"
    for body, field in (
        ({"name": "x", "scopes": ["everything"]}, "scopes.0"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["read"], "allowed_networks": ["not-a-net"]}, "allowed_networks"),
        ({"name": "x", "scopes": ["read"], "expires_at": late}, "expires_at"),
        ({"name": "x", "scopes": ["read"], "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
    ):
        answer = client.post("/api/v1/tokens", body, content_type="application/json")
        assert answer.status_code == 422, (body, answer.content)
        assert field in answer.json()["fields"], (body, answer.json())
    assert ApiToken.objects.count() == before


def test_an_agent_cannot_give_their_token_the_admin_scope(world):
    _, token = token_create(email=world.user("acme_l1").email, scopes=["read", "write"])
    # an agent's session (no scopes apply to the browser) still may not make admin tokens
    client = Client()
    client.force_login(world.user("acme_l1"))
    answer = client.post(
        "/api/v1/tokens", {"name": "x", "scopes": ["admin"]}, content_type="application/json"
    )
    assert answer.status_code == 422 and "scopes" in answer.json()["fields"]
    # and their own token, without the admin scope, does not reach /tokens at all
    assert bearer(token).get("/api/v1/tokens").status_code == 403


def test_who_sees_whose_tokens(world):
    # given tokens of an Acme agent, a Globex agent and the Acme admin
    acme_l1, _ = token_create(email=world.user("acme_l1").email)
    globex_l1, _ = token_create(email=world.user("globex_l1").email)
    acme_admin, _ = token_create(email=world.user("acme_admin").email)

    def ids(key: str) -> set[int]:
        client = Client()
        client.force_login(world.user(key))
        return {t["id"] for t in client.get("/api/v1/tokens").json()}

    # then the Acme admin sees Acme's tokens only, an agent their own, the vendor admin all
    assert ids("acme_admin") == {acme_l1.pk, acme_admin.pk}
    assert ids("acme_l1") == {acme_l1.pk}
    assert ids("admin") >= {acme_l1.pk, globex_l1.pk, acme_admin.pk}
    # and another organisation's token answers 404, for reading and for revoking
    client = Client()
    client.force_login(world.user("acme_admin"))
    assert client.get(f"/api/v1/tokens/{globex_l1.pk}").status_code == 404
    assert client.delete(f"/api/v1/tokens/{globex_l1.pk}").status_code == 404
    assert ApiToken.objects.get(pk=globex_l1.pk).revoked_at is None


def test_the_console_makes_a_token_shows_it_once_and_revokes_it(world):
    # given a signed-in L1 agent on the tokens page
    client = Client()
    client.force_login(world.user("acme_l1"))
    page = client.get("/settings/tokens/")
    assert page.status_code == 200
    # the admin scope is not offered to an agent
    assert 'value="admin"' not in page.content.decode()
    # when they make a read token
    answer = client.post(
        "/settings/tokens/", {"name": "reports", "scopes": ["read"], "allowed_networks": ""}
    )
    # then the secret is on that page, and works within its scope
    record = ApiToken.objects.get(name="reports")
    secret = answer.content.decode().split('id="new-token">')[1].split("<")[0]
    assert secret.startswith(f"td_{record.prefix}_")
    assert bearer(secret).get("/api/v1/me").status_code == 200
    # and it is never shown again
    assert secret not in client.get("/settings/tokens/").content.decode()
    # when they revoke it in the console, it is refused
    client.post(f"/settings/tokens/{record.pk}/revoke/")
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_the_console_refuses_bad_input_naming_the_field(world):
    client = Client()
    client.force_login(world.user("acme_l1"))
    answer = client.post(
        "/settings/tokens/", {"name": "x", "scopes": ["read"], "allowed_networks": "nonsense"}
    )
    assert answer.status_code == 422
    assert "nonsense" in answer.content.decode()
    assert ApiToken.objects.count() == 0


def test_the_console_cannot_revoke_another_organisations_token(world):
    record, token = token_create(email=world.user("globex_l1").email)
    client = Client()
    client.force_login(world.user("acme_admin"))
    assert client.post(f"/settings/tokens/{record.pk}/revoke/").status_code == 404
    assert bearer(token).get("/api/v1/me").status_code == 200
