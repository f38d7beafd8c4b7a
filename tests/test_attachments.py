"""Attachments: what a file is comes from its bytes; it is stored privately under a name
of our choosing; it leaves only as a download, and only to those who may see it."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import time
import zipfile
from pathlib import Path

import pytest
from django.utils.module_loading import import_string
from PIL import Image

from tests.factories import PLAIN_LOG, new_ticket
from tierdesk.core.errors import InvalidInput, NotFound, PayloadTooLarge
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, AttachmentKind, EventKind
from tierdesk.tickets.sniff import is_image_type, is_text_type, sniff_content_type


@pytest.fixture
def attachment_dir(settings) -> Path:
    """Where this test's attachments go: the private folder tests/conftest.py configures."""
    location = Path(settings.STORAGES["attachments"]["OPTIONS"]["location"])
    # the file field follows the configured storage (not the one of import time)
    assert Path(Attachment._meta.get_field("file").storage.location) == location
    return location


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (31, 78, 121)).save(buffer, fmt)
    return buffer.getvalue()


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("execution.log", PLAIN_LOG)
    return buffer.getvalue()


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PLAIN_TEXT = (
    b"2026-11-27 09:14:03.120 ERROR [http-component] Request failed with status code 401\n"
    b"2026-11-27 09:14:03.121 INFO  [http-component] Retrying in 5 s\n"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


def cut_utf8_text(size: int = 8192) -> bytes:
    """Umlaut-heavy text of `size` bytes whose last byte starts a 3-byte character."""
    text = ("Größe überschritten — Fehler bei Übertragung: äöü ß 日本\n" * 400).encode()
    head = text[: size - 200].decode("utf-8", errors="ignore").encode()
    head += b"." * (size - 1 - len(head))
    return head + "€".encode()[:1]


# ---------------------------------------------------------------------------------------
# Sniffing from bytes
# ---------------------------------------------------------------------------------------
SNIFF_CASES = [
    ("png", image("PNG"), "image/png"),
    ("jpeg", image("JPEG"), "image/jpeg"),
    ("gif", image("GIF"), "image/gif"),
    ("webp", image("WEBP"), "image/webp"),
    ("bmp", image("BMP"), "image/bmp"),
    ("pdf", PDF, "application/pdf"),
    ("zip", zipped(), "application/zip"),
    ("gzip", gzip.compress(PLAIN_LOG * 10), "application/gzip"),
    ("json lines", PLAIN_LOG * 3, "application/x-ndjson"),
    ("json lines cut at the sample end", (PLAIN_LOG * 200)[:8192], "application/x-ndjson"),
    ("one json object", PLAIN_LOG, "application/json"),
    ("plain text", PLAIN_TEXT, "text/plain"),
    ("text starting with BM is no bitmap", b"BMW dealer sync failed at 09:14\n", "text/plain"),
    ("utf-8 with a bom", b"\xef\xbb\xbf" + PLAIN_TEXT, "text/plain"),
    ("utf-8 cut inside a character", cut_utf8_text(), "text/plain"),
    ("binary junk with nul bytes", bytes(range(256)) * 8, "application/octet-stream"),
    ("elf executable", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, "application/octet-stream"),
    ("invalid utf-8, no nul", b"\xc3\x28\xa0\xa1\xe2\x28\xa1" * 50, "application/octet-stream"),
    ("text ending in junk bytes", b"looks like text \xff\xfe", "application/octet-stream"),
    ("svg", SVG, "image/svg+xml"),
    ("svg with xml prolog", b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG, "image/svg+xml"),
    (
        "svg with a doctype",
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + SVG,
        "image/svg+xml",
    ),
    ("svg after a comment", b"<!-- Generator: Inkscape -->\n" + SVG, "image/svg+xml"),
    ("svg after bom and blank lines", b"\xef\xbb\xbf\n\n  " + SVG, "image/svg+xml"),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), SNIFF_CASES, ids=[case[0] for case in SNIFF_CASES]
)
def test_sniffing_names_what_the_bytes_are(name, content, expected):
    # given the first bytes of a file (at most the 8 KiB the service looks at)
    # when we sniff them
    # then we get what the bytes really are
    assert sniff_content_type(content[:8192]) == expected, name


