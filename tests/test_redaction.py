"""Secret redaction at the door: the shapes it masks (and the prose it leaves alone),
streaming across chunk and line boundaries, and every door — ticket fields, messages,
actions, uploads, mail bodies and attachments, held mail. After it all, the raw secrets
are nowhere: not in any text column of any table, not in storage, not in the logs, the
outbox or the mail sent out."""

from __future__ import annotations

import io
import logging
import random
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.factories import complete_fields, new_ticket
from tests.test_mail_support import brand, mail, smtp_server
from tierdesk.core.redaction import CARRY, Redactor, redact, redact_file, redact_text
from tierdesk.mail import inbound
from tierdesk.mail.models import HeldMail
from tierdesk.mail.scrub import scrub_mail
from tierdesk.tickets import services
from tierdesk.tickets.access import visible_attachments, visible_tickets
from tierdesk.tickets.models import AttachmentKind

# Realistic secrets; none of them is valid anywhere.
BEARER = "sk9Vq2WZp8LrT4mN7xYc1bHe"
PASSWORD = "Tr0ub4dor&3-horse"
API_KEY = "k_3f9a1c77e2d94b5a"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PLATFORM_KEY = "ipk_live_8fQ2mZr7Lk3NpX9wVb4Tc6Hy1Jd5Ge0s"
TIERDESK_TOKEN = "td_0a1b2c3d_" + "Zq8-vR3_kP1mW6nB2xC7yL4tH9sD5fG0jK3aE8uQ1oI"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFubiJ9"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
CLIENT_SECRET = "cs-7Hh2kQ9wPz4rXy1v"
DB_PASSWORD = "pg-Secr3t-9911"
PEM_BODY = "MIIEowIBAAKCAQEAx5dR3kJq9Lk2mVb7Tz1wYpQ8sN4fG6hJ0aE3uI2oR5tY7wQ9"
PEM = (
    f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY[::-1]}\n-----END RSA PRIVATE KEY-----"
)
SECRETS = [
    BEARER,
    PASSWORD,
    API_KEY,
    AWS_ID,
    AWS_SECRET,
    PLATFORM_KEY,
    TIERDESK_TOKEN,
    JWT,
    CLIENT_SECRET,
    DB_PASSWORD,
    PEM_BODY,
]


def leaky_log() -> str:
    """A log holding every secret in a different shape."""
    return "\n".join(
        [
            f"2026-11-27T09:14:03Z INFO GET /orders Authorization: Bearer {BEARER}",
            '{"level":30,"msg":"login","body":{"user":"ann","password":"' + PASSWORD + '"}}',
            f"2026-11-27T09:14:04Z DEBUG POST /token?grant=client&api_key={API_KEY}&page=2",
            f"aws_access_key_id={AWS_ID}\naws_secret_access_key = {AWS_SECRET}",
            f"2026-11-27T09:14:05Z INFO platform key {PLATFORM_KEY} used",
            f"2026-11-27T09:14:06Z INFO Authorization: Bearer {TIERDESK_TOKEN}",
            f'2026-11-27T09:14:07Z INFO "id_token": "{JWT}"',
            f"2026-11-27T09:14:08Z INFO form client_id=abc&client_secret={CLIENT_SECRET}",
            f"DATABASE_URL=postgres://orders:{DB_PASSWORD}@db.internal:5432/orders",
            PEM,
            "2026-11-27T09:14:09Z ERROR Request failed with status code 401",
        ]
    )


