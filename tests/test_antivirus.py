"""Every file that arrives is scanned by a real ClamAV daemon before it is stored (ASVS
12.4.2): clamd from Debian's clamav-daemon, started here on a free port with its own
one-signature database (tests/clamd_support.py). The EICAR test file is refused through
the API, the console, mail, chat and a connector, and nothing of it is stored; a clean log passes; a
scanner that is down refuses every file unless fail-open is set; a file larger than
clamd's StreamMaxLength is refused saying so; the deploy check warns when no scanner is
configured."""

from __future__ import annotations

import io
import logging
import socket
import threading
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.clamd_support import EICAR, SIGNATURE, STREAM_MAX, RunningClamd, clamd_or_skip
from tests.connector_fakes import serving, trigger
from tests.connector_world import allow_loopback, drain, fake_for, make_connector, seed
from tests.factories import PLAIN_LOG, ticket_at
from tests.test_mail_support import brand, mail, smtp_server, text_of, trust_mta
from tests.topology_support import free_port
from tierdesk.accounts.services import token_create
from tierdesk.chat import services as chat_services
from tierdesk.connectors.models import ConnectorJob, ConnectorLink, JobStatus
from tierdesk.core import antivirus
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import InvalidInput
from tierdesk.mail import inbound
from tierdesk.mail.models import HeldMail, InboundMessage
from tierdesk.tickets.access import visible_attachments, visible_tickets
from tierdesk.tickets.models import Attachment

__all__ = ["allow_loopback"]  # a fixture

API = "/api/v1"
FOUND = f"was refused: it contains {SIGNATURE}"


@pytest.fixture(scope="session")
def clamd():
    server = RunningClamd(clamd_or_skip())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scanning(settings, clamd):
    settings.TIERDESK_CLAMD = clamd.address
    settings.TIERDESK_CLAMD_FAIL_OPEN = False
    return clamd


@pytest.fixture
def scanner_down(settings):
    """The address of a clamd that is not running: nothing listens on the port."""
    settings.TIERDESK_CLAMD = f"tcp://127.0.0.1:{free_port()}"
    settings.TIERDESK_CLAMD_FAIL_OPEN = False


@pytest.fixture
def attachment_dir(settings) -> Path:
    return Path(settings.STORAGES["attachments"]["OPTIONS"]["location"])


def api_client(world, key: str = "acme_l1") -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def upload(client: Client, ticket, name: str, content: bytes, kind: str = "other"):
    return client.post(
        f"{API}/tickets/{ticket.pk}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="text/plain"), "kind": kind},
    )


def nothing_stored(attachment_dir: Path) -> bool:
    files = [p for p in attachment_dir.rglob("*") if p.is_file()] if attachment_dir.exists() else []
    return not Attachment.objects.exists() and not files


# --- the client against clamd ----------------------------------------------------------


def test_clamd_names_the_eicar_signature_and_passes_a_clean_log(clamd, monkeypatch):
    client = antivirus.Clamd(antivirus.parse_address(clamd.address))
    assert client.ping()
    assert client.instream(io.BytesIO(EICAR)) == f"{SIGNATURE}.UNOFFICIAL"
    assert client.instream(io.BytesIO(PLAIN_LOG)) is None
    # chunks split anywhere: clamd scans the whole stream, not each chunk
    monkeypatch.setattr(antivirus, "CHUNK", 7)
    assert client.instream(io.BytesIO(EICAR)) == f"{SIGNATURE}.UNOFFICIAL"


