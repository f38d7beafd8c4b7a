"""Reading inbound mail: charsets as declared, mislabelled or unknown; broken MIME and
base64; the quoted history trimmed; automatic mail recognised. Then the same mails
through intake: imported correctly or held with the reason, and processed again."""

from __future__ import annotations

import base64
import io
import sys

import pytest

from tests.test_mail_support import brand, mail, trust_mta
from tierdesk import cli
from tierdesk.core.actor import SYSTEM
from tierdesk.mail import inbound, parsing
from tierdesk.mail.models import HeldMail, HeldReason, InboundOutcome
from tierdesk.tickets.access import visible_tickets


def raw_mail(headers: str, body: bytes) -> bytes:
    return headers.strip().replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


HEAD = """
Authentication-Results: mx.tierdesk.test; dmarc=pass header.from=example.test
From: Ann <acme_customer@example.test>
To: support@acme.example
Subject: {subject}
Message-ID: <{mid}@client.example>
MIME-Version: 1.0
Content-Type: {ctype}
Content-Transfer-Encoding: {cte}
"""


def one(subject="Test", mid="m1", ctype="text/plain; charset=utf-8", cte="8bit", body=b""):
    return raw_mail(HEAD.format(subject=subject, mid=mid, ctype=ctype, cte=cte), body)


CASES = {
    "windows-1252": (
        one(ctype="text/plain; charset=windows-1252", body="Preis 5 € – Grüße".encode("cp1252")),
        "Preis 5 € – Grüße",
    ),
    "iso-2022-jp": (
        one(
            subject="=?ISO-2022-JP?B?"
            + base64.b64encode("障害".encode("iso-2022-jp")).decode()
            + "?=",
            ctype="text/plain; charset=iso-2022-jp",
            cte="7bit",
            body="フローが失敗します".encode("iso-2022-jp"),
        ),
        "フローが失敗します",
    ),
    "utf-8 declared as us-ascii": (
        one(ctype="text/plain; charset=us-ascii", body="Grüße aus Köln".encode()),
        "Grüße aus Köln",
    ),
    "latin-1 declared as utf-8": (
        one(ctype="text/plain; charset=utf-8", body="Grüße aus Köln".encode("latin-1")),
        "Grüße aus Köln",
    ),
    "unknown charset": (
        one(ctype="text/plain; charset=x-made-up", body=b"plain words"),
        "plain words",
    ),
    "broken base64": (
        one(cte="base64", body=base64.b64encode(b"The flow stops.")[:-3] + b"!!\r\n"),
        "The flow",
    ),
    "8-bit subject without encoding": (
        raw_mail(
            HEAD.format(subject="Störung", mid="m2", ctype="text/plain; charset=utf-8", cte="8bit"),
            b"body",
        ),
        "body",
    ),
    "html only": (
        one(
            ctype="text/html; charset=utf-8",
            body=b"<html><body><p>Flow <b>fails</b></p><blockquote>old</blockquote>"
            b"<script>x()</script></body></html>",
        ),
        "Flow fails",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_charsets_and_encodings_are_read(case):
    raw, expected = CASES[case]
    parsed = parsing.parse(raw)
    assert expected in parsed.body
    assert "\ufffd" not in parsed.body or case == "broken base64"


def test_headers_in_any_charset_are_decoded():
    assert parsing.parse(CASES["iso-2022-jp"][0]).subject == "障害"
    assert parsing.parse(CASES["8-bit subject without encoding"][0]).subject == "Störung"


@pytest.mark.parametrize("size", [57, 58, 59, 1000, 1001, 1002])
def test_a_base64_attachment_comes_out_byte_for_byte(size):
    # given attachments over several base64 lines, of every length modulo 3 (padding)
    content = bytes(range(256)) * 4
    raw = mail("a@example.test", "Files", attachments=[("a.bin", content[:size], "a/b")])
    # when the mail is read, then each is whole, its last bytes included
    [part] = parsing.parse(raw).attachments
    assert part.content == content[:size]


def test_multipart_without_boundary_and_missing_parts_still_read():
    raw = raw_mail(
        """
From: acme_customer@example.test
Subject: odd
Content-Type: multipart/mixed
""",
        b"just text, no boundary at all",
    )
    assert "just text" in parsing.parse(raw).body


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty"),
        (b"\x00\x01\x02 not a mail", "sender"),
        (raw_mail("From: nobody\nSubject: x", b"text"), "sender"),
        (raw_mail("From: a@b.example\nSubject: x", b""), "neither text nor attachments"),
    ],
)
def test_unusable_mail_is_unparseable_with_the_reason(raw, reason):
    with pytest.raises(parsing.Unparseable, match=reason):
        parsing.parse(raw)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Thanks!\n\nOn Mon, 3 Nov 2026 at 10:00, Acme <s@a.example> wrote:\n> old", "Thanks!"),
        ("Danke\n\nAm 03.11.2026 um 10:00 schrieb Acme <s@a.example>:\n> alt", "Danke"),
        ("Yes\n\nOn Mon, 3 Nov 2026 at 10:00, Acme Support\n<s@a.example> wrote:\n> x", "Yes"),
        ("Ok\n\n-----Original Message-----\nFrom: x\nSent: y\n\nold", "Ok"),
        (
            "Ok\n________________________________\nFrom: Acme\nSent: Monday\nTo: me\nSubject: x",
            "Ok",
        ),
        (f"Here\n\n> {parsing.REPLY_MARKER}\n> Hello", "Here"),
        ("Body\n\n-- \nAnn, Acme GmbH", "Body"),
        ("> only a quote\n> nothing new", "> only a quote\n> nothing new"),
        ("Inline:\n> question?\nanswer\n", "Inline:\n> question?\nanswer"),
    ],
)
def test_the_quoted_history_is_trimmed(text, kept):
    assert parsing.trim_quoted(text) == kept


