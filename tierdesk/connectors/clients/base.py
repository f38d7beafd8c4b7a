"""What Tierdesk needs of a partner's tool, whichever it is.

Comments are read page by page (each tool pages them its own way), at most `max_pages`
pages per sync: a `CommentBatch` says where the next sync resumes (a position stored on
the link, opaque to everyone but the tool's client) and whether pages were left for it.
A position points at the start of the last page read, or past it where the tool's
cursor is stable: re-reading a page costs a call, never a comment (what was seen is
skipped by id), whereas skipping past a page whose items moved would lose one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tierdesk.connectors.clients.http import ToolError, call
from tierdesk.connectors.models import Connector


@dataclass(frozen=True)
class ExternalFile:
    id: str
    name: str
    url: str
    content_type: str = ""


@dataclass(frozen=True)
class ExternalComment:
    id: str
    body: str
    public: bool
    files: tuple[ExternalFile, ...] = ()


@dataclass(frozen=True)
class ExternalTicket:
    id: str
    subject: str
    description: str
    fields: dict[str, Any] = field(default_factory=dict)
    comments: tuple[ExternalComment, ...] = ()
    files: tuple[ExternalFile, ...] = ()  # on the ticket itself (Freshdesk, Jira)
    position: str = ""  # where the next read of the comments resumes
    more: bool = False  # comments were left for the next read (the page cap)

    def all_files(self) -> list[ExternalFile]:
        found = list(self.files)
        for comment in self.comments:
            found.extend(comment.files)
        return list({f.id: f for f in found}.values())


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class CommentPage:
    """One page of comments: `resume` is where a later sync restarts if it stops after
    this page; `next` the position of the following page, None on the last one."""

    comments: tuple[ExternalComment, ...]
    resume: str
    next: str | None


@dataclass(frozen=True)
class CommentBatch:
    comments: tuple[ExternalComment, ...]
    position: str
    more: bool


class Client:
    """One tool's REST API for one connector."""

    page_size = 100  # the most each tool gives per page
    max_pages = 10  # per sync; the rest is read by the next one

    def __init__(self, connector: Connector):
        self.connector = connector

    def auth(self) -> str:  # pragma: no cover - every tool defines it
        raise NotImplementedError

    def call(self, method: str, path: str, **kwargs: Any):
        return call(self.connector, method, path, auth=self.auth(), **kwargs)

    def download(self, file: ExternalFile) -> bytes:
        if not file.url:
            raise ToolError("the file has no download address")
        return self.call("GET", "", url=file.url, headers={"Accept": "*/*"}).body

    # The operations every tool implements
    def health(self) -> None:
        raise NotImplementedError

    def fetch(self, external_id: str, position: str = "") -> ExternalTicket:
        """The ticket, with its comments from `position` on (at most `max_pages`)."""
        raise NotImplementedError

    def comment_page(self, external_id: str, position: str) -> CommentPage:
        raise NotImplementedError

    def comments(self, external_id: str, position: str = "") -> CommentBatch:
        """Every comment from `position` on, page after page, up to `max_pages` pages."""
        found: dict[str, ExternalComment] = {}
        for _ in range(max(self.max_pages, 2)):
            page = self.comment_page(external_id, position)
            for comment in page.comments:
                found.setdefault(comment.id, comment)
            if page.next is None or not page.comments:
                return CommentBatch(tuple(found.values()), page.resume, more=False)
            position, resume = page.next, page.resume
        return CommentBatch(tuple(found.values()), resume, more=True)

    def comment(
        self, external_id: str, body: str, *, public: bool, files: list[Upload]
    ) -> tuple[str, list[str]]:
        """Write a comment (with files); returns the new comment's id and the ids the
        tool gave the files where they are not part of the comment (Jira)."""
        raise NotImplementedError

    def set_status(self, external_id: str, value: str) -> None:
        raise NotImplementedError


def text_of(value: Any) -> str:
    """A custom field's value as text (lists joined, None empty)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("value") or value.get("name") or "")
    return str(value)
