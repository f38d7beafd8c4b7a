"""The connectivity probe: DNS, TCP connect, TLS handshake (certificate subject, issuer,
expiry, whether it verifies) and the HTTP status of one URL, each step with a timeout.

The same target policy as webhooks (`notify.webhooks.address_refusal`): private and
loopback addresses only when `TIERDESK_PROBE_ALLOW_PRIVATE` is on; link-local, multicast,
reserved and unspecified never. Only the vetted address is connected to; redirects are
reported, never followed. Takes `now` (to judge the certificate's expiry)."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from tierdesk.core.errors import InvalidInput
from tierdesk.notify.webhooks import address_refusal
from tierdesk.notify.webhooks import resolve as dns_resolve

USER_AGENT = "Tierdesk-connectivity-probe/1"


@dataclass
class ProbeReport:
    url: str
    ok: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)

    def step(self, name: str, ok: bool, detail: str, started: float, **data: Any) -> bool:
        elapsed = round((time.monotonic() - started) * 1000)
        self.steps.append({"step": name, "ok": ok, "detail": detail, "ms": elapsed, **data})
        return ok

    @property
    def summary(self) -> str:
        return "; ".join(
            f"{s['step']} {'ok' if s['ok'] else 'FAILED'}: {s['detail']}" for s in self.steps
        )


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a probe URL; InvalidInput naming `url` otherwise."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput({"url": "must not be empty"})
    if len(url) > 2000 or not url.isprintable() or not url.isascii() or " " in url:
        raise InvalidInput({"url": "must be a printable ASCII URL of at most 2000 characters"})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput({"url": "is not a valid URL"}) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidInput({"url": "must start with https:// (or http://)"})
    if not parts.hostname:
        raise InvalidInput({"url": "has no host"})
    if parts.username is not None or parts.password is not None:
        raise InvalidInput({"url": "must not carry a user name or password"})
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def _name(name: x509.Name) -> str:
    return name.rfc4514_string()


def _certificate(der: bytes, now: datetime) -> dict[str, Any]:
    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    return {
        "subject": _name(cert.subject),
        "issuer": _name(cert.issuer),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": not_after.isoformat(),
        "expired": not_after < now,
        "self_signed": cert.subject == cert.issuer,
    }


def _describe(cert: dict[str, Any]) -> str:
    if not cert:
        return ""
    return (
        f"; subject {cert['subject']}; issuer {cert['issuer']}; "
        f"valid until {cert['not_after'][:10]}" + (" (EXPIRED)" if cert["expired"] else "")
    )


def _unverified_certificate(host: str, address: str, port: int, timeout: float) -> bytes:
    """The server's certificate read without judging it (to describe one the trust store
    refused); b"" when even that fails."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((address, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            return tls.getpeercert(binary_form=True) or b""
    except (OSError, ssl.SSLError):
        return b""


def run(
    url: str,
    *,
    now: datetime,
    allow_private: bool,
    timeout: float = 5.0,
    resolver: Callable[[str, int], list[str]] = dns_resolve,
) -> ProbeReport:
    scheme, host, port, path = check_url(url)
    report = ProbeReport(url=url)
    started = time.monotonic()
    try:
        addresses = resolver(host, port)
    except (OSError, ValueError) as exc:
        report.step("dns", False, f"{host} does not resolve ({exc})", started)
        return report
    if not addresses:
        report.step("dns", False, f"{host} does not resolve", started)
        return report
    refusal = next(
        (r for r in (address_refusal(a, allow_private=allow_private) for a in addresses) if r),
        None,
    )
    if refusal:
        raise InvalidInput({"url": f"host {host} {refusal}; the probe may not test it"})
    address = addresses[0]
    report.step("dns", True, f"{host} → {', '.join(addresses[:4])}", started, addresses=addresses)

    started = time.monotonic()
    try:
        raw = socket.create_connection((address, port), timeout=timeout)
    except TimeoutError:
        report.step(
            "tcp", False, f"connect to {address}:{port} timed out after {timeout:g} s", started
        )
        return report
    except OSError as exc:
        report.step(
            "tcp", False, f"connect to {address}:{port} failed: {exc.strerror or exc}", started
        )
        return report
    report.step("tcp", True, f"connected to {address}:{port}", started)
    sock: socket.socket | ssl.SSLSocket = raw
    try:
        raw.settimeout(timeout)
        if scheme == "https":
            started = time.monotonic()
            try:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
            except ssl.SSLCertVerificationError as exc:
                problem = exc.verify_message or str(exc)
                der = _unverified_certificate(host, address, port, timeout)
                cert = _certificate(der, now) if der else {}
                detail = f"certificate NOT TRUSTED: {problem}" + _describe(cert)
                report.step("tls", False, detail, started, certificate=cert, verify_error=problem)
                return report
            except (OSError, ssl.SSLError) as exc:
                report.step("tls", False, f"handshake failed: {exc}", started)
                return report
            der = sock.getpeercert(binary_form=True)
            cert = _certificate(der, now) if der else {}
            detail = f"{sock.version()}, certificate trusted" + _describe(cert)
            report.step("tls", True, detail, started, certificate=cert, verify_error="")
        started = time.monotonic()
        request = (
            f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n"
        )
        try:
            sock.sendall(request.encode("ascii"))
            first = sock.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
        except TimeoutError:
            report.step("http", False, f"no answer within {timeout:g} s", started)
            return report
        except OSError as exc:
            report.step("http", False, f"request failed: {exc}", started)
            return report
        parts = first.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            report.step("http", False, f"not an HTTP answer: {first[:80]!r}", started)
            return report
        status = int(parts[1])
        detail = f"HTTP {status}" + (" (redirect, not followed)" if 300 <= status < 400 else "")
        report.ok = report.step("http", status < 500, detail, started, status=status)
        return report
    finally:
        sock.close()
