"""Stand-ins for the partners' tools on 127.0.0.1: an `http.server` in a thread per
test (tests/connector_fake_base.py), implementing the REST endpoints Tierdesk calls, in
the shapes of each tool's public API documentation (Zendesk Support API v2, Freshdesk API
v2, Jira Cloud platform REST API v3), paging comments as each tool does. They keep
tickets, comments and files in memory, check the Basic credentials, record every request
(method, path, headers), and call Tierdesk's webhook URLs themselves
(`connect_webhook`, `send_webhooks`).

`trigger()` is the quick way round for tests that need no live server: what the tool's
trigger, automation rule or "send web request" action posts to Tierdesk, through
Django's test client.
"""

from __future__ import annotations

import base64
import json
import re

from tests.connector_fake_base import (
    PNG,
    FakeComment,
    FakeTicket,
    FakeTool,
    multipart,
    number,
    serving,
)

__all__ = [
    "PNG",
    "FakeComment",
    "FakeFreshdesk",
    "FakeJsm",
    "FakeTicket",
    "FakeZendesk",
    "serving",
    "trigger",
]


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

    def comments_page(self, ticket: FakeTicket, query: dict) -> dict:
        """List Comments: cursor pagination with `page[size]` (at most 100; opaque
        `page[after]` cursors, `meta.has_more`, `links.next`), else offset pagination
        (`page`, 100 a page, `next_page`). Oldest first."""
        path = f"{self.base_url}/api/v2/tickets/{ticket.id}/comments.json"
        if "page[size]" not in query:
            page = max(number(query, "page", 1), 1)
            chunk = ticket.comments[(page - 1) * 100 : page * 100]
            more = len(ticket.comments) > page * 100
            return {
                "comments": [self.comment_json(c) for c in chunk],
                "next_page": f"{path}?page={page + 1}" if more else None,
                "previous_page": f"{path}?page={page - 1}" if page > 1 else None,
                "count": len(ticket.comments),
            }
        size = min(max(number(query, "page[size]", 100), 1), 100)
        after = query.get("page[after]", [""])[0]
        last = int(base64.urlsafe_b64decode(after).decode()) if after else 0
        rest = [c for c in ticket.comments if c.id > last]
        chunk = rest[:size]
        cursor = base64.urlsafe_b64encode(str(chunk[-1].id).encode()).decode() if chunk else None
        before = base64.urlsafe_b64encode(str(chunk[0].id - 1).encode()).decode() if chunk else None
        more = len(rest) > size
        page_url = f"{path}?page%5Bsize%5D={size}"
        return {
            "comments": [self.comment_json(c) for c in chunk],
            "meta": {"has_more": more, "after_cursor": cursor, "before_cursor": before},
            "links": {
                "next": f"{page_url}&page%5Bafter%5D={cursor}" if more else None,
                "prev": f"{page_url}&page%5Bbefore%5D={before}" if before else None,
            },
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
            return 200, self.comments_page(ticket, query)
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
                self._fire("comment", ticket.id)
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

    def conversation(self, c: FakeComment) -> dict:
        return {
            "id": c.id,
            "body": c.body,
            "body_text": c.body,
            "private": not c.public,
            "incoming": False,
            "attachments": [self.file_json(f) for f in c.file_ids],
        }

    def route(self, method, path, query, headers, body):
        if method == "GET" and path == "/api/v2/agents/me":
            return 200, {"id": 1, "contact": {"email": "agent@example.test"}}
        match = re.fullmatch(r"/api/v2/tickets/(\d+)(/notes|/reply|/conversations)?", path)
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
            if query.get("include") == ["conversations"]:  # "up to ten conversations"
                document["conversations"] = [self.conversation(c) for c in ticket.comments[:10]]
            return 200, document
        if method == "GET" and match[2] == "/conversations":
            # List All Conversations of a Ticket: `page` from 1, `per_page` 30 by default,
            # at most 100 (more is an error); a `link` header names the next page.
            page, size = number(query, "page", 1), number(query, "per_page", 30)
            if page < 1 or not 1 <= size <= 100:
                return 400, {"description": "Validation failed", "errors": [{"field": "per_page"}]}
            chunk = ticket.comments[(page - 1) * size : page * size]
            headers = {}
            if len(ticket.comments) > page * size:
                following = f"{self.base_url}{path}?page={page + 1}&per_page={size}"
                headers["Link"] = f'<{following}>; rel="next"'
            return 200, [self.conversation(c) for c in chunk], headers
        if method == "PUT" and not match[2]:
            ticket.status = str(json.loads(body)["status"])
            return 200, {"id": int(ticket.id), "status": int(ticket.status)}
        if method == "POST" and match[2]:
            if headers.get("Content-Type", "").startswith("multipart/form-data"):
                fields, files = multipart(headers, body)
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
        self.max_results = 5000  # the most the server returns on one page

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
            # Get comments: a PageOfComments from `startAt`, at most `maxResults` (5000 by
            # default, and never more than the server's own cap: Jira may give fewer)
            start = max(number(query, "startAt", 0), 0)
            size = min(max(number(query, "maxResults", 5000), 1), self.max_results)
            order = query.get("orderBy", ["created"])[0]
            if order not in ("created", "+created", "-created"):
                return 400, {"errorMessages": ["orderBy accepts created only"]}
            listed = ticket.comments[::-1] if order == "-created" else ticket.comments
            return 200, {
                "startAt": start,
                "maxResults": size,
                "total": len(ticket.comments),
                "comments": [
                    {"id": str(c.id), "body": self.adf(c.body), "jsdPublic": c.public}
                    for c in listed[start : start + size]
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
            _, files = multipart(headers, body)
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


def trigger(client, connector, secret: str, ticket_id: str, *, what: str = "handover"):
    """The tool's call to Tierdesk, as its trigger / automation / web request sends it."""
    url = f"/api/v1/connectors/{connector.pk}/{'handover' if what == 'handover' else 'comments'}"
    return client.post(
        url,
        data=json.dumps({"ticket_id": ticket_id}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
