"""What the webhook tests share (no tests here): a real HTTP receiver on 127.0.0.1, the
receiver's own signature check, and a driver that steps the clock and runs the sweep."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tierdesk.core.clock import travel_to
from tierdesk.notify.models import Delivery, DeliveryStatus
from tierdesk.notify.tasks import sweep_outbox

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers 503 to the first `refuse` POSTs, then `answer` (204 by default; 302 with a
    Location, or 503 forever when `down`). Records every request it saw."""

    port: int = 0
    refuse: int = 0
    answer: int = 204
    down: bool = False
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tierdesk?source=test"

    @property
    def accepted(self) -> list[Request]:
        return [r for r in self.requests if 200 <= r.answered < 300]

    def decide(self) -> int:
        with self.lock:
            if self.down:
                return 503
            if self.refuse > 0:
                self.refuse -= 1
                return 503
            return self.answer


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            status = receiver.decide()
            with receiver.lock:
                receiver.requests.append(
                    Request(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                    )
                )
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = _serve
        do_GET = _serve

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A throw-away certificate for `name` (openssl CLI), as (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def running_receiver(tls: tuple[Path, Path] | None = None) -> Iterator[Receiver]:
    """The receiver on a free port of 127.0.0.1; HTTPS with `tls` = (cert, key)."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def signature_ok(secret: str, header: str, body: bytes) -> bool:
    """The receiver's check, written from the documentation, not from the product code."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return set(parts) == {"t", "v1"} and hmac.compare_digest(expected.hexdigest(), parts["v1"])


def drive(start: datetime, capture, *, step=timedelta(hours=1), steps: int = 80) -> datetime:
    """Step the clock from `start` and sweep after each step (committing what the sweep
    queues), until no delivery is pending. Returns the moment it stopped."""
    moment = start
    for _ in range(steps):
        moment += step
        with travel_to(moment), capture(execute=True):
            sweep_outbox()
        if not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists():
            break
    return moment
