"""The webhook endpoints through the real URL stack: who may, status codes, shapes, and
that the secret is shown once."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import new_ticket
from tierdesk.accounts.services import token_create
from tierdesk.notify import services
from tierdesk.notify.models import Delivery, OutboxEvent, Webhook, WebhookEvent

API = "/api/v1"
PUBLIC_URL = "https://93.184.215.14/hooks/tierdesk"


def client_for(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client: Client, path: str, body=None):
    if body is None:
        return client.post(API + path)
    return client.post(API + path, json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def _public_only(settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False


def test_a_partner_admin_creates_a_hook_and_sees_the_secret_once(world):
    acme = client_for(world, "acme_admin")
    # when the partner admin adds a hook
    created = post(acme, "/webhooks", {"url": PUBLIC_URL, "description": "Our helpdesk"})
    # then 201 with the secret, all events by default
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["secret_prefix"] == body["secret"][:12]
    assert body["events"] == list(WebhookEvent.values)
    assert (body["url"], body["description"], body["active"]) == (PUBLIC_URL, "Our helpdesk", True)
    assert body["created_by"] == "acme_admin@example.test"
    # and never again
    listed = acme.get(f"{API}/webhooks")
    one = acme.get(f"{API}/webhooks/{body['id']}")
    for answer in (listed, one):
        assert answer.status_code == 200 and body["secret"] not in answer.content.decode()
    assert [h["id"] for h in listed.json()] == [body["id"]]
    assert "secret" not in listed.json()[0]


def test_the_vendor_admin_creates_hooks_for_all_tickets(world):
    answer = post(
        client_for(world, "admin"), "/webhooks", {"url": PUBLIC_URL, "events": ["ticket.escalated"]}
    )
    assert answer.status_code == 201 and answer.json()["events"] == ["ticket.escalated"]
    assert Webhook.objects.get().organisation == world.vendor


@pytest.mark.parametrize(
    "key", ["acme_l1", "acme_customer", "l2", "lead", "l3", "vendor_l1", "direct_customer"]
)
def test_other_roles_are_refused_with_403(world, key):
    client = client_for(world, key)
    assert client.get(f"{API}/webhooks").status_code == 403
    refused = post(client, "/webhooks", {"url": PUBLIC_URL})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert Webhook.objects.count() == 0


def test_no_token_is_401(world):
    assert Client().get(f"{API}/webhooks").status_code == 401
    assert (
        Client().post(f"{API}/webhooks", "{}", content_type="application/json").status_code == 401
    )


def test_another_organisations_hook_is_404_like_a_missing_one(world):
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    globex = client_for(world, "globex_admin")
    vendor = client_for(world, "admin")
    for client in (globex, vendor):
        theirs = client.get(f"{API}/webhooks/{hook.pk}/deliveries")
        missing = client.get(f"{API}/webhooks/999999/deliveries")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
        assert client.delete(f"{API}/webhooks/{hook.pk}").status_code == 404
        assert client.get(f"{API}/webhooks").json() == []
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_delete_is_204_and_takes_the_deliveries(world):
    acme = client_for(world, "acme_admin")
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    new_ticket(world)
    services.outbox_fan_out(outbox_id=OutboxEvent.objects.get().pk)
    assert Delivery.objects.filter(webhook=hook).count() == 1
    answer = acme.delete(f"{API}/webhooks/{hook.pk}")
    assert answer.status_code == 204 and answer.content == b""
    assert not Webhook.objects.exists() and not Delivery.objects.exists()
    assert acme.delete(f"{API}/webhooks/{hook.pk}").status_code == 404


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://10.0.0.1/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("ftp://93.184.215.14/hook", "http or https"),
    ],
)
def test_refused_targets_are_422_naming_the_url(world, url, reason):
    answer = post(client_for(world, "acme_admin"), "/webhooks", {"url": url})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid" and reason in answer.json()["fields"]["url"]
    assert Webhook.objects.count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": PUBLIC_URL, "events": ["ticket.deleted"]}, "events.0"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "secret": "mine"}, "secret"),
        ({"url": PUBLIC_URL, "description": "x" * 201}, "description"),
        ({}, "url"),
        ({"url": PUBLIC_URL + "\u0000"}, "url"),
        ({"url": PUBLIC_URL, "description": "a\ud800b"}, "description"),
        ({"url": PUBLIC_URL, "description": "a\u0000b"}, "description"),
    ],
)
def test_invalid_fields_are_422(world, body, field):
    answer = post(client_for(world, "acme_admin"), "/webhooks", body)
    assert answer.status_code == 422 and field in answer.json()["fields"]
    assert Webhook.objects.count() == 0


def test_malformed_json_is_400_and_wrong_content_type_415(world):
    acme = client_for(world, "acme_admin")
    bad = acme.post(f"{API}/webhooks", "{nope", content_type="application/json")
    assert bad.status_code == 400
    wrong = acme.post(f"{API}/webhooks", "url=x", content_type="application/x-www-form-urlencoded")
    assert wrong.status_code == 415
    assert Webhook.objects.count() == 0


def test_too_many_hooks_is_409(world, monkeypatch):
    monkeypatch.setattr(services, "MAX_WEBHOOKS_PER_ORGANISATION", 1)
    acme = client_for(world, "acme_admin")
    assert post(acme, "/webhooks", {"url": PUBLIC_URL}).status_code == 201
    answer = post(acme, "/webhooks", {"url": PUBLIC_URL})
    assert answer.status_code == 409 and answer.json()["code"] == "too_many_webhooks"


def test_deliveries_list_pages_and_filters(world, django_assert_max_num_queries):
    acme = client_for(world, "acme_admin")
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    for _ in range(3):
        new_ticket(world)
    for row in OutboxEvent.objects.all():
        services.outbox_fan_out(outbox_id=row.pk)
    with django_assert_max_num_queries(6):
        first = acme.get(f"{API}/webhooks/{hook.pk}/deliveries?limit=2").json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = acme.get(f"{API}/webhooks/{hook.pk}/deliveries?limit=2&cursor={first['next_cursor']}")
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
    item = first["items"][0]
    assert (item["event"], item["status"], item["attempts"]) == ("ticket.created", "pending", 0)
    assert acme.get(f"{API}/webhooks/{hook.pk}/deliveries?status=failed").json()["items"] == []
    assert acme.get(f"{API}/webhooks/{hook.pk}/deliveries?limit=500").status_code == 422
    assert acme.get(f"{API}/webhooks/{hook.pk}/deliveries?cursor=@@").status_code == 422


def test_redeliver_is_202_and_404_for_unknown_or_foreign_deliveries(world):
    acme = client_for(world, "acme_admin")
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    vendor_hook, _ = services.webhook_create(actor=world.actor("admin"), url=PUBLIC_URL)
    new_ticket(world)
    services.outbox_fan_out(outbox_id=OutboxEvent.objects.get().pk)
    ours = Delivery.objects.get(webhook=hook)
    vendors = Delivery.objects.get(webhook=vendor_hook)
    path = f"/webhooks/{hook.pk}/deliveries"
    answer = post(acme, f"{path}/{ours.delivery_id}/redeliver")
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert post(acme, f"{path}/{vendors.delivery_id}/redeliver").status_code == 404
    assert post(acme, f"{path}/not-a-uuid/redeliver").status_code == 404
    assert (
        post(
            acme, f"/webhooks/{vendor_hook.pk}/deliveries/{vendors.delivery_id}/redeliver"
        ).status_code
        == 404
    )
    assert (
        post(client_for(world, "acme_l1"), f"{path}/{ours.delivery_id}/redeliver").status_code
        == 403
    )


def test_the_openapi_document_lists_the_webhook_routes(world):
    schema = Client().get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks"])
    assert "delete" in paths["/api/v1/webhooks/{webhook_id}"]
    assert "get" in paths["/api/v1/webhooks/{webhook_id}/deliveries"]
    redeliver = paths["/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"]["post"]
    assert "202" in redeliver["responses"] and redeliver["tags"] == ["webhooks"]


def test_redelivering_an_attempt_in_flight_is_409_with_retry_after(world):
    from datetime import timedelta

    from tierdesk.core import clock

    # given a delivery whose attempt is running (locked for another 30 seconds)
    acme = client_for(world, "acme_admin")
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    new_ticket(world)
    services.outbox_fan_out(outbox_id=OutboxEvent.objects.get().pk)
    delivery = Delivery.objects.get(webhook=hook)
    Delivery.objects.filter(pk=delivery.pk).update(locked_until=clock.now() + timedelta(seconds=30))
    # when the admin asks to redeliver it
    path = f"/webhooks/{hook.pk}/deliveries/{delivery.delivery_id}/redeliver"
    answer = post(acme, path)
    # then it is a conflict that says when to try again
    assert answer.status_code == 409 and answer.json()["code"] == "in_flight"
    assert 1 <= int(answer["Retry-After"]) <= 31