# ---------------------------------------------------------------------------------------
# The shapes
# ---------------------------------------------------------------------------------------
CASES = [
    ("header", f"Authorization: Bearer {BEARER}", "bearer", BEARER),
    ("bearer url-encoded", f"auth=Bearer%20{BEARER}&x=1", "bearer", BEARER),
    ("basic", "Authorization: Basic YW5uOmh1bnRlcjI=", "basic", "YW5uOmh1bnRlcjI="),
    ("json password", f'{{"password": "{PASSWORD}"}}', "password", PASSWORD),
    (
        "json pretty, split over lines",
        f'{{\n  "password":\n    "{PASSWORD}"\n}}',
        "password",
        PASSWORD,
    ),
    (
        "escaped json in a string",
        f'{{"msg":"{{\\"secret\\":\\"{API_KEY}\\"}}"}}',
        "secret",
        API_KEY,
    ),
    ("yaml", f"api_key: {API_KEY}", "api_key", API_KEY),
    ("header x-api-key", f"X-Api-Key: {API_KEY}", "api_key", API_KEY),
    ("env", f"export DB_PASSWORD={DB_PASSWORD}", "password", DB_PASSWORD),
    ("passwd", f"passwd={PASSWORD}", "password", PASSWORD),
    ("query", f"GET /cb?code=1&access_token={BEARER}&state=x", "token", BEARER),
    ("form", f"username=ann&password={quote(PASSWORD)}&remember=1", "password", quote(PASSWORD)),
    (
        "url-encoded query inside a parameter",
        f"next=https%3A%2F%2Fa.example%2Fcb%3Ftoken%3D{BEARER}%26b%3D1",
        "token",
        BEARER,
    ),
    ("client secret", f"client_secret={CLIENT_SECRET}", "client_secret", CLIENT_SECRET),
    ("url credentials", f"sftp://ann:{PASSWORD}@files.example/in", "url_credentials", PASSWORD),
    (
        "url credentials url-encoded",
        f"u=https%3A%2F%2Fann%3A{DB_PASSWORD}%40db.example",
        "url_credentials",
        DB_PASSWORD,
    ),
    ("pem", f"key:\n{PEM}\nnext line", "private_key", PEM_BODY),
    (
        "pem inside json",
        '{"key":"' + PEM.replace("\n", "\\n") + '\\n"}',
        "private_key",
        PEM_BODY,
    ),
    ("aws access key", f"using {AWS_ID} now", "aws_access_key", AWS_ID),
    ("aws secret", f'"aws_secret_access_key": "{AWS_SECRET}"', "aws_secret_key", AWS_SECRET),
    ("platform api key", f"key {PLATFORM_KEY}.", "platform_api_key", PLATFORM_KEY),
    ("tierdesk token", f"token {TIERDESK_TOKEN} ok", "tierdesk_token", TIERDESK_TOKEN),
    ("jwt", f"session {JWT} expired", "jwt", JWT),
    (
        "mail body",
        f"Hi,\nour password is below\npassword: {PASSWORD}\nThanks",
        "password",
        PASSWORD,
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "secret"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_shape_is_masked_keeping_its_kind(text, kind, secret):
    # given a text holding one secret in one shape; when it is redacted
    masked, counts = redact(text)
    # then the secret is gone, its kind is named in its place and counted once
    assert secret not in masked
    assert f"[redacted: {kind}]" in masked
    assert counts == {kind: 1}
    # and a second pass finds nothing more (the masks are not secrets)
    assert redact(masked) == (masked, {})


@pytest.mark.parametrize(
    "text",
    [
        "Basic configuration of the flow is fine",
        "the token expired at 09:14; tokens=5; max_token_count=3; token_type=Bearer",
        '"password": null, "token": "", "secret": true',
        "Password reset was requested by Ann",
        "Request failed with status code 401",
        "flow 5f1a2b3c4d5e6f7081920a3d step_2 exec 0c1d2e3f",
    ],
)
def test_prose_and_ids_are_left_alone(text):
    # given text that talks about secrets without holding one; then nothing changes
    assert redact(text) == (text, {})


def test_masks_keep_the_structure_around_them():
    # given JSON and a query string; when redacted; then they still parse as such
    masked = redact_text(f'{{"user":"ann","password":"{PASSWORD}","n":1}}')
    assert masked == '{"user":"ann","password":"[redacted: password]","n":1}'
    query = redact_text(f"a=1&token={BEARER}&b=2")
    assert query == "a=1&token=[redacted: token]&b=2"


# ---------------------------------------------------------------------------------------
# Streaming
# ---------------------------------------------------------------------------------------
def big_text(seed: int = 7) -> str:
    """~300 KB of log with the leaky lines scattered through it."""
    rng = random.Random(seed)
    filler = "2026-11-27T09:14:0{}Z INFO step_2 processed record {} in {} ms\n"
    parts = []
    for n in range(4000):
        parts.append(filler.format(n % 10, n, rng.randint(1, 999)))
        if n % 400 == 17:
            parts.append(leaky_log() + "\n")
    return "".join(parts)


@pytest.mark.parametrize("chunk_size", [997, 4099, 65536, 10**7])
def test_streaming_gives_what_one_pass_gives_at_any_chunk_size(chunk_size):
    # given a large log with secrets everywhere, some inevitably across chunk boundaries
    text = big_text()
    whole, whole_counts = redact(text)
    # when it is streamed in chunks of this size
    out = io.BytesIO()
    counts = redact_file(io.BytesIO(text.encode()), out, chunk_size=chunk_size)
    # then the output and the counts are those of one pass over the whole, no secret left
    assert out.getvalue().decode() == whole
    assert counts == whole_counts
    assert not any(secret in whole for secret in SECRETS)


def test_a_secret_split_exactly_at_a_chunk_boundary_is_caught():
    # given a PEM key and a bearer token each cut in two between feeds
    redactor = Redactor()
    padding = "x" * (CARRY + 20000) + "\n"
    pieces = [padding, PEM[:40], PEM[40:], "\nAuthorization: Bearer ", BEARER[:5], BEARER[5:], "\n"]
    out = "".join(redactor.feed(p) for p in pieces) + redactor.finish()
    # then both are masked whole, nothing of them remains
    assert PEM_BODY not in out and BEARER[5:] not in out and BEARER[:5] + "\n" not in out
    assert redactor.counts == {"private_key": 1, "bearer": 1}


def test_bytes_that_are_not_utf8_pass_through_and_characters_are_not_cut():
    # given Latin-1 bytes and umlauts around a secret, read two bytes at a time
    data = "Größe ".encode() + b"\xe9t\xe9 " + f"password={PASSWORD}\n".encode()
    out = io.BytesIO()
    counts = redact_file(io.BytesIO(data), out, chunk_size=2)
    # then every byte around the mask is as it was
    assert out.getvalue() == "Größe ".encode() + b"\xe9t\xe9 password=[redacted: password]\n"
    assert counts == {"password": 1}


# ---------------------------------------------------------------------------------------
# The doors
# ---------------------------------------------------------------------------------------
def test_ticket_fields_and_the_pasted_log_are_masked_on_create_and_update(world):
    # given a ticket opened with secrets in its text fields and its pasted log
    ticket = new_ticket(
        world,
        description=f"Fails since we set password={PASSWORD}",
        pasted_log=leaky_log(),
        check_credentials=f"Tried the key {PLATFORM_KEY}",
    )
    # then none of them is stored
    for value in (ticket.description, ticket.pasted_log, ticket.check_credentials):
        assert not any(secret in value for secret in SECRETS)
    assert "[redacted: password]" in ticket.description
    # and an edit is masked too
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        changes={"actual_behaviour": f"401 with Authorization: Bearer {BEARER}"},
        version=ticket.version,
    )
    ticket.refresh_from_db()
    assert ticket.actual_behaviour == "401 with Authorization: Bearer [redacted: bearer]"


def test_messages_and_action_notes_are_masked(world):
    # given a ticket; when a customer writes a secret and L1 asks back quoting one
    ticket = new_ticket(world)
    message = services.message_add(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, body=f"my api_key: {API_KEY}"
    )
    services.ticket_act(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, action="take", payload={}
    )
    services.ticket_act(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        action="ask_customer",
        payload={"message": f"Is {JWT} the session you used?"},
    )
    # then the stored texts hold the masks
    assert message.body == "my api_key: [redacted: api_key]"
    asked = ticket.messages.order_by("-pk").first()
    assert asked.body == "Is [redacted: jwt] the session you used?"


def test_an_uploaded_log_is_stored_masked_with_its_counts(world):
    # given a log with every kind of secret
    ticket = new_ticket(world)
    data = leaky_log().encode()
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=io.BytesIO(data),
        filename="execution.log",
        kind=AttachmentKind.LOG,
    )
    # then the stored bytes are masked, and size and SHA-256 describe them
    stored = attachment.file.open("rb").read()
    assert not any(secret.encode() in stored for secret in SECRETS)
    assert attachment.size == len(stored)
    import hashlib

    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    # and the attachment says how many of which kind were masked
    attachment.refresh_from_db()
    assert attachment.redactions == {
        "bearer": 2,  # a Tierdesk token sent as a bearer token is a bearer token
        "password": 1,
        "api_key": 1,
        "aws_access_key": 1,
        "aws_secret_key": 1,
        "platform_api_key": 1,
        "jwt": 1,  # under "id_token", but recognised by its shape first
        "client_secret": 1,
        "url_credentials": 1,
        "private_key": 1,
    }


