"""Webhooks without a receiver: the outbox written with the ticket change, the event
mapping, tenancy of the fan-out, signing, target checks and the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import new_ticket, ticket_at
from tierdesk.core.clock import travel_to
from tierdesk.core.errors import InvalidInput, TransitionRefused
from tierdesk.notify import outbox, services, webhooks
from tierdesk.notify.models import Delivery, OutboxEvent, WebhookEvent
from tierdesk.notify.schemas import EventName
from tierdesk.notify.webhooks import MAX_ATTEMPTS, RETRY_DELAYS, check_target
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import Ticket

PUBLIC_IP = "93.184.215.14"  # an IP literal: resolving it needs no network


@pytest.fixture
def hooks(world, settings):
    """A hook for Acme (partner admin), one for Globex, one for the vendor (admin)."""
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    url = f"https://{PUBLIC_IP}/hook"
    return {
        key: services.webhook_create(actor=world.actor(key), url=url)[0]
        for key in ("acme_admin", "globex_admin", "admin")
    }


def events_of(ticket: Ticket) -> list[str]:
    return list(OutboxEvent.objects.filter(ticket=ticket).values_list("event", flat=True))


# The outbox row and the ticket change share one transaction ------------------------------


def test_outbox_row_is_written_with_the_change(world, hooks, django_capture_on_commit_callbacks):
    # when a ticket is opened
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = new_ticket(world)
    # then its outbox row exists and the fan-out is queued for after the commit
    row = OutboxEvent.objects.get(ticket=ticket)
    assert (row.event, row.partner_id, row.fanned_out_at) == ("ticket.created", world.acme.pk, None)
    assert row.payload["ticket"]["reference"] == ticket.reference
    # (other apps may listen after commit too: count the fan-out's own)
    fan_outs = [c for c in callbacks if "fan_out_task" in repr(c)]
    assert len(fan_outs) == 1


def test_no_outbox_row_when_the_ticket_transaction_rolls_back(
    world, hooks, django_capture_on_commit_callbacks
):
    # given a ticket change inside a transaction that fails afterwards
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        new_ticket(world)
        assert OutboxEvent.objects.count() == 1
        raise RuntimeError("boom after the change")
    # then neither the row nor its fan-out survive
    assert OutboxEvent.objects.count() == 0 and Ticket.objects.count() == 0
    assert callbacks == []


def test_a_refused_move_writes_no_outbox_row(world, hooks):
    ticket = ticket_at(world, "in_progress@L1")
    before = OutboxEvent.objects.count()
    # when a handover misses items
    tickets.ticket_update(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, changes={"pasted_log": ""}, version=None
    )
    with pytest.raises(TransitionRefused):
        tickets.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # then nothing was announced
    assert OutboxEvent.objects.count() == before


def test_without_any_hook_rows_are_born_fanned_out(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        new_ticket(world)
    assert OutboxEvent.objects.get().fanned_out_at is not None
    # (other apps' after-commit listeners may run; no webhook work is scheduled)
    assert [c for c in callbacks if _module_of(c).startswith("tierdesk.notify")] == []


def _module_of(callback) -> str:
    """The module of an after-commit callback: a bus listener's handler, or the function."""
    args = getattr(callback, "args", ())
    target = getattr(args[0], "handler", None) if args else None
    target = target or getattr(callback, "func", callback)
    return getattr(target, "__module__", "") or ""


# Event mapping --------------------------------------------------------------------------


