"""Outbound mail through a real SMTP server on 127.0.0.1 (aiosmtpd): every notification of
a ticket's life arrives, in the partner's brand for its customers and the vendor's for
everyone else, threaded, with text and HTML parts; internal notes never leave; opt-outs
hold; a refusing server gets the mail on a later attempt."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import new_ticket, ticket_at
from tests.test_mail_support import brand, html_of, smtp_server, text_of
from tierdesk.core.actor import SYSTEM
from tierdesk.core.clock import travel_to
from tierdesk.mail import notifications, sending
from tierdesk.mail.models import MailKind, OutboundMail, OutboundStatus
from tierdesk.mail.services import optout_set
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.fixture
def branded(world):
    return brand(world)


def test_a_tickets_life_reaches_the_customer_and_the_agents_by_smtp(branded, smtp):
    world = branded
    # given Acme's customer opening a ticket with markup in its title
    ticket = tickets.ticket_create(
        actor=world.actor("acme_customer"),
        data={"title": "Orders <b>fail</b> & stop", "description": "Since 9:00."},
    )
    tid, number = ticket.pk, ticket.number
    # when L1 takes it, answers, notes internally, asks, the customer answers, L1 hands
    # over, L2 bounces it, L1 hands over again, L2 takes and resolves it
    l1, l2 = world.actor("acme_l1"), world.actor("l2")
    tickets.ticket_take(actor=l1, ticket_id=tid)
    tickets.message_add(actor=l1, ticket_id=tid, body="We are looking into it.")
    tickets.message_add(actor=l1, ticket_id=tid, body="SECRET-NOTE token=abc", internal=True)
    tickets.ticket_ask_customer(actor=l1, ticket_id=tid, message="Which order number?")
    tickets.message_add(actor=world.actor("acme_customer"), ticket_id=tid, body="Order 4711.")
    tickets.ticket_update(
        actor=l1,
        ticket_id=tid,
        version=None,
        changes={k: v for k, v in _complete().items()},
    )
    tickets.ticket_hand_over(actor=l1, ticket_id=tid)
    tickets.ticket_bounce(actor=l2, ticket_id=tid, items=["logs"], note="Attach the log.")
    tickets.ticket_hand_over(actor=l1, ticket_id=tid)
    tickets.ticket_take(actor=l2, ticket_id=tid)
    tickets.ticket_resolve(
        actor=l2,
        ticket_id=tid,
        resolution="Token renewed in the vault.",
        cause="usage",
        customer_message="Your access token is renewed; the flow runs again.",
    )

    # then the customer got, in Acme's brand: received, the reply, the question, the
    # update that the product specialists have it (once: the bounce is support's own), and
    # resolved
    customer = world.user("acme_customer").email
    to_customer = smtp.to(customer)
    subjects = [m["Subject"] for m in to_customer]
    assert subjects == [f"[ACME#{number}] Orders <b>fail</b> & stop"] * 5
    bodies = [text_of(m) for m in to_customer]
    assert "opened ticket ACME#" in bodies[0]
    assert "We are looking into it." in bodies[1]
    assert "Which order number?" in bodies[2]
    assert "is now with our product specialists at Acme Integrations" in bodies[3]
    assert "Your access token is renewed" in bodies[4] and "reopened" in bodies[4]
    assert "vault" not in bodies[4]  # the resolution notes are support's own
    for message in to_customer:
        assert message["From"].addresses[0].addr_spec == "support@acme.example"
        assert message["From"].addresses[0].display_name == "Acme Support"
        html = html_of(message)
        # escaped markup, no images at all, no vendor name anywhere
        assert "<b>fail</b>" not in html and "&lt;b&gt;fail&lt;/b&gt;" in html
        assert "<img" not in html and "Vendor" not in message.as_string()
        assert message["Auto-Submitted"] == "auto-generated"
    # and the mails thread: each answers the one before
    ids = [m["Message-ID"] for m in to_customer]
    assert to_customer[0]["In-Reply-To"] is None
    for previous, message in zip(ids, to_customer[1:], strict=False):
        assert message["In-Reply-To"] == previous
        assert previous in message["References"]
    # and the agents got theirs in the vendor's brand (L2) and Acme's (its L1 agent)
    assert [m["Subject"] for m in smtp.to(world.user("l2").email)][:1] == [
        f"[VND#{number}] New in your queue: Orders <b>fail</b> & stop"
    ]
    to_l1 = [m["Subject"] for m in smtp.to(world.user("acme_l1").email)]
    assert f"[ACME#{number}] Customer replied: Orders <b>fail</b> & stop" in to_l1
    assert f"[ACME#{number}] Bounced back to you: Orders <b>fail</b> & stop" in to_l1
    # and the internal note reached nobody
    assert all(b"SECRET-NOTE" not in raw for raw in smtp.raw)
    assert OutboundMail.objects.filter(status=OutboundStatus.SENT).count() == len(smtp.received)


def _complete():
    from tests.factories import complete_fields

    fields = complete_fields("acme")
    return {k: v for k, v in fields.items() if k not in ("title",)}


def test_a_direct_customer_gets_the_vendors_brand(branded, smtp):
    world = branded
    ticket = tickets.ticket_create(
        actor=world.actor("direct_customer"), data={"title": "Login", "description": "No."}
    )
    [message] = smtp.to(world.user("direct_customer").email)
    assert message["Subject"] == f"[VND#{ticket.number}] Login"
    assert message["From"].addresses[0].addr_spec == "support@vendor.example"


def test_opted_out_people_get_nothing_and_the_row_says_why(branded, smtp):
    world = branded
    optout_set(email=world.user("acme_customer").email, kind=MailKind.RECEIVED)
    ticket = tickets.ticket_create(
        actor=world.actor("acme_customer"), data={"title": "Quiet", "description": "x"}
    )
    assert smtp.to(world.user("acme_customer").email) == []
    row = OutboundMail.objects.get(ticket=ticket, kind=MailKind.RECEIVED)
    assert (row.status, row.suppressed_reason) == (OutboundStatus.SUPPRESSED, "opted out")


def test_a_rolled_back_move_mails_nobody(branded, smtp):
    world = branded
    ticket = new_ticket(world)
    smtp.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
        tickets.ticket_ask_customer(actor=world.actor("acme_l1"), ticket_id=ticket.pk, message="?")
        raise RuntimeError("the request failed after the move")
    assert smtp.received == []
    assert not OutboundMail.objects.filter(kind=MailKind.QUESTION).exists()


def test_a_refusing_server_gets_the_mail_on_a_later_attempt(branded, smtp):
    world = branded
    # given a server that refuses the next two messages
    smtp.refuse = 2
    ticket = tickets.ticket_create(
        actor=world.actor("acme_customer"), data={"title": "Retry me", "description": "x"}
    )
    row = OutboundMail.objects.get(ticket=ticket, kind=MailKind.RECEIVED)
    row.refresh_from_db()
    assert row.status == OutboundStatus.PENDING and row.attempts == 1 and "451" in row.last_error
    # when time passes and the sweep queues the due attempts
    moment = timezone.now()
    for _ in range(3):
        moment += timedelta(minutes=20)
        with travel_to(moment):
            sending.sweep()
    # then it arrived exactly once, on the third attempt
    row.refresh_from_db()
    assert (row.status, row.attempts, smtp.refused) == (OutboundStatus.SENT, 3, 2)
    assert len(smtp.to(world.user("acme_customer").email)) == 1


def test_a_mail_that_never_goes_through_ends_failed(branded, settings):
    world = branded
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ticket = tickets.ticket_create(
        actor=world.actor("acme_customer"), data={"title": "Lost", "description": "x"}
    )
    moment = timezone.now()
    for _ in range(sending.MAX_ATTEMPTS + 1):
        moment += timedelta(hours=13)
        with travel_to(moment):
            sending.sweep()
    row = OutboundMail.objects.get(ticket=ticket, kind=MailKind.RECEIVED)
    assert (row.status, row.attempts) == (OutboundStatus.FAILED, sending.MAX_ATTEMPTS)


def test_sla_events_mail_the_assignee(branded, smtp):
    from django.apps import apps

    if not apps.is_installed("tierdesk.sla"):
        pytest.skip("the SLA app is not installed")
    from tierdesk.sla import models as sla_models

    world = branded
    ticket = ticket_at(world, "in_progress@L2")
    smtp.clear()
    # given an SLA event the sweep recorded (at risk, the assignee as it stood)
    now = timezone.now()
    sla_models.SlaEvent.objects.create(
        ticket=ticket,
        cycle=1,
        kind=sla_models.SlaEventKind.AT_RISK,
        clock_kind="resolution",
        level=2,
        due_at=now + timedelta(hours=1),
        assignee=world.user("l2"),
        created_at=now - timedelta(minutes=5),
    )
    # when the mail sweep runs twice
    assert notifications.sla_mails() == 1
    assert notifications.sla_mails() == 0
    # then the assignee got one mail about it
    [message] = smtp.to(world.user("l2").email)
    assert message["Subject"].startswith(f"[VND#{ticket.number}] SLA at risk:")
    assert get_ticket(SYSTEM, ticket.pk).number == ticket.number


def test_subject_tag_and_threading_headers_are_what_clients_need(branded, smtp):
    world = branded
    ticket = new_ticket(world)
    tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    tickets.message_add(actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="Hi")
    first, second = smtp.to(world.user("acme_customer").email)
    assert re.fullmatch(r"<td\.\d+\.[0-9a-f]{20}@acme\.example>", first["Message-ID"])
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert second["X-Auto-Response-Suppress"] == "All"
