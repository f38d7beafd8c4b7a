"""The API's ticket shapes. Input and output use the same names (the partners' contract).
Every closed set is a named enum (`tickets/api_enums.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tierdesk.core.api_support import Instant, MissingOut, Text
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets import sections
from tierdesk.tickets.api_enums import (
    Action,
    ActorRole,
    AttachmentKind,
    Channel,
    EventKind,
    HandoverItem,
    HandoverOutcome,
    Priority,
    Reproducibility,
    ResolutionCause,
    TicketLevel,
    TicketStatus,
    Verification,
)

__all__ = [
    "Action",
    "ActorRole",
    "AttachmentKind",
    "Channel",
    "EventKind",
    "HandoverItem",
    "HandoverOutcome",
    "Priority",
    "Reproducibility",
    "ResolutionCause",
    "TicketLevel",
    "TicketStatus",
    "Verification",
]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


MINUTES_HELP = (
    "Minutes spent on this (1–1440), logged at your level (staff only). Required when your "
    "organisation requires time logging: without it, 422 naming `minutes`."
)


def minutes_field():
    return Field(None, ge=1, le=1440, description=MINUTES_HELP)


class L1Checks(Strict):
    connectivity: Text = ""
    credentials: Text = ""


class TicketFields(Strict):
    """Every writable field, all optional (PATCH sends only what changes)."""

    title: Text | None = Field(None, max_length=200)
    priority: Priority | None = None  # type: ignore[valid-type]
    incident: bool | None = None
    contract_id: Text | None = None
    workspace_id: Text | None = None
    flow_id: Text | None = None
    no_flow_reason: Text | None = None
    platform_url: Text | None = Field(None, description="Input only: fills the three IDs.")
    occurred_at: Instant | None = None
    occurred_until: Instant | None = None
    description: Text | None = None
    expected_behaviour: Text | None = None
    actual_behaviour: Text | None = None
    steps_to_reproduce: Text | None = None
    reproducibility: Reproducibility | None = None  # type: ignore[valid-type]
    context: Text | None = Field(None, description="What the user was doing when it happened.")
    is_blocker: bool | None = None
    blocker_impact: Text | None = None
    needed_by: Instant | None = Field(None, description="Latest acceptable time.")
    l1_checks: L1Checks | None = None
    pasted_log: Text | None = None
    no_logs_reason: Text | None = None


CREATE_EXAMPLE = {
    "title": "Orders flow fails with 401 since the token refresh",
    "priority": "high",
    "platform_url": "https://app.example.com/c/5f0c1e2a3b4c5d6e7f809a1b/w/"
    "5f0c1e2a3b4c5d6e7f809a1c/flows/5f0c1e2a3b4c5d6e7f809a1d",
    "occurred_at": "2026-11-27T14:05:00+01:00",
    "description": "Every order since 14:05 fails at the ERP step.",
    "expected_behaviour": "Orders reach the ERP.",
    "actual_behaviour": "Step 3 answers 401 Unauthorized.",
    "steps_to_reproduce": "1. Place an order in the shop. 2. Open the execution log.",
    "reproducibility": "always",
    "is_blocker": True,
    "blocker_impact": "No order reaches the warehouse.",
    "needed_by": "2026-12-01T12:00:00+01:00",
    "l1_checks": {
        "connectivity": "The ERP answers from the platform's IP.",
        "credentials": "Re-entered the ERP credentials; same 401.",
    },
    "pasted_log": "2026-11-27T14:05:02+01:00 step 3 POST /orders -> 401",
    "customer": "buyer@customer.example",
    "hand_over": True,
}


class TicketIn(TicketFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CREATE_EXAMPLE]})

    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field(..., min_length=1)
    customer: Text | None = Field(None, description="The customer's email address.")
    hand_over: bool = Field(False, description="Create straight at L2 through the handover gate.")


class TicketPatch(TicketFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"version": 3, "priority": "urgent", "is_blocker": True}]},
    )

    version: int | None = Field(
        None,
        description="The version you read; a stale one gets 409 `stale_version`. Required "
        "unless the request sends `If-Match`.",
    )


def service_fields(payload: TicketFields) -> dict[str, Any]:
    """The ticket fields a client set, in the services' names."""
    data = payload.model_dump(exclude_unset=True, exclude={"customer", "hand_over", "version"})
    # An end without a start breaks the table's ticket_window_ordered constraint (a 500).
    start_given = "occurred_at" in data or isinstance(payload, TicketIn)
    if data.get("occurred_until") is not None and start_given and data.get("occurred_at") is None:
        raise InvalidInput({"occurred_until": "needs occurred_at"})
    checks = data.pop("l1_checks", None)
    if checks is not None:
        data["check_connectivity"] = checks.get("connectivity", "")
        data["check_credentials"] = checks.get("credentials", "")
    return data


class HandoverCheckOut(Schema):
    complete: bool
    missing: list[MissingOut]
    recommendations: list[MissingOut]


