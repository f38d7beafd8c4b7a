"""Freshdesk REST API v2 (developers.freshdesk.com/api/).

* ticket: `GET /api/v2/tickets/{id}` → `{"subject", "description_text", "status",
  "custom_fields": {"cf_…": …}, "attachments": [{"id", "name", "content_type",
  "attachment_url"}]}` (`?include=conversations` would add at most ten: not used)
* conversations: `GET /api/v2/tickets/{id}/conversations?page=1&per_page=100` (pages
  from 1, at most 100 a page, oldest first) → `[{"id", "body_text", "private",
  "attachments"}]`; a `Link: <…page=2…>; rel="next"` header while more pages follow.
  The position kept between syncs is the number of the last page read (read again
  next time: it may have been partial).
* a private note: `POST /api/v2/tickets/{id}/notes` `{"body", "private": true}`; a public
  reply: `POST /api/v2/tickets/{id}/reply` `{"body"}`; with files as multipart
  (`attachments[]`); the answer is the conversation with its `id`
* status: `PUT /api/v2/tickets/{id}` `{"status": 2|3|4|5}` (open, pending, resolved, closed)
* health: `GET /api/v2/agents/me`; auth: Basic `{api key}:X`
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from tierdesk.connectors.clients.base import (
    Client,
    CommentPage,
    ExternalComment,
    ExternalFile,
    ExternalTicket,
    Upload,
)
from tierdesk.connectors.clients.http import ToolError, basic, multipart


def _files(items: list) -> tuple[ExternalFile, ...]:
    return tuple(
        ExternalFile(
            id=str(a.get("id")),
            name=str(a.get("name") or "attachment"),
            url=str(a.get("attachment_url") or ""),
            content_type=str(a.get("content_type") or ""),
        )
        for a in items or []
    )


NEXT = re.compile(r"""<[^>]*>\s*;\s*rel="?next"?""", re.IGNORECASE)


def _html(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


class FreshdeskClient(Client):
    def auth(self) -> str:
        return basic(self.connector.api_token, "X")

    def _ticket_path(self, external_id: str) -> str:
        return f"/api/v2/tickets/{quote(external_id, safe='')}"

    def health(self) -> None:
        self.call("GET", "/api/v2/agents/me")

    def comment_page(self, external_id: str, position: str) -> CommentPage:
        page = int(position) if position.isdigit() and int(position) > 0 else 1
        answer = self.call(
            "GET",
            self._ticket_path(external_id) + "/conversations",
            query={"page": str(page), "per_page": str(min(self.page_size, 100))},
        )
        data = answer.json()
        if not isinstance(data, list):
            raise ToolError("the tool's answer has no conversations")
        if not data and page > 1:  # conversations were deleted: the pages moved back
            return self.comment_page(external_id, "1")
        return CommentPage(
            comments=tuple(
                ExternalComment(
                    id=str(c.get("id")),
                    body=str(c.get("body_text") or ""),
                    public=not c.get("private", False),
                    files=_files(c.get("attachments")),
                )
                for c in data
                if isinstance(c, dict)
            ),
            resume=str(page),
            next=str(page + 1) if NEXT.search(answer.link) else None,
        )

    def fetch(self, external_id: str, position: str = "") -> ExternalTicket:
        data = self.call("GET", self._ticket_path(external_id)).json()
        if not isinstance(data, dict):
            raise ToolError("the tool's answer has no ticket")
        fields = dict(data.get("custom_fields") or {})
        fields.update({"subject": data.get("subject"), "description": data.get("description_text")})
        batch = self.comments(external_id, position)
        return ExternalTicket(
            id=str(data.get("id", external_id)),
            subject=str(data.get("subject") or ""),
            description=str(data.get("description_text") or ""),
            fields=fields,
            files=_files(data.get("attachments")),
            comments=batch.comments,
            position=batch.position,
            more=batch.more,
        )

    def comment(
        self, external_id: str, body: str, *, public: bool, files: list[Upload]
    ) -> tuple[str, list[str]]:
        path = self._ticket_path(external_id) + ("/reply" if public else "/notes")
        if files:
            fields = {"body": _html(body)}
            if not public:
                fields["private"] = "true"
            data, content_type = multipart(
                fields, [("attachments[]", f.name, f.content, f.content_type) for f in files]
            )
            answer = self.call("POST", path, data=data, content_type=content_type).json()
        else:
            document: dict = {"body": _html(body)}
            if not public:
                document["private"] = True
            answer = self.call("POST", path, json_body=document).json()
        return str((answer or {}).get("id", "")), []

    def set_status(self, external_id: str, value: str) -> None:
        try:
            status = int(value)
        except ValueError:
            raise ToolError(
                "a Freshdesk status is a number (2 open, 3 pending, 4 resolved)"
            ) from None
        self.call("PUT", self._ticket_path(external_id), json_body={"status": status})
