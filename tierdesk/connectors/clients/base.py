"""What Tierdesk needs of a partner's tool, whichever it is."""

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


class Client:
    """One tool's REST API for one connector."""

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

    def fetch(self, external_id: str) -> ExternalTicket:
        raise NotImplementedError

    def comments(self, external_id: str) -> list[ExternalComment]:
        return list(self.fetch(external_id).comments)

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
