"""What the stand-ins of the partners' tools (tests/connector_fakes.py) share: the state
(tickets, comments, files), the HTTP server on 127.0.0.1 in a thread, and the tool's own
webhooks.

Webhooks: a tool calls Tierdesk from a trigger (Zendesk), an automation rule (Freshdesk)
or a "Send web request" action (Jira). `connect_webhook` configures one as the partner's
admin would (the Tierdesk URL, a bearer header, or for Zendesk the webhook's signing
secret); the agent's handover macro and every new comment queue a call, and
`send_webhooks()` makes the queued calls from a thread of the fake: real HTTP POSTs, in
the shape and with the headers the tool sends. The test decides when they go, so the
database never sees the live server and the test writing at the same time.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@dataclass
class FakeComment:
    id: int
    body: str
    public: bool
    file_ids: list[int] = field(default_factory=list)


@dataclass
class FakeTicket:
    id: str
    subject: str
    description: str
    status: str = "open"
    custom: dict[str, Any] = field(default_factory=dict)
    comments: list[FakeComment] = field(default_factory=list)
    file_ids: list[int] = field(default_factory=list)  # on the ticket itself
    transitions: list[str] = field(default_factory=list)


@dataclass
class Webhook:
    url: str
    bearer: str = ""
    signing_secret: str = ""  # Zendesk: sign instead of an Authorization header


class FakeTool:
    """The state and the routes common to the three tools."""

    tool = ""

    def __init__(self, user: str, password: str):
        self.expected_auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.tickets: dict[str, FakeTicket] = {}
        self.files: dict[int, tuple[str, bytes, str]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.ids = itertools.count(9001)
        self.base_url = ""
        self.redirect_paths: set[str] = set()
        self.lock = threading.Lock()
        self.webhooks: dict[str, Webhook] = {}
        self.outbox: list[tuple[str, str]] = []  # (event, ticket id) waiting to be sent
        self.sent: list[tuple[str, str, int]] = []  # (event, ticket id, Tierdesk's status)

    # What the partner's admin and agent do in the tool
    def connect_webhook(self, event: str, url: str, *, bearer="", signing_secret="") -> None:
        """`event` is "handover" (the agent's macro) or "comment" (a comment was added)."""
        self.webhooks[event] = Webhook(url, bearer, signing_secret)

    def escalate(self, ticket_id: str) -> None:
        """The agent's "Escalate to vendor" macro: the handover webhook fires."""
        self._fire("handover", ticket_id)

    def add_file(self, name: str, content: bytes, content_type: str) -> int:
        file_id = next(self.ids)
        self.files[file_id] = (name, content, content_type)
        return file_id

    def add_comment(
        self, ticket_id: str, body: str, *, public: bool = True, files=()
    ) -> FakeComment:
        comment = FakeComment(next(self.ids), body, public, [self.add_file(*f) for f in files])
        self.tickets[ticket_id].comments.append(comment)
        self._fire("comment", ticket_id)
        return comment

    def delete_comment(self, ticket_id: str, comment_id: int) -> None:
        ticket = self.tickets[ticket_id]
        ticket.comments = [c for c in ticket.comments if c.id != comment_id]

    def file_url(self, file_id: int) -> str:
        return f"{self.base_url}/files/{file_id}"

    def file_json(self, file_id: int) -> dict:  # pragma: no cover - per tool
        raise NotImplementedError

    # The tool calls Tierdesk
    def _fire(self, event: str, ticket_id: str) -> None:
        # Every comment fires, Tierdesk's own included (a trigger without the "not the API
        # user" condition): Tierdesk must recognise the echo itself.
        if event in self.webhooks:
            self.outbox.append((event, ticket_id))

    def webhook_request(self, event: str, ticket_id: str) -> urllib.request.Request:
        hook = self.webhooks[event]
        body = json.dumps({"ticket_id": ticket_id}).encode()
        headers = {"Content-Type": "application/json", "User-Agent": f"{self.tool}-webhook"}
        if hook.bearer:
            headers["Authorization"] = f"Bearer {hook.bearer}"
        if hook.signing_secret:  # developer.zendesk.com: verifying webhook authenticity
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            digest = hmac.new(hook.signing_secret.encode(), stamp.encode() + body, hashlib.sha256)
            headers["X-Zendesk-Webhook-Signature"] = base64.b64encode(digest.digest()).decode()
            headers["X-Zendesk-Webhook-Signature-Timestamp"] = stamp
        return urllib.request.Request(hook.url, data=body, headers=headers, method="POST")

    def send_webhooks(self) -> list[int]:
        """Send what is queued, from a thread of the fake; Tierdesk's answers in order."""
        batch, self.outbox = self.outbox, []
        statuses: list[int] = []

        def deliver() -> None:
            for event, ticket_id in batch:
                try:
                    with urllib.request.urlopen(
                        self.webhook_request(event, ticket_id), timeout=30
                    ) as answer:
                        status = answer.status
                except urllib.error.HTTPError as refused:
                    status = refused.code
                statuses.append(status)
                self.sent.append((event, ticket_id, status))

        sender = threading.Thread(target=deliver, name=f"{self.tool}-webhooks", daemon=True)
        sender.start()
        sender.join(timeout=120)
        assert not sender.is_alive(), "the webhook calls did not finish"
        return statuses

    # HTTP
    def handle(self, method: str, path: str, query: dict, headers, body: bytes):
        if path in self.redirect_paths:
            return 302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}
        if headers.get("Authorization") != self.expected_auth:
            return 401, {"error": "Couldn't authenticate you"}
        match = re.fullmatch(r"/files/(\d+)", path)
        if method == "GET" and match:
            _, content, _ = self.files[int(match[1])]
            return 200, content
        return self.route(method, path, query, headers, body)

    def route(self, method, path, query, headers, body):  # pragma: no cover - per tool
        raise NotImplementedError


def number(query: dict, name: str, default: int) -> int:
    """An integer query parameter (parse_qs lists), or `default`."""
    values = query.get(name) or []
    return int(values[0]) if values and values[0].lstrip("-").isdigit() else default


def multipart(headers, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes, str]]]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {headers.get('Content-Type')}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    files = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        content = part.get_payload(decode=True) or b""
        if filename:
            files.append((filename, content, part.get_content_type()))
        else:
            fields[name] = content.decode()
    return fields, files


def _handler(tool: FakeTool):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with tool.lock:
                tool.requests.append((self.command, parts.path, dict(self.headers)))
                status, answer, *extra = tool.handle(
                    self.command, parts.path, parse_qs(parts.query), self.headers, body
                )
            headers = extra[0] if extra else {}
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

    return Handler


@contextlib.contextmanager
def serving(tool: FakeTool):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(tool))
    tool.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tool
    finally:
        server.shutdown()
        server.server_close()