def test_the_api_and_the_ticket_page_show_the_counts(world, client):
    # given an uploaded log with two bearer tokens
    ticket = new_ticket(world)
    body = f"Authorization: Bearer {BEARER}\nAuthorization: Bearer {BEARER}x\n".encode()
    services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=body,
        filename="h.log",
        kind=AttachmentKind.LOG,
    )
    client.force_login(world.user("acme_l1"))
    # when the API lists the attachments; then the counts are there
    listed = client.get(f"/api/v1/tickets/{ticket.pk}/attachments").json()
    assert listed[0]["redactions"] == {"bearer": 2}
    # and the ticket page says it in words
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "2 × bearer" in page


def test_an_image_is_not_touched(world):
    # given a PNG whose bytes happen to contain a secret-looking string
    png = b"\x89PNG\r\n\x1a\n" + f"password={PASSWORD}".encode() + b"\x00" * 32
    ticket = new_ticket(world)
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=png,
        filename="s.png",
        kind=AttachmentKind.SCREENSHOT,
    )
    # then it is stored byte for byte (not text: nothing is redacted)
    assert attachment.file.open("rb").read() == png and attachment.redactions == {}


def test_raw_mail_is_scrubbed_in_encoded_parts_too():
    # given a mail whose log attachment is base64-encoded and whose body is plain
    raw = mail(
        "ann@example.test",
        "Help",
        f"password: {PASSWORD}\n",
        attachments=[("x.log", f"token={BEARER}\n".encode(), "text/plain")],
    )
    assert BEARER.encode() not in raw  # only one decode away
    # when scrubbed; then neither the plain nor the encoded secret survives
    scrubbed = scrub_mail(raw)
    import email

    message = email.message_from_bytes(scrubbed)
    decoded = b"".join(p.get_payload(decode=True) or b"" for p in message.walk())
    assert PASSWORD.encode() not in scrubbed and BEARER.encode() not in decoded
    assert b"[redacted: token]" in decoded