def test_the_life_of_a_ticket_maps_to_the_contract_events(world, hooks):
    # given a ticket walked to L3, fixed, verified, reopened, with a bounce on the way
    ticket = ticket_at(world, "new@L2")
    tickets.ticket_bounce(
        actor=world.actor("l2"), ticket_id=ticket.pk, items=["logs"], note="Attach the log."
    )
    tickets.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    tickets.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
    tickets.ticket_escalate(actor=world.actor("lead"), ticket_id=ticket.pk, override_reason="P1")
    tickets.ticket_take(actor=world.actor("l3"), ticket_id=ticket.pk)
    tickets.ticket_deliver_fix(actor=world.actor("l3"), ticket_id=ticket.pk, reference="HF-1")
    tickets.ticket_verify_fix(actor=world.actor("l2"), ticket_id=ticket.pk, passed=True)
    tickets.ticket_reopen(actor=world.actor("acme_l1"), ticket_id=ticket.pk, reason="Back again")
    # then the outbox holds exactly the contract's events, in order
    assert events_of(ticket) == [
        "ticket.created",
        "ticket.handed_over",
        "ticket.bounced",
        "ticket.handed_over",
        "ticket.escalated",
        "problem.ticket_linked",  # every escalation puts the ticket on a problem
        "ticket.fix_delivered",
        "ticket.resolved",
        "ticket.reopened",
    ]
    rows = {r.event: r.payload for r in OutboxEvent.objects.filter(ticket=ticket)}
    assert rows["ticket.bounced"]["items"] == ["logs"]
    assert rows["ticket.bounced"]["reason"] == "Attach the log."
    assert rows["ticket.escalated"]["override"] is True
    assert rows["ticket.fix_delivered"]["fix"]["reference"] == "HF-1"
    assert rows["ticket.resolved"]["cause"] == "platform_defect"
    assert rows["ticket.reopened"]["reason"] == "Back again"
    summary = rows["ticket.reopened"]["ticket"]
    assert set(summary) >= {"id", "number", "reference", "title", "level", "status", "partner"}
    assert set(summary) >= {"contract_id", "workspace_id", "flow_id", "version"}
    assert (summary["level"], summary["status"], summary["partner"]) == (2, "in_progress", "Acme")
    assert "description" not in summary and "pasted_log" not in summary


def test_internal_notes_never_reach_the_outbox(world, hooks):
    ticket = ticket_at(world, "in_progress@L1")
    # when an internal note and a public reply are written
    tickets.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="SECRET-NOTE", internal=True
    )
    tickets.message_add(actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="Hello there")
    # then only the public one is announced, and the note appears in no payload at all
    messages = OutboxEvent.objects.filter(ticket=ticket, event="message.created")
    assert [m.payload["message"]["body"] for m in messages] == ["Hello there"]
    assert all("SECRET-NOTE" not in str(row.payload) for row in OutboxEvent.objects.all())


def test_questions_to_the_customer_and_answers_are_public_messages(world, hooks):
    ticket = ticket_at(world, "waiting@L1")
    tickets.message_add(actor=world.actor("acme_customer"), ticket_id=ticket.pk, body="Order 7")
    bodies = [
        r.payload["message"]["body"]
        for r in OutboxEvent.objects.filter(ticket=ticket, event="message.created")
    ]
    assert bodies == ["Which order?", "Order 7"]


def test_emit_for_the_sla_work(world, hooks):
    ticket = new_ticket(world)
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with transaction.atomic():
        row = outbox.emit("sla.at_risk", ticket, {"clock": "first_response"}, moment)
    assert (row.event, row.occurred_at, row.payload["clock"]) == (
        "sla.at_risk",
        moment,
        "first_response",
    )
    assert row.payload["ticket"]["id"] == ticket.pk
    with pytest.raises(ValueError):
        outbox.emit("sla.whatever", ticket, {}, moment)


