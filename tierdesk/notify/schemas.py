"""The API's webhook shapes (the partners' contract: keep names stable)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from tierdesk.core.api_support import api_enum
from tierdesk.notify.models import DeliveryStatus as DeliveryStatusChoices
from tierdesk.notify.models import WebhookEvent as WebhookEventChoices

EventName = api_enum("WebhookEvent", WebhookEventChoices, doc="An event a webhook can receive.")
DeliveryStatus = api_enum("DeliveryStatus", DeliveryStatusChoices)


class WebhookIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://helpdesk.partner.example/tierdesk-events",
                    "events": ["ticket.bounced", "ticket.resolved"],
                    "description": "Our helpdesk",
                }
            ]
        },
    )

    url: str = Field(..., min_length=1, max_length=2000, description="http(s) receiver URL.")
    events: list[EventName] | None = Field(  # type: ignore[valid-type]
        None, description="Events to receive; leave it out for all of them."
    )
    description: str = Field("", max_length=200)


class WebhookPatch(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"active": False}, {"events": ["ticket.resolved"]}]},
    )

    url: str | None = Field(None, min_length=1, max_length=2000)
    events: list[EventName] | None = Field(  # type: ignore[valid-type]
        None, description="Replaces the list of events."
    )
    description: str | None = Field(None, max_length=200)
    active: bool | None = Field(None, description="false pauses the hook, true resumes it.")


class WebhookOut(Schema):
    id: int
    url: str
    events: list[EventName]  # type: ignore[valid-type]
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
    event: EventName  # type: ignore[valid-type]
    occurred_at: datetime
    ticket_id: int | None
    status: DeliveryStatus  # type: ignore[valid-type]
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
    status: DeliveryStatus | None = None  # type: ignore[valid-type]
    cursor: str | None = None
    limit: int = Field(25, ge=1, le=100)