def test_a_stream_past_clamds_limit_is_too_large_to_scan(clamd):
    client = antivirus.Clamd(antivirus.parse_address(clamd.address))
    with pytest.raises(antivirus.TooLargeToScan, match="size limit exceeded"):
        client.instream(io.BytesIO(b"2026-12-07 INFO ok\n" * (STREAM_MAX // 10)))
    # and clamd still answers the next one
    assert client.instream(io.BytesIO(EICAR)) is not None


def test_a_scanner_that_accepts_but_never_answers_times_out(monkeypatch):
    # given a socket that takes connections and says nothing
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        client = antivirus.Clamd(antivirus.parse_address(f"tcp://127.0.0.1:{port}"), timeout=0.2)
        # then the scan ends with an error instead of hanging
        with pytest.raises(antivirus.ScannerError, match="did not answer"):
            client.instream(io.BytesIO(EICAR))


def test_clamd_over_a_unix_socket(clamd, tmp_path):
    # given a Unix socket that relays to clamd (clamd itself listens on TCP here)
    path = tmp_path / "clamd.ctl"
    relay = socket.socket(socket.AF_UNIX)
    relay.bind(str(path))
    relay.listen()

    def forward():
        conn, _ = relay.accept()
        with conn, socket.create_connection(("127.0.0.1", clamd.port)) as upstream:
            while data := conn.recv(65536):
                upstream.sendall(data)
                if data.endswith(b"\0\0\0\0"):
                    break
            conn.sendall(upstream.recv(4096))

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    try:
        client = antivirus.Clamd(antivirus.parse_address(f"unix://{path}"), timeout=10)
        assert client.instream(io.BytesIO(EICAR)) == f"{SIGNATURE}.UNOFFICIAL"
    finally:
        thread.join(timeout=10)
        relay.close()


@pytest.mark.parametrize(
    "value",
    ["127.0.0.1:3310", "tcp://127.0.0.1", "tcp://:3310", "unix://run/clamd.ctl", "http://x:1"],
)
def test_a_malformed_address_is_a_configuration_error(value, settings):
    with pytest.raises(ImproperlyConfigured, match="TIERDESK_CLAMD"):
        antivirus.parse_address(value)
    settings.TIERDESK_CLAMD = value
    assert [m.id for m in antivirus.check_scanner()] == ["tierdesk.E020"]


def test_addresses_that_parse():
    assert str(antivirus.parse_address("tcp://127.0.0.1:3310")) == "tcp://127.0.0.1:3310"
    assert antivirus.parse_address("tcp://[::1]:3310").target == ("::1", 3310)
    assert antivirus.parse_address("unix:///run/clamav/clamd.ctl").target == (
        "/run/clamav/clamd.ctl"
    )


# --- uploads ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_eicar_through_the_api_is_refused_naming_the_file_and_nothing_is_stored(
    world, scanning, attachment_dir, caplog
):
    caplog.set_level(logging.INFO)
    ticket = ticket_at(world, "in_progress@L1")
    # when the EICAR test file is uploaded through the API
    answer = upload(api_client(world), ticket, "invoice.txt", EICAR)
    # then it is refused naming the file field and the signature
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "invalid"
    assert answer.json()["fields"] == {"file": FOUND + ".UNOFFICIAL"}
    # and neither a row nor a file is left, nor an event
    assert nothing_stored(attachment_dir)
    assert not ticket.events.filter(kind="attachment_added").exists()
    # and the refusal is logged with the signature, never with the file's content
    refusals = [r for r in caplog.records if r.name == "tierdesk.core.antivirus"]
    assert len(refusals) == 1 and SIGNATURE in refusals[0].getMessage()
    assert EICAR.decode() not in caplog.text


@pytest.mark.django_db
def test_eicar_through_the_console_is_refused_beside_the_field(
    world, scanning, attachment_dir, client
):
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_l1"))
    # when the console uploads EICAR next to a clean log
    response = client.post(
        f"/tickets/{ticket.number}/attachments/",
        {
            "files": [
                SimpleUploadedFile("eicar.com", EICAR),
                SimpleUploadedFile("run.log", PLAIN_LOG),
            ],
            "kind": "auto",
        },
    )
    # then the infected file is named beside the field, and only the log is kept
    assert response.status_code == 422
    errors = response.content.split(b'id="id_files_error"')[1].split(b"</ul>")[0]
    assert f"eicar.com: {FOUND}".encode() in errors
    assert list(ticket.attachments.values_list("filename", flat=True)) == ["run.log"]
    assert len([p for p in attachment_dir.rglob("*") if p.is_file()]) == 1


@pytest.mark.django_db
def test_a_clean_log_passes_the_scan_and_is_stored(world, scanning):
    ticket = ticket_at(world, "in_progress@L1")
    answer = upload(api_client(world), ticket, "run.log", PLAIN_LOG, kind="log")
    assert answer.status_code == 201, answer.content
    stored = Attachment.objects.get()
    assert stored.kind == "log"
    with stored.file.open("rb") as handle:  # the scan left the stream for storing whole
        assert handle.read() == PLAIN_LOG


@pytest.mark.django_db
def test_a_stopped_scanner_refuses_every_file_and_says_try_again(
    world, scanner_down, attachment_dir, client
):
    ticket = ticket_at(world, "in_progress@L1")
    # when a clean log is uploaded while clamd is down
    answer = upload(api_client(world), ticket, "run.log", PLAIN_LOG, kind="log")
    # then it is refused (fail closed) with a reason to try again, and nothing is stored
    assert answer.status_code == 503
    assert answer.json()["code"] == "scan_unavailable"
    assert "could not be scanned" in answer.json()["message"]
    assert "try again" in answer.json()["message"]
    assert int(answer["Retry-After"]) > 0
    # and the console says so beside the field
    client.force_login(world.user("acme_l1"))
    page = client.post(
        f"/tickets/{ticket.number}/attachments/",
        {"files": SimpleUploadedFile("run.log", PLAIN_LOG), "kind": "log"},
    )
    assert page.status_code == 422 and b"could not be scanned" in page.content
    assert nothing_stored(attachment_dir)


@pytest.mark.django_db
def test_with_fail_open_a_stopped_scanner_lets_files_through_and_logs_it(
    world, scanner_down, settings, caplog
):
    settings.TIERDESK_CLAMD_FAIL_OPEN = True
    ticket = ticket_at(world, "in_progress@L1")
    answer = upload(api_client(world), ticket, "run.log", PLAIN_LOG, kind="log")
    assert answer.status_code == 201, answer.content
    assert Attachment.objects.count() == 1
    assert "stored unscanned (fail open)" in caplog.text
    assert [m.id for m in antivirus.check_scanner()] == ["tierdesk.W021"]


@pytest.mark.django_db
def test_a_file_larger_than_clamd_scans_is_refused_saying_so(world, scanning, attachment_dir):
    ticket = ticket_at(world, "in_progress@L1")
    big = b"2026-12-07 09:14:03 INFO step done\n" * (2 * STREAM_MAX // 35)
    # (within Tierdesk's own limit, past clamd's StreamMaxLength)
    assert STREAM_MAX < len(big) < 25 * 1024 * 1024
    answer = upload(api_client(world), ticket, "big.log", big, kind="log")
    assert answer.status_code == 413
    assert "larger than the virus scanner can check" in answer.json()["message"]
    assert nothing_stored(attachment_dir)


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.mark.django_db(transaction=True)
def test_eicar_mailed_in_is_refused_and_the_sender_told(world, scanning, settings, smtp):
    trust_mta(settings)
    brand(world)
    sender = world.user("acme_customer").email
    raw = mail(
        sender,
        "Flow fails",
        attachments=[("eicar.txt", EICAR, "text/plain"), ("run.log", PLAIN_LOG, "text/plain")],
    )
    result = inbound.intake(raw, source="t")
    ticket = visible_tickets(SYSTEM).get(number=result.ticket_number)
    # the clean log is kept; neither EICAR nor the original mail that carries it
    names = set(visible_attachments(SYSTEM, ticket).values_list("filename", flat=True))
    assert names == {"run.log"}
    [refusal] = [m for m in smtp.to(sender) if "not accepted" in m["Subject"]]
    assert f"eicar.txt: {FOUND}" in text_of(refusal)


@pytest.mark.django_db(transaction=True)
def test_mail_waits_while_the_scanner_is_down(world, scanner_down, settings):
    trust_mta(settings)
    brand(world)
    sender = world.user("acme_customer").email
    raw = mail(sender, "Flow fails", attachments=[("run.log", PLAIN_LOG, "text/plain")])
    # a temporary failure: the MTA (or the next IMAP fetch) delivers it again later
    with pytest.raises(inbound.TemporaryFailure):
        inbound.intake(raw, source="t")
    assert not InboundMessage.objects.exists() and not HeldMail.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_eicar_sent_in_a_chat_is_refused_and_not_stored(world, scanning):
    chat_services.presence_set(actor=world.actor("acme_l1"), available=True)
    chat = chat_services.chat_start(actor=world.actor("acme_customer"), body="Flow fails")
    chat_services.chat_accept(actor=world.actor("acme_l1"), chat_id=chat.pk)
    with pytest.raises(InvalidInput) as refused:
        chat_services.chat_attach(
            actor=world.actor("acme_customer"),
            chat_id=chat.pk,
            file=EICAR,
            filename="eicar.txt",
            kind="other",
        )
    assert refused.value.fields == {"file": FOUND + ".UNOFFICIAL"}
    assert not chat.files.exists()


@pytest.mark.django_db
def test_an_infected_file_from_a_connected_tool_is_passed_over(
    world, client, allow_loopback, scanning
):
    # given a ticket handed over from Zendesk
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        before = set(ticket.attachments.values_list("filename", flat=True))
        # when the partner's agent comments there with EICAR and a clean log
        files = [("eicar.txt", EICAR, "text/plain"), ("more.log", PLAIN_LOG, "text/plain")]
        fake.add_comment(external.id, "Order 123, ERP 7.2", files=files)
        trigger(client, connector, secret, external.id, what="comment")
        drain()
    # then the comment and the log are imported, EICAR is not, and no job is stuck on it
    assert ticket.messages.filter(body="Order 123, ERP 7.2").exists()
    after = set(ticket.attachments.values_list("filename", flat=True))
    assert after - before == {"more.log"}
    assert not ConnectorJob.objects.filter(status=JobStatus.FAILED).exists()
    assert not ConnectorJob.objects.exclude(last_error="").exists()


# --- deployment ------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_deploy_warns_without_a_scanner(settings):
    settings.TIERDESK_CLAMD = ""
    assert [m.id for m in antivirus.check_scanner()] == ["tierdesk.W020"]
    found = checks.run_checks(include_deployment_checks=True)
    assert "tierdesk.W020" in {m.id for m in found}


def test_check_deploy_is_quiet_with_a_scanner(settings):
    settings.TIERDESK_CLAMD = "unix:///run/clamav/clamd.ctl"
    settings.TIERDESK_CLAMD_FAIL_OPEN = False
    assert antivirus.check_scanner() == []
