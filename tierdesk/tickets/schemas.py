"""The API's ticket shapes. Input and output use the same names (the partners' contract)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from tierdesk.core.api_support import Instant, Text
from tierdesk.core.errors import InvalidInput
from tierdesk.sla.schemas import SlaOut
from tierdesk.tickets.services import ACTION_SERVICES


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class L1Checks(Strict):
    connectivity: Text = ""
    credentials: Text = ""


Reproducibility = Literal["", "always", "sometimes", "once"]
Priority = Literal["low", "normal", "high", "urgent"]


class TicketFields(Strict):
    """Every writable field, all optional (PATCH sends only what changes)."""

    title: Text | None = Field(None, max_length=200)
    priority: Priority | None = None
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
    reproducibility: Reproducibility | None = None
    context: Text | None = Field(None, description="What the user was doing when it happened.")
    is_blocker: bool | None = None
    blocker_impact: Text | None = None
    needed_by: Instant | None = Field(None, description="Latest acceptable time.")
    l1_checks: L1Checks | None = None
    pasted_log: Text | None = None
    no_logs_reason: Text | None = None


class TicketIn(TicketFields):
    title: Text = Field(..., min_length=1, max_length=200)
    description: Text = Field(..., min_length=1)
    customer: Text | None = Field(None, description="The customer's email address.")
    hand_over: bool = Field(False, description="Create straight at L2 through the handover gate.")


class TicketPatch(TicketFields):
    version: int = Field(..., description="The version you read; a stale one gets 409.")


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


class MissingOut(Schema):
    code: str
    message: str


class HandoverCheckOut(Schema):
    complete: bool
    missing: list[MissingOut]
    recommendations: list[MissingOut]


class TicketOut(Schema):
    id: int
    number: int
    reference: str
    title: str
    level: int
    status: str
    priority: str
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
    reproducibility: str
    context: str
    is_blocker: bool | None
    blocker_impact: str
    needed_by: datetime | None
    l1_checks: L1Checks
    pasted_log: str
    no_logs_reason: str
    assignee: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class TicketDetailOut(TicketOut):
    handover_check: HandoverCheckOut
    sla: SlaOut
    actions: list[str] = Field(description="Actions this caller may take now.")


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


Action = Enum("Action", {name: name for name in ACTION_SERVICES}, type=str)  # type: ignore[misc]


class ActionIn(Strict):
    """The body of an action; each action takes only its own keys (others get 422):
    take {}; hand_over {}; bounce {items, note}; ask_customer {message}; customer_reply
    {message}; resolve {resolution, cause}; escalate {override_reason?}; return_to_l2
    {reason}; deliver_fix {reference, release?, notes?}; verify_fix {passed, notes}; reopen
    {reason}; close {confirmed?}."""

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


class MessageIn(Strict):
    body: Text = Field(..., min_length=1)
    internal: bool = False


class MessageOut(Schema):
    id: int
    body: str
    internal: bool
    author: str | None
    channel: str
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    filename: str
    kind: str
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
    kind: str
    actor: str | None
    actor_role: str
    from_level: int | None
    from_status: str
    to_level: int | None
    to_status: str
    reason: str
    data: dict[str, Any]
    created_at: datetime


class ReproductionIn(Strict):
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
    created_at: datetime
    escalation_missing: list[MissingOut]