@pytest.mark.parametrize(
    "sample",
    [b"<!-- a -->" * 800 + b"x", b"<!-- a --" * 900, b"<!DOCTYPE svg [ ] >" * 400, b" " * 8191],
    ids=["closed comments", "unclosed comments", "doctypes", "blanks"],
)
def test_sniffing_a_hostile_prolog_takes_no_time(sample):
    # given 8 KiB built to make a careless SVG pattern backtrack
    started = time.perf_counter()
    # when we sniff it, then it is text, answered at once
    assert sniff_content_type(sample[:8192]) == "text/plain"
    assert time.perf_counter() - started < 0.5


def test_the_cut_utf8_sample_really_ends_inside_a_character():
    # given the sample used above, then it is not decodable as it stands (so the test
    # above checks the cut-character case and not plain text)
    sample = cut_utf8_text()
    with pytest.raises(UnicodeDecodeError, match="unexpected end of data"):
        sample.decode("utf-8")


def test_svg_is_an_image_type_but_never_a_screenshot():
    # given the sniffed type of an SVG
    content_type = sniff_content_type(SVG)
    # then it is neither a log (text) nor an acceptable screenshot (image)
    assert content_type == "image/svg+xml"
    assert not is_image_type(content_type)
    assert not is_text_type(content_type)
    assert is_image_type("image/png") and is_text_type("application/x-ndjson")


# ---------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------
def test_the_stored_type_is_the_sniffed_one_not_the_filename(world):
    # given a ticket the Acme L1 agent works
    ticket = new_ticket(world, "acme")
    actor = world.actor("acme_l1")
    # when a PNG arrives called "error.log" and a text log called "screen.png"
    png = services.attachment_add(
        actor=actor,
        ticket_id=ticket.pk,
        file=image("PNG"),
        filename="error.log",
        kind=AttachmentKind.SCREENSHOT,
    )
    log = services.attachment_add(
        actor=actor,
        ticket_id=ticket.pk,
        file=PLAIN_TEXT,
        filename="screen.png",
        kind=AttachmentKind.LOG,
    )
    # then each keeps the type of its bytes, and its name only as a label
    png.refresh_from_db()
    log.refresh_from_db()
    assert (png.content_type, png.filename, png.is_image) == ("image/png", "error.log", True)
    assert (log.content_type, log.filename, log.is_text) == ("text/plain", "screen.png", True)


@pytest.mark.parametrize(
    ("content", "kind", "reason"),
    [
        (image("PNG"), AttachmentKind.LOG, "not a text log"),
        (SVG, AttachmentKind.SCREENSHOT, "not an image"),
        (PLAIN_TEXT, AttachmentKind.SCREENSHOT, "not an image"),
        (b"", AttachmentKind.LOG, "is empty"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_is_stored(
    world, attachment_dir, content, kind, reason
):
    # given a ticket
    ticket = new_ticket(world, "acme")
    # when a screenshot is passed off as a log, an SVG or text as a screenshot, or nothing
    with pytest.raises(InvalidInput, match=reason) as refused:
        services.attachment_add(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            file=content,
            filename="evidence.log",
            kind=kind,
        )
    # then the field is named, and neither a row nor a file is left behind
    assert "file" in refused.value.fields
    assert not ticket.attachments.exists()
    assert not attachment_dir.exists() or not any(attachment_dir.rglob("*"))


def test_an_svg_may_be_attached_as_other_but_counts_as_no_screenshot(world):
    # given a ticket
    ticket = new_ticket(world, "acme")
    # when an SVG is attached as "other"
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=SVG,
        filename="diagram.svg",
        kind=AttachmentKind.OTHER,
    )
    # then it is stored as SVG and is not an image for the handover's screenshot count
    assert attachment.content_type == "image/svg+xml"
    assert not attachment.is_image


def test_a_log_whose_sample_ends_inside_a_character_is_still_a_log(world):
    # given a UTF-8 log longer than the sniffed sample, cut inside a character there
    content = cut_utf8_text() + "ß rest of the log\n".encode()
    ticket = new_ticket(world, "acme")
    # when it is attached as a log
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=content,
        filename="umlauts.log",
        kind=AttachmentKind.LOG,
    )
    # then it is accepted as text
    assert attachment.content_type == "text/plain"


def test_size_and_sha256_are_stored_and_match_the_bytes(world):
    # given a log
    content = PLAIN_LOG * 7
    ticket = new_ticket(world, "acme")
    # when it is attached
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=io.BytesIO(content),
        filename="execution.log",
        kind=AttachmentKind.LOG,
    )
    # then the record holds its size and digest, the stored bytes are the bytes sent,
    # and one event records the upload
    attachment.refresh_from_db()
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    event = ticket.events.get(kind=EventKind.ATTACHMENT_ADDED)
    assert event.data["attachment_id"] == attachment.pk


