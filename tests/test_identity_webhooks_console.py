"""Webhooks in the console: a partner admin (and the vendor's admin) lists, adds, edits,
pauses, resumes, re-keys and deletes their organisation's hooks and redelivers a failed
delivery; the matrix: only their own organisation's hooks, through the console and the
API; agents and customers are refused."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import new_ticket
from tierdesk.accounts.services import token_create
from tierdesk.notify import services
from tierdesk.notify.models import Delivery, DeliveryStatus, OutboxEvent, Webhook, WebhookEvent

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.215.14/hooks/tierdesk"
OTHER_URL = "https://93.184.215.15/events"
PAGE = "/settings/administration/webhooks/"


@pytest.fixture(autouse=True)
def _public_only(settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False


def console(world, key: str) -> Client:
    client = Client()
    client.force_login(world.user(key))
    return client


def api(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def fan_out() -> None:
    for row in OutboxEvent.objects.filter(fanned_out_at__isnull=True):
        services.outbox_fan_out(outbox_id=row.pk)


def failed_delivery(world, hook: Webhook, partner: str = "acme") -> Delivery:
    """A delivery of `hook` that ran out of attempts."""
    new_ticket(world, partner=partner)
    fan_out()
    delivery = Delivery.objects.filter(webhook=hook).first()
    assert delivery is not None
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        last_status_code=503,
        last_error="HTTP 503",
        attempts=8,
    )
    delivery.refresh_from_db()
    return delivery


def test_a_partner_admin_adds_a_hook_and_sees_the_secret_once(world):
    web = console(world, "acme_admin")
    # when they add a hook for two events
    answer = web.post(
        PAGE,
        {
            "url": PUBLIC_URL,
            "description": "Our helpdesk",
            "events": ["ticket.created", "ticket.resolved"],
        },
    )
    # then the answer page shows its secret, the hook belongs to Acme
    assert answer.status_code == 200
    hook = Webhook.objects.get()
    assert hook.organisation == world.acme
    assert hook.events == ["ticket.created", "ticket.resolved"]
    page = answer.content.decode()
    assert hook.secret in page and 'id="new-secret"' in page
    # and the list never shows it again, only its prefix
    listed = web.get(PAGE).content.decode()
    assert hook.secret not in listed and hook.secret_prefix in listed and PUBLIC_URL in listed


def test_no_event_chosen_means_every_event_and_a_bad_url_is_a_clear_error(world):
    web = console(world, "acme_admin")
    web.post(PAGE, {"url": PUBLIC_URL})
    assert Webhook.objects.get().events == list(WebhookEvent.values)
    # a private address is refused with the reason beside the field
    refused = web.post(PAGE, {"url": "http://127.0.0.1/x"})
    assert refused.status_code == 422
    assert Webhook.objects.count() == 1
    assert b"field-error" in refused.content or b"errorlist" in refused.content


def test_edit_pause_resume_rotate_and_delete(world):
    hook, secret = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    web = console(world, "acme_admin")
    url = f"{PAGE}{hook.pk}/"
    # edit
    saved = web.post(
        url, {"action": "save", "url": OTHER_URL, "description": "New", "events": ["sla.breached"]}
    )
    assert saved.status_code == 302
    hook.refresh_from_db()
    assert (hook.url, hook.description, hook.events) == (OTHER_URL, "New", ["sla.breached"])
    # pause: nothing new is delivered to it
    web.post(url, {"action": "pause"})
    hook.refresh_from_db()
    assert hook.active is False
    new_ticket(world)
    fan_out()
    assert not Delivery.objects.filter(webhook=hook).exists()
    assert b"paused" in web.get(PAGE).content
    # resume
    web.post(url, {"action": "resume"})
    hook.refresh_from_db()
    assert hook.active is True
    # rotate: the new secret shows once and replaces the old one
    rotated = web.post(url, {"action": "rotate"})
    hook.refresh_from_db()
    assert hook.secret != secret and hook.secret in rotated.content.decode()
    assert hook.secret_prefix == hook.secret[:12]
    assert hook.secret not in web.get(url).content.decode()
    # delete
    assert web.post(url, {"action": "delete"}).status_code == 302
    assert not Webhook.objects.filter(pk=hook.pk).exists()


def test_the_list_shows_the_last_delivery_and_a_failed_one_is_redelivered(world):
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    delivery = failed_delivery(world, hook)
    web = console(world, "acme_admin")
    listed = web.get(PAGE).content.decode()
    assert "failed" in listed and "(503)" in listed
    detail = web.get(f"{PAGE}{hook.pk}/").content.decode()
    assert str(delivery.delivery_id) in detail and "HTTP 503" in detail
    # when they deliver it again
    again = web.post(f"{PAGE}{hook.pk}/deliveries/{delivery.delivery_id}/redeliver/")
    # then it is pending again with the same delivery id
    assert again.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.round_attempts == 0


def test_the_list_costs_the_same_queries_for_one_hook_or_many(world):
    actor = world.actor("acme_admin")
    services.webhook_create(actor=actor, url=PUBLIC_URL)
    web = console(world, "acme_admin")
    web.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        web.get(PAGE)
    for n in range(4):
        services.webhook_create(actor=actor, url=f"{PUBLIC_URL}/{n}")
    new_ticket(world)
    fan_out()
    with CaptureQueriesContext(connection) as five:
        assert web.get(PAGE).status_code == 200
    assert len(five) == len(one)


def test_the_vendor_admin_manages_the_vendors_hooks(world):
    web = console(world, "admin")
    web.post(PAGE, {"url": PUBLIC_URL})
    assert Webhook.objects.get().organisation == world.vendor


@pytest.mark.parametrize("key", ["acme_l1", "acme_customer", "l2", "lead", "vendor_l1"])
def test_agents_and_customers_are_refused(world, key):
    hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    web = console(world, key)
    assert web.get(PAGE).status_code == 403
    assert web.post(PAGE, {"url": OTHER_URL}).status_code == 403
    assert web.get(f"{PAGE}{hook.pk}/").status_code == 403
    assert web.post(f"{PAGE}{hook.pk}/", {"action": "delete"}).status_code == 403
    assert api(world, key).get("/api/v1/webhooks").status_code == 403
    assert list(Webhook.objects.values_list("pk", flat=True)) == [hook.pk]


def test_matrix_a_partner_admin_administers_only_their_own_hooks(world):
    """Every console and API surface of a hook: Globex's answers 404 like a missing one
    and stays as it was; Acme's own is allowed."""
    own, _ = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    other, other_secret = services.webhook_create(actor=world.actor("globex_admin"), url=PUBLIC_URL)
    own_delivery = failed_delivery(world, own)
    other_delivery = failed_delivery(world, other, partner="globex")
    web, rest = console(world, "acme_admin"), api(world, "acme_admin")

    def surfaces(hook: Webhook, delivery: Delivery) -> dict:
        page = f"{PAGE}{hook.pk}/"
        return {
            "console: page": lambda: web.get(page),
            "console: edit": lambda: web.post(page, {"action": "save", "url": OTHER_URL}),
            "console: pause": lambda: web.post(page, {"action": "pause"}),
            "console: resume": lambda: web.post(page, {"action": "resume"}),
            "console: rotate": lambda: web.post(page, {"action": "rotate"}),
            "console: redeliver": lambda: web.post(
                f"{page}deliveries/{delivery.delivery_id}/redeliver/"
            ),
            "api: webhook_get": lambda: rest.get(f"/api/v1/webhooks/{hook.pk}"),
            "api: webhook_update": lambda: rest.patch(
                f"/api/v1/webhooks/{hook.pk}",
                json.dumps({"active": False, "url": OTHER_URL}),
                content_type="application/json",
            ),
            "api: webhook_resume": lambda: rest.patch(
                f"/api/v1/webhooks/{hook.pk}",
                json.dumps({"active": True}),
                content_type="application/json",
            ),
            "api: webhook_rotate_secret": lambda: rest.post(
                f"/api/v1/webhooks/{hook.pk}/rotate-secret"
            ),
            "api: delivery_list": lambda: rest.get(f"/api/v1/webhooks/{hook.pk}/deliveries"),
            "api: delivery_redeliver": lambda: rest.post(
                f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.delivery_id}/redeliver"
            ),
            "console: delete": lambda: web.post(page, {"action": "delete"}),
        }

    for name, call in surfaces(other, other_delivery).items():
        assert call().status_code == 404, name
    for name, call in surfaces(own, own_delivery).items():
        assert call().status_code in (200, 202, 302), name
    # Globex's hook is untouched; Acme's is gone (deleted last)
    other.refresh_from_db()
    assert (other.url, other.active, other.secret) == (PUBLIC_URL, True, other_secret)
    assert Delivery.objects.get(pk=other_delivery.pk).status == DeliveryStatus.FAILED
    assert not Webhook.objects.filter(pk=own.pk).exists()
    # and Acme's list shows Acme's hooks only
    assert OTHER_URL not in web.get(PAGE).content.decode()
    assert rest.get("/api/v1/webhooks").json() == []


