"""Shapes of triage's findings: on POST /triage/diagnose and as the `triage` block of a
ticket's API detail (contributed through `tickets.sections`). Only pydantic and ninja
here, so the block's schema can be registered before the ticket API is built."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from tierdesk.core.api_support import api_enum
from tierdesk.triage import models

Cause = api_enum(
    "TriageCause",
    models.Cause,
    doc="An obvious cause: connectivity, dns, tls, credentials, token_expired, rate_limit, quota.",
)


class EvidenceOut(Schema):
    text: str = Field(description="The matching line (a JSON log line's message).")
    source: str = Field(
        description="text, log, description, pasted_log, attachment:<name>, message:<id>…"
    )
    line: int | None = Field(None, description="Line number in a log or attachment.")


class ArticleRefOut(Schema):
    id: int
    title: str
    url: str


class FindingOut(Schema):
    cause: Cause  # type: ignore[valid-type]
    confidence: float
    evidence: EvidenceOut
    article: ArticleRefOut | None
    rule: str = Field(description="The code of the rule that matched.")
    problem: dict[str, Any] | None = Field(
        None, description="A known problem matching this text (reserved)."
    )


class DiagnoseOut(Schema):
    causes: list[FindingOut]