@pytest.mark.parametrize(
    "headers, automatic, no_reply",
    [
        ({"Auto-Submitted": "auto-replied"}, True, True),
        ({"Auto-Submitted": "no"}, False, False),
        ({"Return-Path": "<>"}, True, True),
        ({"X-Autoreply": "yes"}, True, True),
        ({"Precedence": "bulk"}, False, True),
        ({"Precedence": "auto_reply"}, True, True),
        ({"List-Id": "<x.lists.example>"}, False, True),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, False, True),
        ({}, False, False),
    ],
)
def test_automatic_and_unanswerable_mail_is_recognised(headers, automatic, no_reply):
    parsed = parsing.parse(mail("ann@client.example", "x", headers=headers))
    assert bool(parsed.automatic) is automatic and bool(parsed.no_reply) is no_reply


# Through intake -----------------------------------------------------------------------


@pytest.fixture
def world_(world, settings):
    trust_mta(settings)
    return brand(world)


@pytest.mark.django_db(transaction=True)
def test_odd_mail_is_imported_or_held_and_never_stops_the_next(world_, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    good = [
        (
            one(
                mid=f"c{n}",
                ctype=CASES[c][0].split(b"Content-Type: ")[1].split(b"\r\n")[0].decode(),
                cte=CASES[c][0].split(b"Content-Transfer-Encoding: ")[1].split(b"\r\n")[0].decode(),
                body=CASES[c][0].split(b"\r\n\r\n", 1)[1],
            ),
            CASES[c][1],
        )
        for n, c in enumerate(CASES)
        if c != "8-bit subject without encoding"
    ]
    broken = [b"\x00garbage", raw_mail("From: nobody\nSubject: x", b"text")]
    results = []
    for raw in [broken[0], *(g for g, _ in good[:4]), broken[1], *(g for g, _ in good[4:])]:
        results.append(inbound.intake(raw, source="t"))
    created = [r for r in results if r.outcome == InboundOutcome.TICKET_CREATED]
    assert len(created) == len(good)
    for (_, expected), result in zip(good, created, strict=True):
        ticket = visible_tickets(SYSTEM).get(number=result.ticket_number)
        assert expected in ticket.description
    held = HeldMail.objects.order_by("pk")
    assert [h.reason for h in held] == [HeldReason.UNPARSEABLE] * 2
    assert "sender" in held[0].detail and bytes(held[0].raw) == broken[0]


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_fails_is_held_and_processed_again_from_the_cli(
    world_, settings, monkeypatch, capsys
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    raw = mail(world_.user("acme_customer").email, "Fails once")

    # given a fault while the ticket is created
    def broken_create(**kwargs):
        raise RuntimeError("the directory service is down")

    monkeypatch.setattr("tierdesk.tickets.services.ticket_create", broken_create)
    result = inbound.intake(raw, source="stdin")
    held = HeldMail.objects.get(pk=result.held_id)
    assert held.reason == HeldReason.FAILED and "directory service is down" in held.detail
    assert not visible_tickets(SYSTEM).exists()
    # and the same mail again is not held twice
    assert inbound.intake(raw, source="stdin").held_id == held.pk
    assert HeldMail.objects.count() == 1
    # when the fault is gone and an admin processes it again
    monkeypatch.undo()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["mail-reprocess", str(held.pk)]) == 0
    # then the ticket exists and the held mail is resolved
    assert "ticket_created" in capsys.readouterr().out
    held.refresh_from_db()
    assert held.resolved_at is not None and "ticket_created" in held.resolution
    assert visible_tickets(SYSTEM).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_very_long_mail_opens_a_ticket_with_its_text_shortened(world_, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    body = "A line of a very long log pasted into the mail.\n" * 6000  # ~290,000 characters
    result = inbound.intake(mail(world_.user("acme_customer").email, "Long", body), source="t")
    ticket = visible_tickets(SYSTEM).get(number=result.ticket_number)
    assert len(ticket.description) < 160_000 and ticket.description.endswith("attached as .eml]")
