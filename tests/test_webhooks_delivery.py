"""Deliveries to a real HTTP server on 127.0.0.1 that refuses the first attempts: every
event arrives once it recovers, with one delivery id across retries and a signature the
receiver verifies; a receiver down past the last attempt leaves a failed, redeliverable
delivery; redirects are failures; DNS is checked again at delivery time; and no attempt
is sent twice."""

from __future__ import annotations

import json
import shutil
import ssl
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from tests.factories import build_world, new_ticket, ticket_at
from tests.test_webhooks_support import (
    IMMEDIATE,
    drive,
    running_receiver,
    self_signed,
    signature_ok,
)
from tierdesk.accounts.services import token_create
from tierdesk.core.clock import travel_to
from tierdesk.notify import services, webhooks
from tierdesk.notify.models import Delivery, DeliveryStatus, OutboxEvent
from tierdesk.notify.tasks import sweep_outbox
from tierdesk.notify.webhooks import MAX_ATTEMPTS
from tierdesk.tickets import services as tickets

# Near the real time: ticket fields are checked against the clock (occurred_at in the past,
# needed_by in the future, both set from the real time by the factories).
T0 = timezone.now().replace(microsecond=0) + timedelta(minutes=5)


@pytest.fixture
def receiver():
    with running_receiver() as running:
        yield running


@pytest.fixture
def loopback(settings):
    """Tests deliver to 127.0.0.1, with the immediate task backend."""
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True
    settings.TASKS = IMMEDIATE


def hook_for(world, key: str, url: str, **kwargs):
    with travel_to(T0 - timedelta(minutes=1)):
        return services.webhook_create(actor=world.actor(key), url=url, **kwargs)


def test_every_event_arrives_after_the_receiver_recovers(
    world, receiver, loopback, django_capture_on_commit_callbacks
):
    # given Acme's hook and a receiver that refuses the first five requests
    hook, secret = hook_for(world, "acme_admin", receiver.url)
    receiver.refuse = 5
    # when a ticket lives through several announced moves (each commit runs its tasks)
    with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(world)
        tid = ticket.pk
        tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=tid)
        tickets.message_add(actor=world.actor("acme_l1"), ticket_id=tid, body="On it.")
        tickets.message_add(
            actor=world.actor("acme_l1"), ticket_id=tid, body="INTERNAL-ONLY", internal=True
        )
        tickets.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=tid)
    # then the first attempts were refused and are pending
    assert len(receiver.requests) == 3 and not receiver.accepted
    # and when time passes and the sweep runs, every event arrives
    drive(T0, django_capture_on_commit_callbacks, step=timedelta(minutes=10))
    deliveries = list(Delivery.objects.filter(webhook=hook).select_related("outbox"))
    assert {d.status for d in deliveries} == {DeliveryStatus.SUCCEEDED}
    assert sorted(r.json["event"] for r in receiver.accepted) == sorted(
        ["ticket.created", "message.created", "ticket.handed_over"]
    )
    # with one delivery id per event across all its attempts, in the body and the header
    by_id: dict[str, list] = {}
    for request in receiver.requests:
        assert request.headers["x-tierdesk-delivery"] == request.json["id"]
        by_id.setdefault(request.json["id"], []).append(request)
    assert set(by_id) == {str(d.delivery_id) for d in deliveries}
    retried = [d for d in deliveries if d.attempts > 1]
    assert retried and all(len(by_id[str(d.delivery_id)]) == d.attempts for d in deliveries)
    # every request is signed with the hook's secret and says what it carries
    for request in receiver.requests:
        assert signature_ok(secret, request.headers["x-tierdesk-signature"], request.body)
        assert request.headers["x-tierdesk-event"] == request.json["event"]
        assert request.headers["user-agent"] == "Tierdesk-Webhooks/1"
        assert request.headers["content-type"] == "application/json"
        assert request.path == "/hooks/tierdesk?source=test"
        assert set(request.json) == {"id", "event", "occurred_at", "data"}
    # the same bytes on every attempt (the signature's timestamp is what changes)
    for attempts in by_id.values():
        assert len({r.body for r in attempts}) == 1
    # and the internal note never left
    assert all(b"INTERNAL-ONLY" not in r.body for r in receiver.requests)