# ---------------------------------------------------------------------------------------
# Nowhere: database, storage, logs, outbox, outbound mail
# ---------------------------------------------------------------------------------------
@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


def every_stored_value():
    """Every value of every column of every table, read with raw SQL."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = value.tobytes()
                    yield table, value


def leaks(secret: str, value) -> bool:
    if isinstance(value, bytes):
        return secret.encode() in value
    return isinstance(value, str) and secret in value


@pytest.mark.django_db(transaction=True)
def test_after_uploads_and_mail_the_raw_secrets_are_nowhere(world, smtp, settings, caplog):
    caplog.set_level(logging.DEBUG)
    brand(world)
    # given a ticket with a leaky pasted log, a leaky upload (API), a leaky message
    ticket = services.ticket_create(
        actor=world.actor("acme_l1"),
        data=complete_fields(pasted_log=leaky_log()),
        customer=world.user("acme_customer").email,
    )
    services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=leaky_log().encode(),
        filename="execution.log",
        kind=AttachmentKind.LOG,
        internal=False,
    )
    services.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body=f"Saw {PLATFORM_KEY} in it"
    )
    # and a customer's mail with secrets in the body and in an attached log
    inbound.intake(
        mail(
            world.user("acme_customer").email,
            f"Broken again, token={BEARER}",
            f"Hello,\nour DB: postgres://orders:{DB_PASSWORD}@db.internal/orders\n",
            attachments=[("run.log", leaky_log().encode(), "text/plain")],
        ),
        source="test",
    )
    # and a mail from an unknown sender held in triage
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "triage"
    inbound.intake(
        mail("stranger@else.example", "Help", f"api_key={API_KEY}\n{PEM}\n"), source="test"
    )
    assert HeldMail.objects.count() == 1
    assert visible_tickets(world.actor("acme_l1")).count() == 2
    # then no table holds any of the raw secrets, in any column
    found = [
        (table, secret)
        for table, value in every_stored_value()
        for secret in SECRETS
        if leaks(secret, value)
    ]
    assert found == []
    # nor any stored file
    root = Path(settings.STORAGES["attachments"]["OPTIONS"]["location"])
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) >= 3
    for path in files:
        content = path.read_bytes()
        assert not any(secret.encode() in content for secret in SECRETS), path
    # nor the application's log records
    assert not any(secret in caplog.text for secret in SECRETS)
    # nor any mail that went out (the auto-reply, notifications)
    assert smtp.raw
    for raw in smtp.raw:
        assert not any(secret.encode() in raw for secret in SECRETS)
    # and the attachments of the mailed ticket say what was masked
    mailed = visible_tickets(world.actor("acme_l1")).exclude(pk=ticket.pk).get()
    log = visible_attachments(world.actor("acme_l1"), mailed).get(kind=AttachmentKind.LOG)
    assert log.redactions["private_key"] == 1
