"""Shapes of triage's findings: on POST /triage/diagnose and as the `triage` block of a
ticket's API detail (contributed through `tickets.sections`). Only pydantic and ninja
here, so the block's schema can be registered before the ticket API is built."""

from __future__ import annotations

from ninja import Field, Schema

from tierdesk.core.api_support import api_enum
from tierdesk.problems.schemas import ProblemStatus
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


class ProblemRefOut(Schema):
    """A known open problem the finding looks like ("looks like P-12, fix in progress"):
    only the parts partners and customers may read, never the internal analysis."""

    id: int
    reference: str = Field(description="The problem's reference, e.g. `P-12`.")
    title: str
    status: ProblemStatus  # type: ignore[valid-type]
    public_summary: str = Field(description="What partners and customers may read.")


class FindingOut(Schema):
    cause: Cause  # type: ignore[valid-type]
    confidence: float
    evidence: EvidenceOut
    article: ArticleRefOut | None
    rule: str = Field(description="The code of the rule that matched.")
    problem: ProblemRefOut | None = Field(
        None,
        description="The open problem whose public parts match the evidence, for staff "
        "(partner and vendor); always null for customers.",
    )


class DiagnoseOut(Schema):
    causes: list[FindingOut]
