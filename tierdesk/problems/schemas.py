"""The API's problem and ticket-link shapes (the partners' contract: keep names stable)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import ConfigDict, Field

from tierdesk.core.api_support import Level, api_enum
from tierdesk.problems import models
from tierdesk.tickets.api_enums import TicketStatus

ProblemStatus = api_enum("ProblemStatus", models.ProblemStatus, doc="Where a problem is.")
TrackerKind = api_enum("TrackerKind", models.TrackerKind)
TrackerCallAction = api_enum(
    "TrackerCallAction", models.TrackerCallAction, doc="What a call to the tracker does."
)
TrackerCallState = api_enum(
    "TrackerCallState",
    models.TrackerCallState,
    doc="`failed` until retried; `sending` for an attempt under way.",
)
TicketLinkKind = api_enum("TicketLinkKind", models.LinkKind)
NewLinkKind = api_enum(
    "TicketLinkNewKind",
    (models.LinkKind.RELATES, models.LinkKind.DUPLICATES),
    doc="The links you make; `merged_into` is made by the merge.",
)
LinkDirection = api_enum(
    "TicketLinkDirection", ("outgoing", "incoming"), doc="`outgoing`: this ticket is the source."
)


PROBLEM_VERSION = "The problem's version you read (409 `stale_version` when stale)."


def _examples(*examples: dict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class ProblemFields(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    public_summary: str | None = Field(
        None, min_length=1, description="What partners and customers may read."
    )
    internal_analysis: str | None = None
    components: list[str] | None = None
    flow_ids: list[str] | None = None
    workaround: str | None = None
    workaround_public: bool | None = None
    tracker_id: int | None = Field(None, description="A configured tracker (admin).")
    tracker_key: str | None = Field(None, max_length=100)
    tracker_url: str | None = Field(None, max_length=200)


EXAMPLE = {
    "title": "Salesforce sessions expire mid-run",
    "public_summary": "Long Salesforce runs stop with INVALID_SESSION_ID; a fix is in work.",
    "internal_analysis": "The refresh token is not persisted after Salesforce rotates it.",
    "components": ["salesforce-component"],
}


class ProblemIn(ProblemFields):
    model_config = _examples({**EXAMPLE, "ticket_id": 17})

    title: str = Field(..., min_length=1, max_length=200)
    public_summary: str = Field(..., min_length=1)
    ticket_id: int | None = Field(None, description="A first ticket to link.")


class ProblemPatchIn(ProblemFields):
    model_config = _examples({"workaround": "Reconnect the credential daily.", "version": 3})

    version: int | None = Field(None, description="The version you read (409 when stale).")


class ProblemEscalateIn(Schema):
    model_config = _examples({"ticket_id": 17, "problem_id": 4}, {"ticket_id": 18, **EXAMPLE})

    ticket_id: int
    problem_id: int | None = Field(None, description="Link to this problem; else a new one.")
    title: str | None = Field(None, min_length=1, max_length=200)
    public_summary: str | None = Field(None, min_length=1)
    internal_analysis: str | None = None
    components: list[str] | None = None
    override_reason: str = ""
    version: int | None = Field(None, description="The ticket's version.")


class ProblemLinkIn(Schema):
    model_config = _examples({"ticket_id": 17})

    ticket_id: int


class ProblemDeliverFixIn(Schema):
    model_config = _examples({"reference": "HF-2026-200", "release": "2026.12.1", "notes": ""})

    reference: str = Field(..., max_length=200)
    release: str = Field("", max_length=100)
    notes: str = Field("", description="Internal: never shown to customers.")
    customer_message: str = Field(
        "", description="What each customer reads when their ticket passes verification."
    )
    version: int | None = None


class ProblemVerifyFixIn(Schema):
    model_config = _examples(
        {"passed": True, "customer_message": "The fix is live; your flow runs again."},
        {"passed": False, "notes": "Order 4712 still fails.", "ticket_ids": [18], "version": 5},
    )

    passed: bool
    notes: str = Field("", description="Internal; required when it failed.")
    ticket_ids: list[int] | None = Field(None, description="Only these; all when left out.")
    customer_message: str = Field("", description="What each customer reads.")
    version: int | None = Field(None, description=PROBLEM_VERSION)


class ProblemWorkaroundIn(Schema):
    model_config = _examples(
        {"ticket_id": 17, "customer_message": "Reconnect daily until…", "version": 4}
    )

    ticket_id: int
    customer_message: str = Field(
        "", description="What the customer reads; the public workaround when left out."
    )
    version: int | None = Field(None, description=PROBLEM_VERSION)


class ProblemReleaseIn(Schema):
    model_config = _examples({"release": "2026.12.1"})

    release: str = Field("", max_length=100)
    customer_message: str = Field("", description="Told to customers resolved with the workaround.")
    version: int | None = None


class ProblemVersionIn(Schema):
    model_config = _examples({"version": 4}, {})

    version: int | None = None


class ProblemTicketOut(Schema):
    id: int
    reference: str
    title: str
    level: Level  # type: ignore[valid-type]
    status: TicketStatus  # type: ignore[valid-type]
    workaround_applied: bool


class PartnerTicketsOut(Schema):
    partner: str
    tickets: list[ProblemTicketOut]


class TrackerOut(Schema):
    name: str
    kind: TrackerKind  # type: ignore[valid-type]
    key: str
    url: str
    tracker_status: str = Field(..., description="The status as the tracker names it.")


class ProblemOut(Schema):
    """What everyone who sees the problem reads; the internal fields are null for
    partners and customers."""

    id: int
    reference: str
    title: str
    status: ProblemStatus  # type: ignore[valid-type]
    public_summary: str
    workaround: str | None = Field(None, description="Public, or for staff.")
    internal_analysis: str | None
    workaround_public: bool | None
    components: list[str] | None
    flow_ids: list[str] | None
    fix_reference: str | None
    fix_release: str | None
    tracker: TrackerOut | None
    owner: str | None
    ticket_count: int = Field(..., description="The problem's tickets you may see.")
    version: int
    created_at: datetime
    updated_at: datetime


class TrackerCallOut(Schema):
    """An outbound call to the tracker that has not succeeded (yet)."""

    id: int
    action: TrackerCallAction  # type: ignore[valid-type]
    state: TrackerCallState  # type: ignore[valid-type]
    attempts: int
    last_status: int | None = Field(
        ..., description="The tracker's HTTP status; null when it was not reached."
    )
    last_error: str = Field(..., description="Short; never a URL or credential.")
    last_attempt_at: datetime | None
    created_at: datetime


class ProblemDetailOut(ProblemOut):
    tickets_by_partner: list[PartnerTicketsOut]
    tracker_calls: list[TrackerCallOut] | None = Field(
        None,
        description="Calls to the tracker that failed or wait (vendor staff; null for "
        "others). Retry a failed one with `actions/retry_tracker`.",
    )


class ProblemTrackerRetryIn(Schema):
    model_config = _examples({"call_id": 12}, {})

    call_id: int | None = Field(None, description="One failed call; without it, every one.")


class ProblemFilters(Schema):
    status: ProblemStatus | None = None  # type: ignore[valid-type]
    q: str | None = Field(None, max_length=200, description="Words in the title or summary.")


class TicketLinkIn(Schema):
    model_config = _examples({"other_id": 18, "kind": "duplicates"})

    other_id: int
    kind: NewLinkKind  # type: ignore[valid-type]


class TicketLinkOut(Schema):
    id: int
    kind: TicketLinkKind  # type: ignore[valid-type]
    direction: LinkDirection  # type: ignore[valid-type]
    ticket_id: int
    ticket_reference: str
    ticket_title: str


class TicketMergeIn(Schema):
    model_config = _examples({"into_id": 17, "customer_message": "We merged your request…"})

    into_id: int = Field(..., description="The original this ticket duplicates.")
    customer_message: str = Field("", description="What the duplicate's customer reads.")
    version: int | None = None


class ProblemTrackerIn(Schema):
    model_config = _examples({"tracker_id": 1, "key": "ENG-42"}, {"tracker_id": 2})

    tracker_id: int
    key: str = Field(
        "", max_length=100, description="An existing issue; leave it out to have one created."
    )
    version: int | None = None


class TrackerListOut(Schema):
    id: int
    name: str
    kind: TrackerKind  # type: ignore[valid-type]
    project: str
