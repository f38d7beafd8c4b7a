"""The connectivity probe against local servers on 127.0.0.1: TLS with an expired and a
valid self-signed certificate, a redirect (not followed), a closed port, a slow server;
private targets refused with the setting off; the result kept on the ticket."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client

from tests.factories import new_ticket
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets import access
from tierdesk.triage import probe as probing
from tierdesk.triage import services
from tierdesk.triage.models import Probe

NOW = datetime.now(UTC)


def certificate(folder: Path, name: str, *, expired: bool) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, expired or valid."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Probe test {name}"),
        ]
    )
    start = NOW - timedelta(days=400 if expired else 1)
    end = NOW - timedelta(days=35) if expired else NOW + timedelta(days=90)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextlib.contextmanager
def server(*, tls: tuple[Path, Path] | None = None, answer: bytes | None = b"200 OK"):
    """A server on 127.0.0.1 (TLS when given a certificate) answering every request with
    `answer` as its status line; `answer=None`: accept and never say a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    context = None
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
    held = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            if answer is None:
                held.append(conn)
                continue
            threading.Thread(target=reply, args=(conn,), daemon=True).start()

    def reply(conn):
        try:
            conn.settimeout(2)
            if context:
                conn = context.wrap_socket(conn, server_side=True)
            conn.recv(4096)
            location = (
                b"Location: https://elsewhere.example/\r\n" if answer.startswith(b"3") else b""
            )
            conn.sendall(b"HTTP/1.1 " + answer + b"\r\n" + location + b"Content-Length: 0\r\n\r\n")
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in held:
            conn.close()


def run(url: str, **kw) -> probing.ProbeReport:
    return probing.run(url, now=NOW, allow_private=True, timeout=1.0, **kw)


def steps(report) -> dict[str, dict]:
    return {s["step"]: s for s in report.steps}


def test_a_valid_certificate_the_caller_trusts_reaches_the_http_status(tmp_path, monkeypatch):
    cert, key = certificate(tmp_path, "valid", expired=False)
    # the probe trusts the system's CAs; here the test's own certificate stands in for them
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: real(cafile=str(cert)))
    with server(tls=(cert, key)) as port:
        report = run(f"https://127.0.0.1:{port}/health")
    found = steps(report)
    # then every step passed and the certificate's subject, issuer and expiry are shown
    assert report.ok and list(found) == ["dns", "tcp", "tls", "http"]
    tls = found["tls"]
    assert tls["ok"] and tls["certificate"]["expired"] is False
    assert "Probe test valid" in tls["certificate"]["subject"] == tls["certificate"]["issuer"]
    assert found["http"]["status"] == 200


def test_self_signed_and_expired_certificates_fail_at_tls_with_the_reason(tmp_path):
    valid = certificate(tmp_path, "valid", expired=False)
    expired = certificate(tmp_path, "expired", expired=True)
    with server(tls=valid) as port:
        self_signed = steps(run(f"https://127.0.0.1:{port}/"))
    with server(tls=expired) as port:
        old = steps(run(f"https://127.0.0.1:{port}/"))
    # then both stop at TLS, not trusted, with the certificate still described
    assert self_signed["tls"]["ok"] is False and "http" not in self_signed
    assert "self-signed" in self_signed["tls"]["verify_error"]
    assert self_signed["tls"]["certificate"]["self_signed"] is True
    assert self_signed["tls"]["certificate"]["expired"] is False
    assert old["tls"]["ok"] is False and old["tls"]["certificate"]["expired"] is True
    assert (
        old["tls"]["certificate"]["not_after"][:10] == (NOW - timedelta(days=35)).date().isoformat()
    )


def test_a_redirect_is_reported_not_followed():
    with server(answer=b"302 Found") as port:
        report = run(f"http://127.0.0.1:{port}/login")
    assert steps(report)["http"]["status"] == 302
    assert "not followed" in steps(report)["http"]["detail"]