def test_a_file_over_the_limit_is_refused(world, settings, attachment_dir):
    # given a 1 KiB upload limit
    settings.TIERDESK_MAX_UPLOAD_BYTES = 1024
    ticket = new_ticket(world, "acme")
    # when a larger log arrives (as a stream)
    with pytest.raises(PayloadTooLarge):
        services.attachment_add(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            file=io.BytesIO(b"x" * 1025),
            filename="big.log",
            kind=AttachmentKind.LOG,
        )
    # then nothing is stored
    assert not ticket.attachments.exists()
    assert not attachment_dir.exists() or not any(attachment_dir.rglob("*"))


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "a/../../b.log", ""],
)
def test_files_are_stored_under_a_content_addressed_name(world, attachment_dir, filename):
    # given a hostile client filename
    ticket = new_ticket(world, "acme")
    # when a log arrives under it
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename=filename,
        kind=AttachmentKind.LOG,
    )
    # then the stored name is made of the ticket and the digest only (a suffix is added
    # by the storage when the same bytes were stored before)
    sha = hashlib.sha256(PLAIN_LOG).hexdigest()
    assert re.fullmatch(
        rf"tickets/{ticket.pk}/{sha[:2]}/{sha}(_[A-Za-z0-9]{{7}})?", attachment.file.name
    )
    # and the file sits inside the private location; nothing was written outside it
    on_disk = Path(attachment.file.path).resolve()
    assert on_disk.is_relative_to(attachment_dir.resolve())
    assert [p for p in attachment_dir.rglob("*") if p.is_file()] == [on_disk]
    # and the label keeps no path separators
    assert "/" not in attachment.filename and "\\" not in attachment.filename


@pytest.mark.parametrize(
    "filename",
    ["nul\x00byte.log", "line\r\nbreak.log", "tab\tand\x7fdel.log", "lone\udcffsurrogate.log"],
    ids=["nul", "crlf", "controls", "lone surrogate"],
)
def test_a_filename_any_database_can_store_and_any_header_can_carry(world, client, filename):
    # given a name as a mail attachment may bring it: control characters, or bytes the
    # mail decoder kept as a lone surrogate (PostgreSQL refuses both)
    ticket = new_ticket(world, "acme")
    # when a log arrives under it
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename=filename,
        kind=AttachmentKind.LOG,
    )
    # then it is stored, its label holds only printable, encodable characters
    attachment.refresh_from_db()
    assert attachment.filename.startswith(filename[:3])
    assert not re.search(r"[\x00-\x1f\x7f]", attachment.filename)
    attachment.filename.encode("utf-8")
    # and it downloads
    client.force_login(world.user("acme_l1"))
    response, body = _download(client, attachment.pk)
    assert (response.status_code, body) == (200, PLAIN_LOG)


def test_the_attachment_storage_is_private_with_no_url():
    # given the attachment storage as the project configures it (not the test override)
    from tierdesk import settings as project_settings

    config = project_settings.STORAGES["attachments"]
    storage = import_string(config["BACKEND"])(**config.get("OPTIONS", {}))
    # then it lives outside the static files and answers no URL for any file
    location = Path(storage.location).resolve()
    assert not location.is_relative_to(Path(project_settings.STATIC_ROOT).resolve())
    assert config["OPTIONS"]["base_url"] is None
    assert os.fspath(location) == os.fspath(Path(project_settings.STORAGE_DIR).resolve())