def test_a_receiver_down_past_the_last_attempt_fails_visibly_and_can_be_redelivered(
    world, receiver, loopback, django_capture_on_commit_callbacks
):
    # given a hook whose receiver is down for days
    hook, secret = hook_for(world, "acme_admin", receiver.url)
    receiver.down = True
    with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
        new_ticket(world)
    # when every retry is used up
    stopped = drive(T0, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(webhook=hook)
    # then the delivery failed after the whole schedule, at least a day later
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS == len(receiver.requests)
    assert delivery.last_attempt_at - T0 >= timedelta(hours=24)
    assert (delivery.last_status_code, delivery.last_error) == (503, "HTTP 503")
    # and the API shows it failed
    _, token = token_create(email=world.user("acme_admin").email)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = api.get(f"/api/v1/webhooks/{hook.pk}/deliveries?status=failed").json()["items"]
    assert [(d["id"], d["status"], d["attempts"]) for d in listed] == [
        (str(delivery.delivery_id), "failed", MAX_ATTEMPTS)
    ]
    assert secret not in json.dumps(listed)
    # when the receiver is back and an admin redelivers through the API
    receiver.down = False
    with travel_to(stopped + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.delivery_id}/redeliver")
    # then it arrives, with the same delivery id, and shows as succeeded
    assert answer.status_code == 202 and answer.json()["id"] == str(delivery.delivery_id)
    assert [r.json["id"] for r in receiver.accepted] == [str(delivery.delivery_id)]
    assert signature_ok(
        secret, receiver.accepted[0].headers["x-tierdesk-signature"], receiver.accepted[0].body
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == MAX_ATTEMPTS + 1


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    world, receiver, loopback, django_capture_on_commit_callbacks
):
    hook, _ = hook_for(world, "admin", receiver.url)
    receiver.answer = 302
    with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
        new_ticket(world)
    delivery = Delivery.objects.get(webhook=hook)
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at > T0
    assert (delivery.last_status_code, delivery.last_error) == (302, "redirect (302) not followed")
    assert [r.path for r in receiver.requests] == ["/hooks/tierdesk?source=test"]


def test_a_lost_enqueue_is_recovered_by_the_sweep(
    world, receiver, loopback, django_capture_on_commit_callbacks
):
    # given a committed ticket whose fan-out task was never queued (the process died)
    hook, _ = hook_for(world, "acme_admin", receiver.url)
    with travel_to(T0):
        ticket = new_ticket(world)  # outside the capture: its on-commit work is lost
    assert OutboxEvent.objects.get(ticket=ticket).fanned_out_at is None
    # when the sweep runs
    with travel_to(T0 + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        counts = sweep_outbox()
    # then the event is fanned out and delivered
    assert counts["fanned_out"] == 1
    assert [r.json["event"] for r in receiver.accepted] == ["ticket.created"]
    assert Delivery.objects.get(webhook=hook).status == DeliveryStatus.SUCCEEDED


def test_dns_is_checked_again_at_delivery_time(
    world, receiver, loopback, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # given a hook on a public name
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    answers = {"hooks.partner.test": "93.184.215.14"}
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [answers[host]])
    hook, _ = hook_for(world, "acme_admin", f"http://hooks.partner.test:{receiver.port}/x")
    # when the name later resolves to a private address
    answers["hooks.partner.test"] = "10.9.8.7"
    with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
        new_ticket(world)
    # then the attempt is refused before any connection, and stays pending for a retry
    delivery = Delivery.objects.get(webhook=hook)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("target refused: host hooks.partner.test resolves")
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address(
    world, receiver, loopback, monkeypatch, django_capture_on_commit_callbacks
):
    # a name only the check knows: the connection must use the vetted address, not DNS
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    hook, _ = hook_for(world, "acme_admin", f"http://receiver.invalid:{receiver.port}/p")
    with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
        new_ticket(world)
    assert Delivery.objects.get(webhook=hook).status == DeliveryStatus.SUCCEEDED
    assert receiver.accepted[0].headers["host"] == f"receiver.invalid:{receiver.port}"


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_https_checks_the_certificate_against_the_name_not_the_address(
    world, loopback, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    # given an HTTPS receiver for receiver.test, reached at the vetted 127.0.0.1
    cert, key = self_signed(tmp_path, "receiver.test")
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    with running_receiver(tls=(cert, key)) as receiver:
        url = f"https://receiver.test:{receiver.port}/hook"
        hook, secret = hook_for(world, "acme_admin", url)
        # when the certificate is not trusted, the attempt fails on verification
        with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
            new_ticket(world)
        delivery = Delivery.objects.get(webhook=hook)
        assert delivery.status == DeliveryStatus.PENDING and "CERTIFICATE" in delivery.last_error
        assert receiver.requests == []
        # when it is trusted (a CA the host knows), the name matches and it arrives
        trusting = ssl.create_default_context(cafile=str(cert))
        monkeypatch.setattr(webhooks.ssl, "create_default_context", lambda: trusting)
        drive(T0, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert signature_ok(
        secret, receiver.accepted[0].headers["x-tierdesk-signature"], receiver.accepted[0].body
    )


def test_an_attempt_in_flight_is_not_sent_again(world, receiver, loopback):
    # given a due delivery that one worker has claimed
    hook, _ = hook_for(world, "acme_admin", receiver.url)
    with travel_to(T0):
        new_ticket(world)
        services.outbox_fan_out(outbox_id=OutboxEvent.objects.get().pk)
        delivery = Delivery.objects.get(webhook=hook)
        claimed = webhooks.claim(delivery.pk, T0)
        # when a second worker (or a sweep) tries the same delivery
        assert webhooks.deliver(delivery.pk) is None
        assert sweep_outbox()["queued"] == 0
    # then nothing was sent twice; the first worker's attempt records normally
    assert receiver.requests == []
    status, error = webhooks.send(claimed, T0)
    assert webhooks.finish(claimed, status, error, T0) == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.locked_until is None


def test_a_worker_that_dies_mid_attempt_is_replaced_after_its_lease(
    world, receiver, loopback, django_capture_on_commit_callbacks
):
    hook, _ = hook_for(world, "acme_admin", receiver.url)
    with travel_to(T0):
        new_ticket(world)
        services.outbox_fan_out(outbox_id=OutboxEvent.objects.get().pk)
        delivery = Delivery.objects.get(webhook=hook)
        dead = webhooks.claim(delivery.pk, T0)  # …and never finishes
    later = T0 + webhooks.LEASE + timedelta(minutes=10)
    with travel_to(later), django_capture_on_commit_callbacks(execute=True):
        assert sweep_outbox()["queued"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    # the dead worker's late report changes nothing
    assert webhooks.finish(dead, 503, "HTTP 503", T0) is None


def test_secrets_are_never_logged(
    world, receiver, loopback, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level("DEBUG")
    receiver.refuse = 1
    hook, secret = hook_for(world, "acme_admin", receiver.url)
    with travel_to(T0), django_capture_on_commit_callbacks(execute=True):
        new_ticket(world)
    drive(T0, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 2
    assert secret not in caplog.text and secret not in repr(hook) and secret not in str(hook)
    assert receiver.requests[0].headers["x-tierdesk-signature"] not in caplog.text


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_attempt_send_it_once(settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True
    # queued work is kept, not run: the test makes the delivery due and lets four
    # workers race for it
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with running_receiver() as receiver:
        receiver.delay = 0.5
        world = build_world()
        hook, _ = services.webhook_create(actor=world.actor("acme_admin"), url=receiver.url)
        new_ticket(world)
        services.outbox_fan_out(outbox_id=OutboxEvent.objects.get().pk)
        delivery = Delivery.objects.get(webhook=hook)
        outcomes: list = []
        start = threading.Barrier(4)

        def worker():
            try:
                start.wait()
                outcomes.append(webhooks.deliver(delivery.pk))
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(outcomes, key=str) == [None, None, None, "succeeded"]
        assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_through_the_real_db_worker(settings):
    # given the database task backend, a committed ticket and a receiver refusing once
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with running_receiver() as receiver:
        receiver.refuse = 1
        world = build_world()
        hook, secret = services.webhook_create(actor=world.actor("admin"), url=receiver.url)
        ticket = ticket_at(world, "in_progress@L1")  # commits: fan-out tasks are queued
        options = {"batch": True, "startup_delay": False, "reload": False, "verbosity": 0}
        # when a worker drains the queue
        call_command("db_worker", **options)
        # then the first attempt was refused and its retry is scheduled for later
        delivery = Delivery.objects.get(webhook=hook)
        assert delivery.status == DeliveryStatus.PENDING and len(receiver.requests) == 1
        # when the retry is due: the sweep queues it and the worker sends it
        with travel_to(delivery.next_attempt_at + timedelta(minutes=10)):
            assert sweep_outbox()["queued"] == 1
            call_command("db_worker", **options)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SUCCEEDED
        assert [r.json["data"]["ticket"]["id"] for r in receiver.accepted] == [ticket.pk]
        assert all(
            signature_ok(secret, r.headers["x-tierdesk-signature"], r.body)
            for r in receiver.requests
        )
