"""Zendesk Support REST API v2 (developer.zendesk.com/api-reference/ticketing/).

* ticket: `GET /api/v2/tickets/{id}.json` → `{"ticket": {"subject", "description",
  "status", "custom_fields": [{"id", "value"}]}}`
* comments: `GET /api/v2/tickets/{id}/comments.json?page[size]=100` (cursor pagination,
  at most 100 a page, oldest first) → `{"comments": [{"id", "body", "public",
  "attachments": [{"id", "file_name", "content_url", "content_type"}]}], "meta":
  {"has_more", "after_cursor", "before_cursor"}, "links": {"next", "prev"}}`; the next
  page is `page[after]={after_cursor}` while `has_more` (the first comment is the
  description). The position kept between syncs is the last `after_cursor`: a cursor
  points past a comment, not at an offset, so it is stable.
* a comment is written by updating the ticket: `PUT /api/v2/tickets/{id}.json`
  `{"ticket": {"comment": {"body", "public", "uploads": [token]}}}`; the answer's
  `audit.events` holds the new `Comment` event with its id
* files: `POST /api/v2/uploads.json?filename=` with the bytes → `{"upload": {"token"}}`
* status: `PUT /api/v2/tickets/{id}.json` `{"ticket": {"status": "pending"}}`
* health: `GET /api/v2/users/me.json`; auth: `{email}/token:{api token}` (Basic)
"""

from __future__ import annotations

from urllib.parse import quote

from tierdesk.connectors.clients.base import (
    Client,
    CommentPage,
    ExternalComment,
    ExternalFile,
    ExternalTicket,
    Upload,
)
from tierdesk.connectors.clients.http import ToolError, basic


def _files(items: list) -> tuple[ExternalFile, ...]:
    return tuple(
        ExternalFile(
            id=str(a.get("id")),
            name=str(a.get("file_name") or "attachment"),
            url=str(a.get("content_url") or ""),
            content_type=str(a.get("content_type") or ""),
        )
        for a in items or []
    )


class ZendeskClient(Client):
    def auth(self) -> str:
        return basic(f"{self.connector.username}/token", self.connector.api_token)

    def _ticket_path(self, external_id: str) -> str:
        return f"/api/v2/tickets/{quote(external_id, safe='')}"

    def health(self) -> None:
        self.call("GET", "/api/v2/users/me.json")

    def comment_page(self, external_id: str, position: str) -> CommentPage:
        query = {"page[size]": str(min(self.page_size, 100))}
        if position:
            query["page[after]"] = position
        data = (
            self.call("GET", self._ticket_path(external_id) + "/comments.json", query=query).json()
            or {}
        )
        if not isinstance(data, dict):
            raise ToolError("the tool's answer has no comments")
        meta = data.get("meta") or {}
        after = str(meta.get("after_cursor") or "") or position
        return CommentPage(
            comments=tuple(
                ExternalComment(
                    id=str(c.get("id")),
                    body=str(c.get("body") or ""),
                    public=bool(c.get("public", True)),
                    files=_files(c.get("attachments")),
                )
                for c in data.get("comments") or []
            ),
            resume=after,
            next=after if meta.get("has_more") and after != position else None,
        )

    def fetch(self, external_id: str, position: str = "") -> ExternalTicket:
        data = self.call("GET", self._ticket_path(external_id) + ".json").json() or {}
        ticket = data.get("ticket")
        if not isinstance(ticket, dict):
            raise ToolError("the tool's answer has no ticket")
        fields = {str(f.get("id")): f.get("value") for f in ticket.get("custom_fields") or []}
        fields.update({"subject": ticket.get("subject"), "description": ticket.get("description")})
        batch = self.comments(external_id, position)
        return ExternalTicket(
            id=str(ticket.get("id", external_id)),
            subject=str(ticket.get("subject") or ""),
            description=str(ticket.get("description") or ""),
            fields=fields,
            comments=batch.comments,
            position=batch.position,
            more=batch.more,
        )

    def comment(
        self, external_id: str, body: str, *, public: bool, files: list[Upload]
    ) -> tuple[str, list[str]]:
        tokens = []
        for upload in files:
            answer = self.call(
                "POST",
                "/api/v2/uploads.json",
                query={"filename": upload.name},
                data=upload.content,
                content_type="application/binary",
            ).json()
            tokens.append(str(((answer or {}).get("upload") or {}).get("token", "")))
        comment = {"body": body, "public": public}
        if tokens:
            comment["uploads"] = tokens
        answer = (
            self.call(
                "PUT",
                self._ticket_path(external_id) + ".json",
                json_body={"ticket": {"comment": comment}},
            ).json()
            or {}
        )
        for event in (answer.get("audit") or {}).get("events") or []:
            if event.get("type") == "Comment":
                return str(event.get("id")), []
        return "", []

    def set_status(self, external_id: str, value: str) -> None:
        self.call(
            "PUT", self._ticket_path(external_id) + ".json", json_body={"ticket": {"status": value}}
        )
