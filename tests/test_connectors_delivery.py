"""Partner connectors: delivery like a webhook's (no redirect followed, retried while
the tool is down, pruned, swept), the mirrored moves, and Zendesk's signed webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.connector_fakes import serving, trigger
from tests.connector_world import (
    allow_loopback,
    drain,
    fake_for,
    make_connector,
    seed,
)
from tierdesk.connectors import jobs, services
from tierdesk.connectors.models import (
    ConnectorJob,
    ConnectorLink,
    Exchange,
    JobKind,
    JobStatus,
)
from tierdesk.tickets import services as tickets

__all__ = ["allow_loopback"]  # a fixture


def test_a_redirect_is_not_followed_and_the_job_retries(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        fake.redirect_paths.add(f"/api/v2/tickets/{external.id}.json")
        trigger(client, connector, secret, external.id)
        drain()
        job = ConnectorJob.objects.get(kind=JobKind.HANDOVER)
        # A 3xx is a failed attempt, retried later; the metadata address was never asked
        assert job.status == JobStatus.PENDING and job.attempts == 1
        assert "redirect (302) not followed" in job.last_error
        assert job.next_attempt_at > timezone.now()
        assert not ConnectorLink.objects.exists()


def test_an_unreachable_tool_is_retried_and_the_handover_lands_later(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        base = fake.base_url
    # Given the tool is down when the handover comes
    trigger(client, connector, secret, external.id)
    drain()
    job = ConnectorJob.objects.get(kind=JobKind.HANDOVER)
    assert job.status == JobStatus.PENDING and job.last_error
    # When it is back (same address) and the retry is due
    with serving(fake) as fake_again:
        connector.base_url = fake_again.base_url
        connector.save()
        ConnectorJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
        drain()
    assert base  # the first server is gone
    assert ConnectorLink.objects.filter(external_id=external.id).exists()


def test_old_exchanges_and_finished_jobs_are_pruned_pending_jobs_stay(world, allow_loopback):
    from tierdesk.connectors.retention import prune_connectors

    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake)
    now = timezone.now()
    old = now - timedelta(days=31)
    done = ConnectorJob.objects.create(
        connector=connector,
        kind=JobKind.STATUS,
        external_id="1",
        status=JobStatus.SUCCEEDED,
        created_at=old,
        done_at=old,
    )
    waiting = ConnectorJob.objects.create(
        connector=connector,
        kind=JobKind.STATUS,
        external_id="1",
        created_at=old,
        next_attempt_at=now + timedelta(hours=1),
    )
    Exchange.objects.create(
        connector=connector, direction="out", method="GET", path="/a", created_at=old
    )
    fresh = Exchange.objects.create(connector=connector, direction="out", method="GET", path="/b")
    # When the hourly prune runs
    assert prune_connectors(now=now) == {"exchanges": 1, "jobs": 1}
    # Then the pending job and the recent exchange stay
    assert list(ConnectorJob.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert list(Exchange.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ConnectorJob.objects.filter(pk=done.pk).exists()


def test_the_sweep_queues_a_due_job_whose_task_went_missing(world, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake)
    # Given a due job that was never queued (the process died before its commit hook)
    job = ConnectorJob.objects.create(
        connector=connector, kind=JobKind.STATUS, external_id="1", next_attempt_at=timezone.now()
    )
    # Then the sweep queues it once, however often it runs
    assert jobs.sweep() == 1
    assert jobs.sweep() == 0
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_escalation_and_a_delivered_fix_are_mirrored_with_the_mapping(
    world, client, allow_loopback
):
    from tests.factories import record_reproduction

    mapping = {"escalated": "hold", "fix_delivered": "pending", "resolved": "solved"}
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake, status_map=mapping)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        tickets.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
        record_reproduction(world, ticket.pk)
        # When L2 escalates to L3
        tickets.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket.pk)
        drain()
        assert external.status == "hold"
        # When L3 delivers a fix
        tickets.ticket_take(actor=world.actor("l3"), ticket_id=ticket.pk)
        tickets.ticket_deliver_fix(actor=world.actor("l3"), ticket_id=ticket.pk, reference="HF-1")
        drain()
        assert external.status == "pending"


def test_a_zendesk_webhook_may_authenticate_with_its_signature(world, client, allow_loopback):
    import base64
    import hashlib
    import hmac
    import json

    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake, signing_secret="zd-signing-secret")
        external = seed(fake, complete=True)
        body = json.dumps({"ticket_id": external.id}).encode()
        url = f"/api/v1/connectors/{connector.pk}/handover"

        def post(secret: str, stamp: str):
            digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
            return client.post(
                url,
                data=body,
                content_type="application/json",
                HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=base64.b64encode(digest).decode(),
                HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=stamp,
            )

        now = timezone.now().replace(microsecond=0)
        # A forged signature and a replayed (old) one are refused like a missing connector
        assert post("wrong", now.isoformat()).status_code == 404
        assert (
            post("zd-signing-secret", (now - timedelta(minutes=10)).isoformat()).status_code == 404
        )
        # Zendesk's own signature is accepted
        assert post("zd-signing-secret", now.isoformat().replace("+00:00", "Z")).status_code == 202
        drain()
    assert ConnectorLink.objects.filter(connector=connector).exists()
    # The signing secret is for Zendesk only
    with pytest.raises(Exception) as refused:
        services.connector_create(
            actor=world.actor("acme_admin"),
            data={
                "tool": "freshdesk",
                "name": "x",
                "base_url": "http://127.0.0.1:9",
                "api_token": "t",
                "signing_secret": "s",
                "agent": world.user("acme_l1").email,
            },
        )
    assert refused.value.fields == {"signing_secret": "is for Zendesk webhooks only"}
