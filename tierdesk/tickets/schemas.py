"""The API's ticket shapes. Input and output use the same names (the partners' contract)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field

from tierdesk.tickets.services import ACTION_SERVICES


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class L1Checks(Strict):
    connectivity: str = ""
    credentials: str = ""


Reproducibility = Literal["", "always", "sometimes", "once"]
Priority = Literal["low", "normal", "high", "urgent"]


class TicketFields(Strict):
    """Every writable field, all optional (PATCH sends only what changes)."""

    title: str | None = Field(None, max_length=200)
    priority: Priority | None = None
    incident: bool | None = None
    contract_id: str | None = None
    workspace_id: str | None = None
    flow_id: str | None = None
    no_flow_reason: str | None = None
    platform_url: str | None = Field(None, description="Input only: fills the three IDs.")
    occurred_at: AwareDatetime | None = None
    occurred_until: AwareDatetime | None = None
    description: str | None = None
    expected_behaviour: str | None = None
    actual_behaviour: str | None = None
    steps_to_reproduce: str | None = None
    reproducibility: Reproducibility | None = None
    context: str | None = Field(None, description="What the user was doing when it happened.")
    is_blocker: bool | None = None
    blocker_impact: str | None = None
    needed_by: AwareDatetime | None = Field(None, description="Latest acceptable time.")
    l1_checks: L1Checks | None = None
    pasted_log: str | None = None
    no_logs_reason: str | None = None


class TicketIn(TicketFields):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1)
    customer: str | None = Field(None, description="The customer's email address.")
    hand_over: bool = Field(False, description="Create straight at L2 through the handover gate.")


class TicketPatch(TicketFields):
    version: int = Field(..., description="The version you read; a stale one gets 409.")


def service_fields(payload: TicketFields) -> dict[str, Any]:
    """The ticket fields a client set, in the services' names."""
    data = payload.model_dump(exclude_unset=True, exclude={"customer", "hand_over", "version"})
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
    items: list[str] | None = None
    note: str | None = None
    message: str | None = None
    resolution: str | None = None
    cause: str | None = None
    override_reason: str | None = None
    reason: str | None = None
    reference: str | None = None
    release: str | None = None
    notes: str | None = None
    passed: bool | None = None
    confirmed: bool | None = None


class MessageIn(Strict):
    body: str = Field(..., min_length=1)
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
    steps: str = ""
    environment: str = ""
    observed: str = ""
    analysis: str = ""
    evidence_attachment_ids: list[int] = Field(default_factory=list)
    evidence_log_lines: str = ""


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
