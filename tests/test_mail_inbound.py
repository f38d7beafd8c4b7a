"""Inbound mail through the one intake function (`tierdesk mail-in` reads it from standard
input as an MTA pipe would), answered through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import io
import sys

import pytest
from django.db import IntegrityError, OperationalError, transaction

from tests.factories import new_ticket
from tests.test_mail_support import brand, mail, reply_to, smtp_server, text_of
from tierdesk import cli
from tierdesk.core.actor import SYSTEM
from tierdesk.mail import inbound
from tierdesk.mail.models import (
    HeldMail,
    HeldReason,
    InboundMessage,
    InboundOutcome,
    MailKind,
    OutboundMail,
    OutboundStatus,
)
from tierdesk.mail.services import held_register_sender
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import visible_attachments, visible_messages, visible_tickets
from tierdesk.tickets.models import AttachmentKind, Channel, Status

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
LOG = b'{"level":50,"msg":"Request failed with status code 401","time":"2026-11-27T09:14:03Z"}\n'


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.fixture
def world_(world):
    return brand(world)


def mail_in(monkeypatch, capsys, raw: bytes, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    code = cli.main(["mail-in", *args])
    out, err = capsys.readouterr()
    return code, out + err


def customer(world_, key="acme_customer") -> str:
    return world_.user(key).email


def tickets_of(world_, key="acme_customer"):
    return visible_tickets(SYSTEM).filter(customer=world_.user(key)).order_by("pk")


def test_a_customers_mail_opens_a_ticket_and_is_answered_with_its_number(
    world_, smtp, monkeypatch, capsys
):
    # given a mail from Acme's customer with a log and a screenshot, through the MTA pipe
    raw = mail(
        f"Ann Customer <{customer(world_)}>",
        "Orders flow fails",
        "Hello,\n\nthe orders flow fails with 401 since 9:00.\n\n-- \nAnn\n",
        attachments=[("execution.log", LOG, "text/plain"), ("screen.png", PNG, "image/png")],
    )
    code, output = mail_in(monkeypatch, capsys, raw)
    # then it is accepted, and a ticket is open at L1 of Acme, as the customer, by email
    assert code == 0 and "ticket_created" in output
    [ticket] = tickets_of(world_)
    assert (ticket.level, ticket.status, ticket.partner_id) == (1, Status.NEW, world_.acme.pk)
    assert ticket.title == "Orders flow fails"
    assert ticket.description == "Hello,\n\nthe orders flow fails with 401 since 9:00."
    assert ticket.events.get(kind="created").data["channel"] == Channel.EMAIL
    # and the files went through attachment_add: a log, a screenshot, the internal .eml
    files = {(a.kind, a.internal) for a in visible_attachments(SYSTEM, ticket)}
    assert files == {
        (AttachmentKind.LOG, False),
        (AttachmentKind.SCREENSHOT, False),
        (AttachmentKind.OTHER, True),
    }
    eml = visible_attachments(SYSTEM, ticket).get(kind=AttachmentKind.OTHER)
    assert eml.filename.endswith(".eml") and eml.file.read() == raw
    # and the customer got the number, threaded to their mail, marked as an auto-reply
    [answer] = smtp.to(customer(world_))
    assert answer["Subject"] == f"[ACME#{ticket.number}] Orders flow fails"
    original_id = raw.split(b"Message-ID: ")[1].split(b"\n")[0].decode().strip()
    assert answer["In-Reply-To"] == original_id
    assert answer["Auto-Submitted"] == "auto-replied"
    assert f"ACME#{ticket.number}" in text_of(answer)


def test_the_same_mail_twice_makes_one_ticket(world_, smtp, monkeypatch, capsys):
    raw = mail(customer(world_), "Twice")
    no_id = mail(customer(world_), "No id", message_id=None)
    for _ in range(2):
        assert mail_in(monkeypatch, capsys, raw)[0] == 0
        assert mail_in(monkeypatch, capsys, no_id)[0] == 0
    assert tickets_of(world_).count() == 2
    assert len(smtp.to(customer(world_))) == 2
    keys = set(InboundMessage.objects.values_list("dedup_key", flat=True))
    assert len(keys) == 2 and all(k.startswith("in:") for k in keys)
    # and the database itself refuses a second row for the same mail
    row = InboundMessage.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        InboundMessage.objects.create(dedup_key=row.dedup_key, sha256="x", source="t", outcome="x")


def test_a_real_reply_to_a_captured_mail_threads_back(world_, smtp):
    # given a ticket L1 asked the customer about, and the question as it arrived by SMTP
    ticket = new_ticket(world_)
    l1 = world_.actor("acme_l1")
    tickets.ticket_take(actor=l1, ticket_id=ticket.pk)
    tickets.ticket_ask_customer(actor=l1, ticket_id=ticket.pk, message="Which order failed?")
    question = smtp.to(customer(world_))[-1]
    # when the customer answers it from their mail client, quoting it
    raw = reply_to(question, customer(world_), "It was order 4711.")
    result = inbound.intake(raw, source="test")
    # then the answer is on that ticket, without the quote, and it is back in progress
    assert (result.outcome, result.ticket_number) == (InboundOutcome.MESSAGE_ADDED, ticket.number)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    last = visible_messages(SYSTEM, ticket).last()
    assert last.body == "It was order 4711." and last.channel == Channel.EMAIL
    # and the agent heard of it
    assert any("Customer replied" in m["Subject"] for m in smtp.to(world_.user("acme_l1").email))


def test_the_subject_number_threads_for_the_customer_of_the_ticket(world_, smtp):
    ticket = new_ticket(world_)
    raw = mail(customer(world_), f"Re: [ACME#{ticket.number}] more", "One more detail.")
    result = inbound.intake(raw, source="test")
    assert (result.outcome, result.ticket_number) == (InboundOutcome.MESSAGE_ADDED, ticket.number)


def test_a_number_or_reference_from_someone_else_opens_a_new_ticket(world_, smtp):
    # given Acme's ticket and a mail Acme's customer received about it
    ticket = new_ticket(world_)
    tickets.message_add(actor=world_.actor("acme_l1"), ticket_id=ticket.pk, body="Private answer")
    captured = smtp.to(customer(world_))[-1]
    before = visible_messages(SYSTEM, ticket).count()
    # when Globex's customer forges the subject number, and then the references too
    forged_subject = mail(customer(world_, "globex_customer"), f"[ACME#{ticket.number}] hi")
    forged_thread = reply_to(captured, customer(world_, "globex_customer"), "Let me in")
    first = inbound.intake(forged_subject, source="test")
    second = inbound.intake(forged_thread, source="test")
    # then each opened a ticket of Globex's customer; Acme's ticket is untouched
    assert first.outcome == second.outcome == InboundOutcome.TICKET_CREATED
    assert first.ticket_number != ticket.number and second.ticket_number != ticket.number
    assert tickets_of(world_, "globex_customer").count() == 2
    assert visible_messages(SYSTEM, ticket).count() == before
    assert all(t.partner_id == world_.globex.pk for t in tickets_of(world_, "globex_customer"))


def test_a_staff_reply_by_mail_is_an_internal_note(world_, smtp):
    # given L1's ticket on which the customer replied: L1 was mailed about it
    ticket = new_ticket(world_)
    l1 = world_.user("acme_l1")
    tickets.ticket_take(actor=world_.actor("acme_l1"), ticket_id=ticket.pk)
    tickets.message_add(actor=world_.actor("acme_customer"), ticket_id=ticket.pk, body="More")
    [notice] = smtp.to(l1.email)
    # when L1 answers that mail (to its signed reply address) from their mail client
    raw = reply_to(notice, l1.email, "Checked logs.")
    result = inbound.intake(raw, source="test")
    # then it is an internal note, never mailed to the customer
    assert result.outcome == InboundOutcome.NOTE_ADDED
    note = visible_messages(SYSTEM, ticket).last()
    assert note.internal and note.body == "Checked logs." and note.author_id == l1.pk
    assert not any("Checked logs" in text_of(m) for m in smtp.to(customer(world_)))


def test_a_reply_to_a_resolved_ticket_reopens_it_and_to_a_closed_one_opens_another(world_, smtp):
    from tests.factories import ticket_at

    resolved = ticket_at(world_, "resolved@L1")
    closed = ticket_at(world_, "closed")
    first = inbound.intake(mail(customer(world_), f"[ACME#{resolved.number}] no"), source="t")
    second = inbound.intake(mail(customer(world_), f"[ACME#{closed.number}] again"), source="t")
    resolved.refresh_from_db()
    assert first.outcome == InboundOutcome.REOPENED and resolved.status == Status.IN_PROGRESS
    assert second.outcome == InboundOutcome.TICKET_CREATED
    follow_up = visible_tickets(SYSTEM).get(number=second.ticket_number)
    assert f"Follow-up to ticket {closed.number}" in follow_up.description


def test_mail_loops_are_broken(world_, smtp, settings):
    settings.TIERDESK_MAIL_AUTOREPLY_PER_HOUR = 2
    # given our automatic answer to a new mail, as it arrived
    inbound.intake(mail(customer(world_), "First"), source="t")
    ours = smtp.raw[-1]
    sent = len(smtp.received)
    # when it comes back to us (a forwarding loop), and the customer's out-of-office
    # answers it, and a bounce with a null sender arrives
    looped = inbound.intake(ours, source="t")
    captured = smtp.received[-1]
    ooo = reply_to(captured, customer(world_), "I am out of office until Monday.")
    ooo = ooo.replace(b"Subject:", b"Auto-Submitted: auto-replied\nSubject:", 1)
    away = inbound.intake(ooo, source="t")
    bounce = inbound.intake(
        mail("MAILER-DAEMON@mx.example", "Undelivered", headers={"Return-Path": "<>"}), source="t"
    )
    # then none of them opened a ticket or was answered; the out-of-office is a note
    assert looped.outcome == InboundOutcome.IGNORED
    assert away.outcome == InboundOutcome.NOTE_ADDED and bounce.outcome == InboundOutcome.IGNORED
    assert tickets_of(world_).count() == 1 and len(smtp.received) == sent
    ticket = tickets_of(world_).get()
    assert ticket.status == Status.NEW  # an auto-reply is not a customer's answer
    # and a mailing list's mail opens a ticket but is not answered
    listed = inbound.intake(
        mail(customer(world_), "List", headers={"List-Id": "<ops.lists.example>"}), source="t"
    )
    assert listed.outcome == InboundOutcome.TICKET_CREATED and len(smtp.received) == sent
    # and past the hourly limit new tickets are opened but not answered
    for n in range(3):
        inbound.intake(mail(customer(world_), f"Flood {n}"), source="t")
    answers = OutboundMail.objects.filter(to_email=customer(world_), kind=MailKind.RECEIVED)
    assert answers.filter(status=OutboundStatus.SENT).count() == 2
    reasons = set(
        answers.filter(status=OutboundStatus.SUPPRESSED).values_list("suppressed_reason", flat=True)
    )
    assert reasons == {"not answered: mailing list", "rate limit: 2 per hour"}


def test_an_attachment_over_the_limit_is_refused_with_a_reply_saying_so(world_, smtp, settings):
    settings.TIERDESK_MAX_UPLOAD_BYTES = 40_000
    raw = mail(
        customer(world_),
        "Big file",
        attachments=[("huge.log", b"x" * 60_000, "text/plain"), ("small.log", LOG, "text/plain")],
    )
    result = inbound.intake(raw, source="t")
    ticket = visible_tickets(SYSTEM).get(number=result.ticket_number)
    names = set(visible_attachments(SYSTEM, ticket).values_list("filename", flat=True))
    assert "small.log" in names and "huge.log" not in names
    assert any(n.endswith(".eml") for n in names)  # the original, its big part left out
    refusal = [m for m in smtp.to(customer(world_)) if "not accepted" in m["Subject"]]
    assert len(refusal) == 1
    assert "huge.log: The file is larger than 39.1 KiB." in text_of(refusal[0])
    assert refusal[0]["Subject"] == f"[ACME#{ticket.number}] Attachment not accepted"


def test_an_unknown_sender_is_refused_politely(world_, smtp):
    result = inbound.intake(mail("stranger@else.example", "Help"), source="t")
    assert result.outcome == InboundOutcome.REFUSED
    [answer] = smtp.to("stranger@else.example")
    assert "not registered" in text_of(answer)
    assert answer["From"].addresses[0].addr_spec == "support@acme.example"  # sent to Acme


def test_an_unknown_sender_in_triage_becomes_a_ticket_once_registered(world_, smtp, settings):
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "triage"
    result = inbound.intake(mail("newcomer@acme-customer.example", "Please help"), source="t")
    held = HeldMail.objects.get(pk=result.held_id)
    assert held.reason == HeldReason.UNKNOWN_SENDER and smtp.received == []
    assert held.organisation_id == world_.acme.pk  # it was sent to Acme's address
    opened = held_register_sender(actor=world_.actor("admin"), held_id=held.pk)
    assert opened.outcome == InboundOutcome.TICKET_CREATED
    ticket = visible_tickets(SYSTEM).get(number=opened.ticket_number)
    assert ticket.partner_id == world_.acme.pk
    [answer] = smtp.to("newcomer@acme-customer.example")
    assert f"[ACME#{ticket.number}]" in answer["Subject"]
    held.refresh_from_db()
    assert held.resolved_at is not None


def test_mail_in_exit_codes_for_an_mta(world_, monkeypatch, capsys):
    assert mail_in(monkeypatch, capsys, b"")[0] == 65

    def database_away(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("tierdesk.mail.inbound.route", database_away)
    code, output = mail_in(monkeypatch, capsys, mail(customer(world_), "Later"))
    assert code == 75 and "temporary failure" in output
    assert not InboundMessage.objects.exists() and not HeldMail.objects.exists()


def test_admins_see_held_mail_and_process_it_again(world_, smtp, settings, client):
    # given an unknown sender's mail held for triage, and a quarantined unreadable one
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "triage"
    triaged = inbound.intake(mail("new@acme-customer.example", "Hello there"), source="t")
    broken = inbound.intake(b"\x00 not a mail at all", source="t")
    client.force_login(world_.user("admin"))
    # when an admin opens the held mail
    page = client.get("/admin/mail/heldmail/")
    assert page.status_code == 200
    assert b"Hello there" in page.content and b"Quarantine: cannot be read" in page.content
    detail = client.get(f"/admin/mail/heldmail/{broken.held_id}/change/")
    assert detail.status_code == 200 and b"no usable sender" in detail.content
    # and turns the triaged one into a ticket with the admin action
    response = client.post(
        "/admin/mail/heldmail/",
        {"action": "register_sender", "_selected_action": [triaged.held_id]},
        follow=True,
    )
    assert response.status_code == 200 and b"turned into a ticket" in response.content
    assert HeldMail.objects.get(pk=triaged.held_id).resolved_at is not None
    assert smtp.to("new@acme-customer.example")
    # and processing the unreadable one again keeps it held, with its reason
    client.post(
        "/admin/mail/heldmail/",
        {"action": "process_again", "_selected_action": [broken.held_id]},
        follow=True,
    )
    held = HeldMail.objects.get(pk=broken.held_id)
    assert held.resolved_at is None and held.attempts == 2
    # and discards it, with who did it
    client.post(
        "/admin/mail/heldmail/",
        {"action": "discard", "_selected_action": [broken.held_id]},
        follow=True,
    )
    held.refresh_from_db()
    assert held.resolved_at is not None and held.resolution.startswith("discarded: by ")


def test_a_bounce_of_our_mail_becomes_a_note_on_its_ticket(world_, smtp):
    # given the question L1 sent, and the bounce a mail server returns for it
    ticket = new_ticket(world_)
    tickets.ticket_take(actor=world_.actor("acme_l1"), ticket_id=ticket.pk)
    tickets.ticket_ask_customer(actor=world_.actor("acme_l1"), ticket_id=ticket.pk, message="?")
    ours = smtp.raw[-1]
    boundary = "BOUNDARY"
    bounce = (
        (
            "From: Mail Delivery System <MAILER-DAEMON@mx.client.example>\r\n"
            "To: support@acme.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <bounce1@mx.client.example>\r\nAuto-Submitted: auto-replied\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;"
            f' boundary="{boundary}"\r\n'
            f"\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
            "The mailbox is full.\r\n"
            f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.2.2\r\n"
            f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + ours
        + f"\r\n--{boundary}--\r\n".encode()
    )
    result = inbound.intake(bounce, source="t")
    # then agents see it as a note on the ticket; nobody is answered
    assert (result.outcome, result.ticket_number) == (InboundOutcome.NOTE_ADDED, ticket.number)
    note = visible_messages(SYSTEM, ticket).last()
    assert note.internal and "The mailbox is full." in note.body
    assert len(smtp.received) == len(smtp.raw)  # nothing new went out for it
    assert not smtp.to("MAILER-DAEMON@mx.client.example")


def test_a_platform_url_in_the_mail_fills_the_platform_ids(world_, smtp):
    from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE

    url = f"https://app.example/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/3"
    body = f"The flow fails, see {url}.\n"
    result = inbound.intake(mail(customer(world_), "Flow fails", body), source="t")
    ticket = visible_tickets(SYSTEM).get(number=result.ticket_number)
    assert (ticket.contract_id, ticket.workspace_id, ticket.flow_id) == (
        ACME_CONTRACT,
        ACME_WORKSPACE,
        ACME_FLOW,
    )
