"""Local stand-ins for Jira Cloud and GitHub on 127.0.0.1: the documented endpoints the
tracker loop calls (create an issue, add a comment), each checking its authentication,
and the webhook deliveries those services send (signed like theirs)."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tierdesk.problems.trackers.inbound import sign


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeTracker:
    kind: str
    base_url: str = ""
    requests: list[Received] = field(default_factory=list)

    def to(self, suffix: str) -> list[Received]:
        return [r for r in self.requests if r.path.endswith(suffix)]


def _handler(fake: FakeTracker, authorised: str, routes):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else None
            fake.requests.append(Received("POST", self.path, dict(self.headers), body))
            if self.headers.get("Authorization") != authorised:
                return self._answer(401, {"message": "Bad credentials"})
            for suffix, answer in routes:
                if self.path.endswith(suffix):
                    return self._answer(201, answer(self.path, body))
            return self._answer(404, {"message": "Not Found"})

        def _answer(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def _serve(fake: FakeTracker, handler) -> Iterator[FakeTracker]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def jira(email: str, token: str, project: str = "ENG") -> Iterator[FakeTracker]:
    """POST /rest/api/3/issue → 201 {id, key, self}; POST /rest/api/3/issue/{key}/comment."""
    fake = FakeTracker("jira")
    counter = iter(range(1, 1000))
    routes = [
        ("/rest/api/3/issue", lambda path, body: _jira_issue(fake, project, next(counter))),
        ("/comment", lambda path, body: {"id": "10100", "body": body["body"]}),
    ]
    authorised = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
    with _serve(fake, _handler(fake, authorised, routes)) as served:
        yield served


def _jira_issue(fake: FakeTracker, project: str, n: int) -> dict:
    return {
        "id": str(10000 + n),
        "key": f"{project}-{n}",
        "self": f"{fake.base_url}/rest/api/3/issue/{10000 + n}",
    }


@contextlib.contextmanager
def github(token: str, repo: str = "example/platform") -> Iterator[FakeTracker]:
    """POST /repos/{owner}/{repo}/issues → 201 {number, html_url, state};
    POST /repos/{owner}/{repo}/issues/{number}/comments."""
    fake = FakeTracker("github")
    routes = [
        (
            f"/repos/{repo}/issues",
            lambda path, body: {
                "number": 7,
                "html_url": f"https://github.com/{repo}/issues/7",
                "state": "open",
                "title": body["title"],
            },
        ),
        ("/comments", lambda path, body: {"id": 1, "body": body["body"]}),
    ]
    with _serve(fake, _handler(fake, f"Bearer {token}", routes)) as served:
        yield served


_jira_ids = itertools.count(1_000_000)


def jira_delivery(
    key: str,
    status: str,
    secret: str,
    *,
    released_version: bool = False,
    identifier: str | None = None,
):
    """A `jira:issue_updated` delivery as Jira sends it: (body bytes, headers). Each has
    its own `X-Atlassian-Webhook-Identifier` unless `identifier` names one ("" for
    none)."""
    payload = {
        "timestamp": 1733560000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": {
            "id": "10001",
            "key": key,
            "fields": {
                "summary": "Salesforce sessions expire mid-run",
                "status": {"name": status, "statusCategory": {"key": "done"}},
                "fixVersions": [{"name": "2026.12", "released": released_version}],
            },
        },
        "changelog": {
            "items": [{"field": "status", "fromString": "In Progress", "toString": status}]
        },
    }
    body = json.dumps(payload).encode()
    headers = {"HTTP_X_HUB_SIGNATURE": sign(secret, body)}
    identifier = str(next(_jira_ids)) if identifier is None else identifier
    if identifier:
        headers["HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER"] = identifier
    return body, headers


def github_delivery(
    number: int,
    secret: str,
    *,
    action: str = "closed",
    labels=(),
    repo: str = "example/platform",
    event: str = "issues",
    delivery: str | None = None,
):
    """An `issues` delivery as GitHub sends it: (body bytes, headers), each with its own
    `X-GitHub-Delivery` GUID unless `delivery` names one."""
    payload = {
        "action": action,
        "issue": {
            "number": number,
            "state": "closed" if action == "closed" else "open",
            "state_reason": "completed" if action == "closed" else None,
            "labels": [{"name": name} for name in labels],
            "html_url": f"https://github.com/{repo}/issues/{number}",
        },
        "repository": {"full_name": repo},
        "sender": {"login": "octocat"},
    }
    body = json.dumps(payload).encode()
    return body, {
        "HTTP_X_HUB_SIGNATURE_256": sign(secret, body),
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
    }


def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST a delivery over HTTP as the tracker's webhook sender does (headers named as
    on the wire: `X-Hub-Signature`, …)."""
    import urllib.error
    import urllib.request

    wire = {"Content-Type": "application/json"}
    for name, value in headers.items():
        wire[name.removeprefix("HTTP_").replace("_", "-").title()] = value
    request = urllib.request.Request(url, data=body, headers=wire, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