def test_the_api_pauses_edits_and_rotates_like_the_console(world):
    hook, secret = services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    rest = api(world, "acme_admin")
    url = f"/api/v1/webhooks/{hook.pk}"
    paused = rest.patch(
        url,
        json.dumps({"active": False, "events": ["sla.breached"]}),
        content_type="application/json",
    )
    assert paused.status_code == 200
    assert (paused.json()["active"], paused.json()["events"]) == (False, ["sla.breached"])
    assert paused.json()["url"] == PUBLIC_URL  # what is left out stays
    refused = rest.patch(
        url, json.dumps({"url": "http://10.0.0.1/x"}), content_type="application/json"
    )
    assert refused.status_code == 422 and "url" in refused.json()["fields"]
    kept = rest.patch(
        url, json.dumps({"url": None, "active": None}), content_type="application/json"
    )
    assert kept.status_code == 200 and kept.json()["url"] == PUBLIC_URL
    assert (
        rest.patch(url, json.dumps({"colour": "red"}), content_type="application/json").status_code
        == 422
    )
    rotated = rest.post(f"{url}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != secret and new.startswith("whsec_")
    hook.refresh_from_db()
    assert hook.secret == new and "secret" not in rest.get(url).json()


def test_the_pages_speak_german_to_a_german_admin(world):
    user = world.user("acme_admin")
    user.language = "de"
    user.save(update_fields=["language"])
    services.webhook_create(actor=world.actor("acme_admin"), url=PUBLIC_URL)
    page = console(world, "acme_admin").get(PAGE).content.decode()
    assert "Neuer Webhook" in page and "Letzte Zustellung" in page and "Empfänger-URL" in page
    assert "Ticket an L2 übergeben" in page  # the events' labels too