class TicketOut(Schema):
    id: int
    number: int
    reference: str
    title: str
    level: TicketLevel  # type: ignore[valid-type]
    status: TicketStatus  # type: ignore[valid-type]
    priority: Priority  # type: ignore[valid-type]
    incident: bool
    partner: str
    customer: str | None
    contract_id: str
    workspace_id: str
    flow_id: str
    flow_version: str
    no_flow_reason: str
    occurred_at: datetime | None
    occurred_until: datetime | None
    description: str
    expected_behaviour: str
    actual_behaviour: str
    steps_to_reproduce: str
    reproducibility: Reproducibility  # type: ignore[valid-type]
    context: str
    is_blocker: bool | None
    blocker_impact: str
    needed_by: datetime | None
    l1_checks: L1Checks
    pasted_log: str
    no_logs_reason: str
    assignee: str | None
    version: int = Field(description="Goes up with every change; also the `ETag`.")
    created_at: datetime
    updated_at: datetime


class ResolutionOut(Schema):
    """How the ticket was solved (staff only)."""

    resolution: str
    cause: ResolutionCause | None  # type: ignore[valid-type]
    level: TicketLevel | None  # type: ignore[valid-type]
    resolved_by: str | None
    resolved_at: datetime | None


class TicketDetailOut(TicketOut):
    handover_check: HandoverCheckOut
    actions: list[Action] = Field(description="Actions this caller may take now.")  # type: ignore[valid-type]
    resolution: ResolutionOut | None = Field(
        description="Staff only: the solution and its cause once resolved; null otherwise "
        "and for customers."
    )


# Plus one key per block an outer app contributes (`sla`…): `tickets.sections`.
TicketDetailOut = sections.with_api_sections(TicketDetailOut)  # type: ignore[misc]


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class ActionIn(Strict):
    """Deprecated (the generic `POST /tickets/{id}/actions/{action}`): each action takes
    only its own keys; use the `ticket_<action>` operations, whose bodies say which."""

    version: int | None = None
    items: list[Text] | None = None
    note: Text | None = None
    message: Text | None = None
    resolution: Text | None = None
    cause: Text | None = None
    override_reason: Text | None = None
    reason: Text | None = None
    reference: Text | None = None
    release: Text | None = None
    notes: Text | None = None
    passed: bool | None = None
    confirmed: bool | None = None
    customer_message: Text | None = Field(
        None, description="resolve, verify_fix: what the customer reads (a public message)."
    )
    minutes: int | None = minutes_field()


class MessageIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"body": "Which order number failed?", "internal": False}]},
    )

    body: Text = Field(..., min_length=1)
    internal: bool = Field(False, description="An internal note (staff only).")
    minutes: int | None = minutes_field()


class MessageOut(Schema):
    id: int
    body: str
    internal: bool
    author: str | None
    channel: Channel  # type: ignore[valid-type]
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    filename: str
    kind: AttachmentKind  # type: ignore[valid-type]
    content_type: str
    size: int
    sha256: str
    internal: bool
    redactions: dict[str, int] = Field(
        default_factory=dict,
        description="How many secrets of each kind were masked on upload "
        '(e.g. {"bearer": 2}); the stored bytes, size and sha256 are the masked ones.',
    )
    created_at: datetime
    download_url: str


class EventOut(Schema):
    id: int
    kind: EventKind  # type: ignore[valid-type]
    actor: str | None
    actor_role: ActorRole  # type: ignore[valid-type]
    from_level: TicketLevel | None  # type: ignore[valid-type]
    from_status: TicketStatus | None  # type: ignore[valid-type]
    to_level: TicketLevel | None  # type: ignore[valid-type]
    to_status: TicketStatus | None  # type: ignore[valid-type]
    reason: str
    data: dict[str, Any]
    created_at: datetime


class ReproductionIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reproduced": True,
                    "steps": "1. Run the flow with order 4711.\n2. Watch step 3.",
                    "environment": "Contract 5f…, workspace QA, flow Orders v12",
                    "observed": "401 after the token refresh",
                    "analysis": "The refresh token is not persisted.",
                    "evidence_attachment_ids": [],
                    "evidence_log_lines": "",
                }
            ]
        },
    )

    reproduced: bool
    steps: Text = ""
    environment: Text = ""
    observed: Text = ""
    analysis: Text = ""
    evidence_attachment_ids: list[int] = Field(default_factory=list)
    evidence_log_lines: Text = ""


class ReproductionOut(Schema):
    id: int
    reproduced: bool
    steps: str
    environment: str
    observed: str
    analysis: str
    evidence_attachment_ids: list[int]
    evidence_log_lines: str
    recorded_by: str | None
    created_at: datetime
    escalation_missing: list[MissingOut] = Field(
        description="What the escalation gate still misses with this record."
    )


class HandoverOut(Schema):
    """One handover attempt L1 → L2: the checklist as it stood, and L2's decision."""

    attempt: int
    handed_over_by: str | None
    handed_over_at: datetime
    checklist: dict[str, Any] = Field(
        description="The gate items and the ticket's fields at handover."
    )
    outcome: HandoverOutcome  # type: ignore[valid-type]
    decided_by: str | None
    decided_at: datetime | None
    bounced_items: list[HandoverItem]  # type: ignore[valid-type]
    bounce_note: str


class FixOut(Schema):
    """A fix L3 delivered, and L2's verification of it."""

    id: int
    reference: str
    release: str
    notes: str
    delivered_by: str | None
    delivered_at: datetime
    verification: Verification  # type: ignore[valid-type]
    verified_by: str | None
    verified_at: datetime | None
    verification_notes: str