def test_emit_many_writes_rows_only_listening_ones_wait_for_fan_out(world, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    services.webhook_create(actor=world.actor("globex_admin"), url=f"https://{PUBLIC_IP}/g")
    acme, globex = new_ticket(world, "acme"), new_ticket(world, "globex")
    moment = timezone.now()
    rows = outbox.emit_many(
        [("sla.breached", acme, {"sla": {}}), ("sla.breached", globex, {"sla": {}})], moment
    )
    # Acme has no listener: its row is born fanned out; Globex's waits for the fan-out
    assert [(r.ticket_id, r.fanned_out_at is None) for r in rows] == [
        (acme.pk, False),
        (globex.pk, True),
    ]
    with pytest.raises(ValueError):
        outbox.emit_many([("ticket.closed", acme, {})], moment)


def test_the_schema_names_exactly_the_model_events():
    assert [e.value for e in EventName] == list(WebhookEvent.values)


# Fan-out and tenancy --------------------------------------------------------------------


def fan_out_all() -> None:
    for pk in OutboxEvent.objects.filter(fanned_out_at__isnull=True).values_list("pk", flat=True):
        services.outbox_fan_out(outbox_id=pk)


def test_partner_hooks_never_see_other_partners_tickets(world, hooks):
    # given one ticket of each partner
    acme = new_ticket(world, "acme")
    globex = new_ticket(world, "globex")
    # when the events fan out
    fan_out_all()
    # then Acme's hook hears Acme only, Globex's Globex only, the vendor's both
    heard = {
        key: set(Delivery.objects.filter(webhook=hook).values_list("outbox__ticket", flat=True))
        for key, hook in hooks.items()
    }
    assert heard == {
        "acme_admin": {acme.pk},
        "globex_admin": {globex.pk},
        "admin": {acme.pk, globex.pk},
    }


def test_fan_out_is_idempotent_and_respects_subscriptions(world, hooks):
    only_messages, _ = services.webhook_create(
        actor=world.actor("acme_admin"), url=f"https://{PUBLIC_IP}/m", events=["message.created"]
    )
    ticket = new_ticket(world)
    row = OutboxEvent.objects.get(ticket=ticket)
    first = services.outbox_fan_out(outbox_id=row.pk)
    # a second run (a sweep racing the task) adds nothing
    assert services.outbox_fan_out(outbox_id=row.pk) is None
    assert len(first) == 2  # Acme's all-events hook and the vendor's; not the message-only one
    assert not Delivery.objects.filter(webhook=only_messages).exists()


def test_hooks_hear_only_events_after_they_were_made(world, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    start = timezone.now()
    with travel_to(start):
        services.webhook_create(actor=world.actor("admin"), url=f"https://{PUBLIC_IP}/a")
        ticket = new_ticket(world)
    with travel_to(start + timedelta(hours=1)):
        late, _ = services.webhook_create(
            actor=world.actor("acme_admin"), url=f"https://{PUBLIC_IP}/b"
        )
    fan_out_all()
    assert Delivery.objects.filter(outbox__ticket=ticket).count() == 1
    assert not Delivery.objects.filter(webhook=late).exists()


# Signing --------------------------------------------------------------------------------


def test_signature_format_and_verification():
    body = b'{"id":"x","event":"ticket.created"}'
    header = webhooks.signature("whsec_test", 1764000000, body)
    t, v1 = header.split(",")
    assert t == "t=1764000000" and v1.startswith("v1=") and len(v1) == 3 + 64
    now = datetime.fromtimestamp(1764000100, tz=UTC)
    assert webhooks.verify_signature("whsec_test", header, body, now=now)
    assert not webhooks.verify_signature("whsec_other", header, body, now=now)
    assert not webhooks.verify_signature("whsec_test", header, body + b" ", now=now)
    late = now + timedelta(hours=1)
    assert not webhooks.verify_signature("whsec_test", header, body, now=late)


# Target checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.0.0.1/hook", "private"),
        ("http://192.168.1.20/hook", "private"),
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("ftp://files.example.com/hook", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
        ("https:///nohost", "no host"),
        ("not a url", "http or https"),
    ],
)
def test_refused_targets(settings, url, reason):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(InvalidInput) as refused:
        check_target(url)
    assert reason in refused.value.fields["url"]


def test_the_private_setting_opens_loopback_and_private_but_never_link_local(settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True
    assert check_target("http://127.0.0.1:9/hook").addresses == ("127.0.0.1",)
    assert check_target("http://10.0.0.1/hook").addresses == ("10.0.0.1",)
    for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/"):
        with pytest.raises(InvalidInput):
            check_target(url)


def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    # a host with one public and one private answer: any refused address refuses it
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [PUBLIC_IP, "10.1.2.3"])
    with pytest.raises(InvalidInput) as refused:
        check_target("https://hooks.partner.test/x")
    assert "hooks.partner.test" in refused.value.fields["url"]


def test_a_public_target_passes(settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    target = check_target(f"https://{PUBLIC_IP}:8443/hook?x=1")
    assert (target.scheme, target.port, target.addresses) == ("https", 8443, (PUBLIC_IP,))


# Retry schedule -------------------------------------------------------------------------


def test_the_retry_schedule_spans_at_least_a_day_and_ten_attempts():
    assert MAX_ATTEMPTS >= 10
    shortest = sum(RETRY_DELAYS, timedelta()) * (1 - webhooks.JITTER)
    assert shortest >= timedelta(hours=24)
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)
    for attempt in range(1, MAX_ATTEMPTS):
        delay = webhooks.retry_delay(attempt)
        base = RETRY_DELAYS[attempt - 1]
        assert base * 0.9 <= delay <= base * 1.1