def test_a_closed_port_fails_at_tcp():
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()
    report = run(f"https://127.0.0.1:{port}/")
    assert not report.ok and steps(report)["tcp"]["ok"] is False
    assert "refused" in steps(report)["tcp"]["detail"].lower()


def test_a_slow_server_fails_with_a_timeout_not_a_hang(tmp_path):
    with server(answer=None) as port:
        tls = steps(run(f"https://127.0.0.1:{port}/"))["tls"]
        http = steps(run(f"http://127.0.0.1:{port}/"))["http"]
    assert tls["ok"] is False and "timed out" in tls["detail"]
    assert http["ok"] is False and "no answer within 1 s" in http["detail"]


def test_a_name_that_does_not_resolve_fails_at_dns():
    def nowhere(host, port):
        raise socket.gaierror(-2, "Name or service not known")

    report = run("https://erp.kunde.invalid/", resolver=nowhere)
    assert [s["step"] for s in report.steps] == ["dns"] and not report.ok


@pytest.mark.parametrize(
    ("url", "allow", "reason"),
    [
        ("https://127.0.0.1/", False, "loopback"),
        ("https://10.1.2.3/", False, "private"),
        ("https://169.254.169.254/latest/meta-data/", True, "link-local"),
        ("ftp://example.com/", True, "https://"),
        ("https://user:pw@example.com/", True, "user name"),
    ],
)
def test_targets_refused_by_the_webhook_policy(url, allow, reason):
    with pytest.raises(InvalidInput) as refused:
        probing.run(url, now=NOW, allow_private=allow, timeout=1.0)
    assert reason in refused.value.fields["url"]


def test_probe_from_the_ticket_page_is_kept_as_evidence(world, settings):
    settings.TIERDESK_PROBE_ALLOW_PRIVATE = True
    settings.TIERDESK_PROBE_TIMEOUT = 1.0
    ticket = new_ticket(world)
    client = Client()
    client.force_login(world.user("acme_l1"))
    # when L1 probes an endpoint from the ticket page
    with server(answer=b"204 No Content") as port:
        response = client.post(
            f"/triage/tickets/{ticket.number}/probe/", {"url": f"http://127.0.0.1:{port}/"}
        )
    assert response.status_code == 302
    # then the probe is recorded with its steps, and an internal note says what it showed
    probe = Probe.objects.get(ticket=ticket)
    assert probe.ok and probe.created_by == world.user("acme_l1")
    note = access.visible_messages(world.actor("acme_l1"), ticket).filter(internal=True).last()
    assert note.body.startswith("Connectivity probe:") and "HTTP 204" in note.body
    # and the customer sees nothing of it
    assert not access.visible_messages(world.actor("acme_customer"), ticket).filter(pk=note.pk)
    # and the page lists it
    assert "HTTP 204" in client.get(f"/tickets/{ticket.number}/").content.decode()
    # and its success becomes the L1 connectivity check's suggestion in the form
    ticket.description = "Nothing arrives."
    form = client.get(f"/tickets/{ticket.number}/edit/").content.decode()
    assert f"Probe of http://127.0.0.1:{port}/" in form


def test_with_the_setting_off_a_private_target_is_refused_and_nothing_kept(world, settings):
    settings.TIERDESK_PROBE_ALLOW_PRIVATE = False
    ticket = new_ticket(world)
    with pytest.raises(InvalidInput) as refused:
        services.probe_run(
            actor=world.actor("acme_l1"), ticket_id=ticket.pk, url="https://127.0.0.1:9/"
        )
    assert "loopback" in refused.value.fields["url"]
    assert not Probe.objects.filter(ticket=ticket).exists()
    # and customers may not probe
    client = Client()
    client.force_login(world.user("acme_customer"))
    assert client.post(
        f"/triage/tickets/{ticket.number}/probe/", {"url": "https://example.com/"}
    ).status_code in (302, 404)
    assert not Probe.objects.filter(ticket=ticket).exists()