def test_an_attachment_has_no_url_of_its_own():
    # given the attachment storage as the project configures it
    from tierdesk import settings as project_settings

    config = project_settings.STORAGES["attachments"]
    storage = import_string(config["BACKEND"])(**config.get("OPTIONS", {}))
    # then it has no base URL and refuses to make one for a file
    assert storage.base_url is None
    with pytest.raises(ValueError, match="not accessible via a URL"):
        storage.url("tickets/1/ab/abcdef")


# ---------------------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------------------
def _download(client, attachment_id: int, *, portal: bool = False):
    """The console's download, or the portal's (where the console sends customers)."""
    url = f"/portal/files/{attachment_id}/" if portal else f"/attachments/{attachment_id}/"
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/html"):
        # An error page's CSP nonce is fresh each time, and the portal's sign-out form
        # carries a CSRF token masked anew each time; the rest must be alike.
        body = re.sub(rb'nonce="[^"]*"', b'nonce=""', body)
        body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)
    return response, body


def test_the_download_is_always_an_opaque_attachment(world, client):
    # given an SVG with a script and an HTML-ish text log on a ticket
    ticket = new_ticket(world, "acme")
    actor = world.actor("acme_l1")
    svg = services.attachment_add(
        actor=actor,
        ticket_id=ticket.pk,
        file=SVG,
        filename="../../evil.svg",
        kind=AttachmentKind.OTHER,
    )
    log = services.attachment_add(
        actor=actor,
        ticket_id=ticket.pk,
        file=b"<script>alert(1)</script>\n",
        filename="page.html",
        kind=AttachmentKind.LOG,
    )
    client.force_login(world.user("acme_l1"))
    for attachment, content in ((svg, SVG), (log, b"<script>alert(1)</script>\n")):
        # when the agent downloads it
        response, body = _download(client, attachment.pk)
        # then it comes as a download of opaque bytes the browser must not sniff
        assert response.status_code == 200
        assert body == content
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "/" not in disposition.split("filename=", 1)[1]
        assert "sandbox" in response["Content-Security-Policy"]


def test_downloads_of_attachments_one_may_not_see_are_404(world, client):
    # given an Acme ticket with an internal staff log and a customer's public log
    ticket = new_ticket(world, "acme")
    internal = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="internal.log",
        kind=AttachmentKind.LOG,
    )
    public = services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=PLAIN_TEXT,
        filename="mine.log",
        kind=AttachmentKind.LOG,
    )
    assert internal.internal and not public.internal
    missing_id = public.pk + 1000
    cases = {
        # who: {attachment: expected status}
        "acme_customer": {internal: 404, public: 200},
        "acme_l1": {internal: 200, public: 200},
        "globex_l1": {internal: 404, public: 404},
        "globex_customer": {internal: 404, public: 404},
        "direct_customer": {internal: 404, public: 404},
        "vendor_l1": {internal: 404, public: 404},
        "l3": {internal: 404, public: 404},  # never escalated
        "l2": {internal: 200, public: 200},
    }
    for who, expected in cases.items():
        client.force_login(world.user(who))
        portal = who.endswith("customer")
        missing, missing_body = _download(client, missing_id, portal=portal)
        assert missing.status_code == 404
        for attachment, status in expected.items():
            # when each person asks for each file
            response, body = _download(client, attachment.pk, portal=portal)
            # then it is the file, or the very same 404 as for a missing one
            assert response.status_code == status, (who, attachment.filename)
            if status == 404:
                assert body == missing_body
        client.logout()


def test_a_download_needs_a_sign_in(world, client):
    # given an attachment
    ticket = new_ticket(world, "acme")
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="x.log",
        kind=AttachmentKind.LOG,
    )
    # when nobody is signed in, then the file is not sent
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 302
    assert not response.streaming


def test_get_attachment_refuses_a_customer_an_internal_file(world):
    # given an internal log on the customer's own ticket
    ticket = new_ticket(world, "acme")
    internal = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="internal.log",
        kind=AttachmentKind.LOG,
    )
    # when the customer asks for it by id, then it does not exist for them
    from tierdesk.tickets import access

    with pytest.raises(NotFound, match=r"^Attachment not found\.$"):
        access.get_attachment(world.actor("acme_customer"), internal.pk)
