"""Stand-ins for the partners' tools on 127.0.0.1: an `http.server` in a thread per
test, implementing the REST endpoints Tierdesk calls, in the shapes of each tool's public
API documentation (Zendesk Support API v2, Freshdesk API v2, Jira Cloud platform REST API
v3). They keep tickets, comments and files in memory, check the Basic credentials, and
record every request (method, path, headers) for the tests to inspect.

`trigger()` is the other direction: what the tool's trigger, automation rule or "send web
request" action posts to Tierdesk (the connector's URL, its bearer secret, the ticket id).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
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

    # What the partner's agent does in the tool
    def add_file(self, name: str, content: bytes, content_type: str) -> int:
        file_id = next(self.ids)
        self.files[file_id] = (name, content, content_type)
        return file_id

    def add_comment(
        self, ticket_id: str, body: str, *, public: bool = True, files=()
    ) -> FakeComment:
        comment = FakeComment(next(self.ids), body, public, [self.add_file(*f) for f in files])
        self.tickets[ticket_id].comments.append(comment)
        return comment

    def file_url(self, file_id: int) -> str:
        return f"{self.base_url}/files/{file_id}"

    def file_json(self, file_id: int) -> dict:  # pragma: no cover - per tool
        raise NotImplementedError

    # HTTP
    def handle(self, method: str, path: str, query: dict, headers, body: bytes):
        if path in self.redirect_paths:
            return 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
        if headers.get("Authorization") != self.expected_auth:
            return 401, {"error": "Couldn't authenticate you"}
        match = re.fullmatch(r"/files/(\d+)", path)
        if method == "GET" and match:
            _, content, _ = self.files[int(match[1])]
            return 200, content
        return self.route(method, path, query, headers, body)

    def route(self, method, path, query, headers, body):  # pragma: no cover - per tool
        raise NotImplementedError


def _multipart(headers, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes, str]]]:
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


class FakeZendesk(FakeTool):
    """developer.zendesk.com/api-reference/ticketing/tickets/ (tickets, ticket comments,
    attachments/uploads, users/me)."""

    tool = "zendesk"

    def __init__(self, email: str, token: str):
        super().__init__(f"{email}/token", token)
        self.uploads: dict[str, int] = {}

    def file_json(self, file_id: int) -> dict:
        name, content, content_type = self.files[file_id]
        return {
            "id": file_id,
            "file_name": name,
            "content_url": self.file_url(file_id),
            "content_type": content_type,
            "size": len(content),
        }

    def comment_json(self, c: FakeComment) -> dict:
        return {
            "id": c.id,
            "type": "Comment",
            "body": c.body,
            "public": c.public,
            "author_id": 1,
            "attachments": [self.file_json(f) for f in c.file_ids],
        }

    def route(self, method, path, query, headers, body):
        if method == "GET" and path == "/api/v2/users/me.json":
            return 200, {"user": {"id": 1, "role": "agent"}}
        if method == "POST" and path == "/api/v2/uploads.json":
            file_id = self.add_file(query["filename"][0], body, "application/binary")
            token = f"tok{file_id}"
            self.uploads[token] = file_id
            return 201, {"upload": {"token": token, "attachment": self.file_json(file_id)}}
        match = re.fullmatch(r"/api/v2/tickets/([^/]+)(/comments)?\.json", path)
        ticket = self.tickets.get(match[1]) if match else None
        if ticket is None:
            return 404, {"error": "RecordNotFound"}
        if method == "GET" and match[2]:
            return 200, {
                "comments": [self.comment_json(c) for c in ticket.comments],
                "next_page": None,
                "count": len(ticket.comments),
            }
        if method == "GET":
            return 200, {
                "ticket": {
                    "id": int(ticket.id),
                    "subject": ticket.subject,
                    "description": ticket.description,
                    "status": ticket.status,
                    "custom_fields": [{"id": int(k), "value": v} for k, v in ticket.custom.items()],
                }
            }
        if method == "PUT" and not match[2]:
            update = json.loads(body)["ticket"]
            events = []
            if "status" in update:
                ticket.status = update["status"]
            if "comment" in update:
                comment = FakeComment(
                    next(self.ids),
                    update["comment"]["body"],
                    update["comment"].get("public", True),
                    [self.uploads[t] for t in update["comment"].get("uploads", [])],
                )
                ticket.comments.append(comment)
                events.append({"id": comment.id, "type": "Comment", "public": comment.public})
            return 200, {
                "ticket": {"id": int(ticket.id), "status": ticket.status},
                "audit": {"id": next(self.ids), "events": events},
            }
        return 405, {"error": "method"}


class FakeFreshdesk(FakeTool):
    """developers.freshdesk.com/api/ (view a ticket with conversations, create a note,
    reply, update a ticket, view me)."""

    tool = "freshdesk"

    def __init__(self, api_key: str):
        super().__init__(api_key, "X")

    def file_json(self, file_id: int) -> dict:
        name, content, content_type = self.files[file_id]
        return {
            "id": file_id,
            "name": name,
            "content_type": content_type,
            "size": len(content),
            "attachment_url": self.file_url(file_id),
        }

    def route(self, method, path, query, headers, body):
        if method == "GET" and path == "/api/v2/agents/me":
            return 200, {"id": 1, "contact": {"email": "agent@example.test"}}
        match = re.fullmatch(r"/api/v2/tickets/(\d+)(/notes|/reply)?", path)
        ticket = self.tickets.get(match[1]) if match else None
        if ticket is None:
            return 404, {"code": "access_denied"}
        if method == "GET" and not match[2]:
            document = {
                "id": int(ticket.id),
                "subject": ticket.subject,
                "description": f"<div>{ticket.description}</div>",
                "description_text": ticket.description,
                "status": int(ticket.status),
                "custom_fields": ticket.custom,
                "attachments": [self.file_json(f) for f in ticket.file_ids],
            }
            if query.get("include") == ["conversations"]:
                document["conversations"] = [
                    {
                        "id": c.id,
                        "body": c.body,
                        "body_text": c.body,
                        "private": not c.public,
                        "incoming": False,
                        "attachments": [self.file_json(f) for f in c.file_ids],
                    }
                    for c in ticket.comments
                ]
            return 200, document
        if method == "PUT" and not match[2]:
            ticket.status = str(json.loads(body)["status"])
            return 200, {"id": int(ticket.id), "status": int(ticket.status)}
        if method == "POST" and match[2]:
            if headers.get("Content-Type", "").startswith("multipart/form-data"):
                fields, files = _multipart(headers, body)
                private = fields.get("private") == "true"
            else:
                fields, files = json.loads(body), []
                private = bool(fields.get("private"))
            if match[2] == "/notes" and "private" not in fields:
                private = True  # a note is private unless said otherwise
            text = re.sub(r"<br>", "\n", fields["body"])
            comment = self.add_comment(ticket.id, text, public=not private, files=files)
            return 201, {"id": comment.id, "body": fields["body"], "private": private}
        return 405, {"code": "method"}


class FakeJsm(FakeTool):
    """developer.atlassian.com/cloud/jira/platform/rest/v3/ (issue, issue comments with
    the `sd.public.comment` property, issue attachments, transitions, myself)."""

    tool = "jsm"

    def __init__(self, email: str, token: str):
        super().__init__(email, token)

    def add_comment(self, ticket_id: str, body: str, *, public: bool = True, files=()):
        # Jira keeps files on the issue; a comment only mentions them.
        comment = super().add_comment(ticket_id, body, public=public)
        self.tickets[ticket_id].file_ids += [self.add_file(*f) for f in files]
        return comment

    def file_json(self, file_id: int) -> dict:
        name, content, content_type = self.files[file_id]
        return {
            "id": str(file_id),
            "filename": name,
            "mimeType": content_type,
            "size": len(content),
            "content": self.file_url(file_id),
        }

    @staticmethod
    def adf(text: str) -> dict:
        return {
            "type": "doc",
            "version": 1,
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": line}]}
                for line in text.split("\n")
            ],
        }

    @staticmethod
    def text(document: dict) -> str:
        return "\n".join(
            "".join(n.get("text", "") for n in p.get("content", [])) for p in document["content"]
        )

    def route(self, method, path, query, headers, body):
        if method == "GET" and path == "/rest/api/3/myself":
            return 200, {"accountId": "5b10", "emailAddress": "agent@example.test"}
        match = re.fullmatch(
            r"/rest/api/3/issue/([A-Z]+-\d+)(/comment|/attachments|/transitions)?", path
        )
        ticket = self.tickets.get(match[1]) if match else None
        if ticket is None:
            return 404, {
                "errorMessages": ["Issue does not exist or you do not have permission to see it."]
            }
        sub = match[2]
        if method == "GET" and not sub:
            fields = {
                "summary": ticket.subject,
                "description": self.adf(ticket.description),
                "status": {"name": ticket.status},
                "attachment": [self.file_json(f) for f in ticket.file_ids],
                **ticket.custom,
            }
            return 200, {"id": "10001", "key": ticket.id, "fields": fields}
        if method == "GET" and sub == "/comment":
            return 200, {
                "startAt": 0,
                "maxResults": 50,
                "total": len(ticket.comments),
                "comments": [
                    {"id": str(c.id), "body": self.adf(c.body), "jsdPublic": c.public}
                    for c in ticket.comments
                ],
            }
        if method == "POST" and sub == "/comment":
            document = json.loads(body)
            internal = any(
                p["key"] == "sd.public.comment" and p["value"].get("internal")
                for p in document.get("properties", [])
            )
            comment = self.add_comment(ticket.id, self.text(document["body"]), public=not internal)
            return 201, {"id": str(comment.id), "jsdPublic": comment.public}
        if method == "POST" and sub == "/attachments":
            if headers.get("X-Atlassian-Token") != "no-check":
                return 403, {"errorMessages": ["XSRF check failed"]}
            _, files = _multipart(headers, body)
            stored = []
            for name, content, content_type in files:
                file_id = self.add_file(name, content, content_type)
                ticket.file_ids.append(file_id)
                stored.append(self.file_json(file_id))
            return 200, stored
        if method == "POST" and sub == "/transitions":
            ticket.transitions.append(json.loads(body)["transition"]["id"])
            return 204, b""
        return 405, {"errorMessages": ["method"]}


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
                status, answer = tool.handle(
                    self.command, parts.path, parse_qs(parts.query), self.headers, body
                )
            headers = {}
            if isinstance(answer, dict) and "Location" in answer:
                headers, answer = answer, b""
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


def trigger(client, connector, secret: str, ticket_id: str, *, what: str = "handover"):
    """The tool's call to Tierdesk, as its trigger / automation / web request sends it."""
    url = f"/api/v1/connectors/{connector.pk}/{'handover' if what == 'handover' else 'comments'}"
    return client.post(
        url,
        data=json.dumps({"ticket_id": ticket_id}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
