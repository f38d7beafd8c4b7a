"""The API's webhook shapes (the partners' contract: keep names stable)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

EventName = Literal[
    "ticket.created",
    "ticket.handed_over",
    "ticket.bounced",
    "ticket.escalated",
    "ticket.fix_delivered",
    "ticket.resolved",
    "ticket.reopened",
    "message.created",
    "sla.at_risk",
    "sla.breached",
]


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(..., min_length=1, max_length=2000, description="http(s) receiver URL.")
    events: list[EventName] | None = Field(
        None, description="Events to receive; leave it out for all of them."
    )
    description: str = Field("", max_length=200)


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    secret_prefix: str = Field(..., description="The start of the secret, to tell them apart.")
    created_by: str | None
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        ...,
        description="Signs every delivery (X-Tierdesk-Signature). Shown only this once.",
    )


class DeliveryOut(Schema):
    id: UUID = Field(..., description="The delivery id: the receiver's idempotency key.")
    event: str
    occurred_at: datetime
    ticket_id: int | None
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class DeliveryFilters(Schema):
    status: Literal["pending", "succeeded", "failed"] | None = None
    cursor: str | None = None
    limit: int = Field(25, ge=1, le=100)
