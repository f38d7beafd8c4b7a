"""Jira Service Management through the Jira Cloud platform REST API v3
(developer.atlassian.com/cloud/jira/platform/rest/v3/).

* issue: `GET /rest/api/3/issue/{key}` → `{"id", "key", "fields": {"summary",
  "description" (Atlassian Document Format), "attachment": [{"id", "filename", "mimeType",
  "content"}], "customfield_…": …}}`
* comments: `GET /rest/api/3/issue/{key}/comment?startAt=0&maxResults=100&orderBy=created`
  (a `PageOfComments`, oldest first) → `{"startAt", "maxResults", "total", "comments":
  [{"id", "body" (ADF), "jsdPublic"}]}`; more follow while `startAt` + the comments
  returned < `total` (Jira may return fewer than asked). The position kept between
  syncs is the `startAt` of the last page read (read again next time). (The service
  desk API's `GET /rest/servicedeskapi/request/{key}/comment` pages with `start`,
  `limit`, `isLastPage`; the connector reads and writes through the platform API.)
* a comment: `POST /rest/api/3/issue/{key}/comment` `{"body": ADF, "properties":
  [{"key": "sd.public.comment", "value": {"internal": true}}]}` → the comment with `id`
* files: `POST /rest/api/3/issue/{key}/attachments` (multipart `file`,
  `X-Atlassian-Token: no-check`); Jira keeps files on the issue, not on a comment
* status: `POST /rest/api/3/issue/{key}/transitions` `{"transition": {"id"}}` — map each
  mirrored move to a transition id of the project's workflow
* health: `GET /rest/api/3/myself`; auth: Basic `{email}:{api token}`
"""

from __future__ import annotations

from typing import Any
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


def adf_text(node: Any) -> str:
    """The plain text of an Atlassian Document Format node (paragraphs on their own lines)."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text") or "")
    if node.get("type") == "hardBreak":
        return "\n"
    inner = "".join(adf_text(child) for child in node.get("content") or [])
    if node.get("type") in ("paragraph", "heading", "codeBlock", "listItem"):
        return inner + "\n"
    return inner


def adf(text: str) -> dict:
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        if line
        else {"type": "paragraph", "content": []}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


class JsmClient(Client):
    def auth(self) -> str:
        return basic(self.connector.username, self.connector.api_token)

    def _issue_path(self, key: str) -> str:
        return f"/rest/api/3/issue/{quote(key, safe='')}"

    def health(self) -> None:
        self.call("GET", "/rest/api/3/myself")

    def comment_page(self, external_id: str, position: str) -> CommentPage:
        start = int(position) if position.isdigit() else 0
        query = {
            "startAt": str(start),
            "maxResults": str(self.page_size),
            "orderBy": "created",
        }
        data = self.call("GET", self._issue_path(external_id) + "/comment", query=query).json()
        if not isinstance(data, dict):
            raise ToolError("the tool's answer has no comments")
        comments = [c for c in data.get("comments") or [] if isinstance(c, dict)]
        start = int(data.get("startAt") or start)
        following = start + len(comments)
        total = data.get("total")
        if not comments and start > 0 and isinstance(total, int) and total <= start:
            return self.comment_page(external_id, "0")  # comments were deleted: start over
        return CommentPage(
            comments=tuple(
                ExternalComment(
                    id=str(c.get("id")),
                    body=adf_text(c.get("body")).strip(),
                    public=bool(c.get("jsdPublic", True)),
                )
                for c in comments
            ),
            resume=str(start),
            next=str(following) if isinstance(total, int) and following < total else None,
        )

    def fetch(self, external_id: str, position: str = "") -> ExternalTicket:
        data = self.call("GET", self._issue_path(external_id)).json()
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise ToolError("the tool's answer has no issue")
        raw = data["fields"]
        description = adf_text(raw.get("description")).strip()
        fields = {k: v for k, v in raw.items() if k.startswith("customfield_")}
        fields.update({"subject": raw.get("summary"), "description": description})
        files = tuple(
            ExternalFile(
                id=str(a.get("id")),
                name=str(a.get("filename") or "attachment"),
                url=str(a.get("content") or ""),
                content_type=str(a.get("mimeType") or ""),
            )
            for a in raw.get("attachment") or []
        )
        batch = self.comments(external_id, position)
        return ExternalTicket(
            id=str(data.get("key") or external_id),
            subject=str(raw.get("summary") or ""),
            description=description,
            fields=fields,
            files=files,
            comments=batch.comments,
            position=batch.position,
            more=batch.more,
        )

    def comment(
        self, external_id: str, body: str, *, public: bool, files: list[Upload]
    ) -> tuple[str, list[str]]:
        file_ids: list[str] = []
        for upload in files:
            data, content_type = multipart(
                {}, [("file", upload.name, upload.content, upload.content_type)]
            )
            stored = self.call(
                "POST",
                self._issue_path(external_id) + "/attachments",
                data=data,
                content_type=content_type,
                headers={"X-Atlassian-Token": "no-check"},
            ).json()
            file_ids += [str(a.get("id")) for a in stored or [] if isinstance(a, dict)]
        document = {
            "body": adf(body),
            "properties": [{"key": "sd.public.comment", "value": {"internal": not public}}],
        }
        answer = self.call("POST", self._issue_path(external_id) + "/comment", json_body=document)
        return str((answer.json() or {}).get("id", "")), file_ids

    def set_status(self, external_id: str, value: str) -> None:
        self.call(
            "POST",
            self._issue_path(external_id) + "/transitions",
            json_body={"transition": {"id": value}},
        )
