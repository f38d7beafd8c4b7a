"""Deduplication keeps different mail: a mail is the same mail when the mailbox's
organisation, its Message-ID and the hash of its content are the same. A true repeat (by
the pipe, by IMAP, or both, even at the same moment) is one ticket or one message; a
different mail under a Message-ID seen before is taken in as a mail of its own."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.test_mail_support import brand, mail, reply_to, smtp_server
from tierdesk.core.actor import SYSTEM
from tierdesk.mail import inbound
from tierdesk.mail.inbound import content_digest
from tierdesk.mail.models import InboundMessage, InboundOutcome
from tierdesk.tickets.access import visible_messages, visible_tickets

pytestmark = pytest.mark.django_db(transaction=True)

REUSED = "<1@mail-client.example>"  # a broken client numbering every mail the same


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.fixture
def world_(world):
    return brand(world)


def customer(world_) -> str:
    return world_.user("acme_customer").email


def as_delivered(raw: bytes, *, hop: str, crlf: bool) -> bytes:
    """The mail as a delivery path hands it over: its own trace headers on top, its own
    line endings."""
    trace = (
        f"Return-Path: <ann@example.test>\nDelivered-To: support@acme.example\n"
        f"Received: from {hop} by mx.acme.example; Mon, 7 Dec 2026 09:00:00 +0100\n"
    ).encode()
    text = trace + raw.replace(b"\r\n", b"\n")
    return text.replace(b"\n", b"\r\n") if crlf else text


def test_a_different_mail_under_a_reused_message_id_is_kept(world_, smtp):
    # given a ticket opened by a mail whose client reuses its Message-ID
    first = inbound.intake(
        mail(customer(world_), "Orders flow fails", "It fails.", message_id=REUSED), source="t"
    )
    assert first.outcome == InboundOutcome.TICKET_CREATED
    # when the customer writes about something else, under the same Message-ID
    other = mail(customer(world_), "Invoices flow fails", "Another one.", message_id=REUSED)
    second = inbound.intake(other, source="t")
    # then it is a ticket of its own, and the log says the Message-ID was seen before
    assert second.outcome == InboundOutcome.TICKET_CREATED
    assert second.ticket_number != first.ticket_number
    assert (
        "Message-ID seen before"
        in InboundMessage.objects.get(ticket__number=second.ticket_number).detail
    )
    titles = sorted(visible_tickets(SYSTEM).values_list("title", flat=True))
    assert titles == ["Invoices flow fails", "Orders flow fails"]
    # and a reply to our answer under that Message-ID too is threaded, not dropped
    confirmation = smtp.to(customer(world_))[0]
    answer = _with_message_id(reply_to(confirmation, customer(world_), "It is order 4711."), REUSED)
    third = inbound.intake(answer, source="t")
    assert (third.outcome, third.ticket_number) == (
        InboundOutcome.MESSAGE_ADDED,
        first.ticket_number,
    )
    ticket = visible_tickets(SYSTEM).get(number=first.ticket_number)
    assert visible_messages(SYSTEM, ticket).last().body == "It is order 4711."
    # and each of them again is a duplicate: still two tickets, one message
    for raw in (other, answer):
        assert inbound.intake(raw, source="t").outcome == inbound.DUPLICATE
    assert visible_tickets(SYSTEM).count() == 2
    assert visible_messages(SYSTEM, ticket).count() == 1


def _with_message_id(raw: bytes, message_id: str) -> bytes:
    head, sep, body = raw.partition(b"\n\n")
    lines = [line for line in head.split(b"\n") if not line.lower().startswith(b"message-id:")]
    lines.append(f"Message-ID: {message_id}".encode())
    return b"\n".join(lines) + sep + body


@pytest.mark.parametrize("message_id", ["auto", None])
def test_the_same_mail_by_the_pipe_and_by_imap_is_one_ticket(world_, smtp, message_id):
    # given one mail, as the MTA pipe hands it over and as the IMAP server returns it
    raw = mail(customer(world_), "Orders flow fails", message_id=message_id)
    piped = as_delivered(raw, hop="client.example", crlf=False)
    fetched = as_delivered(raw, hop="relay.example", crlf=True)
    assert piped != fetched and content_digest(piped) == content_digest(fetched)
    # when both arrive
    results = [inbound.intake(piped, source="stdin"), inbound.intake(fetched, source="imap:x")]
    # then one ticket, one answer
    assert [r.outcome for r in results] == [InboundOutcome.TICKET_CREATED, inbound.DUPLICATE]
    assert visible_tickets(SYSTEM).count() == 1 and len(smtp.to(customer(world_))) == 1


def test_the_content_digest_tells_mails_apart():
    raw = mail("ann@example.test", "Orders", "Text one.", message_id=REUSED)
    assert content_digest(raw) == content_digest(raw.replace(b"\n", b"\r\n"))
    assert content_digest(raw) != content_digest(raw.replace(b"Text one.", b"Text two."))
    assert content_digest(raw) != content_digest(raw.replace(b"Subject: Orders", b"Subject: X"))


def _at_once(raws: list[bytes]) -> list:
    barrier = threading.Barrier(len(raws))
    results: list = [None] * len(raws)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = inbound.intake(raws[index], source=f"worker-{index}")
        except Exception as exc:  # shown by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(raws))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_the_same_mail_at_the_same_moment_is_one_ticket_and_different_ones_are_kept(
    world_, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the test database)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.TIERDESK_MAIL_AUTHSERV_IDS = ["mx.tierdesk.test"]
    # given one mail delivered four times at once, and two other mails sharing an id
    same = mail(customer(world_), "Same", message_id="<same@client.example>")
    results = _at_once([same] * 4)
    # then one ticket; the others are duplicates
    outcomes = sorted(getattr(r, "outcome", repr(r)) for r in results)
    assert outcomes == [inbound.DUPLICATE] * 3 + [InboundOutcome.TICKET_CREATED]
    assert visible_tickets(SYSTEM).count() == 1
    # when two different mails under one reused Message-ID arrive at the same moment
    pair = [mail(customer(world_), f"Other {n}", message_id=REUSED) for n in range(2)]
    results = _at_once(pair)
    # then both are tickets
    assert [getattr(r, "outcome", repr(r)) for r in results] == [InboundOutcome.TICKET_CREATED] * 2
    assert visible_tickets(SYSTEM).count() == 3
